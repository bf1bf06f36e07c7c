"""``model_card.md``: the card for people, generated from the JSON card (never edited by hand)."""

from export.card.model_card import ModelCard


def _number(value: object) -> str:
    return "-" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_number(v) for v in row) + " |" for row in rows]


NOT_USED_BY = {"lbfgs": ("epochs", "lr", "batch_size")}


def relevant_settings(card: ModelCard) -> dict:
    """The training settings that shaped this model: unset options and those its optimizer or task
    does not use are left out."""
    training = card.raw["training"]
    skip = set(NOT_USED_BY.get(training.get("optimizer"), ("max_iter",)))
    if not card.binary:
        skip |= {"threshold", "threshold_metric"}
    return {
        k: v for k, v in training.items() if k not in skip and (k == "seed" or v not in (None, "none", False, 0, 0.0))
    }


def coefficient_rows(card: ModelCard) -> tuple[list[str], list[list[object]]]:
    """The coefficient table: with standard errors where the card has them, else one column per logit."""
    table = card.raw.get("statistics", {}).get("coefficients")
    if table:
        header = ["term", "estimate", "std. error", "z", "p-value", "95% low", "95% high"]
        keys = ["estimate", "std_error", "z", "p_value", "ci_low", "ci_high"]
        return header, [[term, *(table[k][i] for k in keys)] for i, term in enumerate(table["terms"])]
    labels = [f"class {label}" for label in card.class_labels] if not card.binary else ["estimate"]
    terms = ["(intercept)", *card.feature_names]
    columns = [[b, *w] for w, b in zip(card.weights.tolist(), card.intercept.tolist())]
    return ["term", *labels], [[term, *(col[i] for col in columns)] for i, term in enumerate(terms)]


def card_markdown(card: ModelCard) -> str:
    raw = card.raw
    summary = raw.get("summary", {})
    lines = [
        f"# Model card: {card.target_name} from {', '.join(card.feature_names)}",
        "",
        f"- task: {raw['task']} logistic regression, classes {', '.join(map(str, card.class_labels))}",
        "- decision: "
        + (f"class {card.class_labels[1]} when P > {card.threshold:g}" if card.binary else "the most probable class"),
        f"- data: {raw['data']['source']}, {raw['data']['n_rows']} training rows"
        + (f", {raw['data'].get('n_valid_rows')} validation rows" if raw["data"].get("n_valid_rows") else ""),
        "- training: " + ", ".join(f"{k} {v}" for k, v in relevant_settings(card).items()),
        f"- converged: {summary.get('converged')} after {summary.get('iterations')} steps "
        f"(max |gradient| {_number(summary.get('gradient_norm'))})",
        "",
        "## Warnings",
        "",
    ]
    lines += [f"- {w}" for w in card.warnings] or ["None."]
    lines += ["", "## Coefficients (raw feature units)", "", *_table(*coefficient_rows(card)), ""]
    stats = raw.get("statistics", {})
    if "lr_test" in stats:
        test = stats["lr_test"]
        lines += [
            f"Log-likelihood {_number(stats['log_likelihood'])} (intercept only "
            f"{_number(stats['null_log_likelihood'])}); likelihood-ratio test chi2 = {_number(test['statistic'])}"
            f" on {test['df']} df, p = {_number(test['p_value'])}; McFadden R² {_number(stats['mcfadden_r2'])}.",
            "",
        ]
    lines += [f"Note: {note}." for note in stats.get("notes", [])]
    lines += ["", "## Metrics", ""]
    metrics = raw.get("metrics", {})
    names = ["log_loss", "accuracy", "roc_auc", "brier"]
    rows = [[split, *(m[k] for k in names), m["rows"]] for split, m in metrics.items() if m]
    lines += [*_table(["rows", "log loss", "accuracy", "ROC AUC", "Brier", "n"], rows), ""]
    return "\n".join(lines) + "\n"
