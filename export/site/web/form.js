// The form: a field per feature, as on the Streamlit page (page/sections/predict.py), each entry
// read by export/entry.py's rules (rules.json: the number pattern and the messages).
import { $, element } from "./dom.js";
import { anchored, filled, rules } from "./rules.js";
import { FLOAT32_MAX, formatNumber, own, shorten } from "./text.js";

// export.entry.parse_entry: what a person typed -> a number, or an Error saying what to type
export function parseEntry(text, name) {
  const entry = (text ?? "").trim();
  const refused = (kind) => new Error(filled(rules.entry_messages[kind], { name, text: shorten(entry) }));
  if (!entry) throw refused("empty");
  const word = entry.toLowerCase().replace(/^[+-]/, "");
  if (word === "nan") throw refused("nan");
  if (word === "inf" || word === "infinity") throw refused("infinite");
  if (!anchored(rules.number).test(entry)) throw refused("not_number");
  const value = Number(entry);
  if (Math.abs(value) > FLOAT32_MAX) throw refused("beyond");
  return value;
}

// Fields labelled with the feature's name, the training range or levels and any error under each
// (aria-describedby); `values` (codes, one per feature) is read into, `changed(valid)` told after.
export function buildForm(card, design, values, changed) {
  const form = $("form");
  const read = () => changed(readForm(design, values));
  design.features.forEach((name, j) => {
    const id = `field-${j}`;
    const field = element("div", { class: "field" }, element("label", { for: id, text: name }));
    const note = element("span", { id: `${id}-note`, class: "field-note" });
    if (design.isCategorical(name)) {
      const feature = own(card.categories.features, name);
      const select = element("select", { id, name: id, "data-feature": name, "aria-describedby": note.id });
      feature.levels.forEach((level, k) => {
        select.append(element("option", { value: String(k), text: `${level} (${(100 * feature.shares[k]).toFixed(1)}% of training rows)` }));
      });
      select.value = String(values[j]);
      select.addEventListener("change", read);
      note.textContent = `${feature.levels.length} levels${design.coding === "treatment" ? `, reference ${feature.levels[0]}` : ""}`;
      field.append(select, note);
    } else {
      const range = own(card.data.features, name);
      const error = element("span", { id: `${id}-error`, class: "field-error", "data-error": name });
      const input = element("input", {
        id,
        name: id,
        "data-feature": name,
        value: formatNumber(values[j]),
        inputmode: "decimal",
        "aria-describedby": `${note.id} ${error.id}`,
      });
      input.addEventListener("change", read);
      note.textContent = `trained on [${formatNumber(range.min)}, ${formatNumber(range.max)}]`;
      field.append(input, note, error);
    }
    form.append(field);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    read();
  });
}

// the fields into `values`; whether every entry was usable (each unusable one says why under it)
function readForm(design, values) {
  let valid = true;
  design.features.forEach((name, j) => {
    const field = $(`field-${j}`);
    if (design.isCategorical(name)) {
      values[j] = Number(field.value);
      return;
    }
    const message = $(`field-${j}-error`);
    try {
      values[j] = parseEntry(field.value, name);
      message.textContent = "";
      field.removeAttribute("aria-invalid");
    } catch (error) {
      message.textContent = error.message;
      field.setAttribute("aria-invalid", "true");
      valid = false;
    }
  });
  // a formula's log or square root takes only some numbers (page/sections/predict.py)
  const undefined = valid ? design.undefinedTerm(values, "the entered values") : null;
  if (undefined) {
    const j = design.features.indexOf(undefined.column);
    $(`field-${j}-error`).textContent = undefined.message;
    $(`field-${j}`).setAttribute("aria-invalid", "true");
    valid = false;
  }
  return valid;
}
