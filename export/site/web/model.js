// The served model: onnxruntime-web running model.onnx, fed codes of rows.
import { checkedLevel, checkedNumber, checkedRows, coefficientProbabilities, levelKeys, makeDesign } from "./design.js";

const WASM = "ort-wasm-simd-threaded.wasm";
let ort; // onnxruntime-web, imported by loadModel

export class Model {
  constructor(card, session) {
    this.card = card;
    this.session = session;
    this.design = makeDesign(card);
    this.binary = card.task === "binary";
    this.classes = card.class_labels.length;
  }

  // rows of codes -> {probabilities: rows of K numbers, logit, label, low, high}, from the ONNX graph
  async scoreCodes(codes) {
    const { design } = this;
    const n = codes.length;
    const k = this.classes;
    if (!n) return { probabilities: [], logit: [], label: [], low: null, high: null }; // the graph broadcasts, not scores, an empty batch
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
    const rowsOf = (data, width) => Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
    const logitWidth = this.binary ? 1 : k;
    // the 95% interval of each probability, from a graph whose card holds a covariance (else null)
    const interval = Object.hasOwn(out, "probability_low");
    return {
      probabilities: rowsOf(out.probabilities.data, k),
      logit: rowsOf(out.logit.data, logitWidth),
      label: Array.from(out.label.data, Number),
      low: interval ? rowsOf(out.probability_low.data, k) : null,
      high: interval ? rowsOf(out.probability_high.data, k) : null,
    };
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
    const { weights, intercept } = this.card.history;
    return coefficientProbabilities(this.design, weights[index], intercept[index], codes, this.binary);
  }
}

// onnxruntime-web's wasm (14 MB, the most of what the page downloads), fetched here so the page
// can say how far the download is
export async function wasmBinary(report) {
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

export async function loadModel(card, report) {
  ort = await import("./ort.wasm.min.mjs");
  ort.env.wasm.wasmPaths = new URL("./", import.meta.url).href;
  ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a plain static host does not give
  ort.env.wasm.wasmBinary = await wasmBinary(report);
  const session = await ort.InferenceSession.create("model.onnx", { executionProviders: ["wasm"] });
  return new Model(card, session);
}
