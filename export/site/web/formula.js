// A formula model's design (export/formula/design.py), from the card's formula section: each
// factor's columns (an expression tree the card hands over as JSON, a level's indicator, a spline
// basis from its stored pieces), the products of factors (the first factor's columns varying
// fastest), and the row whose inputs leave a term undefined (rules.undefined_term says it).
import { filled, rules } from "./rules.js";
import { formatNumber, shorten } from "./text.js";

const OPERATORS = { "+": (a, b) => a + b, "-": (a, b) => a - b, "*": (a, b) => a * b, "/": (a, b) => a / b, "**": (a, b) => a ** b };
const FUNCTIONS = { log: Math.log, exp: Math.exp, sqrt: Math.sqrt };

// export/formula/expression.py's evaluate, on one row's numbers (by column name)
export function evaluate(tree, numbers) {
  const [kind, ...parts] = tree;
  if (kind === "column") return numbers.get(parts[0]);
  if (kind === "number") return parts[0];
  if (kind === "neg") return -evaluate(parts[0], numbers);
  if (Object.hasOwn(FUNCTIONS, kind)) return FUNCTIONS[kind](evaluate(parts[0], numbers));
  return OPERATORS[kind](evaluate(parts[0], numbers), evaluate(parts[1], numbers));
}

// export/formula/pieces.py's Pieces.evaluate: the basis at one value s
export function pieceValues(breaks, pieces, s) {
  const m = breaks.length - 1;
  let piece = s > breaks[m] ? 1 : 0;
  for (let k = 0; k < m; k++) if (s >= breaks[k]) piece += 1;
  const origin = piece === 0 ? breaks[0] : piece > m ? breaks[m] : breaks[piece - 1];
  const width = piece === 0 ? breaks[1] - breaks[0] : piece > m ? breaks[m] - breaks[m - 1] : breaks[piece] - breaks[piece - 1];
  const u = (s - origin) / width;
  return pieces[piece].map((row) => row.reduce((sum, c, p) => sum + c * u ** p, 0));
}

export function formulaDesign(card, levels) {
  const { factors, terms } = card.formula;
  const features = card.feature_names;
  const numbersOf = (codes) => new Map(features.map((name, j) => [name, codes[j]]).filter(([name]) => !levels.has(name)));
  const block = (factor, codes, numbers) => {
    if (factor.kind === "categories") {
      const count = levels.get(factor.source).length;
      const level = codes[features.indexOf(factor.source)];
      return Array.from({ length: count }, (_, k) => (Number.isInteger(level) && level >= 0 && level < count ? Number(k === level) : NaN));
    }
    const value = evaluate(factor.tree, numbers);
    return factor.kind === "number" ? [value] : pieceValues(factor.breaks, factor.pieces, value);
  };
  const product = (blocks, parts) => {
    let values = [1];
    for (const [index, reduced] of parts) {
      const columns = reduced ? blocks[index].slice(1) : blocks[index];
      values = columns.flatMap((column) => values.map((value) => value * column));
    }
    return values;
  };
  const factorWidth = (factor) => (factor.kind === "categories" ? levels.get(factor.source).length : factor.kind === "number" ? 1 : factor.pieces[0].length);
  const productWidth = (parts) => parts.reduce((w, [index, reduced]) => w * (factorWidth(factors[index]) - (reduced ? 1 : 0)), 1);
  const width = (term) => term.products.reduce((sum, parts) => sum + productWidth(parts), 0);
  let start = 0;
  const parts = terms.map((term) => {
    const part = { name: term.label, start, width: width(term) };
    start += part.width;
    return part;
  });
  return {
    parts,
    means: card.formula.means,
    expand(codes) {
      const numbers = numbersOf(codes);
      const blocks = factors.map((factor) => block(factor, codes, numbers));
      return terms.flatMap((term) => term.products.flatMap((parts) => product(blocks, parts)));
    },
    // export/formula/design.py's beyond: the splines whose argument lies past their boundary knots
    beyond(codes) {
      const numbers = numbersOf(codes);
      return factors
        .filter((factor) => factor.kind === "spline")
        .map((factor) => [factor, evaluate(factor.tree, numbers), factor.breaks[0], factor.breaks[factor.breaks.length - 1]])
        .filter(([, value, low, high]) => value < low || value > high)
        .map(([factor, value, low, high]) => `${factor.source} = ${formatNumber(value)} in ${factor.label} (boundary knots [${formatNumber(low)}, ${formatNumber(high)}])`);
    },
    // the first term one row's numbers leave undefined: { column, message }, or null
    undefinedTerm(codes, where) {
      const numbers = numbersOf(codes);
      for (const factor of factors) {
        if (factor.kind === "categories" || Number.isFinite(evaluate(factor.tree, numbers))) continue;
        const read = [...new Set(columnsOf(factor.tree))];
        const values = read.map((name) => `${name} = ${formatNumber(numbers.get(name))}`).join(", ");
        const term = shorten(factor.label);
        return { column: read[0], term, message: filled(rules.undefined_term, { term, where, values }) };
      }
      return null;
    },
  };
}

function columnsOf(tree) {
  const [kind, ...parts] = tree;
  if (kind === "column") return [parts[0]];
  if (kind === "number") return [];
  return parts.flatMap(columnsOf);
}
