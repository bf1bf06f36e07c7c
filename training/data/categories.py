"""Which feature columns are categorical, and their levels (``export.design`` says how they are coded).

A text or boolean column is categorical; so is an integer column named by ``--categorical``
(race = 1, 2, 3). A text column whose cells are mostly numbers is not: it is a numeric column with
some cells mistyped, and the loader's check names the first of them. Levels are the distinct values
(text with outer spaces removed; integers in numeric order, then written as text), sorted; an empty
cell is a missing value. A column with more than ``MAX_LEVELS`` levels, or nearly one per row (a
name or an ID), is refused: as a feature it would be a coefficient per row.
"""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from export.csv_input import numbers
from export.design import MAX_LEVELS, WHOLE_NUMBER, Design, level_text
from export.errors import DataError
from training.data.columns import Columns, names_text
from training.data.dataset import Dataset

NOT_CATEGORICAL = None
NUMBERS_SAMPLE = 1000  # cells of a text column looked at to tell a mistyped numeric column
MOSTLY_NUMBERS = 0.5  # that share of those cells being numbers makes it one
ID_ROWS_PER_LEVEL = 2  # fewer rows per level than this (and more than ID_MIN_LEVELS levels): an ID
ID_MIN_LEVELS = 10
WHOLE_TEXT = r"^-?[0-9]+$"  # a level that is a whole number, or a code of digits


def is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind)


def is_categorical_type(kind: pa.DataType) -> bool:
    """Text or booleans: categorical whether or not ``--categorical`` names the column (text that is
    mostly numbers aside: ``categorical_cells``)."""
    return is_text(kind) or pa.types.is_boolean(kind)


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
    cells = categorical_cells(column, feature, declared, file)
    if cells is NOT_CATEGORICAL:
        return NOT_CATEGORICAL
    values = sorted_values(pc.unique(cells))
    check_level_count(len(values), feature, file, rows)
    row[:] = level_indices(cells, values)
    return tuple(level_text(v) for v in values.to_pylist())


def categorical_cells(
    column: pa.ChunkedArray | pa.Array, feature: str, declared: bool, file: str
) -> pa.ChunkedArray | pa.Array | None:
    """A categorical column's cells as its levels are made of (text without outer spaces, an empty
    cell missing; booleans; whole numbers as integers); ``NOT_CATEGORICAL`` for a numeric column
    not named by ``--categorical``, and for a text column that is mostly numbers unless named."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = pc.cast(column, kind.value_type), kind.value_type
    if is_text(kind) and declared:
        return _whole_text(_trimmed(column), feature, file)
    if pa.types.is_boolean(kind) or (is_text(kind) and not _mostly_numbers(column)):
        return column if pa.types.is_boolean(kind) else _trimmed(column)
    if declared and pa.types.is_integer(kind):
        return pc.cast(column, pa.int64())
    if declared and pa.types.is_floating(kind):
        return _whole_numbers(column, feature, file)
    if declared:
        raise DataError(
            f"--categorical names {feature!r} of {file}, which holds {kind} values, not whole numbers or text; "
            "give integer codes or leave it out of --categorical"
        )
    return NOT_CATEGORICAL


def text_cells(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column known to be categorical as its levels are made of (``categorical_cells``'
    rule for text), whether or not this stretch of it is mostly numbers: a streamed CSV's part."""
    return _trimmed(column)


def sorted_values(values: pa.Array) -> pa.Array:
    """The distinct non-missing ``values``, sorted: the levels, before they are written as text.
    Text that is all whole numbers (codes read as text, ``02134`` included) is sorted by value."""
    values = values.drop_null()
    if is_text(values.type) and len(values) and pc.all(pc.match_substring_regex(values, WHOLE_TEXT)).as_py():
        numbers = [(int(text), text) for text in values.to_pylist()]
        return pc.take(values, sorted(range(len(numbers)), key=numbers.__getitem__))
    return pc.take(values, pc.array_sort_indices(values))


