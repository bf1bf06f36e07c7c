// The model's inputs and terms (export/design.py; a formula model's: formula.js): features, levels
// and their coding, the parts an explanation names and their training means; the checks of rows
// handed to window.logreg.predict (export/reader/inputs.py); the logits of stored weights.
import { formulaDesign } from "./formula.js";
import { anchored, rules } from "./rules.js";
import { FLOAT32_MAX, described, formatNumber, own, shorten } from "./text.js";

export function makeDesign(card) {
  const levels = new Map(Object.entries(card.categories ? card.categories.features : {}).map(([name, f]) => [name, f.levels]));
  const coding = card.categories ? card.categories.coding : "treatment";
  const features = card.feature_names;
  const inputs = {
    features,
    levels,
    coding,
    isCategorical: (name) => levels.has(name),
    numeric: features.filter((f) => !levels.has(f)),
    categorical: features.filter((f) => levels.has(f)),
  };
  return card.formula ? { ...inputs, formula: true, ...formulaDesign(card, levels) } : { ...inputs, ...mainEffects(card, inputs) };
}

// features that enter as themselves (numeric) or their levels (categorical): export/design.py's Design
function mainEffects(card, { features, levels, coding }) {
  const width = (name) => (!levels.has(name) ? 1 : coding === "treatment" ? levels.get(name).length - 1 : levels.get(name).length);
  const starts = new Map();
  let count = 0;
  for (const name of features) {
    starts.set(name, count);
    count += width(name);
  }
  // export/explain.py's term_means: a numeric feature's mean, a level's share
  const means = features.flatMap((name) => {
    if (!levels.has(name)) return [own(card.data.features, name).mean];
    const feature = own(card.categories.features, name);
    return feature.shares.slice(coding === "treatment" ? 1 : 0);
  });
  return {
    termIndex: (name) => starts.get(name),
    parts: features.map((name) => ({ name, start: starts.get(name), width: width(name) })),
    means,
    undefinedTerm: () => null,
    // codes (a number per numeric feature, a level's index per categorical one) -> the terms' values
    expand(codes) {
      const terms = new Array(count).fill(0);
      features.forEach((name, j) => {
        const start = starts.get(name);
        if (!levels.has(name)) terms[start] = codes[j];
        else if (coding !== "treatment") terms[start + codes[j]] = 1;
        else if (codes[j] > 0) terms[start + codes[j] - 1] = 1;
      });
      return terms;
    },
  };
}

// export/design.py's level_keys: the texts that name each level (the level, and for a boolean
// feature's True/False the other spellings CSV files write)
export function levelKeys(levels) {
  const keys = new Map();
  const spellings = new Map(Object.entries(rules.boolean_spellings));
  levels.forEach((level, i) => {
    keys.set(level, i);
    for (const spelling of spellings.get(level) ?? []) keys.set(spelling, i);
  });
  return keys;
}

// export/design.py's level_text: a raw value as a level, text without outer spaces, a whole
// number's digits alone (2, not 2.0 or +2; 007 stays 007)
export function levelText(value) {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  const text = String(value).trim();
  const whole = anchored(rules.whole_number).exec(text);
  return whole ? whole[1] + whole[2] : text;
}

export function knownLevels(levels) {
  const shown = levels.slice(0, rules.shown_levels).join(", ");
  return `it knows: ${shown}${levels.length > rules.shown_levels ? `, ... (${levels.length} in all)` : ""}`;
}

const blank = (value) => value === null || value === undefined || Number.isNaN(value) || (typeof value === "string" && !value.trim());

// export.reader.inputs' checks of rows given by feature name: the same refusals, the same words
export function checkedRows(rows, features) {
  if (!Array.isArray(rows)) {
    const kind = rows === null || rows === undefined ? String(rows) : `a ${typeof rows === "object" ? "plain object" : typeof rows}`;
    throw new Error(`cannot read rows from ${kind}; give a list of objects keyed by feature name (one per row)`);
  }
  rows.forEach((row, i) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      throw new Error(`row ${i + 1} is ${described(row)}, not an object keyed by feature name; give one object per row`);
    }
    const missing = features.filter((f) => !Object.hasOwn(row, f));
    if (missing.length) throw new Error(`row ${i + 1} has no value for feature(s) ${shorten(missing.join(", "))}; give each`);
  });
  return rows;
}

