"""The summary ``python -m training`` prints: what the tutorial printed, in readable form, plus
convergence, statistics, metrics and warnings."""

from export.artifact import Artifact
from export.card.markdown import coefficient_rows
from export.card.model_card import ModelCard
from export.card.sections import brier_score
from export.errors import listed, printable
from export.extrapolation import extrapolation_warning
from export.optimum import optimum_probabilities
from training.data.dataset import Dataset
from training.solvers.optimizers import Convergence


def _describe_run(card: ModelCard, data: Dataset) -> list[str]:
    t = card.training
    extra = [f"{data.dropped_rows} rows with missing values left out"] if data.dropped_rows else []
    if card.data.n_valid_rows:
        extra.append(f"{card.data.n_valid_rows} held out for validation")
    how = [t.optimizer]
    how += (
        [
            f"lr {t.lr:g}",
            f"{t.epochs} epochs",
            "full batch" if t.batch_size is None else f"batches of {t.batch_size}",
        ]
        if t.optimizer != "lbfgs"
        else [f"tol {t.tol:g}"]
    )
    how += [f"l2 {t.l2:g}"] * (t.l2 > 0) + ["Firth penalty"] * (t.penalty == "firth")
    how += ["balanced class weights"] * (t.class_weight == "balanced") + ["standardized"] * t.standardize
    return [
        f"data:     {data.source}, {card.data.n_rows} training rows"
        + "".join(f", {e}" for e in extra)
        + f", features {listed((_feature_text(card, name) for name in card.feature_names), limit=80)}, "
        f"target {printable(data.target_name)} (classes {listed(data.class_labels)})",
        *(f"note: {note}" for note in data.notes),
        f"training: {', '.join(how)}, seed {t.seed}",
    ]


def _feature_text(card: ModelCard, name: str) -> str:
    """A feature, and for a categorical one its level count and coding."""
    if name not in card.design.levels:
        return printable(name)
    reference = f", reference {printable(card.design.levels[name][0])}" if card.design.coding == "treatment" else ""
    return f"{printable(name)} ({len(card.design.levels[name])} levels{reference})"


def _convergence_line(c: Convergence, optimizer: str) -> str:
    unit = "iterations" if optimizer == "lbfgs" else "epochs"
    state = "converged" if c.converged else "NOT converged"
    why = "; the line search could go no further" if not c.converged and c.stop == "line search" else ""
    return f"{state} after {c.iterations} {unit}: largest gradient entry {c.gradient_norm:.2g} (tol {c.tol:g}{why})"


def _coefficient_lines(artifact: Artifact) -> list[str]:
    card = artifact.card
    if card.binary and card.statistics.coefficients is None and card.n_features == 1:
        return [f"w = {card.weights[0, 0]:.6f}", f"b = {card.intercept[0]:.6f}"]
    header, rows = coefficient_rows(card)
    names = sum(isinstance(v, str) for v in rows[0])  # the term (and a multinomial row's class) come first
    cells = [[v if i < names else "-" if v is None else format(v, ".4g") for i, v in enumerate(row)] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) + 2 if i < names else max(12, len(h) + 2) for i, h in enumerate(header)
    ]

    def line(texts: list[str]) -> str:  # names to the left, numbers to the right (None: aliased, or no z)
        return "".join(f"{t:<{w}}" if i < names else f"{t:>{w}}" for i, (t, w) in enumerate(zip(texts, widths)))

    return [line(header), *(line(row) for row in cells)]


def _prediction_lines(artifact: Artifact) -> list[str]:
    card = artifact.card
    example = card.example
    served = artifact.predict({n: [example[n]] for n in card.feature_names})
    query = listed((f"{printable(name)} = {_shown(example[name])}" for name in card.feature_names), limit=80)
    p = served.probabilities[0]
    label = printable(card.class_labels[int(served.label[0])])
    target, labels = printable(card.target_name), [printable(c) for c in card.class_labels]
    best = optimum_probabilities(card, card.design.codes_row(example)[None, :])
    if card.binary:
        lines = [f"P({target} = {labels[1]} | {query}) = {p[1]:.6f}", f"class at threshold {card.threshold:g}: {label}"]
        said = f"P({target} = {labels[1]}) = {best[0, 1]:.6f}" if best is not None else ""
    else:
        shares = ", ".join(f"{c} {pc:.6f}" for c, pc in zip(labels, p))
        lines = [f"P({target} | {query}): {shares}", f"class: {label} (the most probable)"]
        said = "P: " + ", ".join(f"{c} {pc:.6f}" for c, pc in zip(labels, best[0])) if best is not None else ""
    if best is not None:  # the run stopped short: what the optimum of its objective says
        optimum = card.summary.optimum
        lines.append(
            f"the optimum of the same objective (L-BFGS after the run, objective {optimum.objective:.6f} against the "
            f"run's {card.summary.final_loss:.6f}) says {said}"
        )
    return lines


def _shown(value: float | str) -> str:
    return printable(value) if isinstance(value, str) else f"{value:g}"


def _metric_lines(card: ModelCard) -> list[str]:
    lines = []
    for split, m in card.metrics.splits().items():
        auc = "-" if m.roc_auc is None else f"{m.roc_auc:.4f}"
        lines.append(
            f"{split:<5} rows: log loss {m.log_loss:.4f}, accuracy {m.accuracy:.4f}, "
            f"ROC AUC {auc}, Brier {brier_score(m, card.binary):.4f} ({m.rows} rows)"
        )
    return lines


def report_lines(artifact: Artifact, convergence: Convergence, data: Dataset) -> list[str]:
    card = artifact.card
    stats = card.statistics
    lines = [*_describe_run(card, data), _convergence_line(convergence, card.training.optimizer)]
    if card.formula is not None:
        lines.insert(1, f"formula:  {printable(card.formula.text, 200)} ({card.n_terms} columns)")
    lines += _coefficient_lines(artifact)
    lines.append(f"final loss = {card.summary.final_loss:.6f}")
    if stats.lr_test:
        test = stats.lr_test
        lines.append(
            f"log-likelihood {stats.log_likelihood:.4f} (intercept only {stats.null_log_likelihood:.4f}),"
            f" LR test chi2 {test.statistic:.4g} on {test.df} df, p = {test.p_value:.3g}, "
            f"McFadden R2 {stats.mcfadden_r2:.4f}"
        )
    if stats.deviance is not None:
        lines.append(
            f"deviance {stats.deviance:.4f} (null {stats.null_deviance:.4f}), AIC {stats.aic:.4f}, BIC {stats.bic:.4f}"
        )
    for name, test in (stats.feature_tests or {}).items():
        lines.append(f"{name} as a whole: LR test chi2 {test.statistic:.4g} on {test.df} df, p = {test.p_value:.3g}")
    for name, test in (stats.term_tests or {}).items():
        said = f"LR test chi2 {test.statistic:.4g} on {test.df} df, p = {test.p_value:.3g}"
        lines.append(f"{printable(name, 80)} (drop1, leaving out its columns): {said}")
    lines += _prediction_lines(artifact) + _metric_lines(card)
    lines += [f"note: {note}" for note in stats.notes]
    beyond = card.design.beyond(card.design.codes_row(card.example)[None, :]) if card.formula is not None else None
    extrapolation = extrapolation_warning(card.example, card.data.features, beyond)
    lines += [f"warning: {w}" for w in [*card.warnings, *([extrapolation] if extrapolation else [])]]
    return lines
