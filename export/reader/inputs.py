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
from export.limits import FLOAT32_MAX

INPUT_NAME, CATEGORIES_NAME = "x", "categories"
SHOWN_LEVELS = 12  # levels listed in a message about an unknown one


def columns_of(rows: object, features: tuple[str, ...]) -> Mapping:
    """Rows as columns by name: a mapping of name to values, a pandas DataFrame, or a list of
    mappings (one per row). ``InputError`` for anything else, a DataFrame with two columns of one
    name, or a row without a feature."""
    if isinstance(rows, Mapping):
        return rows
    if hasattr(rows, "columns") and hasattr(rows, "__getitem__"):  # a pandas DataFrame, without importing pandas
        names = [str(c) for c in rows.columns]
        twice = next((n for n in names if names.count(n) > 1 and n in features), None)
        if twice is not None:
            raise InputError(f"the rows have two columns named {shorten(twice)!r}; keep one")
        return {name: rows[c].to_numpy() for name, c in zip(names, rows.columns) if name in features}
    if isinstance(rows, list | tuple) and all(isinstance(row, Mapping) for row in rows):  # [] is no rows
        for i, row in enumerate(rows):
            missing = [f for f in features if f not in row]
            if missing:
                raise InputError(f"row {i + 1} has no value for feature(s) {shorten(', '.join(missing))}; give each")
        return {f: [row[f] for row in rows] for f in features}
    raise InputError(
        f"cannot read rows from {_kind(rows)}; give a DataFrame, a mapping of feature name to values "
        "or a list of such mappings (one per row)"
    )


def is_columns(rows: object) -> bool:
    """Rows given by column name (a mapping, a DataFrame or a list of mappings), not as an array. An
    empty list is no rows, for any model (the static site's ``predict([])`` answers the same)."""
    return (
        isinstance(rows, Mapping)
        or (hasattr(rows, "columns") and hasattr(rows, "__getitem__"))
        or (isinstance(rows, list | tuple) and all(isinstance(row, Mapping) for row in rows))
    )


def numeric_rows(rows: object, features: tuple[str, ...]) -> np.ndarray:
    """Rows of a numeric model given as an array (n, d), or one row (d,): float32, C-ordered, every
    value a finite number within float32's range; ``InputError`` naming the feature and row otherwise."""
    try:
        array = np.asarray(rows)
    except (TypeError, ValueError):  # ragged lists
        array = None
    if rows is None or isinstance(rows, str | bytes):
        raise InputError(f"cannot read rows from {_kind(rows)}; give an array of numbers (n, d) or one row (d,)")
    if array is not None and array.ndim <= 1:  # one row; an empty list is no rows
        array = array.reshape(0 if array.size == 0 else 1, -1 if array.size else len(features))
    if array is None or array.ndim != 2 or array.shape[1] != len(features):
        shape = "rows of different lengths" if array is None else f"shape {array.shape}"
        raise InputError(
            f"expected rows of {len(features)} feature(s) ({shorten(', '.join(features), 80)}), got {shape}; "
            "give an array (n, d) or one row (d,)"
        )
    if array.dtype.kind in "fiu":
        with np.errstate(invalid="ignore", over="ignore"):
            if (np.abs(array) <= FLOAT32_MAX).all():
                return np.ascontiguousarray(array, dtype=np.float32)
    for j, feature in enumerate(features):  # the first bad column says what is wrong, and where
        checked_numbers(array[:, j], feature, lambda i: f"row {i + 1}")
    return np.ascontiguousarray(array.astype(np.float64), dtype=np.float32)


def feeds_from_columns(design: Design, columns: Mapping, row_name=None) -> dict[str, np.ndarray]:
    """The graph's inputs from columns by name; ``row_name(i)`` names row i in a message (default:
    ``row i + 1``). ``InputError`` for a missing feature, a value that is not a number (numeric
    feature) or not a level (categorical one)."""
    missing = [f for f in design.features if f not in columns]
    if missing:
        raise InputError(
            f"no column for feature(s) {shorten(', '.join(missing))}; give every feature: "
            f"{shorten(', '.join(design.features), 200)}"
        )
    name = row_name or (lambda i: f"row {i + 1}")
    values = {f: _column(columns[f], f) for f in design.features}
    lengths = {len(v) for v in values.values()}
    if len(lengths) != 1:
        raise InputError(
            f"the feature columns have different lengths ({sorted(lengths)[:4]}); give each feature one value per row"
        )
    feeds = {}
    if design.numeric:
        x = np.empty((lengths.pop(), len(design.numeric)), dtype=np.float32)
        for j, f in enumerate(design.numeric):
            x[:, j] = checked_numbers(values[f], f, name)
        feeds[INPUT_NAME] = x
    if design.levels:
        feeds[CATEGORIES_NAME] = np.stack([_levels(design, f, values[f], name) for f in design.categorical], axis=1)
    return feeds