def level_indices(cells: pa.ChunkedArray | pa.Array, values: pa.Array) -> np.ndarray:
    """Each cell's index among the level ``values``, float64, NaN where a cell is missing (or, in a
    file that changed while it was read, not a level)."""
    return pc.index_in(cells, value_set=values).to_numpy(zero_copy_only=False).astype(np.float64)


def _mostly_numbers(column: pa.ChunkedArray) -> bool:
    sample = column.drop_null().slice(0, NUMBERS_SAMPLE).to_numpy(zero_copy_only=False)
    return len(sample) > 0 and np.isfinite(numbers(sample)).mean() >= MOSTLY_NUMBERS


def _trimmed(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text as ``export.design.level_text`` writes it: without outer spaces, a whole number's
    digits alone (``2.0`` is ``2``); an empty cell is a missing value."""
    text = pc.utf8_trim_whitespace(pc.cast(column, pa.string()))
    text = pc.replace_substring_regex(text, pattern=WHOLE_NUMBER, replacement=r"\1\2")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _whole_text(cells: pa.ChunkedArray, feature: str, file: str) -> pa.ChunkedArray:
    """Text of a column named by ``--categorical``: codes (any text, kept as written), but a column
    of numbers must hold whole ones (1.5 is a measurement, not a category)."""
    values = numbers(cells.drop_null().to_numpy(zero_copy_only=False))
    if len(values) and np.isfinite(values).all():
        _check_whole(values, feature, file)
    return cells


def _whole_numbers(column: pa.ChunkedArray, feature: str, file: str) -> pa.ChunkedArray:
    """A float column of whole numbers (pandas writes an integer column with gaps as floats) as integers."""
    _check_whole(column.to_numpy(zero_copy_only=False), feature, file)
    return pc.cast(column, pa.int64())


def _check_whole(values: np.ndarray, feature: str, file: str) -> None:
    """Codes are whole numbers within int64 (2**63 itself is not)."""
    fractional = np.isfinite(values) & (values != np.round(values))
    outside = ~np.isnan(values) & ~(np.abs(values) < 2.0**63)
    if fractional.any() or outside.any():
        bad = values[np.argmax(fractional | outside)]
        why = "not a whole number" if fractional.any() else "beyond the whole numbers a code can be (±2**63)"
        raise DataError(
            f"--categorical names {feature!r} of {file}, but it holds {bad:g}, {why}; categorical "
            "codes are whole numbers or text: leave it out of --categorical to use it as a number"
        )


def check_level_count(count: int, feature: str, file: str, rows: int) -> None:
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


def check_split_levels(train: Dataset, valid: Dataset | None) -> None:
    """``check_levels_trained`` for rows in memory (read as codes: ``training.data.columnar``)."""
    if train.codes is None or valid is None or not train.inputs.has_categories:
        return
    design = train.inputs
    counts = [{f: codes_level_counts(design, part.codes, f) for f in design.categorical} for part in (train, valid)]
    check_levels_trained(design, train.source, *counts)


def check_levels_trained(
    design: Design, source: str, train_counts: dict[str, np.ndarray], valid_counts: dict[str, np.ndarray]
) -> None:
    """Every level has training rows: a level seen only in the validation rows would get no
    coefficient of its own (it would be scored as the reference level). ``*_counts``: rows per
    level of each categorical feature in the training and the validation rows."""
    for feature in design.categorical:
        seen, held = train_counts[feature], valid_counts[feature]
        unseen = np.flatnonzero((seen < 0.5) & (held > 0.5))
        if len(unseen):
            level = design.levels[feature][unseen[0]]
            raise DataError(
                f"level {level!r} of feature {feature!r} occurs only in the validation rows ({round(held[unseen[0]])} "
                f"row(s) of {source}), so the model could not learn it; lower --valid-fraction, or merge rare levels "
                "into others"
            )


def codes_level_counts(design: Design, codes: np.ndarray, feature: str) -> np.ndarray:
    """Rows per level of ``feature`` among rows of codes."""
    column = codes[:, design.features.index(feature)].astype(np.int64)
    return np.bincount(column, minlength=len(design.levels[feature])).astype(np.float64)
