// Numbers and values as the Python pages write them: export/errors.py's printable and listed,
// Python's :.6g and repr of floats.
import { rules } from "./rules.js";

export const FLOAT32_MAX = 3.4028234663852886e38;

// an own property of a card object (never one Object.prototype gives), or undefined
export const own = (object, key) => (object !== null && typeof object === "object" && Object.hasOwn(object, key) ? object[key] : undefined);

// export.errors.shorten and printable: as typed, cut so a pasted page does not come back in full;
// control characters escaped as Python writes them
export function shorten(text, limit = rules.max_echo) {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}… (${text.length.toLocaleString("en-US")} characters)`;
}
const ESCAPES = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };
export function printable(value, limit = rules.max_echo) {
  const text = String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return shorten(text, limit);
}

// export.errors.listed: up to 12 values, then how many there are in all
export function listed(values) {
  const shown = values.slice(0, 12).map((v) => printable(v)).join(", ");
  return values.length > 12 ? `${shown}, ... (${values.length.toLocaleString("en-US")} in all)` : shown;
}

export function formatNumber(value) {
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
export function pythonFloat(value) {
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
export function described(value) {
  if (typeof value === "string") return `'${shorten(value)}'`;
  if (typeof value === "bigint") return `${value}n (a BigInt)`;
  if (Array.isArray(value)) return "a list";
  if (value !== null && typeof value === "object") return "an object";
  return String(value);
}
