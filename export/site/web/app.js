// The static page: the model (model.onnx) scored by onnxruntime-web in this browser, described by
// its card (card.json), drawn with the Vega-Lite templates export.site wrote (charts.json), checking
// files and entries by the rules the Python pages use (rules.json).
// Nothing leaves the page: no request goes anywhere but the folder it was loaded from.
//
// Card text (feature names, levels, class labels) is data: it reaches the page only as text
// (textContent, attribute values), and names are looked up in Maps or with Object.hasOwn, never with
// `name in object` (a feature named constructor or __proto__ would find Object.prototype's).
// What the page loads, smallest first, so the card's content shows before the rest arrives: the
// card, charts and rules (JSON, tens of KB); then Vega (830 KB) and onnxruntime-web (50 KB of
// JavaScript, 14 MB of wasm), both fetched once the card is on the page.
let ort; // onnxruntime-web, imported by loadModel

const FLOAT32_MAX = 3.4028234663852886e38;
const GRID_POINTS = 200;
const MAX_ZOOM_OUT = 10;
const PREVIEW_ROWS = 100;
const SCORE_CHUNK = 4096; // rows scored between two turns of the page's event loop
const PARSE_SLICE = 1 << 19; // characters parsed between two turns
const WASM = "ort-wasm-simd-threaded.wasm";

let rules; // rules.json: limits, patterns and message parts shared with the Python pages


const own = (object, key) => (object !== null && typeof object === "object" && Object.hasOwn(object, key) ? object[key] : undefined);
const patterns = new Map();
const anchored = (source) => patterns.get(source) ?? patterns.set(source, new RegExp(`^(?:${source})$`)).get(source);
const pause = () => new Promise((resolve) => setTimeout(resolve, 0)); // let the page handle input and paint
const ROW_SLICE = 8192; // rows checked or written between two turns of the event loop

// work(from, to) over [0, count) a slice at a time; false if `current()` says a newer run took over
async function sliced(count, work, current) {
  for (let from = 0; from < count; from += ROW_SLICE) {
    work(from, Math.min(count, from + ROW_SLICE));
    await pause();
    if (!current()) return false;
  }
  return true;
}

// ---------- the model: its inputs, terms and scoring ----------

function makeDesign(card) {
  const levels = new Map(Object.entries(card.categories ? card.categories.features : {}).map(([name, f]) => [name, f.levels]));
  const coding = card.categories ? card.categories.coding : "treatment";
  const features = card.feature_names;
  const width = (name) => (!levels.has(name) ? 1 : coding === "treatment" ? levels.get(name).length - 1 : levels.get(name).length);
  const starts = new Map();
  let count = 0;
  for (const name of features) {
    starts.set(name, count);
    count += width(name);
  }
  return {
    features,
    levels,
    coding,
    isCategorical: (name) => levels.has(name),
    numeric: features.filter((f) => !levels.has(f)),
    categorical: features.filter((f) => levels.has(f)),
    termIndex: (name) => starts.get(name),
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
  const shown = levels.slice(0, rules.shown_levels).join(", ");
  return `it knows: ${shown}${levels.length > rules.shown_levels ? `, ... (${levels.length} in all)` : ""}`;
}

// export.errors.shorten and printable: as typed, cut so a pasted page does not come back in full;
// control characters escaped as Python writes them
function shorten(text, limit = rules.max_echo) {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}… (${text.length.toLocaleString("en-US")} characters)`;
}
const ESCAPES = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
function printable(value, limit = rules.max_echo) {
  const text = String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return shorten(text, limit);
}

// export.errors.listed: up to 12 values, then how many there are in all
function listed(values) {
  const shown = values.slice(0, 12).map((v) => printable(v)).join(", ");
  return values.length > 12 ? `${shown}, ... (${values.length.toLocaleString("en-US")} in all)` : shown;
}

function formatNumber(value) {
  // Python's f"{value:.6g}" (the Streamlit page's numbers): six significant digits, exponent
  // notation below 1e-4 and from 1e6, trailing zeros dropped
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const [mantissa, power] = value.toExponential(5).split("e");
  const exponent = Number(power);
  if (exponent < -4 || exponent >= 6) {
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${mantissa.replace(/\.?0+$/, "")}e${exponent < 0 ? "-" : "+"}${digits}`;
  }
  const fixed = value.toFixed(5 - exponent);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

