"""A user's CSV or Parquet file read whole into a ``Dataset``, its rows checked (``checks``).

Every problem with a file is a ``DataError`` whose one line names the file, the column and the
line (CSV, counting the header as line 1, as an editor does) or row (Parquet), and what to do.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from export.csv_input import numbers, read_csv
from export.errors import DataError
from training.data.checks import (
    RowChecks,
    RowNamer,
    check_class_count,
    check_rows_left,
    check_weight_total,
)
from training.data.columns import Columns, pick_columns
from training.data.dataset import Dataset


def load_table(path: Path, columns: Columns) -> Dataset:
    """Read a CSV or Parquet file and pick the target, features (default: every other column but
    the weight column) and sample weights."""
    path = Path(path)
    table, name_row = _read(path)
    name = path.name
    features = pick_columns(list(table.columns), columns, name)
    used = columns.used(features)
    checks = RowChecks(name, name_row, columns.drop_missing)
    missing = table[used].isna()
    keep = checks.usable(missing.any(axis=1).to_numpy(), table.index.to_numpy(), [c for c in used if missing[c].any()])
    dropped = int((~keep).sum())
    if dropped:
        table = table.loc[keep]  # the index still numbers the file's rows, for messages
        check_rows_left(len(table), name)
    positions = table.index.to_numpy()
    x = np.column_stack([numbers(table[c]) for c in features])
    checks.features(x, features, positions, lambda row, j: _cell(table[features[j]], row))
    y, labels = _encode_target(table[columns.target], columns.target, name)
    weights = None
    if columns.weight:
        weights = numbers(table[columns.weight])
        checks.weights(weights, columns.weight, positions, lambda row, _: _cell(table[columns.weight], row))
        check_weight_total(weights.sum(), columns.weight, name)
    return Dataset(x, y, tuple(features), columns.target, labels, name, weights, dropped)


def _read(path: Path) -> tuple[pd.DataFrame, RowNamer]:
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


def _encode_target(column: pd.Series, name: str, file: str) -> tuple[np.ndarray, tuple]:
    values = column.to_numpy()
    try:
        labels, y = np.unique(values, return_inverse=True)
    except TypeError:  # mixed types, e.g. numbers and text: compare them as text
        labels, y = np.unique(values.astype(str), return_inverse=True)
    check_class_count(labels, name, file)
    return y.astype(np.int64), tuple(v.item() if hasattr(v, "item") else v for v in labels)


def _cell(column: pd.Series, row: int) -> str:
    """A cell as the user wrote it: 'abc', -1, inf (not numpy's np.int64(-1))."""
    value = column.iloc[row]
    return repr(value.item() if hasattr(value, "item") else value)
