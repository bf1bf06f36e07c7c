"""Training data: the tutorial's four points, or a user's CSV / Parquet file checked column by column.

Every problem with a file is a ``DataError`` whose one line names the file, the column and the
line (CSV, counting the header as line 1, as an editor does) or row (Parquet), and what to do.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from export.card.model_card import MAX_CLASSES
from export.csv_input import delimiter_hint, line_of, numbers, read_csv
from export.errors import DataError


@dataclass(frozen=True)
class Dataset:
    """``x``: float64 (n_rows, n_features) raw values; ``y``: int64 (n_rows,) class index, index i
    standing for ``class_labels[i]`` (labels in sorted order); ``weights``: float64 (n_rows,) sample
    weights as given, or None; ``dropped_rows``: rows left out for missing values."""

    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    class_labels: tuple
    source: str
    weights: np.ndarray | None = None
    dropped_rows: int = 0

    @property
    def n_classes(self) -> int:
        return len(self.class_labels)

    @property
    def weights_given(self) -> bool:
        return self.weights is not None

    def subset(self, rows: np.ndarray) -> "Dataset":
        weights = None if self.weights is None else self.weights[rows]
        return Dataset(
            self.x[rows],
            self.y[rows],
            self.feature_names,
            self.target_name,
            self.class_labels,
            self.source,
            weights,
            self.dropped_rows,
        )


def tutorial_dataset() -> Dataset:
    """The tutorial's complete program: x = [1, 2, 3, 4], y = [0, 1, 1, 0]."""
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(x, y, ("x",), "y", (0, 1), "tutorial")


@dataclass(frozen=True)
class Columns:
    """Which columns of a table to use: the I/O half of the command line's data flags."""

    target: str | None
    features: list[str] | None = None
    weight: str | None = None
    drop_missing: bool = False


def load_table(path: Path, columns: Columns) -> Dataset:
    """Read a CSV or Parquet file and pick the target, features (default: every other column but
    the weight column) and sample weights."""
    path = Path(path)
    table, where = _read(path)
    name = path.name
    features = pick_columns(list(table.columns), columns, name)
    used = [*features, columns.target, *([columns.weight] if columns.weight else [])]
    table, dropped = _handle_missing(table, used, columns.drop_missing, name, where)
    x = np.column_stack([_numeric(table[c], c, name, where) for c in features])
    y, labels = _encode_target(table[columns.target], columns.target, name)
    weights = _weights(table[columns.weight], columns.weight, name, where) if columns.weight else None
    return Dataset(x, y, tuple(features), columns.target, labels, name, weights, dropped)


def _read(path: Path) -> tuple[pd.DataFrame, "RowNamer"]:
    """The table (its index numbers the file's data rows from 0), and how to name a row of it in
    messages: its line for CSV, its row for Parquet."""
    if not path.exists():
        raise DataError(f"data file {path} does not exist; check the path given to --data")
    parquet = path.suffix.lower() in (".parquet", ".pq")
    try:
        table = _read_parquet(path) if parquet else read_csv(path, str(path))
    except OSError as e:
        raise DataError(f"cannot read {path} ({e.strerror or e}); check the path and its permissions") from None
    return table.reset_index(drop=True), RowNamer(None if parquet else path)


@dataclass(frozen=True)
class RowNamer:
    """Names data row ``index`` of a file: ``line N`` of a CSV (as an editor counts, blank lines
    and multi-line cells included), ``row N`` of a Parquet file (``csv`` is None)."""

    csv: Path | None

    def __call__(self, index: int) -> str:
        return f"line {line_of(self.csv, index)}" if self.csv else f"row {index + 1}"


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_parquet(path)
    except OSError:
        raise
    except Exception as e:  # pyarrow raises its own types for a file that is not Parquet
        reason = str(e).strip().splitlines()[0][:120]
        raise DataError(
            f"{path} is not a readable Parquet file ({reason}); write it with pandas.to_parquet or pass a CSV"
        ) from None
    if table.empty:
        raise DataError(f"{path} has no data rows; add rows and retry")
    table.columns = [str(c).strip() for c in table.columns]
    return table


