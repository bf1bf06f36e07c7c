"""A pandas DataFrame as a ``Dataset``: what ``training.fit`` takes from a notebook.

Each used column becomes an Arrow array and goes through the same assembly and checks as a
Parquet file's (``columnar.assemble``): a DataFrame and the same table saved with
``to_parquet(index=False)`` give the same rows, levels and messages (rows named ``row N``, counting
from 1 in the frame's order). The index is never a feature: only columns are read.
"""

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from export.errors import DataError, printable, shorten
from training.data.checks import RowNamer
from training.data.columnar import assemble
from training.data.columns import Columns, pick_columns
from training.data.dataset import Dataset

PLAIN_CELLS = (str, int, float, bool, np.integer, np.floating, np.bool_)


def load_frame(frame: pd.DataFrame, columns: Columns, name: str = "the DataFrame") -> Dataset:
    """The target, features (default: every other column but the weight column) and weights of
    ``frame``, checked as a file's columns are."""
    names = [str(c).strip() for c in frame.columns]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError(f"{name} has two columns named {shorten(twice[0])!r}; rename or drop one")
    features = pick_columns(names, columns, name)
    if len(frame) == 0:
        raise DataError(f"{name} has no rows; give a DataFrame with data rows")
    by_name = dict(zip(names, frame.columns))
    used = [by_name[c] for c in columns.used(features)]
    arrays = [_arrow(frame[c], str(c).strip(), name) for c in used]
    kinds = [array.type for array in arrays[: len(features)]]
    return assemble(name, features, columns, len(frame), kinds, _chunked(arrays), RowNamer(None), ())


def _chunked(arrays: list[pa.Array]) -> Iterator[pa.ChunkedArray]:
    for array in arrays:
        yield pa.chunked_array([array])


def _arrow(column: pd.Series, label: str, name: str) -> pa.Array:
    """``column`` as Arrow reads it (NaN and None as nulls). An object column of mixed numbers and
    text is read as text, as a CSV column that mixes them is; a column of any other Python objects
    (lists, dates, bytes) is refused, naming it."""
    try:
        return pa.array(column, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        pass
    cells = column.to_numpy(dtype=object)
    odd = next((v for v in cells if not (v is None or isinstance(v, PLAIN_CELLS) or _missing(v))), None)
    if odd is not None:
        raise DataError(
            f"column {shorten(label)!r} of {name} holds {type(odd).__name__} values ({printable(odd)}), "
            "neither numbers nor text; leave it out (features= names the columns to use) or convert it"
        )
    return pa.array([None if v is None or _missing(v) else str(v) for v in cells], type=pa.string())


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a value pandas cannot test (an array, say) is not missing: it is odd
        return False
