"""A user's CSV or Parquet file read whole into a ``Dataset``, its rows checked (``checks``);
Parquet goes through ``columnar``.

Every problem with a file is a ``DataError`` whose one line names the file, the column and the
line (CSV, counting the header as line 1, as an editor does) or row (Parquet), and what to do.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from export.csv_input import numbers, read_csv, sniff
from export.errors import DataError
from training.data.checks import RowChecks, RowNamer, check_rows_left, check_weight_total
from training.data.columnar import load_parquet
from training.data.columns import Columns, pick_columns
from training.data.dataset import Dataset
from training.data.targets import encode_target


def load_table(path: Path, columns: Columns) -> Dataset:
    """Read a CSV or Parquet file and pick the target, features (default: every other column but
    the weight column) and sample weights."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {path} does not exist; check the path given to --data")
    if path.suffix.lower() in (".parquet", ".pq"):
        try:
            return load_parquet(path, columns)
        except OSError as e:
            raise DataError(f"cannot read {path} ({e.strerror or e}); check the path and its permissions") from None
    table, name_row = _read(path, columns)
    name = path.name
    table, notes = _without_saved_index(table, columns, name)
    features = pick_columns(list(table.columns), columns, name, name_row.dialect)
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
    y, labels = encode_target(table[columns.target].to_numpy(), columns.target, name)
    weights = None
    if columns.weight:
        weights = numbers(table[columns.weight])
        checks.weights(weights, columns.weight, positions, lambda row, _: _cell(table[columns.weight], row))
        check_weight_total(weights.sum(), columns.weight, name)
    return Dataset(x, y, tuple(features), columns.target, labels, name, weights, dropped, notes)


def _read(path: Path, columns: Columns) -> tuple[pd.DataFrame, RowNamer]:
    """The table (its index numbers the file's data rows from 0), and how to name a row of it in
    messages: its line as an editor counts it."""
    try:
        dialect = sniff(path, str(path), columns.sep, columns.decimal, columns.encoding)
        return read_csv(path, str(path), dialect=dialect).reset_index(drop=True), RowNamer(path, dialect)
    except OSError as e:
        raise DataError(f"cannot read {path} ({e.strerror or e}); check the path and its permissions") from None


def _without_saved_index(table: pd.DataFrame, columns: Columns, name: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """A first column without a name that holds 0, 1, ..., n - 1 is the index pandas' ``to_csv``
    writes, not a feature: it is left out (unless ``--features`` names it), with a note saying so."""
    first = table.columns[0]
    unnamed = first == "" or first.startswith("Unnamed: 0")
    if not unnamed or (columns.features and first in columns.features) or len(table.columns) < 2:
        return table, ()
    values = pd.to_numeric(table[first], errors="coerce").to_numpy()
    if not np.array_equal(values, np.arange(len(table))):
        return table, ()
    note = f"the first column of {name} has no name and holds 0, 1, 2, ...: a saved row index, not a feature; left out"
    return table.drop(columns=[first]), (note,)


def _cell(column: pd.Series, row: int) -> str:
    """A cell as the user wrote it: 'abc', -1, inf (not numpy's np.int64(-1))."""
    value = column.iloc[row]
    return repr(value.item() if hasattr(value, "item") else value)
