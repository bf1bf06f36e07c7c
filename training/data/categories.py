"""Which feature columns are categorical, and their levels (``export.design`` says how they are coded).

A text or boolean column is categorical; so is an integer column named by ``--categorical``
(race = 1, 2, 3). A text column whose cells are mostly numbers is not: it is a numeric column with
some cells mistyped, and the loader's check names the first of them. Levels are the distinct values
(text with outer spaces removed; integers in numeric order, then written as text), sorted; an empty
cell is a missing value. A column with more than ``MAX_LEVELS`` levels, or nearly one per row (a
name or an ID), is refused: as a feature it would be a coefficient per row.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from export.csv_input import numbers
from export.design import MAX_LEVELS, level_text
from export.errors import DataError
from training.data.columns import Columns, names_text
from training.data.dataset import Dataset

NOT_CATEGORICAL = None
NUMBERS_SAMPLE = 1000  # cells of a text column looked at to tell a mistyped numeric column
MOSTLY_NUMBERS = 0.5  # that share of those cells being numbers makes it one
ID_ROWS_PER_LEVEL = 2  # fewer rows per level than this (and more than ID_MIN_LEVELS levels): an ID
ID_MIN_LEVELS = 10


def is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind)


def check_declared(columns: Columns, features: list[str], file: str) -> None:
    """``--categorical`` names feature columns only."""
    for name in columns.categorical:
        if name == columns.target:
            raise DataError(
                f"--categorical lists the target {name!r}; its values are the classes already: "
                "list only input columns in --categorical"
            )
        if name not in features:
            raise DataError(
                f"--categorical names {name!r}, not a feature column of {file} (features: {names_text(features)}); "
                "check the spelling"
            )


def categorical_codes(
    row: np.ndarray, column: pa.ChunkedArray, feature: str, declared: bool, file: str, rows: int
) -> tuple[str, ...] | None:
    """For a categorical ``column``: write each row's level index into ``row`` (NaN where the cell
    is missing) and return the levels; for any other column, ``NOT_CATEGORICAL`` (nothing written)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = pc.cast(column, kind.value_type), kind.value_type
    if pa.types.is_boolean(kind) or (is_text(kind) and not _mostly_numbers(column)):
        cells = column if pa.types.is_boolean(kind) else _trimmed(column)
    elif declared and pa.types.is_integer(kind):
        cells = column
    elif declared and pa.types.is_floating(kind):
        cells = _whole_numbers(column, feature, file)
    elif declared:
        raise DataError(
            f"--categorical names {feature!r} of {file}, which holds {kind} values, not whole numbers or text; "
            "give integer codes or leave it out of --categorical"
        )
    else:
        return NOT_CATEGORICAL
    values = pc.unique(cells).drop_null()
    values = pc.take(values, pc.array_sort_indices(values))
    _check_count(len(values), feature, file, rows)
    index = pc.index_in(cells, value_set=values)
    row[:] = index.to_numpy(zero_copy_only=False)  # nulls (missing cells) become NaN
    return tuple(level_text(v) for v in values.to_pylist())


def _mostly_numbers(column: pa.ChunkedArray) -> bool:
    sample = column.drop_null().slice(0, NUMBERS_SAMPLE).to_numpy(zero_copy_only=False)
    return len(sample) > 0 and np.isfinite(numbers(pd.Series(sample))).mean() >= MOSTLY_NUMBERS


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text without outer spaces; an empty cell is a missing value."""
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _whole_numbers(column: pa.ChunkedArray, feature: str, file: str) -> pa.ChunkedArray:
    """A float column of whole numbers (pandas writes an integer column with gaps as floats) as integers."""
    values = column.to_numpy(zero_copy_only=False)
    fractional = np.isfinite(values) & (values != np.round(values))
    if fractional.any() or np.isinf(values).any():
        bad = values[np.argmax(fractional | np.isinf(values))]
        raise DataError(
            f"--categorical names {feature!r} of {file}, but it holds {bad}, not a whole number; categorical "
            "codes are whole numbers or text: leave it out of --categorical to use it as a number"
        )
    return pc.cast(column, pa.int64())


def _check_count(count: int, feature: str, file: str, rows: int) -> None:
    fix = f"leave it out with --features (or drop the column from {file})"
    if count > MAX_LEVELS:
        raise DataError(
            f"categorical feature {feature!r} of {file} has {count:,} levels, more than {MAX_LEVELS:,}: too many "
            f"to fit a coefficient each; {fix}, or group its values into fewer levels"
        )
    if count > ID_MIN_LEVELS and count * ID_ROWS_PER_LEVEL > rows:
        raise DataError(
            f"categorical feature {feature!r} of {file} has {count:,} different values in {rows:,} rows, nearly "
            f"one per row: it looks like a name or an ID, which predicts nothing for new rows; {fix}"
        )


def check_levels_trained(train: Dataset, valid: Dataset | None) -> None:
    """Every level has training rows: a level seen only in the validation rows would get no
    coefficient of its own (it would be scored as the reference level)."""
    if train.codes is None or valid is None:
        return
    design = train.inputs
    for k, feature in enumerate(design.categorical):
        levels = design.levels[feature]
        seen = np.bincount(train.codes[:, k], minlength=len(levels))
        held = np.bincount(valid.codes[:, k], minlength=len(levels))
        unseen = np.flatnonzero((seen == 0) & (held > 0))
        if len(unseen):
            level = levels[unseen[0]]
            raise DataError(
                f"level {level!r} of feature {feature!r} occurs only in the validation rows ({held[unseen[0]]} "
                f"row(s) of {train.source}), so the model could not learn it; lower --valid-fraction, or merge "
                "rare levels into others"
            )