def checked_numbers(values: np.ndarray, feature: str, row_name) -> np.ndarray:
    """A numeric feature's values as float64, each a finite number within float32's range (what the
    graph takes); ``InputError`` naming the feature and the first bad row otherwise. Text, booleans,
    complex numbers and dates are not numbers here, even where numpy would convert them."""
    kind = values.dtype.kind
    if kind == "O":
        real = np.array([_real(v) for v in values], dtype=bool)
        if not real.all():
            i = int(np.argmin(real))
            if not _blank(values[i]):
                shown = shorten(repr(values[i]))
                raise InputError(f"feature {feature!r} takes numbers, but {row_name(i)} has {shown}; give a number")
        values = np.array([v if r else np.nan for v, r in zip(values, real)], dtype=np.float64)
    elif kind == "b" and len(values):  # named like a boolean among numbers (a list of rows)
        raise InputError(f"feature {feature!r} takes numbers, but {row_name(0)} has {bool(values[0])!r}; give a number")
    elif kind not in "fiu":
        raise InputError(f"feature {feature!r} takes numbers, not {_dtype_text(values.dtype)}; give numbers")
    with np.errstate(invalid="ignore", over="ignore"):
        inside = np.abs(values) <= FLOAT32_MAX
    if not inside.all():
        i = int(np.argmin(inside))
        value = values[i]
        if np.isnan(value):
            raise InputError(f"feature {feature!r} has no value on {row_name(i)}; give a number")
        raise InputError(
            f"feature {feature!r} has {value:g} on {row_name(i)}, not a finite number within float32's range "
            f"(±{FLOAT32_MAX:.3g}); give a smaller one"
        )
    return values


def _column(values: object, feature: str) -> np.ndarray:
    """One feature's values, a value per row (a single value: one row)."""
    try:
        column = np.atleast_1d(np.asarray(values, dtype=object if _kept_as_given(values) else None))
    except (TypeError, ValueError):
        column = None
    if column is None or column.ndim != 1:
        raise InputError(f"feature {feature!r} must be given one value per row (a list or 1-D array)")
    return column


def _kept_as_given(values: object) -> bool:
    """Values numpy would convert where the checks must see them as given: text, and booleans among
    numbers (``[True, 0.5]`` would become ``[1.0, 0.5]``)."""
    given = (str, bool, np.bool_)
    return isinstance(values, str) or (isinstance(values, list | tuple) and any(isinstance(v, given) for v in values))


def _real(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def _dtype_text(dtype: np.dtype) -> str:
    names = {"b": "true/false values", "c": "complex numbers", "M": "dates", "m": "time spans"}
    names |= {"U": "text", "S": "bytes"}
    return names.get(dtype.kind, f"values of type {dtype}")


def _kind(value: object) -> str:
    return "None" if value is None else f"a {type(value).__name__}"


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


def codes_from_feeds(design: Design, feeds: dict[str, np.ndarray]) -> np.ndarray:
    """Codes (n, d) float64 from the graph's inputs (as ``feeds_from_columns`` makes them: every
    level known), the inverse of ``feeds_from_codes``."""
    rows = len(next(iter(feeds.values())))
    codes = np.empty((rows, len(design.features)))
    numeric = [j for j, f in enumerate(design.features) if f not in design.levels]
    if numeric:
        codes[:, numeric] = feeds[INPUT_NAME]
    for k, feature in enumerate(design.categorical):
        index = {level: i for i, level in enumerate(design.levels[feature])}
        codes[:, design.features.index(feature)] = [index[text] for text in feeds[CATEGORIES_NAME][:, k]]
    return codes


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
