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
//
// The modules: rules (rules.json), text (numbers and values as Python writes them), design (inputs,
// levels, terms), model (onnxruntime-web), dom, charts (Vega), form, csv (batch scoring), page.
import { $ } from "./dom.js";
import { loadModel } from "./model.js";
import { Page } from "./page.js";
import { setRules } from "./rules.js";
import { printable } from "./text.js";

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
  setRules(loadedRules);
  const shown = new Page(card, charts);
  const model = loadModel(card, (received, total) => shown.loading(received, total));
  window.logreg = {
    card,
    // rows: objects keyed by feature name -> per-row probabilities, in class_labels order
    predict: async (rows) => {
      const ready = await model;
      return (await ready.scoreCodes(ready.codesOf(rows))).probabilities;
    },
    // the same rows -> {low, high}: the 95% interval of each probability (null without a covariance)
    interval: async (rows) => {
      const ready = await model;
      const { low, high } = await ready.scoreCodes(ready.codesOf(rows));
      return { low, high };
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
