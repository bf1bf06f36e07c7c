// rules.json, written by export/site/rules.py: the limits, patterns and message parts the site
// shares with the Python pages, read from there so the two cannot drift.
export const rules = {};

export function setRules(loaded) {
  Object.assign(rules, loaded);
}

const patterns = new Map();
// a pattern of rules.json (Python's syntax, which JavaScript reads alike), matching a whole text
export const anchored = (source) => patterns.get(source) ?? patterns.set(source, new RegExp(`^(?:${source})$`)).get(source);

// a message template of rules.json with its {fields} filled in one pass (a value's own braces stay)
export const filled = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
