// Batch scoring: the Streamlit page's checks, messages and formula escaping (export/scoring.py,
// export/csv_input.py), a slice at a time so the page stays responsive.
import { levelKeys, levelText, knownLevels } from "./design.js";
import { anchored, filled, rules } from "./rules.js";
import { FLOAT32_MAX, printable, pythonFloat, shorten } from "./text.js";

const SCORE_CHUNK = 4096; // rows scored between two turns of the page's event loop
const PARSE_SLICE = 1 << 19; // characters parsed between two turns
const ROW_SLICE = 8192; // rows checked or written between two turns of the event loop
// a line of these characters only (spaces and tabs) is blank: pandas skips it
const blank = (text) => [...text].every((c) => rules.blank.includes(c));
const pause = () => new Promise((resolve) => setTimeout(resolve, 0)); // let the page handle input and paint

// work(from, to) over [0, count) a slice at a time; false if `current()` says a newer run took over
export async function sliced(count, work, current) {
  for (let from = 0; from < count; from += ROW_SLICE) {
    work(from, Math.min(count, from + ROW_SLICE));
    await pause();
    if (!current()) return false;
  }
  return true;
}

// export.csv_input.sniff's decimal and thousands marks, told from the cells of the first rows
export function numberMarks(sep, cells) {
  const grouped = (decimal) => anchored(rules.grouped[decimal]);
  const comma = cells.some((c) => anchored(rules.decimal_comma).test(c) || (grouped(",").test(c) && c.includes(",")));
  const point = cells.some((c) => anchored(rules.decimal_point).test(c) && !grouped(",").test(c));
  const decimal = sep !== "," && comma && !point ? "," : ".";
  const mark = decimal === "," ? "." : ",";
  const thousands = cells.some((c) => grouped(decimal).test(c) && c.includes(mark)) ? mark : null;
  return { decimal, thousands };
}

// the offset of the first byte that is not UTF-8 (as Python's decoder reports it: where the broken
// sequence starts), or -1
export function utf8Problem(bytes) {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let size;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) size = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      size = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      size = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < size; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += size;
  }
  return -1;
}

