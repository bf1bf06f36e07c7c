// The static page: the model (model.onnx) scored by onnxruntime-web in this browser, described by
// its card (card.json), drawn with the Vega-Lite templates export.site wrote (charts.json).
// Nothing leaves the page: no request goes anywhere but the folder it was loaded from.
import * as ort from "./ort.wasm.min.mjs";

const FLOAT32_MAX = 3.4028234663852886e38;
const GRID_POINTS = 200;
const SHOWN_LEVELS = 12;
const MAX_ZOOM_OUT = 10;
const FORMULA_START = ["=", "+", "-", "@", "\t", "\r"];
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

ort.env.wasm.wasmPaths = new URL("./", import.meta.url).href;
ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a plain static host does not give

// ---------- the model: its inputs, terms and scoring ----------

function makeDesign(card) {
  const levels = {};
  for (const [name, feature] of Object.entries(card.categories ? card.categories.features : {})) {
    levels[name] = feature.levels;
  }
  const coding = card.categories ? card.categories.coding : "treatment";
  const features = card.feature_names;
  const termsOf = (name) => {
    if (!(name in levels)) return [name];
    const kept = coding === "treatment" ? levels[name].slice(1) : levels[name];
    return kept.map((level) => `${name}[${level}]`);
  };
  const starts = {};
  let count = 0;
  for (const name of features) {
    starts[name] = count;
    count += termsOf(name).length;
  }
  return {
    features,
    levels,
    coding,
    numeric: features.filter((f) => !(f in levels)),
    categorical: features.filter((f) => f in levels),
    termIndex: (name) => starts[name],
    // codes (a number per numeric feature, a level's index per categorical one) -> the terms' values
    expand(codes) {
      const terms = new Array(count).fill(0);
      features.forEach((name, j) => {
        if (!(name in levels)) terms[starts[name]] = codes[j];
        else if (coding !== "treatment") terms[starts[name] + codes[j]] = 1;
        else if (codes[j] > 0) terms[starts[name] + codes[j] - 1] = 1;
      });
      return terms;
    },
  };
}

// the texts that name each level: the level, and for True/False also true/TRUE/false/FALSE
function levelKeys(levels) {
  const keys = new Map();
  levels.forEach((level, i) => {
    keys.set(level, i);
    if (level === "True" || level === "False") {
      keys.set(level.toLowerCase(), i);
      keys.set(level.toUpperCase(), i);
    }
  });
  return keys;
}

// a raw value as a level (export/design.py's level_text): text without outer spaces, a whole
// number's digits alone (2, not 2.0 or +2; 007 stays 007)
const WHOLE_NUMBER = /^\+?(-?)(0|[1-9][0-9]*)(?:\.0*)?$/;
function levelText(value) {
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  const text = String(value).trim();
  const whole = WHOLE_NUMBER.exec(text);
  return whole ? whole[1] + whole[2] : text;
}

function knownLevels(levels) {
  const shown = levels.slice(0, SHOWN_LEVELS).join(", ");
  return `it knows: ${shown}${levels.length > SHOWN_LEVELS ? `, ... (${levels.length} in all)` : ""}`;
}

function shorten(text, limit = 40) {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}… (${text.length.toLocaleString("en-US")} characters)`;
}

function formatNumber(value) {
  // Python's f"{value:.6g}" (the Streamlit page's numbers): six significant digits, exponent
  // notation below 1e-4 and from 1e6, trailing zeros dropped
  if (!Number.isFinite(value)) return String(value);
  const [mantissa, power] = value.toExponential(5).split("e");
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa.replace(/\.?0+$/, "")}e${exponent < 0 ? "-" : "+"}${digits}`;
  }
  const fixed = value.toFixed(5 - exponent);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

class Model {
  constructor(card, session) {
    this.card = card;
    this.session = session;
    this.design = makeDesign(card);
    this.binary = card.task === "binary";
    this.classes = card.class_labels.length;
  }

