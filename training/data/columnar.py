"""A Parquet file read whole, a column at a time, straight into the array the fit uses.

Only the used columns are read, one at a time, into one preallocated (d, n) block whose transpose is
the (n, d) feature matrix (column-major: torch's matrix-vector products take it as it is), so the
peak is about one copy of the features (reading a row group at a time instead kept more memory in
arrow's allocator, for no gain in time). Float32 features stay float32 (half the bytes of every pass
of the fit); any other numeric column makes the matrix float64. The rows are checked as in
``checks`` (missing values, non-finite features, bad weights), each named by its row in the file.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from export.csv_input import numbers
from export.errors import DataError, first_line
from training.data.checks import RowChecks, RowNamer, check_rows_left, check_weight_total
from training.data.columns import Columns, pick_columns
from training.data.dataset import Dataset
from training.data.targets import encode_target


def load_parquet(path: Path, columns: Columns) -> Dataset:
    name = path.name
    file = _open(path)
    stored = {str(c).strip(): c for c in file.schema_arrow.names}
    features = pick_columns(list(stored), columns, name)
    rows = file.metadata.num_rows
    if rows == 0:
        raise DataError(f"{path} has no data rows; add rows and retry")
    kinds = [file.schema_arrow.field(stored[f]).type for f in features]
    dtype = np.float32 if all(pa.types.is_float32(kind) for kind in kinds) else np.float64
    block = np.empty((len(features), rows), dtype=dtype)
    missing = np.zeros(rows, dtype=bool)
    missing_in, not_finite = [], []
    shown = {}  # feature index -> the column's cells as text, for a column that holds text
    for j, (feature, column) in enumerate(zip(features, _read_ahead(file, [stored[f] for f in features]))):
        values, text = _values(column)
        block[j] = values
        if text is not None:
            shown[j] = text
        if np.isfinite(block[j]).all():
            continue
        blank = np.isnan(values) if text is None else pc.is_null(column, nan_is_null=True).to_numpy(False)
        if blank.any():
            missing |= blank
            missing_in.append(feature)
        if not (np.isfinite(values) | blank).all():
            not_finite.append(j)
    target = file.read(columns=[stored[columns.target]]).column(0)
    lacks_target = pc.is_null(target, nan_is_null=True).to_numpy(zero_copy_only=False)
    weights = None
    if columns.weight:
        weights, _ = _values(file.read(columns=[stored[columns.weight]]).column(0))
    checks = RowChecks(name, RowNamer(None), columns.drop_missing)
    for column_name, blank in (
        (columns.target, lacks_target),
        (columns.weight, None if weights is None else np.isnan(weights)),
    ):
        if blank is not None and blank.any():
            missing |= blank
            missing_in.append(column_name)
    positions = np.arange(rows)
    keep = checks.usable(missing, positions, missing_in)
    x = block.T
    dropped = int((~keep).sum())
    if dropped:
        check_rows_left(rows - dropped, name)
        x, positions = x[keep], positions[keep]
        weights = None if weights is None else weights[keep]
    if not_finite:
        suspects = x[:, not_finite]

        def cell(row: int, k: int) -> str:
            text = shown.get(not_finite[k])
            return repr(text[positions[row]]) if text is not None else str(float(suspects[row, k]))

        checks.features(suspects, [features[j] for j in not_finite], positions, cell)
    if weights is not None:
        checks.weights(weights, columns.weight, positions, None)
        check_weight_total(weights.sum(), columns.weight, name)
    values = target.to_numpy(zero_copy_only=False)
    y, labels = encode_target(values[keep] if dropped else values, columns.target, name)
    return Dataset(x, y, tuple(features), columns.target, labels, name, weights, dropped)


def _read_ahead(file: pq.ParquetFile, names: list) -> Iterator[pa.ChunkedArray]:
    """The columns ``names`` in order, the next one read (pyarrow, without the GIL) while the caller
    copies and checks the current one: at most two columns in memory."""
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(file.read, columns=[names[0]])
        for i in range(len(names)):
            table = pending.result()
            if i + 1 < len(names):
                pending = reader.submit(file.read, columns=[names[i + 1]])
            yield table.column(0)


def _values(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray | None]:
    """(numbers, None) of a numeric or boolean column, nulls as NaN; for any other column,
    (numbers where a cell reads as one, else NaN; the cells as text)."""
    kind = column.type
    if pa.types.is_floating(kind):
        return column.to_numpy(), None
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), None
    text = pc.cast(column, pa.string()).to_numpy(zero_copy_only=False)
    return numbers(pd.Series(text)), text


def _open(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except OSError as e:
        if e.errno is not None:
            raise
        reason = first_line(e, 120)
    except Exception as e:  # pyarrow raises its own types for a file that is not Parquet
        reason = first_line(e, 120)
    raise DataError(f"{path} is not a readable Parquet file ({reason}); write it with pandas.to_parquet or pass a CSV")
