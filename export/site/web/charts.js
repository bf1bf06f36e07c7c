// The charts: Vega-Lite templates written by export/charts.py (charts.json), filled with data here.
import { element } from "./dom.js";

// Vega, Vega-Lite and vega-embed, in that order (each needs the one before)
let chartLibraries = null;
export function loadChartLibraries() {
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
export async function embed(target, template, data) {
  await loadChartLibraries();
  const spec = structuredClone(template);
  spec.datasets = data;
  if (spec.layer) spec.layer = spec.layer.filter((layer) => data[layer.data.name].length); // nothing to draw: no layer
  return window.vegaEmbed(target, spec, { actions: false });
}