  // rows of codes -> {probabilities: rows of K numbers, logit, label}, from the ONNX graph
  async scoreCodes(codes) {
    const { design } = this;
    const n = codes.length;
    const feeds = {};
    const numeric = design.features.map((f, j) => [f, j]).filter(([f]) => !(f in design.levels));
    if (numeric.length) {
      const x = new Float32Array(n * numeric.length);
      codes.forEach((row, i) => numeric.forEach(([, j], k) => (x[i * numeric.length + k] = row[j])));
      feeds.x = new ort.Tensor("float32", x, [n, numeric.length]);
    }
    if (design.categorical.length) {
      const texts = [];
      codes.forEach((row) =>
        design.features.forEach((f, j) => {
          if (f in design.levels) texts.push(design.levels[f][row[j]] ?? "");
        }),
      );
      feeds.categories = new ort.Tensor("string", texts, [n, design.categorical.length]);
    }
    const out = await this.session.run(feeds);
    const p = out.probabilities.data;
    const k = this.classes;
    const probabilities = Array.from({ length: n }, (_, i) => Array.from(p.subarray(i * k, (i + 1) * k)));
    const logitWidth = this.binary ? 1 : k;
    const logit = Array.from({ length: n }, (_, i) => Array.from(out.logit.data.subarray(i * logitWidth, (i + 1) * logitWidth)));
    return { probabilities, logit, label: Array.from(out.label.data, Number) };
  }

  // rows as objects keyed by feature name -> codes; an Error naming the first value that cannot be scored
  codesOf(rows) {
    const { design } = this;
    const keys = Object.fromEntries(design.categorical.map((f) => [f, levelKeys(design.levels[f])]));
    return rows.map((row, i) =>
      design.features.map((name) => {
        if (row === null || typeof row !== "object" || !(name in row)) {
          throw new Error(`row ${i + 1} has no value for feature '${name}'; give every feature: ${design.features.join(", ")}`);
        }
        const value = row[name];
        if (name in design.levels) {
          const index = value === null || value === undefined ? undefined : keys[name].get(levelText(value));
          if (index === undefined) {
            throw new Error(
              `feature '${name}' has '${shorten(levelText(value ?? ""))}' on row ${i + 1}, a level the model never saw ` +
                `in training (${knownLevels(design.levels[name])}); give one of those`,
            );
          }
          return index;
        }
        const number = typeof value === "number" ? value : NUMBER.test(String(value)) ? Number(value) : NaN;
        if (!Number.isFinite(number) || Math.abs(number) > FLOAT32_MAX) {
          throw new Error(`feature '${name}' has ${shorten(String(value))} on row ${i + 1}, not a finite number within float32's range`);
        }
        return number;
      }),
    );
  }

  // the logits of the model after history step `index`, in float64 from the card
  historyProbabilities(codes, index) {
    const weights = this.card.history.weights[index];
    const intercept = this.card.history.intercept[index];
    return codes.map((row) => probabilitiesOf(logitsOf(this.design.expand(row), weights, intercept), this.binary));
  }
}

function logitsOf(terms, weights, intercept) {
  return weights.map((w, l) => w.reduce((sum, wj, j) => sum + wj * terms[j], intercept[l]));
}