export function checkedNumber(value, name, i) {
  if (blank(value)) throw new Error(`feature '${name}' has no value on row ${i + 1}; give a number`);
  if (typeof value !== "number") throw new Error(`feature '${name}' takes numbers, but row ${i + 1} has ${described(value)}; give a number`);
  if (!(Math.abs(value) <= FLOAT32_MAX)) {
    throw new Error(`feature '${name}' has ${formatNumber(value)} on row ${i + 1}, not a finite number within float32's range (±3.4e+38); give a smaller one`);
  }
  return value;
}

export function checkedLevel(value, name, i, levels, keys) {
  if (blank(value)) throw new Error(`feature '${name}' has no value on row ${i + 1}; give one of its levels`);
  if (!["string", "number", "boolean"].includes(typeof value)) {
    throw new Error(`feature '${name}' takes one of its levels as text, but row ${i + 1} has ${described(value)}; give one (${knownLevels(levels)})`);
  }
  const index = keys.get(levelText(value));
  if (index === undefined) {
    throw new Error(
      `feature '${name}' has '${shorten(levelText(value))}' on row ${i + 1}, a level the model never saw ` +
        `in training (${knownLevels(levels)}); give one of those`,
    );
  }
  return index;
}

export function logitsOf(terms, weights, intercept) {
  return weights.map((w, l) => w.reduce((sum, wj, j) => sum + wj * terms[j], intercept[l]));
}

export function probabilitiesOf(logits, binary) {
  if (binary) {
    const p1 = 1 / (1 + Math.exp(-logits[0]));
    return [1 - p1, p1];
  }
  const top = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

// export/explain.py's explain_codes: each part's (a feature's; a formula model's term's)
// contribution to each logit (its columns' coefficients times their value minus the training mean,
// a level's mean being its share) and the base, the logit at the training means; base + the
// contributions is the logit
export function explain(card, design, codes) {
  const { means } = design;
  const { weights, intercept } = card.coefficients;
  const read = codes.map((value) => Math.fround(value)); // as the graph reads them: float32
  const centred = design.expand(read).map((value, t) => value - means[t]);
  const base = weights.map((w, l) => w.reduce((sum, wt, t) => sum + wt * means[t], intercept[l]));
  const contributions = design.parts.map(({ start, width }) => {
    return weights.map((w) => {
      let sum = 0;
      for (let t = start; t < start + width; t++) sum += w[t] * centred[t];
      return sum;
    });
  });
  return { base, contributions }; // base: one per logit; contributions: [part][logit]
}

// export/charts.py's waterfall_steps: the waterfall's rows for one logit
export function waterfallSteps(base, contributions, names, logit, parts = "features") {
  const order = names.map((_, j) => j).sort((a, b) => Math.abs(contributions[b]) - Math.abs(contributions[a]));
  const shown = order.slice(0, rules.waterfall_features);
  const rest = order.slice(rules.waterfall_features);
  const steps = [{ step: "base (at the training means)", start: 0, end: base, change: base, kind: "base" }];
  let running = base;
  for (const j of shown) {
    const change = contributions[j];
    steps.push({ step: names[j], start: running, end: running + change, change, kind: change >= 0 ? "raises" : "lowers" });
    running += change;
  }
  if (rest.length) {
    const change = rest.reduce((sum, j) => sum + contributions[j], 0);
    steps.push({ step: `the other ${rest.length} ${parts}`, start: running, end: running + change, change, kind: "the others" });
  }
  steps.push({ step: "logit", start: 0, end: logit, change: logit, kind: "logit" });
  return steps.map((step, i) => ({ ...step, order: i, row: `${i + 1}. ${step.step}` }));
}

// export/optimum.py's coefficient_probabilities: the class probabilities of raw-unit coefficients
// (a history step's, the optimum's) for rows of codes, in float64 from the card
export function coefficientProbabilities(design, weights, intercept, codes, binary) {
  return codes.map((row) => probabilitiesOf(logitsOf(design.expand(row), weights, intercept), binary));
}