def pick_columns(names: list[str], columns: Columns, name: str) -> list[str]:
    """Check that the target (and the weight column) are among ``names``; return the feature columns:
    as listed, or every column but the target and the weight column."""
    if columns.target is None:
        raise DataError(
            f"--data needs --target COLUMN to name the column to predict (columns of {name}: {names_text(names)})"
        )
    if columns.target not in names:
        raise DataError(
            f"--target {columns.target!r} is not a column of {name} (columns: {names_text(names)})"
            + delimiter_hint(names)
        )
    if columns.weight is not None and columns.weight not in names:
        raise DataError(f"--weight-column {columns.weight!r} is not a column of {name} (columns: {names_text(names)})")
    target = columns.target
    features = columns.features
    if features is None:
        features = [c for c in names if c not in (target, columns.weight)]
    unknown = [f for f in features if f not in names]
    if unknown:
        raise DataError(f"--features names {names_text(unknown)}, not columns of {name} (columns: {names_text(names)})")
    if target in features:
        raise DataError(f"--features includes the target {target!r}; list only the input columns")
    if columns.weight in features:
        raise DataError(f"--features includes the weight column {columns.weight!r}; list only the input columns")
    if not features:
        raise DataError(f"{name} has no feature columns besides the target {target!r}; add at least one")
    if len(set(features)) != len(features):
        raise DataError(f"--features lists a column twice ({names_text(features)}); list each once")
    return list(features)


def _handle_missing(
    table: pd.DataFrame, used: list[str], drop: bool, name: str, where: RowNamer
) -> tuple[pd.DataFrame, int]:
    missing = table[used].isna()
    rows = missing.any(axis=1).to_numpy()
    if not rows.any():
        return table, 0
    if drop:
        kept = table.loc[~rows]  # the index still numbers the file's rows, for messages
        if len(kept) == 0:
            raise DataError(f"every row of {name} has a missing value in the columns used; nothing is left to fit")
        return kept, int(rows.sum())
    columns = [c for c in used if missing[c].any()]
    first = where(int(table.index[np.argmax(rows)]))
    raise DataError(
        f"{int(rows.sum())} row(s) of {name} have missing values (in {names_text(columns)}; the first on "
        f"{first}); fill them, or pass --drop-missing to leave those rows out"
    )


def _numeric(column: pd.Series, name: str, file: str, where: RowNamer) -> np.ndarray:
    values = numbers(column)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"feature {name!r} of {file} must hold finite numbers, but {where(int(column.index[row]))} has "
            f"{_cell(column, row)}; encode it as numbers, or fix or remove that row"
        )
    return values


def _weights(column: pd.Series, name: str, file: str, where: RowNamer) -> np.ndarray:
    values = numbers(column)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"weight column {name!r} of {file} must hold finite numbers of at least 0, but "
            f"{where(int(column.index[row]))} has {_cell(column, row)}; fix that weight"
        )
    if values.sum() <= 0:
        raise DataError(f"weight column {name!r} of {file} is all zeros; give some rows a positive weight")
    return values


def _encode_target(column: pd.Series, name: str, file: str) -> tuple[np.ndarray, tuple]:
    values = column.to_numpy()
    try:
        labels, y = np.unique(values, return_inverse=True)
    except TypeError:  # mixed types, e.g. numbers and text: compare them as text
        labels, y = np.unique(values.astype(str), return_inverse=True)
    check_class_count(labels, name, file)
    return y.astype(np.int64), tuple(v.item() if hasattr(v, "item") else v for v in labels)


def check_class_count(labels, name: str, file: str) -> None:
    """A target needs 2 to ``MAX_CLASSES`` distinct values (``labels``, sorted)."""
    if len(labels) < 2:
        raise DataError(
            f"target {name!r} of {file} has only one class ({labels[0]}); logistic regression needs at least two"
        )
    if len(labels) > MAX_CLASSES:
        raise DataError(
            f"target {name!r} of {file} has {len(labels)} distinct values, more than {MAX_CLASSES} "
            "classes; it looks like a measurement, not a class: pick the class column with --target"
        )


def _cell(column: pd.Series, row: int) -> str:
    """A cell as the user wrote it: 'abc', -1, inf (not numpy's np.int64(-1))."""
    value = column.iloc[row]
    return repr(value.item() if hasattr(value, "item") else value)


def names_text(items) -> str:
    return ", ".join(str(i) for i in items)