// Python's repr of a float, which pandas writes into a scored CSV: the shortest digits that read
// back as the same number (JavaScript finds the same ones), exponent notation below 1e-4 and from 1e16
function pythonFloat(value) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const [mantissa, power] = value.toExponential().split("e");
  const exponent = Number(power);
  const sign = value < 0 ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exponent < -4 || exponent >= 16) {
    const shown = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${shown}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

// a value handed to window.logreg.predict, as a message names it
function described(value) {
  if (typeof value === "string") return `'${shorten(value)}'`;
  if (typeof value === "bigint") return `${value}n (a BigInt)`;
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}

const blank = (value) => value === null || value === undefined || Number.isNaN(value) || (typeof value === "string" && !value.trim());

// export.reader.inputs' checks of rows given by feature name: the same refusals, the same words
function checkedRows(rows, features) {
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

function checkedNumber(value, name, i) {
  if (blank(value)) throw new Error(`feature '${name}' has no value on row ${i + 1}; give a number`);
  if (typeof value !== "number") throw new Error(`feature '${name}' takes numbers, but row ${i + 1} has ${described(value)}; give a number`);
  if (!(Math.abs(value) <= FLOAT32_MAX)) {
    throw new Error(`feature '${name}' has ${formatNumber(value)} on row ${i + 1}, not a finite number within float32's range (±3.4e+38); give a smaller one`);
  }
  return value;
}

function checkedLevel(value, name, i, levels, keys) {
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
    const k = this.classes;
    if (!n) return { probabilities: [], logit: [], label: [] }; // the graph broadcasts, not scores, an empty batch
    const feeds = {};
    const numeric = design.features.map((f, j) => [f, j]).filter(([f]) => !design.isCategorical(f));
    if (numeric.length) {
      const x = new Float32Array(n * numeric.length);
      codes.forEach((row, i) => numeric.forEach(([, j], c) => (x[i * numeric.length + c] = row[j])));
      feeds.x = new ort.Tensor("float32", x, [n, numeric.length]);
    }
    if (design.categorical.length) {
      const texts = [];
      codes.forEach((row) =>
        design.features.forEach((f, j) => {
          if (design.isCategorical(f)) texts.push(design.levels.get(f)[row[j]] ?? "");
        }),
      );
      feeds.categories = new ort.Tensor("string", texts, [n, design.categorical.length]);
    }
    const out = await this.session.run(feeds);
    const p = out.probabilities.data;
    const probabilities = Array.from({ length: n }, (_, i) => Array.from(p.subarray(i * k, (i + 1) * k)));
    const logitWidth = this.binary ? 1 : k;
    const logit = Array.from({ length: n }, (_, i) => Array.from(out.logit.data.subarray(i * logitWidth, (i + 1) * logitWidth)));
    return { probabilities, logit, label: Array.from(out.label.data, Number) };
  }

  // rows as objects keyed by feature name -> codes; an Error naming the first value that cannot be scored
  codesOf(rows) {
    const { design } = this;
    const keys = new Map(design.categorical.map((f) => [f, levelKeys(design.levels.get(f))]));
    return checkedRows(rows, design.features).map((row, i) =>
      design.features.map((name) =>
        design.isCategorical(name)
          ? checkedLevel(row[name], name, i, design.levels.get(name), keys.get(name))
          : checkedNumber(row[name], name, i),
      ),
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

// onnxruntime-web's wasm (14 MB, the most of what the page downloads), fetched here so the page
// can say how far the download is
async function wasmBinary(report) {
  const response = await fetch(WASM);
  if (!response.ok) throw new Error(`${WASM} could not be loaded (HTTP ${response.status})`);
  const compressed = response.headers.get("content-encoding");
  const total = compressed ? 0 : Number(response.headers.get("content-length")) || 0;
  const reader = response.body.getReader();
  const parts = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    received += value.length;
    report(received, total);
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

async function loadModel(card, report) {
  ort = await import("./ort.wasm.min.mjs");
  ort.env.wasm.wasmPaths = new URL("./", import.meta.url).href;
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a plain static host does not give
  ort.env.wasm.wasmBinary = await wasmBinary(report);
  const session = await ort.InferenceSession.create("model.onnx", { executionProviders: ["wasm"] });
  return new Model(card, session);
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

// Vega, Vega-Lite and vega-embed, in that order (each needs the one before)
let chartLibraries = null;
function loadChartLibraries() {
  const load = (src) =>
    new Promise((resolve, reject) => {
      const script = element("script", { src });
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => reject(new Error(`${src} could not be loaded`)));
      document.head.append(script);
    });
  chartLibraries ??= load("vega.min.js").then(() => load("vega-lite.min.js")).then(() => load("vega-embed.min.js"));
  return chartLibraries;
}

// export/charts.py's ``filled``: the template with its data sets, empty layers left out
async function embed(target, template, data) {
  await loadChartLibraries();
  const spec = structuredClone(template);
  spec.datasets = data;
  if (spec.layer) spec.layer = spec.layer.filter((layer) => data[layer.data.name].length); // nothing to draw: no layer
  return window.vegaEmbed(target, spec, { actions: false });
}

// what a person typed -> a number, or an Error saying what to type (page/inputs.py's rules)
function parseEntry(text, name) {
  const entry = (text ?? "").trim();
  if (!entry) throw new Error(`Enter a value for ${name}.`);
  const word = entry.toLowerCase().replace(/^[+-]/, "");
  if (word === "nan") throw new Error(`${name}: NaN is not a value the model can score; enter a number.`);
  if (word === "inf" || word === "infinity") throw new Error(`${name}: infinity cannot be scored; enter a finite number.`);
  if (!anchored(rules.number).test(entry)) {
    throw new Error(`${name}: '${shorten(entry)}' is not a number; enter one such as 2.5 or 1e3 (with a dot for decimals).`);
  }
  const value = Number(entry);
  if (Math.abs(value) > FLOAT32_MAX) {
    throw new Error(`${name}: ${shorten(entry)} is beyond the float32 range the model takes (about ±3.4e38).`);
  }
  return value;
}

// page/sections.py's show_listed: the first items of a list, then how many more there are
function shownList(items, what) {
  const shown = items.slice(0, rules.max_shown).map((text) => element("li", { text }));
  if (items.length > rules.max_shown) {
    const more = (items.length - rules.max_shown).toLocaleString("en-US");
    shown.push(element("li", { class: "quiet", text: `… and ${more} more ${what}: the whole list is in the model card (card.json).` }));
  }
  return shown;
}

function tableOf(header, rows) {
  const table = element(
    "table",
    {},
    element("thead", {}, element("tr", {}, ...header.map((h) => element("th", { text: h, scope: "col" })))),
    element("tbody", {}, ...rows.map((row) => element("tr", {}, ...row.map((cell) => element("td", { text: String(cell) }))))),
  );
  return element("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": header.slice(0, 3).join(", ") }, table);
}

class Page {
  // what the card alone can show is shown at once; the answer, the curves and batch scoring wait
  // for onnxruntime-web (``attach``)
  constructor(card, charts) {
    this.card = card;
    this.charts = charts;
    this.design = makeDesign(card);
    this.binary = card.task === "binary";
    this.model = null;
    this.batchRun = 0; // the latest file's run: an older one stops where it is
    this.values = this.design.features.map((name) => {
      const example = own(card.example, name);
      if (this.design.isCategorical(name)) {
        const feature = own(card.categories.features, name);
        const index = feature.levels.indexOf(example);
        return index >= 0 ? index : feature.shares.indexOf(Math.max(...feature.shares));
      }
      return example ?? own(card.data.features, name).mean;
    });
    this.entered = true;
    this.step = card.history.epoch.length - 1;
  }

  // everything the card alone says; the loss chart follows once Vega is there
  showCard() {
    const card = this.card;
    $("about").textContent =
      `${this.binary ? "Binary" : "Multinomial"} logistic regression: ${card.target_name} ` +
      `(classes ${card.class_labels.join(", ")}) from ${card.feature_names.join(", ")}; ${card.data.n_rows} training ` +
      `rows from ${card.data.source}.`;
    this.buildForm();
    this.buildCurveControls();
    this.showCoefficients();
    this.describeBatch();
    this.showWarnings();
  }

  loading(received, total) {
    const mb = (n) => (n / 2 ** 20).toFixed(1);
    $("status").textContent = `Loading the model's runtime (onnxruntime-web): ${mb(received)}${total ? ` of ${mb(total)}` : ""} MB…`;
  }

  async attach(model) {
    this.model = model;
    $("status").textContent = "";
    await this.update();
  }

  buildForm() {
    const form = $("form");
    this.design.features.forEach((name, j) => {
      const id = `field-${j}`;
      const field = element("div", { class: "field" }, element("label", { for: id, text: name }));
      const note = element("span", { id: `${id}-note`, class: "field-note" });
      if (this.design.isCategorical(name)) {
        const feature = own(this.card.categories.features, name);
        const select = element("select", { id, name: id, "data-feature": name, "aria-describedby": note.id });
        feature.levels.forEach((level, k) => {
          select.append(element("option", { value: String(k), text: `${level} (${(100 * feature.shares[k]).toFixed(1)}% of training rows)` }));
        });
        select.value = String(this.values[j]);
        select.addEventListener("change", () => this.readForm());
        note.textContent = `${feature.levels.length} levels${this.design.coding === "treatment" ? `, reference ${feature.levels[0]}` : ""}`;
        field.append(select, note);
      } else {
        const range = own(this.card.data.features, name);
        const error = element("span", { id: `${id}-error`, class: "field-error", "data-error": name });
        const input = element("input", {
          id,
          name: id,
          "data-feature": name,
          value: formatNumber(this.values[j]),
          inputmode: "decimal",
          "aria-describedby": `${note.id} ${error.id}`,
        });
        input.addEventListener("change", () => this.readForm());
        note.textContent = `trained on [${formatNumber(range.min)}, ${formatNumber(range.max)}]`;
        field.append(input, note, error);
      }
      form.append(field);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.readForm();
    });
  }

  async readForm() {
    let valid = true;
    this.design.features.forEach((name, j) => {
      const field = $(`field-${j}`);
      if (this.design.isCategorical(name)) {
        this.values[j] = Number(field.value);
        return;
      }
      const message = $(`field-${j}-error`);
      try {
        this.values[j] = parseEntry(field.value, name);
        message.textContent = "";
        field.removeAttribute("aria-invalid");
      } catch (error) {
        message.textContent = error.message;
        field.setAttribute("aria-invalid", "true");
        valid = false;
      }
    });
    this.entered = valid;
    if (this.model) await this.update();
    else this.showWarnings();
  }

  async update() {
    if (this.entered) await this.showPrediction();
    else {
      $("answer").textContent = "No answer: an entry above is not a value the model can score.";
      $("class-probabilities").replaceChildren();
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
    if (this.binary) {
      $("answer").replaceChildren(
        metric(`P(${card.target_name} = ${card.class_labels[1]})`, formatNumber(p[1]), "probability"),
        metric(`class (threshold ${formatNumber(card.threshold)})`, label, "label"),
        metric("logit", formatNumber(served.logit[0][0]), "logit"),
      );
    } else {
      const top = served.label[0];
      $("answer").replaceChildren(
        metric("class (the most probable)", label, "label"),
        metric(`P(${card.target_name} = ${label})`, formatNumber(p[top]), "probability"),
      );
    }
    // every class's probability as a number (the bars below draw them)
    const header = ["class", "P", ...(this.binary ? [] : ["logit"])];
    const rows = card.class_labels.map((c, k) => [String(c), formatNumber(p[k]), ...(this.binary ? [] : [formatNumber(served.logit[0][k])])]);
    $("class-probabilities").replaceChildren(tableOf(header, rows));
    const classes = card.class_labels.map((c, k) => ({ class: String(c), P: p[k] }));
    await embed("#classes", this.charts.classes, { classes });
  }

  showWarnings() {
    const list = [...(this.card.warnings ?? [])];
    const outside = this.design.numeric
      .map((name) => [name, this.values[this.design.features.indexOf(name)], own(this.card.data.features, name)])
      .filter(([, value, range]) => this.entered && !(range.min <= value && value <= range.max))
      .map(([name, value, range]) => `${name} = ${formatNumber(value)} (trained on [${formatNumber(range.min)}, ${formatNumber(range.max)}])`);
    if (outside.length) {
      list.push(
        `extrapolation: ${outside.join("; ")} lies outside the training range, where the data says nothing about ` +
          "the curve: the model only continues its straight line in the logit.",
      );
    }
    $("warnings").replaceChildren(...shownList(list, "warnings"));
  }

  buildCurveControls() {
    const along = $("along");
    const choices = this.design.numeric.length ? this.design.numeric : this.design.categorical;
    choices.forEach((name) => along.append(element("option", { value: name, text: name })));
    along.addEventListener("change", () => this.model && this.showCurve());
    const epoch = $("epoch");
    epoch.max = String(this.card.history.epoch.length - 1);
    epoch.value = String(this.step);
    epoch.addEventListener("input", async () => {
      this.step = Number(epoch.value);
      if (this.model) await this.showCurve();
      await this.showLoss();
    });
    if (!this.design.numeric.length) $("epoch-label").hidden = true;
  }

  async showCurve() {
    const name = $("along").value;
    const j = this.design.features.indexOf(name);
    $("epoch-value").textContent = String(this.card.history.epoch[this.step]);
    if (this.design.isCategorical(name)) return this.showLevels(name, j);
    const range = own(this.card.data.features, name);
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
    const shown = this.binary ? [1] : this.card.class_labels.map((_, k) => k);
    const curves = [];
    for (const [curve, probabilities] of [["served model", served], ["after the chosen step", past]]) {
      grid.forEach((row, i) => shown.forEach((k) => curves.push({ value: row[j], P: probabilities[i][k], series: String(this.card.class_labels[k]), curve })));
    }
    const stored = this.card.data.rows;
    const rows = stored.x
      .map((x, i) => ({ value: x[j], P: this.binary ? stored.y[i] : 0, class: String(this.card.class_labels[stored.y[i]]) }))
      .filter((r) => low <= r.value && r.value <= high);
    const boundary = this.boundary(j);
    const point = [];
    if (this.entered && low <= value && value <= high) {
      const p = (await this.model.scoreCodes([this.values])).probabilities[0];
      shown.forEach((k) => point.push({ value, P: p[k] }));
    }
    await embed("#curve", own(this.charts.curves, name), {
      curves,
      rows,
      boundary: boundary !== null && low <= boundary && boundary <= high ? [{ value: boundary }] : [],
      point,
    });
    $("curve-note").textContent =
      "Solid: the served model (onnxruntime-web). Dashed: the model after the chosen step." +
      (this.binary ? " Gray dashes: the decision boundary, where P equals the threshold." : "") +
      " Diamond: your input." + (this.design.features.length > 1 ? " The other features are held at the values entered above." : "");
  }

  // binary: where along feature j P(class 1) equals the threshold, the others at the entered values
  boundary(j) {
    if (!this.binary) return null;
    const weights = this.card.coefficients.weights[0];
    const w = weights[this.design.termIndex(this.design.features[j])];
    if (w === 0) return null;
    const logit = logitsOf(this.design.expand(this.values), [weights], this.card.coefficients.intercept)[0];
    const t = this.card.threshold;
    return this.values[j] + (Math.log(t / (1 - t)) - logit) / w;
  }

  async showLevels(name, j) {
    const levels = this.design.levels.get(name);
    const rows = levels.map((_, k) => {
      const row = [...this.values];
      row[j] = k;
      return row;
    });
    const served = (await this.model.scoreCodes(rows)).probabilities;
    const shown = this.binary ? [1] : this.card.class_labels.map((_, k) => k);
    const data = [];
    levels.forEach((level, k) => shown.forEach((c) => data.push({ level, order: k, P: served[k][c], class: String(this.card.class_labels[c]) })));
    await embed("#curve", own(this.charts.levels, name), { levels: data });
    $("curve-note").textContent = "P for each level; the other features are held at the values chosen above.";
  }

  async showLoss() {
    const history = this.card.history;
    const points = history.epoch.map((epoch, i) => ({ epoch, loss: history.loss[i] }));
    await embed("#loss", this.charts.loss, { history: points, step: [{ epoch: history.epoch[this.step] }] });
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
      header = ["term", ...(this.binary ? ["estimate"] : card.class_labels.map((c) => `class ${c}`))];
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
      if (stats.deviance !== undefined && stats.deviance !== null) {
        facts.push(
          `residual deviance ${formatNumber(stats.deviance)} (null deviance ${formatNumber(stats.null_deviance)}); ` +
            `AIC ${formatNumber(stats.aic)}, BIC ${formatNumber(stats.bic)} (lower is better, for models of the same rows)`,
        );
      }
      stats.notes.forEach((note) => facts.push(`Not shown: ${note}.`));
    }
    $("facts").replaceChildren(...shownList(facts, "facts and notes"));
  }

  describeBatch() {
    const levels = this.design.categorical.map((f) => ` ${f} takes one of: ${listed(this.design.levels.get(f))}.`).join("");
    $("batch-columns").textContent = `Columns needed: ${this.design.features.join(", ")}.${levels}`;
    $("batch-limits").textContent =
      `At most ${rules.max_csv_mb} MB and ${rules.max_rows.toLocaleString("en-US")} rows, as on the Streamlit page (more: ` +
      "python -m export.score). The file stays in this browser.";
  }

  progress(text, done) {
    const bar = $("batch-progress");
    bar.hidden = done === null;
    if (done !== null) bar.value = done;
    $("batch-progress-text").textContent = text;
  }

  // score a chosen file: its checks and messages are the Streamlit page's (export.scoring), the
  // work done a slice at a time with progress shown, so the page stays responsive
  async scoreFile(file) {
    const run = ++this.batchRun;
    const current = () => run === this.batchRun;
    const message = $("batch-message");
    const link = $("batch-download");
    message.replaceChildren();
    link.hidden = true;
    $("batch-preview").textContent = "";
    $("batch-table").replaceChildren();
    window.logreg.scored = null;
    try {
      const name = printable(file.name); // messages name the file, as the Streamlit page's do
      if (file.size > rules.max_csv_mb * 2 ** 20) {
        throw new Error(`${name} is ${(file.size / 2 ** 20).toFixed(1)} MB; the page takes files of at most ${rules.max_csv_mb} MB`);
      }
      this.progress("Reading the file…", 0);
      const bytes = new Uint8Array(await file.arrayBuffer());
      const report = (what, done) => current() && this.progress(what, done);
      const result = await scoreCsv(this.model, bytes, name, $("batch-complete").checked, report, current);
      if (!current()) return;
      const { header, rows, sep, renamed, unscored, columns, probabilityColumns } = result;
      const line = (row) => row.map((cell) => csvCell(cell, sep)).join(sep);
      const lines = new Array(rows.length);
      const whole = await sliced(rows.length, (from, to) => {
        for (let i = from; i < to; i++) lines[i] = line(rows[i]);
      }, current);
      if (!whole) return;
      const csv = `${line(header)}\n${lines.join("\n")}\n`;
      window.logreg.scored = csv;
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      link.hidden = false;
      const preview = rows.slice(0, PREVIEW_ROWS).map((row) => row.map((cell, c) => (probabilityColumns.has(c) && cell !== "" ? formatNumber(Number(cell.replace(",", "."))) : cell)));
      $("batch-preview").textContent =
        rows.length > PREVIEW_ROWS
          ? `The first ${PREVIEW_ROWS} of ${rows.length.toLocaleString("en-US")} rows; the download holds them all.`
          : `All ${rows.length.toLocaleString("en-US")} row(s).`;
      $("batch-table").replaceChildren(tableOf(header, preview));
      const extra = columns.filter((c) => !this.design.features.includes(c));
      const notes = [];
      if (extra.length) notes.push(`Columns ${listed(extra)} are not features of this model: they are carried through unchanged.`);
      if (renamed) notes.push(renamed);
      if (unscored) notes.push(unscored);
      message.replaceChildren(...notes.map((text) => element("p", { class: "quiet", text })));
      this.progress(`Scored ${rows.length.toLocaleString("en-US")} row(s) of ${name}.`, null);
    } catch (error) {
      if (!current()) return;
      this.progress("", null);
      message.replaceChildren(element("p", { class: "error", role: "alert", text: error.message }));
    }
  }
}

// ---------- batch scoring: the Streamlit page's checks, messages and formula escaping ----------

const DELIMITERS = [",", ";", "\t", "|"];

// export.csv_input.sniff's decimal and thousands marks, told from the cells of the first rows
function numberMarks(sep, cells) {
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
function utf8Problem(bytes) {
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
function decoded(bytes, name) {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const offset = utf8Problem(body);
  if (offset >= 0) {
    throw new Error(`${name} is not UTF-8 text (byte 0x${body[offset].toString(16).padStart(2, "0")} at offset ${offset}); ${rules.encoding_advice}`);
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(body);
}

// records with the line (as an editor counts: quoted line breaks included) each starts on, as
// pandas reads them (spaces after a delimiter skipped, blank lines too); at most `keep` records
// are kept, the rest only counted. A slice at a time: `report(share done)` between slices.
async function parseCsv(text, sep, keep, report) {
  const records = [];
  let count = 0;
  let field = "";
  let record = [];
  let quoted = false;
  let started = false; // the field has begun: spaces are no longer skipped
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
      started = true;
    } else if (c === " " && !started) {
      // skipinitialspace: spaces after a delimiter are not part of the cell
    } else if (c === sep) endField();
    else if (c === "\r" && text[i + 1] === "\n") {
      i += 1;
      continue;
    } else if (c === "\n" || c === "\r") {
      line += 1;
      if (record.length || field !== "" || started) endRecord();
      else field = "";
      started = false;
      start = line;
    } else {
      field += c;
      started = true;
    }
    i += 1;
  }
  if (record.length || field !== "" || started) endRecord();
  return { records, count, unclosed: quoted };
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

async function scoreCsv(model, bytes, name, completeRows, report = () => true, current = () => true) {
  const text = decoded(bytes, name);
  const sep = sniff(text);
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
function scoreNames(card, columns) {
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
function neutralise(cell) {
  const start = cell.replace(/^ +/, "");
  if (rules.formula_start.some((s) => start.startsWith(s)) && !anchored(rules.number).test(cell)) return `'${cell}`;
  return cell;
}

function csvCell(cell, sep) {
  const text = String(cell);
  return text.includes(sep) || /["\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// ---------- start ----------

let page = null; // the page, once the model can score
let chosen = null; // the file last chosen: scored again when the box changes

// A file chosen before the model is ready is scored once it is. The field is emptied after each
// choice, so that choosing the same file again (edited since, say) scores it again.
$("batch-file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  if (!file) return;
  chosen = file;
  event.target.value = "";
  if (page) page.scoreFile(file);
  else $("batch-progress-text").textContent = `${printable(file.name, 80)} is scored as soon as the model has loaded.`;
});
$("batch-complete").addEventListener("change", () => {
  if (chosen && page) page.scoreFile(chosen);
});

async function main() {
  const fetched = ["card.json", "charts.json", "rules.json"].map((f) =>
    fetch(f).then((r) => {
      if (!r.ok) throw new Error(`${f} could not be loaded (HTTP ${r.status})`);
      return r.json();
    }),
  );
  const [card, charts, loadedRules] = await Promise.all(fetched);
  rules = loadedRules;
  const shown = new Page(card, charts);
  const model = loadModel(card, (received, total) => shown.loading(received, total));
  window.logreg = {
    card,
    // rows: objects keyed by feature name -> per-row probabilities, in class_labels order
    predict: async (rows) => {
      const ready = await model;
      return (await ready.scoreCodes(ready.codesOf(rows))).probabilities;
    },
    scored: null,
  };
  shown.showCard();
  await Promise.all([shown.showLoss(), model.then((ready) => shown.attach(ready))]);
  page = shown;
  window.logreg.ready = true;
  document.body.dataset.ready = "true";
  const early = chosen ?? $("batch-file").files[0]; // chosen before this script ran, even
  if (early) await page.scoreFile(early);
}

main().catch((error) => {
  const failure = $("failure");
  failure.textContent = `This page could not start: ${error.message}`;
  failure.hidden = false;
  $("status").textContent = "";
  document.body.dataset.ready = "failed";
});