function probabilitiesOf(logits, binary) {
  if (binary) {
    const p1 = 1 / (1 + Math.exp(-logits[0]));
    return [1 - p1, p1];
  }
  const top = Math.max(...logits);
  const e = logits.map((z) => Math.exp(z - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

// ---------- the page ----------

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  children.forEach((child) => node.append(child));
  return node;
}

// export/charts.py's ``filled``: the template with its data sets, empty layers left out
function embed(target, template, data) {
  const spec = structuredClone(template);
  spec.datasets = data;
  if (spec.layer) spec.layer = spec.layer.filter((layer) => data[layer.data.name].length); // nothing to draw: no layer
  return window.vegaEmbed(target, spec, { actions: false });
}

// what a person typed -> a number, or an Error saying what to type (the Streamlit page's rules)
function parseEntry(text, name) {
  const entry = (text ?? "").trim();
  if (!entry) throw new Error(`Enter a value for ${name}.`);
  const word = entry.toLowerCase().replace(/^[+-]/, "");
  if (word === "nan") throw new Error(`${name}: NaN is not a value the model can score; enter a number.`);
  if (word === "inf" || word === "infinity") throw new Error(`${name}: infinity cannot be scored; enter a finite number.`);
  if (!NUMBER.test(entry)) {
    throw new Error(`${name}: '${shorten(entry)}' is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals).`);
  }
  const value = Number(entry);
  if (Math.abs(value) > FLOAT32_MAX) {
    throw new Error(`${name}: ${shorten(entry)} is beyond the float32 range the model takes (about ±3.4e38).`);
  }
  return value;
}

class Page {
  constructor(model) {
    this.model = model;
    this.card = model.card;
    this.design = model.design;
    this.values = this.design.features.map((name) => {
      const example = this.card.example?.[name];
      if (name in this.design.levels) {
        const feature = this.card.categories.features[name];
        const index = feature.levels.indexOf(example);
        return index >= 0 ? index : feature.shares.indexOf(Math.max(...feature.shares));
      }
      return example ?? this.card.data.features[name].mean;
    });
    this.entered = true;
    this.step = this.card.history.epoch.length - 1;
  }

  async start() {
    const card = this.card;
    $("about").textContent =
      `${card.task === "binary" ? "Binary" : "Multinomial"} logistic regression: ${card.target_name} ` +
      `(classes ${card.class_labels.join(", ")}) from ${card.feature_names.join(", ")}; ${card.data.n_rows} training ` +
      `rows from ${card.data.source}.`;
    this.buildForm();
    this.buildCurveControls();
    this.showCoefficients();
    this.buildBatch();
    await this.update();
  }

  buildForm() {
    const form = $("form");
    this.design.features.forEach((name, j) => {
      const label = element("label", { text: name });
      if (name in this.design.levels) {
        const feature = this.card.categories.features[name];
        const select = element("select", { name, "data-feature": name });
        feature.levels.forEach((level, k) => {
          const option = element("option", { value: String(k), text: `${level} (${(100 * feature.shares[k]).toFixed(1)}% of training rows)` });
          select.append(option);
        });
        select.value = String(this.values[j]);
        select.addEventListener("change", () => this.readForm());
        const reference = this.design.coding === "treatment" ? `, reference ${feature.levels[0]}` : "";
        label.append(select, element("span", { class: "field-note", text: `${feature.levels.length} levels${reference}` }));
      } else {
        const range = this.card.data.features[name];
        const input = element("input", { name, "data-feature": name, value: formatNumber(this.values[j]), inputmode: "decimal" });
        input.addEventListener("change", () => this.readForm());
        label.append(
          input,
          element("span", { class: "field-note", text: `trained on [${formatNumber(range.min)}, ${formatNumber(range.max)}]` }),
          element("span", { class: "field-error", "data-error": name }),
        );
      }
      form.append(label);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.readForm();
    });
  }

  async readForm() {
    let valid = true;
    this.design.features.forEach((name, j) => {
      const field = document.querySelector(`[data-feature="${CSS.escape(name)}"]`);
      if (name in this.design.levels) {
        this.values[j] = Number(field.value);
        return;
      }
      const message = document.querySelector(`[data-error="${CSS.escape(name)}"]`);
      try {
        this.values[j] = parseEntry(field.value, name);
        message.textContent = "";
      } catch (error) {
        message.textContent = error.message;
        valid = false;
      }
    });
    this.entered = valid;
    await this.update();
  }

  async update() {
    if (this.entered) await this.showPrediction();
    else {
      $("answer").replaceChildren();
      $("classes").replaceChildren();
    }
    this.showWarnings();
    await this.showCurve();
    await this.showLoss();
  }

  async showPrediction() {
    const card = this.card;
    const served = await this.model.scoreCodes([this.values]);
    const p = served.probabilities[0];
    const label = String(card.class_labels[served.label[0]]);
    const metric = (title, value, id) => element("div", { class: "metric", id }, element("span", { text: title }), element("strong", { text: value }));
    if (this.model.binary) {
      $("answer").replaceChildren(
        metric(`P(${card.target_name} = ${card.class_labels[1]})`, formatNumber(p[1]), "probability"),
        metric(`class (threshold ${formatNumber(card.threshold)})`, label, "label"),
        metric("logit", formatNumber(served.logit[0][0]), "logit"),
      );
    } else {
      const logits = served.logit[0].map(formatNumber).join(", ");
      $("answer").replaceChildren(metric("class (the most probable)", label, "label"), metric("logits", logits, "logit"));
    }
    const classes = card.class_labels.map((c, k) => ({ class: String(c), P: p[k] })); // every class's probability
    await embed("#classes", window.charts.classes, { classes });
  }

  showWarnings() {
    const list = [...(this.card.warnings ?? [])];
    const outside = this.design.numeric
      .map((name) => [name, this.values[this.design.features.indexOf(name)], this.card.data.features[name]])
      .filter(([, value, range]) => this.entered && !(range.min <= value && value <= range.max))
      .map(([name, value, range]) => `${name} = ${formatNumber(value)} (trained on [${formatNumber(range.min)}, ${formatNumber(range.max)}])`);
    if (outside.length) {
      list.push(
        `extrapolation: ${outside.join("; ")} lies outside the training range, where the data says nothing about ` +
          "the curve: the model only continues its straight line in the logit.",
      );
    }
    $("warnings").replaceChildren(...list.map((text) => element("li", { text })));
  }

  buildCurveControls() {
    const along = $("along");
    const choices = this.design.numeric.length ? this.design.numeric : this.design.categorical;
    choices.forEach((name) => along.append(element("option", { value: name, text: name })));
    along.addEventListener("change", () => this.showCurve());
    const epoch = $("epoch");
    epoch.max = String(this.card.history.epoch.length - 1);
    epoch.value = String(this.step);
    epoch.addEventListener("input", async () => {
      this.step = Number(epoch.value);
      await this.showCurve();
      await this.showLoss();
    });
    if (!this.design.numeric.length) $("epoch-label").hidden = true;
  }

  async showCurve() {
    const name = $("along").value;
    const j = this.design.features.indexOf(name);
    $("epoch-value").textContent = String(this.card.history.epoch[this.step]);
    if (name in this.design.levels) return this.showLevels(name, j);
    const range = this.card.data.features[name];
    const span = range.max > range.min ? range.max - range.min : 1;
    let low = range.min - 0.5 * span;
    let high = range.max + 0.5 * span;
    const value = this.values[j];
    if (this.entered && low - MAX_ZOOM_OUT * span <= value && value <= high + MAX_ZOOM_OUT * span) {
      low = Math.min(low, value - 0.1 * span);
      high = Math.max(high, value + 0.1 * span);
    }
    const grid = Array.from({ length: GRID_POINTS }, (_, i) => {
      const row = [...this.values];
      row[j] = low + ((high - low) * i) / (GRID_POINTS - 1);
      return row;
    });
    const served = (await this.model.scoreCodes(grid)).probabilities;
    const past = this.model.historyProbabilities(grid, this.step);
    const shown = this.model.binary ? [1] : this.card.class_labels.map((_, k) => k);
    const curves = [];
    for (const [curve, probabilities] of [["served model", served], ["after the chosen step", past]]) {
      grid.forEach((row, i) => shown.forEach((k) => curves.push({ value: row[j], P: probabilities[i][k], class: String(this.card.class_labels[k]), curve })));
    }
    const stored = this.card.data.rows;
    const rows = stored.x
      .map((x, i) => ({ value: x[j], P: this.model.binary ? stored.y[i] : 0, class: String(this.card.class_labels[stored.y[i]]) }))
      .filter((r) => low <= r.value && r.value <= high);
    const boundary = this.boundary(j);
    const point = [];
    if (this.entered && low <= value && value <= high) {
      const p = (await this.model.scoreCodes([this.values])).probabilities[0];
      shown.forEach((k) => point.push({ value, P: p[k] }));
    }
    await embed("#curve", window.charts.curves[name], {
      curves,
      rows,
      boundary: boundary !== null && low <= boundary && boundary <= high ? [{ value: boundary }] : [],
      point,
    });
    $("curve-note").textContent =
      "Solid: the served model (onnxruntime-web). Dashed: the model after the chosen step." +
      (this.model.binary ? " Gray dashes: the decision boundary, where P equals the threshold." : "") +
      " Diamond: your input." + (this.design.features.length > 1 ? " The other features are held at the values entered above." : "");
  }

  // binary: where along feature j P(class 1) equals the threshold, the others at the entered values
  boundary(j) {
    if (!this.model.binary) return null;
    const weights = this.card.coefficients.weights[0];
    const w = weights[this.design.termIndex(this.design.features[j])];
    if (w === 0) return null;
    const logit = logitsOf(this.design.expand(this.values), [weights], this.card.coefficients.intercept)[0];
    const t = this.card.threshold;
    return this.values[j] + (Math.log(t / (1 - t)) - logit) / w;
  }

  async showLevels(name, j) {
    const levels = this.design.levels[name];
    const rows = levels.map((_, k) => {
      const row = [...this.values];
      row[j] = k;
      return row;
    });
    const served = (await this.model.scoreCodes(rows)).probabilities;
    const shown = this.model.binary ? [1] : this.card.class_labels.map((_, k) => k);
    const data = [];
    levels.forEach((level, k) => shown.forEach((c) => data.push({ level, P: served[k][c], class: String(this.card.class_labels[c]) })));
    await embed("#curve", window.charts.levels[name], { levels: data });
    $("curve-note").textContent = "P for each level; the other features are held at the values chosen above.";
  }

  async showLoss() {
    const history = this.card.history;
    const points = history.epoch.map((epoch, i) => ({ epoch, loss: history.loss[i] }));
    await embed("#loss", window.charts.loss, { history: points, step: [{ epoch: history.epoch[this.step] }] });
  }

  showCoefficients() {
    const card = this.card;
    const table = card.statistics?.coefficients;
    let header;
    let rows;
    if (table) {
      header = ["term", "estimate", "std. error", "z", "p-value", "95% low", "95% high"];
      const columns = [table.estimate, table.std_error, table.z, table.p_value, table.ci_low, table.ci_high];
      rows = table.terms.map((term, i) => [term, ...columns.map((c) => (c[i] === null ? "-" : formatNumber(c[i])))]);
    } else {
      const terms = ["(intercept)", ...(card.terms ?? card.feature_names)];
      const logits = card.coefficients.weights.map((w, l) => [card.coefficients.intercept[l], ...w]);
      header = ["term", ...(this.model.binary ? ["estimate"] : card.class_labels.map((c) => `class ${c}`))];
      rows = terms.map((term, i) => [term, ...logits.map((column) => formatNumber(column[i]))]);
    }
    $("coefficient-table").replaceChildren(tableOf(header, rows));
    const stats = card.statistics;
    const facts = [];
    if (stats) {
      facts.push(`log-likelihood ${formatNumber(stats.log_likelihood)} (intercept only ${formatNumber(stats.null_log_likelihood)})`);
      if (stats.lr_test) {
        const t = stats.lr_test;
        facts.push(`likelihood-ratio test against the intercept-only model: chi-squared ${formatNumber(t.statistic)} on ${t.df} degrees of freedom, p = ${formatNumber(t.p_value)}`);
      }
      for (const [name, t] of Object.entries(stats.feature_tests ?? {})) {
        facts.push(`${name} as a whole (leaving out all its levels' terms): chi-squared ${formatNumber(t.statistic)} on ${t.df} degrees of freedom, p = ${formatNumber(t.p_value)}`);
      }
      if (stats.mcfadden_r2 !== undefined && stats.mcfadden_r2 !== null) facts.push(`McFadden's pseudo-R-squared ${formatNumber(stats.mcfadden_r2)}`);
      stats.notes.forEach((note) => facts.push(`Not shown: ${note}.`));
    }
    $("facts").replaceChildren(...facts.map((text) => element("li", { text })));
  }

  buildBatch() {
    const levels = this.design.categorical.map((f) => ` ${f} takes one of: ${this.design.levels[f].join(", ")}.`).join("");
    $("batch-columns").textContent = `Columns needed: ${this.design.features.join(", ")}.${levels} The file stays in this browser.`;
    $("batch-file").addEventListener("change", async (event) => {
      const file = event.target.files[0];
      if (file) await this.scoreFile(file);
    });
    $("batch-complete").addEventListener("change", async () => {
      const file = $("batch-file").files[0];
      if (file) await this.scoreFile(file);
    });
  }

  async scoreFile(file) {
    const message = $("batch-message");
    const link = $("batch-download");
    message.replaceChildren();
    link.hidden = true;
    $("batch-table").replaceChildren();
    try {
      const text = await file.text();
      const completeRows = $("batch-complete").checked;
      const { header, rows, sep, renamed, unscored, columns } = await scoreCsv(this.model, text, "the CSV file", completeRows);
      const csv = [header, ...rows].map((row) => row.map((cell) => csvCell(cell, sep)).join(sep)).join("\n") + "\n";
      window.logreg.scored = csv;
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      link.hidden = false;
      $("batch-table").replaceChildren(tableOf(header, rows.slice(0, 100)));
      const extra = columns.filter((c) => !this.design.features.includes(c));
      const notes = [];
      if (extra.length) notes.push(`Columns ${listed(extra)} are not features of this model: they are carried through unchanged.`);
      if (renamed) notes.push(renamed);
      if (unscored) notes.push(unscored);
      message.replaceChildren(...notes.map((text) => element("p", { class: "quiet", text })));
    } catch (error) {
      message.replaceChildren(element("p", { class: "error", text: error.message }));
    }
  }
}

function tableOf(header, rows) {
  return element(
    "table",
    {},
    element("thead", {}, element("tr", {}, ...header.map((h) => element("th", { text: h })))),
    element("tbody", {}, ...rows.map((row) => element("tr", {}, ...row.map((cell) => element("td", { text: String(cell) }))))),
  );
}

// ---------- batch scoring: the Streamlit page's checks, messages and formula escaping ----------

const DELIMITERS = [",", ";", "\t", "|"];
// export.scoring.COMPLETE_ROWS_HINT: said after a message about a missing cell
const COMPLETE_ROWS_HINT = ", or score only the complete rows (--complete-rows; on the pages, the box below the upload)";
const DECIMAL_COMMA = /^\s*[+-]?\d*,\d+\s*$/;
const DECIMAL_POINT = /^\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*$/;
// export.csv_input.GROUPED: a number whose digits may be grouped in threes, by its decimal mark
const GROUPED = {
  ",": /^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d*)?\s*$/,
  ".": /^\s*[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?\s*$/,
};

// export.csv_input.sniff's decimal and thousands marks, told from the cells of the first rows
function numberMarks(sep, cells) {
  const comma = cells.some((c) => DECIMAL_COMMA.test(c) || (GROUPED[","].test(c) && c.includes(",")));
  const point = cells.some((c) => DECIMAL_POINT.test(c) && !GROUPED[","].test(c));
  const decimal = sep !== "," && comma && !point ? "," : ".";
  const mark = decimal === "," ? "." : ",";
  const thousands = cells.some((c) => GROUPED[decimal].test(c) && c.includes(mark)) ? mark : null;
  return { decimal, thousands };
}

// records with the line (as an editor counts: quoted line breaks included) each starts on
function parseCsv(text, sep) {
  const records = [];
  let field = "";
  let record = [];
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    records.push({ cells: record, line: start });
    record = [];
    field = "";
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else {
        if (c === "\n") line += 1;
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === sep) {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      i += 1;
      continue;
    } else if (c === "\n" || c === "\r") {
      line += 1;
      if (record.length || field !== "") endRecord();
      start = line;
    } else field += c;
    i += 1;
  }
  if (quoted) throw new Error("a quoted cell is never closed");
  if (record.length || field !== "") endRecord();
  return records;
}

function sniff(text) {
  const first = text.split(/\r?\n/, 1)[0];
  let sep = ",";
  let most = 0;
  for (const candidate of DELIMITERS) {
    const count = first.split(candidate).length - 1;
    if (count > most) {
      most = count;
      sep = candidate;
    }
  }
  return sep;
}

async function scoreCsv(model, raw, name, completeRows = false) {
  const text = raw.replace(/^\uFEFF/, "");
  if (!text.trim()) throw new Error(`${name} is empty; it needs a header line and data rows`);
  const sep = sniff(text);
  let records;
  try {
    records = parseCsv(text, sep);
  } catch (error) {
    throw new Error(`${name} is not well-formed CSV (${error.message}); fix that line and retry`);
  }
  const header = records[0].cells.map((c) => c.trim());
  const data = records.slice(1);
  if (!data.length) throw new Error(`${name} has a header but no data rows; add rows and retry`);
  const twice = header.find((c, i) => header.indexOf(c) !== i);
  if (twice !== undefined) throw new Error(`${name} has more than one column named '${twice}'; rename or remove the copies`);
  const bad = data.find((r) => r.cells.length !== header.length);
  if (bad) throw new Error(`${name} is not well-formed CSV (line ${bad.line} has ${bad.cells.length} cells, the header ${header.length}); fix that line and retry`);
  const { design } = model;
  const missing = design.features.filter((f) => !header.includes(f));
  if (missing.length) throw new Error(`${name} lacks the feature column(s) ${missing.join(", ")}; the model needs ${design.features.join(", ")}`);
  const { decimal, thousands } = numberMarks(sep, data.slice(0, 49).flatMap((r) => r.cells));
  const decimalComma = decimal === ",";
  const plain = (cell) => {
    const t = cell.trim();
    if (!GROUPED[decimal].test(t)) return t;
    const ungrouped = thousands ? t.split(thousands).join("") : t;
    return decimalComma ? ungrouped.replace(",", ".") : ungrouped;
  };
  const shown = (cell) => {
    const t = cell.trim();
    if (!t) return "an empty cell";
    if (t.toLowerCase().replace(/^[+-]/, "") === "nan") return "NaN";
    return `'${shorten(t)}'`;
  };
  const complete = (r) => design.features.every((f) => r.cells[header.indexOf(f)].trim() !== "");
  const scoring = completeRows ? data.filter(complete) : data; // export.scoring.scored's complete_rows
  const codes = scoring.map(() => []);
  for (const feature of design.features) {
    const column = header.indexOf(feature);
    const cells = scoring.map((r) => r.cells[column]);
    let values;
    let problem;
    if (feature in design.levels) {
      const keys = levelKeys(design.levels[feature]);
      values = cells.map((c) => keys.get(levelText(c)));
      problem = `not a level the model saw in training (${knownLevels(design.levels[feature])})`;
    } else {
      values = cells.map((c) => {
        const t = plain(c);
        const v = NUMBER.test(t) ? Number(t) : NaN;
        return Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX ? v : undefined;
      });
      problem = "not a finite number within float32's range";
    }
    const wrong = values.map((v) => v === undefined);
    const first = wrong.indexOf(true);
    if (first >= 0) {
      const count = wrong.filter(Boolean).length;
      const hint = cells[first].trim() === "" ? COMPLETE_ROWS_HINT : "";
      throw new Error(`${name}: column ${feature} on line ${scoring[first].line} has ${shown(cells[first])}, ${problem}; ${count} row(s) are affected. Fix them and score again${hint}`);
    }
    values.forEach((v, i) => codes[i].push(v));
  }
  const served = await model.scoreCodes(codes);
  const card = model.card;
  const { names, renamed } = scoreNames(card, header);
  const written = decimalComma ? (p) => String(p).replace(".", ",") : String;
  const scores = new Map(scoring.map((r, i) => [r, [...served.probabilities[i].map(written), String(card.class_labels[served.label[i]])]]));
  const rows = data.map((r) => [...r.cells, ...(scores.get(r) ?? names.map(() => ""))]);
  const outHeader = [...records[0].cells, ...names];
  const skipped = data.length - scoring.length;
  const unscored = skipped ? `${skipped.toLocaleString("en-US")} row(s) of ${name} have missing cells: left unscored (their score columns are empty).` : null;
  return { header: outHeader.map(neutralise), rows: rows.map((row) => row.map(neutralise)), sep, renamed, unscored, columns: header };
}

// the columns scoring appends, as export.scoring.score_names names them: an input column of the
// same name is never overwritten; the new one is "NAME (scored)", "NAME (scored 2)", ...
function scoreNames(card, columns) {
  const standard = [...card.class_labels.map((c) => `P(${card.target_name} = ${c})`), "label"];
  const taken = new Set(columns);
  const names = standard.map((wanted) => {
    let name = wanted;
    for (let n = 1; taken.has(name); n++) name = `${wanted} (scored${n === 1 ? "" : ` ${n}`})`;
    taken.add(name);
    return name;
  });
  const changed = names.filter((name, i) => name !== standard[i]).map((name) => `'${name}'`);
  const renamed = changed.length ? `The file already has columns of the names scoring writes; the scores are in ${changed.join(", ")}.` : null;
  return { names, renamed };
}

// a text cell a spreadsheet would run as a formula gets a leading ' (numbers, such as -5, stay)
function neutralise(cell) {
  if (typeof cell === "string" && FORMULA_START.some((s) => cell.startsWith(s)) && !NUMBER.test(cell)) return `'${cell}`;
  return cell;
}

function csvCell(cell, sep) {
  const text = String(cell);
  return text.includes(sep) || /["\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// export.errors.listed: up to 12 values, then how many there are in all
function listed(values) {
  const shown = values.slice(0, 12).join(", ");
  return values.length > 12 ? `${shown}, ... (${values.length.toLocaleString("en-US")} in all)` : shown;
}

// ---------- start ----------

async function main() {
  const [card, charts] = await Promise.all(["card.json", "charts.json"].map((f) => fetch(f).then((r) => r.json())));
  window.charts = charts;
  const session = await ort.InferenceSession.create("model.onnx", { executionProviders: ["wasm"] });
  const model = new Model(card, session);
  window.logreg = {
    card,
    // rows: objects keyed by feature name -> per-row probabilities, in class_labels order
    predict: async (rows) => (await model.scoreCodes(model.codesOf(rows))).probabilities,
    scored: null,
  };
  await new Page(model).start();
  window.logreg.ready = true;
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  const failure = $("failure");
  failure.textContent = `This page could not start: ${error.message}`;
  failure.hidden = false;
  document.body.dataset.ready = "failed";
});
