"""``model_card.md``: the card for people, generated from the JSON card (never edited by hand)."""

from export.card.model_card import ModelCard
from export.card.sections import FitSummary, brier_score


def _number(value: object) -> str:
    return "-" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_number(v) for v in row) + " |" for row in rows]


NOT_USED_BY = {"lbfgs": ("epochs", "lr", "batch_size")}


def relevant_settings(card: ModelCard) -> dict:
    """The training settings that shaped this model: unset options and those its optimizer or task
    does not use are left out."""
    training = dict(sorted(card.training.to_json().items()))  # as the JSON card lists them
    skip = set(NOT_USED_BY.get(training.get("optimizer"), ("max_iter",)))
    if not card.binary:
        skip |= {"threshold", "threshold_metric"}
    return {
        k: v for k, v in training.items() if k not in skip and (k == "seed" or v not in (None, "none", False, 0, 0.0))
    }


def coefficient_rows(card: ModelCard) -> tuple[list[str], list[list[object]]]:
    """The coefficient table: with standard errors where the card has them, else one column per logit."""
    table = card.statistics and card.statistics.coefficients
    if table:
        header = ["term", "estimate", "std. error", "z", "p-value", "95% low", "95% high"]
        columns = [table.estimate, table.std_error, table.z, table.p_value, table.ci_low, table.ci_high]
        if table.profile_low is not None:  # the profile-likelihood interval beside the Wald one
            header += ["profile low", "profile high"]
            columns += [table.profile_low, table.profile_high]
        if table.classes is not None:  # multinomial: each class against the first
            header.insert(0, f"class (against {card.class_labels[0]})")
            columns.insert(0, table.terms)
            return header, [[label, *(c[i] for c in columns)] for i, label in enumerate(table.classes)]
        return header, [[term, *(c[i] for c in columns)] for i, term in enumerate(table.terms)]
    labels = [f"class {label}" for label in card.class_labels] if not card.binary else ["estimate"]
    terms = ["(intercept)", *card.design.terms]
    columns = [[b, *w] for w, b in zip(card.weights.tolist(), card.intercept.tolist())]
    return ["term", *labels], [[term, *(col[i] for col in columns)] for i, term in enumerate(terms)]


def header_items(card: ModelCard) -> list[str]:
    """What was fitted, on what, how, and whether it converged: the card's opening list."""
    summary = card.summary or FitSummary()
    data = card.data
    return [
        f"task: {card.task} logistic regression, classes {', '.join(map(str, card.class_labels))}",
        "decision: "
        + (f"class {card.class_labels[1]} when P > {card.threshold:g}" if card.binary else "the most probable class"),
        f"data: {data.source}, {data.n_rows} training rows"
        + (f", {data.n_valid_rows} validation rows" if data.n_valid_rows else ""),
        "training: " + ", ".join(f"{k} {v}" for k, v in relevant_settings(card).items()),
        f"converged: {summary.converged} after {summary.iterations} steps "
        f"(max |gradient| {_number(summary.gradient_norm)})",
    ]


def statistics_paragraphs(card: ModelCard) -> list[str]:
    """The fit's likelihood statistics and tests, a sentence each (none for a card without them)."""
    stats = card.statistics
    paragraphs = []
    if stats and stats.lr_test:
        test = stats.lr_test
        paragraphs.append(
            f"Log-likelihood {_number(stats.log_likelihood)} (intercept only "
            f"{_number(stats.null_log_likelihood)}); likelihood-ratio test chi2 = {_number(test.statistic)}"
            f" on {test.df} df, p = {_number(test.p_value)}; McFadden R² {_number(stats.mcfadden_r2)}."
        )
    if stats and stats.deviance is not None:
        paragraphs.append(
            f"Residual deviance {_number(stats.deviance)} (null deviance {_number(stats.null_deviance)}); "
            f"AIC {_number(stats.aic)}, BIC {_number(stats.bic)}."
        )
    for name, test in ((stats.feature_tests or {}) if stats else {}).items():
        paragraphs.append(
            f"{name} as a whole (likelihood-ratio test of leaving out its terms): chi2 = {_number(test.statistic)} "
            f"on {test.df} df, p = {_number(test.p_value)}."
        )
    for name, test in ((stats.term_tests or {}) if stats else {}).items():
        paragraphs.append(
            f"{name} (likelihood-ratio test of leaving out its columns, R's drop1): chi2 = {_number(test.statistic)} "
            f"on {test.df} df, p = {_number(test.p_value)}."
        )
    return paragraphs


def card_markdown(card: ModelCard) -> str:
    lines = [
        f"# Model card: {card.target_name} from {', '.join(card.feature_names)}",
        "",
        *(f"- {item}" for item in header_items(card)),
        "",
        "## Warnings",
        "",
    ]
    lines += [f"- {w}" for w in card.warnings] or ["None."]
    if card.formula is not None:
        lines += ["", "## Formula", "", f"`{card.formula.text}`: {len(card.terms)} columns from the raw inputs"]
        lines += [
            f"- {f.label}: knots {', '.join(f'{k:.6g}' for k in f.knots)}" for f in card.formula.factors if f.knots
        ]
    if card.categories is not None:
        coding = card.categories.coding
        how = "the first level is the reference" if coding == "treatment" else "every level has a term"
        lines += ["", f"## Categorical features ({coding} coding: {how})", ""]
        lines += [
            f"- {name}: " + ", ".join(f"{level} ({100 * share:.1f}%)" for level, share in zip(f.levels, f.shares))
            for name, f in card.categories.features.items()
        ]
    lines += ["", "## Coefficients (raw feature units)", "", *_table(*coefficient_rows(card)), ""]
    for paragraph in statistics_paragraphs(card):
        lines += [paragraph, ""]
    stats = card.statistics
    lines += [f"Note: {note}." for note in (stats.notes if stats else [])]
    lines += ["", "## Metrics", ""]
    splits = card.metrics.splits() if card.metrics else {}
    rows = [
        [split, m.log_loss, m.accuracy, m.roc_auc, brier_score(m, card.binary), m.rows] for split, m in splits.items()
    ]
    lines += [*_table(["rows", "log loss", "accuracy", "ROC AUC", "Brier", "n"], rows), ""]
    return "\n".join(lines) + "\n"