// the file's text, as export.csv_input reads it: UTF-8, a byte-order mark dropped
export function decoded(bytes, name) {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const offset = utf8Problem(body);
  if (offset >= 0) {
    throw new Error(`${name} is not UTF-8 text (byte 0x${body[offset].toString(16).padStart(2, "0")} at offset ${offset}); ${rules.encoding_advice}`);
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(body);
}

// records with the line (as an editor counts: quoted line breaks included) each starts on, as
// pandas reads them (spaces after a delimiter skipped; blank lines too, those of rules.blank only); at most `keep` records
// are kept, the rest only counted. A slice at a time: `report(share done)` between slices.
export async function parseCsv(text, sep, keep, report) {
  const records = [];
  let count = 0;
  let field = "";
  let record = [];
  let quoted = false;
  let started = false; // the field has begun: spaces are no longer skipped
  let quotedCell = false; // the record has a quoted cell: not a blank line, even if empty
  const blankLine = () => !record.length && !quotedCell && blank(field);
  let line = 1;
  let start = 1;
  const endField = () => {
    record.push(field);
    field = "";
    started = false;
  };
  const endRecord = () => {
    endField();
    if (count < keep) records.push({ cells: record, line: start });
    count += 1;
    record = [];
  };
  let i = 0;
  let slice = PARSE_SLICE;
  while (i < text.length) {
    if (i >= slice) {
      slice += PARSE_SLICE;
      if ((await report(i / text.length)) === false) return null;
    }
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
    if (c === '"' && !started) {
      quoted = true;
      quotedCell = true;
      started = true;
    } else if (c === " " && !started) {
      // skipinitialspace: spaces after a delimiter are not part of the cell
    } else if (c === sep) endField();
    else if (c === "\r" && text[i + 1] === "\n") {
      i += 1;
      continue;
    } else if (c === "\n" || c === "\r") {
      line += 1;
      if (!blankLine()) endRecord();
      else field = "";
      started = false;
      quotedCell = false;
      start = line;
    } else {
      field += c;
      started = true;
    }
    i += 1;
  }
  if (!blankLine()) endRecord();
  return { records, count, unclosed: quoted };
}

// export.csv_input.sniff's delimiter: the one of rules.delimiters that the first line that is not
// blank (in the file's first rules.sniff_bytes bytes) holds most often, a comma on a tie
export function sniff(bytes) {
  const head = new TextDecoder("utf-8").decode(bytes.subarray(0, rules.sniff_bytes)); // a byte-order mark dropped
  const lineEnd = new RegExp(rules.line_end, "g");
  let first = "";
  for (let start = 0; ; ) {
    const end = lineEnd.exec(head);
    const line = head.slice(start, end ? end.index : head.length);
    if (!blank(line)) {
      first = line;
      break;
    }
    if (!end) break;
    start = lineEnd.lastIndex;
  }
  const count = (d) => first.split(d).length - 1;
  return rules.delimiters.reduce((best, d) => {
    const [a, b] = [count(d), count(best)];
    return a > b || (a === b && d === ",") ? d : best;
  });
}

export async function scoreCsv(model, bytes, name, completeRows, report = () => true, current = () => true) {
  const text = decoded(bytes, name);
  const sep = sniff(bytes);
  // the checks in export.scoring.score_table's order: the header, the feature columns, the rows
  const parsed = await parseCsv(text, sep, rules.max_rows + 1, async (share) => {
    report(`Reading the file: ${Math.round(100 * share)}%`, share / 2);
    await pause();
    return current();
  });
  if (parsed === null) return null;
  const { records, count, unclosed } = parsed;
  if (!records.length) throw new Error(`${name} is empty; it needs a header line and data rows`);
  const writtenHeader = records[0].cells;
  const broken = writtenHeader.find((c) => /[\n\r]/.test(c));
  if (broken !== undefined) throw new Error(`${name}'s header has a column name with a line break ('${printable(broken)}'); rename it`);
  const header = writtenHeader.map((c) => c.trim());
  const twice = header.find((c, i) => header.indexOf(c) !== i);
  if (twice !== undefined) throw new Error(`${name} has more than one column named '${twice.slice(0, 60)}'; rename or remove the copies`);
  const { design } = model;
  const missing = design.features.filter((f) => !header.includes(f));
  if (missing.length) throw new Error(`${name} lacks the feature column(s) ${missing.join(", ")}; the model needs ${design.features.join(", ")}`);
  const malformed = (problem) => new Error(`${name} is not well-formed CSV (${problem}); fix that line and retry`);
  if (unclosed) throw malformed("a quoted cell is never closed");
  const data = records.slice(1);
  const long = data.find((r) => r.cells.length > header.length);
  if (long) throw malformed(`line ${long.line} has ${long.cells.length} cells, the header ${header.length}`);
  data.forEach((r) => r.cells.push(...new Array(header.length - r.cells.length).fill(""))); // as pandas: the rest empty
  if (!data.length) throw new Error(`${name} has a header but no data rows; add rows and retry`);
  if (count - 1 > rules.max_rows) {
    throw new Error(
      `${name} has ${(count - 1).toLocaleString("en-US")} rows; the page scores at most ${rules.max_rows.toLocaleString("en-US")}. ` +
        "For more, use `python -m export.score --model MODEL.onnx --data FILE`",
    );
  }
  const { decimal, thousands } = numberMarks(sep, data.slice(0, 49).flatMap((r) => r.cells));
  const grouped = anchored(rules.grouped[decimal]);
  const number = anchored(rules.number);
  const plain = (cell) => {
    const t = cell.trim();
    if (!grouped.test(t)) return t;
    const ungrouped = thousands ? t.split(thousands).join("") : t;
    return ungrouped.split(decimal).join(".");
  };
  const shown = (cell) => {
    const t = cell.trim();
    if (!t) return "an empty cell";
    if (t.toLowerCase().replace(/^[+-]+/, "") === "nan") return "NaN";
    return `'${shorten(t)}'`;
  };
  const complete = (r) => design.features.every((f) => r.cells[header.indexOf(f)].trim() !== "");
  const scoring = completeRows ? data.filter(complete) : data; // export.scoring.scored's complete_rows
  const codes = scoring.map(() => []);
  for (const feature of design.features) {
    const column = header.indexOf(feature);
    const cells = scoring.map((r) => r.cells[column]);
    let read;
    let problem;
    if (design.isCategorical(feature)) {
      const keys = levelKeys(design.levels.get(feature));
      read = (c) => (c.trim() ? keys.get(levelText(c)) : undefined);
      problem = `not a level the model saw in training (${knownLevels(design.levels.get(feature))})`;
    } else {
      read = (c) => {
        const t = plain(c);
        const v = number.test(t) ? Number(t) : NaN;
        return Number.isFinite(v) && Math.abs(v) <= FLOAT32_MAX ? v : undefined;
      };
      problem = "not a finite number within float32's range";
    }
    const values = new Array(cells.length);
    const whole = await sliced(cells.length, (from, to) => {
      for (let i = from; i < to; i++) values[i] = read(cells[i]);
    }, current);
    if (!whole) return null;
    const first = values.indexOf(undefined);
    if (first >= 0) {
      const affected = values.filter((v) => v === undefined).length;
      const hint = cells[first].trim() === "" ? rules.complete_rows_hint : "";
      throw new Error(`${name}: column ${feature} on line ${scoring[first].line} has ${shown(cells[first])}, ${problem}; ${affected} row(s) are affected. Fix them and score again${hint}`);
    }
    values.forEach((v, i) => codes[i].push(v));
  }
  // export.scoring.scored: a formula's log or square root takes only some numbers
  for (let i = 0; design.formula && i < codes.length; i++) {
    const undefined = design.undefinedTerm(codes[i], "");
    if (!undefined) continue;
    const located = `on line ${scoring[i].line} has ${shown(scoring[i].cells[header.indexOf(undefined.column)])}`;
    throw new Error(filled(rules.undefined_cell, { file: name, column: undefined.column, located, term: undefined.term }));
  }
  const served = { probabilities: [], label: [] };
  for (let from = 0; from < codes.length; from += SCORE_CHUNK) {
    report(`Scoring: ${from.toLocaleString("en-US")} of ${codes.length.toLocaleString("en-US")} rows`, 0.5 + from / codes.length / 2);
    const part = await model.scoreCodes(codes.slice(from, from + SCORE_CHUNK));
    served.probabilities.push(...part.probabilities);
    served.label.push(...part.label);
    await pause();
    if (!current()) return null;
  }
  const card = model.card;
  const { names, renamed } = scoreNames(card, header);
  const numberText = decimal === "," ? (p) => pythonFloat(p).replace(".", ",") : pythonFloat;
  const position = new Map(scoring.map((r, i) => [r, i]));
  const unscoredCells = names.map(() => "");
  const rows = new Array(data.length);
  const written = await sliced(data.length, (from, to) => {
    for (let r = from; r < to; r++) {
      const i = position.get(data[r]);
      const scores = i === undefined ? unscoredCells : [...served.probabilities[i].map(numberText), String(card.class_labels[served.label[i]])];
      rows[r] = [...data[r].cells, ...scores].map(neutralise);
    }
  }, current);
  if (!written) return null;
  const skipped = data.length - scoring.length;
  const unscored = skipped ? `${skipped.toLocaleString("en-US")} row(s) of ${name} have missing cells: left unscored (their score columns are empty).` : null;
  const probabilityColumns = new Set(card.class_labels.map((_, k) => header.length + k));
  return { header: [...writtenHeader, ...names].map(neutralise), rows, sep, renamed, unscored, columns: header, probabilityColumns };
}

// the columns scoring appends, as export.scoring.score_names names them: an input column of the
// same name is never overwritten; the new one is "NAME (scored)", "NAME (scored 2)", ...
export function scoreNames(card, columns) {
  const standard = [...card.class_labels.map((c) => `P(${card.target_name} = ${c})`), "label"];
  const taken = new Set(columns);
  const names = standard.map((wanted) => {
    let name = wanted;
    for (let n = 1; taken.has(name); n++) name = `${wanted} (scored${n === 1 ? "" : ` ${n}`})`;
    taken.add(name);
    return name;
  });
  const changed = names.filter((name, i) => name !== standard[i]).map((name) => `'${printable(name, 80)}'`);
  const renamed = changed.length ? `The file already has columns of the names scoring writes; the scores are in ${changed.join(", ")}.` : null;
  return { names, renamed };
}

// export.scoring.neutralise: a text cell a spreadsheet would run as a formula (also after leading
// spaces) gets a leading ' (numbers, such as -5, stay)
export function neutralise(cell) {
  const start = cell.replace(/^ +/, "");
  if (rules.formula_start.some((s) => start.startsWith(s)) && !anchored(rules.number).test(cell)) return `'${cell}`;
  return cell;
}

export function csvCell(cell, sep) {
  const text = String(cell);
  return text.includes(sep) || /["\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
