"""Rows to score, as the graph takes them: ``x`` (the numeric features, float32) and, for a model
with categorical features, ``categories`` (their levels as text).

Rows come as columns by name (a mapping or a pandas DataFrame: raw numbers and text) or as codes
(``export.design``: a float array with a level's index in a categorical feature's column, what
the page and the checks use). A value that is not one of a feature's levels is refused here,
naming the feature, the value and the levels the model knows: the graph would give NaN for it,
and no client of this reader should see a level scored as another.
"""

from collections.abc import Mapping

import numpy as np

from export.design import Design, level_keys, level_text
from export.errors import InputError, shorten

INPUT_NAME, CATEGORIES_NAME = "x", "categories"
SHOWN_LEVELS = 12  # levels listed in a message about an unknown one


def columns_of(rows: object) -> Mapping:
    """A DataFrame's or mapping's columns by name (anything else: not columns)."""
    if isinstance(rows, Mapping):
        return rows
    if hasattr(rows, "columns") and hasattr(rows, "__getitem__"):  # a pandas DataFrame, without importing pandas
        return {str(c): rows[c].to_numpy() for c in rows.columns}
    raise TypeError


def feeds_from_columns(design: Design, columns: Mapping, row_name=None) -> dict[str, np.ndarray]:
    """The graph's inputs from columns by name; ``row_name(i)`` names row i in a message (default:
    ``row i + 1``). ``InputError`` for a missing feature, a value that is not a number (numeric
    feature) or not a level (categorical one)."""
    missing = [f for f in design.features if f not in columns]
    if missing:
        raise InputError(
            f"no column for feature(s) {', '.join(missing)}; give every feature: {', '.join(design.features)}"
        )
    values = {
        f: np.atleast_1d(np.asarray(columns[f], dtype=object if f in design.levels else None)) for f in design.features
    }
    lengths = {len(v) for v in values.values()}
    if len(lengths) != 1:
        raise InputError(
            f"the feature columns have different lengths ({sorted(lengths)}); give each feature one value per row"
        )
    name = row_name or (lambda i: f"row {i + 1}")
    feeds = {}
    if design.numeric:
        try:
            x = np.stack([values[f].astype(np.float64) for f in design.numeric], axis=1)
        except (TypeError, ValueError):
            bad = next(f for f in design.numeric if not _numbers(values[f]))
            raise InputError(f"feature {bad!r} takes numbers; give numbers in that column") from None
        feeds[INPUT_NAME] = np.ascontiguousarray(x, dtype=np.float32)
    if design.levels:
        feeds[CATEGORIES_NAME] = np.stack([_levels(design, f, values[f], name) for f in design.categorical], axis=1)
    return feeds


def feeds_from_codes(design: Design, codes: np.ndarray) -> dict[str, np.ndarray]:
    """The graph's inputs from codes (n, d); a code that is no level's index gives the text ``""``,
    which the graph scores as NaN."""
    codes = np.atleast_2d(np.asarray(codes, dtype=np.float64))
    if codes.ndim != 2 or codes.shape[1] != len(design.features):
        raise ValueError(f"expected rows of {len(design.features)} features, got shape {codes.shape}")
    numeric = [j for j, f in enumerate(design.features) if f not in design.levels]
    feeds = {INPUT_NAME: np.ascontiguousarray(codes[:, numeric], dtype=np.float32)} if numeric else {}
    texts = []
    for j, feature in enumerate(design.features):
        if feature in design.levels:
            levels = np.array([*design.levels[feature], ""], dtype=object)
            column = codes[:, j]
            known = np.isin(column, np.arange(len(levels) - 1))
            texts.append(levels[np.where(known, column, -1).astype(np.int64)])
    if texts:
        feeds[CATEGORIES_NAME] = np.stack(texts, axis=1)
    return feeds


def level_problem(feature: str, value: object, levels: tuple[str, ...], where: str) -> str:
    """The message for a value that is not one of ``feature``'s levels."""
    return (
        f"feature {feature!r} has {shorten(level_text(value))!r} on {where}, a level the model never saw in "
        f"training ({known_levels(levels)}); give one of those"
    )


def known_levels(levels: tuple[str, ...]) -> str:
    shown = ", ".join(levels[:SHOWN_LEVELS]) + (f", ... ({len(levels)} in all)" if len(levels) > SHOWN_LEVELS else "")
    return f"it knows: {shown}"


def _levels(design: Design, feature: str, values: np.ndarray, row_name) -> np.ndarray:
    levels = design.levels[feature]
    keys = level_keys(levels)
    texts = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        index = -1 if _blank(value) else keys.get(level_text(value), -1)
        if index < 0:
            if _blank(value):
                raise InputError(f"feature {feature!r} has no value on {row_name(i)}; give one of its levels")
            raise InputError(level_problem(feature, value, levels, row_name(i)))
        texts[i] = levels[index]
    return texts


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def _numbers(column: np.ndarray) -> bool:
    try:
        column.astype(np.float64)
    except (TypeError, ValueError):
        return False
    return True
