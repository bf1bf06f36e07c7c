"""The model card's contract, key by key, checked whole when a model is loaded.

Every key README.md ("The model card") documents is checked for its type and shape and against
the model's feature count d, logit count L (1 binary, K multinomial) and class count K, so no part
of the page discovers a missing or malformed key later. Keys marked optional may be absent (cards
written by other tools or older kits); when present they are checked like the rest. Keys the
contract does not name are allowed (adding keys does not change ``format_version``).

A spec is a function ``check(value, path)`` that returns the first problem as text, or None.
"""

import math
from collections.abc import Callable, Iterable

Spec = Callable[[object, str], str | None]


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def first_problem(problems: Iterable[str | None]) -> str | None:
    """The first problem found; checking stops there (the generator is not run further)."""
    return next((p for p in problems if p), None)


def number(value: object, path: str) -> str | None:
    return None if is_number(value) else f"{path} is {_shown(value)}, not a finite number"


def integer(value: object, path: str) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else f"{path} is {_shown(value)}, not a count"


def text(value: object, path: str) -> str | None:
    return None if isinstance(value, str) else f"{path} is {_shown(value)}, not text"


def boolean(value: object, path: str) -> str | None:
    return None if isinstance(value, bool) else f"{path} is {_shown(value)}, not true or false"


def nullable(spec: Spec) -> Spec:
    return lambda value, path: None if value is None else spec(value, path)


def index_below(limit: int) -> Spec:
    def check(value: object, path: str) -> str | None:
        problem = integer(value, path)
        if problem is None and value >= limit:
            return f"{path} is {value}, not a class index below {limit}"
        return problem

    return check


def list_of(spec: Spec, length: int | None = None, at_least: int = 0) -> Spec:
    def check(value: object, path: str) -> str | None:
        if not isinstance(value, list):
            return f"{path} is {_shown(value)}, not a list"
        if length is not None and len(value) != length:
            return f"{path} has {len(value)} entries, not {length}"
        if len(value) < at_least:
            return f"{path} has {len(value)} entries, fewer than {at_least}"
        return first_problem(spec(item, f"{path}[{i}]") for i, item in enumerate(value))

    return check


def matrix(rows: int, columns: int, cell: Spec = number) -> Spec:
    return list_of(list_of(cell, columns), rows)


def record(required: dict[str, Spec], optional: dict[str, Spec] | None = None) -> Spec:
    """A JSON object with these keys (others allowed)."""

    def check(value: object, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is {_shown(value)}, not an object"
        missing = [k for k in required if k not in value]
        if missing:
            return f"{path} lacks {', '.join(missing)}"
        specs = [*required.items(), *(optional or {}).items()]
        return first_problem(spec(value[key], f"{path}.{key}") for key, spec in specs if key in value)

    return check


def keyed_by(names: tuple[str, ...], spec: Spec) -> Spec:
    """An object with exactly one entry per name (the features), each satisfying ``spec``."""

    def check(value: object, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is {_shown(value)}, not an object"
        if set(value) != set(names):
            return f"{path} names {_shown(sorted(value))}, not the features {_shown(list(names))}"
        return first_problem(spec(value[name], f"{path}.{name}") for name in names)

    return check


def same_lengths(spec: Spec, keys: tuple[str, ...]) -> Spec:
    """``spec``, and the lists under ``keys`` as long as each other (parallel columns)."""

    def check(value: object, path: str) -> str | None:
        problem = spec(value, path)
        if problem is None and len({len(value[k]) for k in keys if k in value}) > 1:
            return f"{path}: {', '.join(keys)} have different lengths"
        return problem

    return check


def metrics_spec(n_classes: int) -> Spec:
    bin_ = record(
        {"low": number, "high": number, "count": integer},
        {"mean_predicted": nullable(number), "observed": nullable(number)},
    )
    return record(
        {
            "rows": integer,
            "log_loss": number,
            "accuracy": number,
            "brier": number,
            "confusion_matrix": matrix(n_classes, n_classes, integer),
            "calibration": list_of(bin_),
        },
        {"roc_auc": nullable(number)},
    )


def card_spec(names: tuple[str, ...], n_logits: int, n_classes: int) -> Spec:
    """The whole card for a model of these features, logits and classes (header already checked)."""
    d = len(names)
    history = same_lengths(
        record(
            {
                "epoch": list_of(integer, at_least=1),
                "loss": list_of(number),
                "weights": list_of(matrix(n_logits, d)),
                "intercept": list_of(list_of(number, n_logits)),
            }
        ),
        ("epoch", "loss", "weights", "intercept"),
    )
    data = record(
        {
            "source": text,
            "n_rows": integer,
            "class_counts": list_of(integer, n_classes),
            "features": keyed_by(names, record({"min": number, "max": number, "mean": number})),
            "rows": same_lengths(
                record({"x": list_of(list_of(number, d)), "y": list_of(index_below(n_classes))}), ("x", "y")
            ),
        },
        {"n_valid_rows": integer, "dropped_rows": integer, "weight_column": nullable(text)},
    )
    coefficient_columns = ("terms", "estimate", "std_error", "z", "p_value", "ci_low", "ci_high")
    statistics = record(
        {"log_likelihood": number, "null_log_likelihood": number, "notes": list_of(text)},
        {
            "lr_test": record({"statistic": number, "df": integer, "p_value": number}),
            "mcfadden_r2": number,
            "coefficients": same_lengths(
                record(
                    {
                        "terms": list_of(text, d + 1),
                        **{k: list_of(nullable(number), d + 1) for k in coefficient_columns[1:]},
                    }
                ),
                coefficient_columns,
            ),
        },
    )
    summary = record(
        {},
        {
            "final_loss": nullable(number),
            "converged": boolean,
            "iterations": integer,
            "evaluations": integer,
            "gradient_norm": nullable(number),
            "objective": nullable(number),
            "tol": nullable(number),
            "separation": text,
        },
    )
    return record(
        {
            "feature_names": list_of(text, d),
            "target_name": text,
            "coefficients": record({"weights": matrix(n_logits, d), "intercept": list_of(number, n_logits)}),
            "training": record({}),
            "history": history,
            "data": data,
            "versions": record({}),
        },
        {
            "example": keyed_by(names, number),
            "standardization": nullable(record({"mean": list_of(number, d), "scale": list_of(number, d)})),
            "summary": summary,
            "statistics": statistics,
            "warnings": list_of(text),
            "metrics": record({"train": metrics_spec(n_classes)}, {"valid": nullable(metrics_spec(n_classes))}),
        },
    )
