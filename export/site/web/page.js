// The page: what the model is, the form and its answer, the curves, the coefficients and batch
// scoring; what the card alone can show is shown before onnxruntime-web has loaded.
import { embed } from "./charts.js";
import { csvCell, scoreCsv, sliced } from "./csv.js";
import { coefficientProbabilities, explain, logitsOf, makeDesign, waterfallSteps } from "./design.js";
import { $, element, shownList, tableOf } from "./dom.js";
import { buildForm } from "./form.js";
import { filled, rules } from "./rules.js";
import { formatNumber, listed, own, printable } from "./text.js";

const GRID_POINTS = 200;
const MAX_ZOOM_OUT = 10;
const PREVIEW_ROWS = 100;

export class Page {
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
      `rows from ${card.data.source}.` +
      (card.formula ? ` The model: ${card.formula.text}` : "");
    buildForm(card, this.design, this.values, (valid) => this.entriesRead(valid));
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

  // the form's entries, read: the answer and the curves follow them
  async entriesRead(valid) {
    this.entered = valid;
    if (this.model) await this.update();
    else this.showWarnings();
  }

  async update() {
    if (this.entered) await this.showPrediction();
    else {
      $("answer").textContent = "No answer: an entry above is not a value the model can score.";
      $("interval").textContent = "";
      for (const id of ["waterfall", "contributions"]) $(id).replaceChildren();
      $("why-note").textContent = "Enter values the model can score above to see why it answers as it does.";
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
    // the interval, as on the Streamlit page (page/sections/predict.py)
    const { low, high } = served;
    let note = `${rules.no_interval}.`;
    if (low && this.binary) {
      note = `95% interval of P(${card.target_name} = ${card.class_labels[1]}): ${formatNumber(low[0][1])} to ${formatNumber(high[0][1])} (from the coefficients' covariance).`;
    }
    $("interval").textContent = low && !this.binary ? "" : note;
    // a run that stopped short of its objective's optimum: what that optimum says (page/sections/predict.py)
    const optimum = card.summary?.optimum;
    $("optimum").hidden = !optimum;
    if (optimum) {
      const k = this.binary ? 1 : served.label[0];
      const q = coefficientProbabilities(this.design, optimum.weights, optimum.intercept, [this.values], this.binary)[0][k];
      $("optimum").textContent =
        `The optimum of the same objective (the exact solver after the run) says P(${card.target_name} = ${card.class_labels[k]}) = ` +
        `${formatNumber(q)}: the served model's ${formatNumber(p[k])} is ${formatNumber(Math.abs(p[k] - q))} away. ` +
        "The run stopped before reaching it (Diagnostics says why).";
    }
    // every class's probability as a number, with its interval (the bars below draw them)
    const header = ["class", "P", ...(low ? ["95% low", "95% high"] : []), ...(this.binary ? [] : ["logit"])];
    const rows = card.class_labels.map((c, k) => [
      String(c),
      formatNumber(p[k]),
      ...(low ? [formatNumber(low[0][k]), formatNumber(high[0][k])] : []),
      ...(this.binary ? [] : [formatNumber(served.logit[0][k])]),
    ]);
    $("class-probabilities").replaceChildren(tableOf(header, rows));
    const classes = card.class_labels.map((c, k) => ({ class: String(c), P: p[k] }));
    await embed("#classes", this.charts.classes, { classes });
    await this.showExplanation(served);
  }

  // page/sections/explanation.py: the entered input's explanation as a waterfall, then its table
  async showExplanation(served) {
    const card = this.card;
    const chooser = $("explained-class");
    if (!this.binary && !chooser.options.length) {
      card.class_labels.forEach((c, k) => chooser.append(element("option", { value: String(k), text: String(c) })));
      chooser.value = String(served.label[0]);
      chooser.addEventListener("change", () => this.model && this.update());
      $("explained-class-label").hidden = false;
    }
    const k = this.binary ? 1 : Number(chooser.value);
    const logitIndex = this.binary ? 0 : k;
    const { base, contributions } = explain(card, this.design, this.values);
    const toLogit = contributions.map((c) => c[logitIndex]);
    const logit = toLogit.reduce((sum, c) => sum + c, base[logitIndex]);
    const names = this.design.parts.map((part) => part.name);
    const steps = waterfallSteps(base[logitIndex], toLogit, names, logit, this.design.formula ? "terms" : "features");
    await embed("#waterfall", this.charts.waterfall, { steps });
    const probability = served.probabilities[0][k];
    $("why-note").textContent =
      `Logit ${formatNumber(logit)}, so P(${card.target_name} = ${card.class_labels[k]}) = ${formatNumber(probability)}. ` +
      "Each feature's contribution is its coefficient times its value minus its training mean (a categorical feature's: " +
      "over its levels, against their training shares); with the base, the logit at the training means, they add up to " +
      "the logit exactly (SHAP's linear explanation).";
    const part = this.design.formula ? "term" : "feature";
    $("contributions").replaceChildren(tableOf([part, "contribution to the logit"], names.map((f, j) => [f, formatNumber(toLogit[j])])));
  }

  showWarnings() {
    const list = [...(this.card.warnings ?? [])];
    const outside = this.design.numeric
      .map((name) => [name, this.values[this.design.features.indexOf(name)], own(this.card.data.features, name)])
      .filter(([, value, range]) => this.entered && !(range.min <= value && value <= range.max))
      .map(([name, value, range]) => `${name} = ${formatNumber(value)} (trained on [${formatNumber(range.min)}, ${formatNumber(range.max)}])`);
    // export/extrapolation.py's extrapolation_warning, in its words (rules.extrapolation)
    const words = rules.extrapolation;
    const beyond = this.entered && this.design.formula ? this.design.beyond(this.values) : [];
    if (outside.length || beyond.length) {
      const said = [words.start];
      if (outside.length) said.push(filled(words.outside, { values: outside.join("; "), how: words[this.design.formula ? "formula" : "linear"] }));
      if (beyond.length) said.push(filled(words.beyond, { splines: beyond.join("; ") }));
      list.push(said.join(" "));
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
    const series = [["served model", served], ["after the chosen step", past]];
    const optimum = this.card.summary?.optimum;
    if (optimum) series.push(["the optimum of the objective", coefficientProbabilities(this.design, optimum.weights, optimum.intercept, grid, this.binary)]);
    for (const [curve, probabilities] of series) {
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
    if (!this.binary || this.design.formula) return null; // a formula's logit is no straight line in a feature
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
      // export/card/markdown.py's coefficient_rows: a multinomial table's rows name their class
      const classes = table.classes ?? null;
      const profile = table.profile_low ? ["profile low", "profile high"] : [];
      header = [...(classes ? [`class (against ${card.class_labels[0]})`] : []), "term", "estimate", "std. error", "z", "p-value", "95% low", "95% high", ...profile];
      const columns = [table.estimate, table.std_error, table.z, table.p_value, table.ci_low, table.ci_high];
      if (profile.length) columns.push(table.profile_low, table.profile_high);
      rows = table.terms.map((term, i) => [...(classes ? [classes[i]] : []), term, ...columns.map((c) => (c[i] === null ? "-" : formatNumber(c[i])))]);
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
      for (const [name, t] of Object.entries(stats.term_tests ?? {})) {
        facts.push(`${name} (leaving out its ${t.df} column(s), as R's drop1 does): chi-squared ${formatNumber(t.statistic)}, p = ${formatNumber(t.p_value)}`);
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
