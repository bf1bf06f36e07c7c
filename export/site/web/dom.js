// Elements made from text: card text reaches the page only as textContent or attribute values.
import { rules } from "./rules.js";

export const $ = (id) => document.getElementById(id);

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  children.forEach((child) => node.append(child));
  return node;
}


// page/sections.py's show_listed: the first items of a list, then how many more there are
export function shownList(items, what) {
  const shown = items.slice(0, rules.max_shown).map((text) => element("li", { text }));
  if (items.length > rules.max_shown) {
    const more = (items.length - rules.max_shown).toLocaleString("en-US");
    shown.push(element("li", { class: "quiet", text: `… and ${more} more ${what}: the whole list is in the model card (card.json).` }));
  }
  return shown;
}

export function tableOf(header, rows) {
  const table = element(
    "table",
    {},
    element("thead", {}, element("tr", {}, ...header.map((h) => element("th", { text: h, scope: "col" })))),
    element("tbody", {}, ...rows.map((row) => element("tr", {}, ...row.map((cell) => element("td", { text: String(cell) }))))),
  );
  return element("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": header.slice(0, 3).join(", ") }, table);
}
