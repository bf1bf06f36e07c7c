"""A user's CSV or Parquet file read whole into a ``Dataset`` (``columnar``), its rows checked
(``checks``).

Every problem with a file is a ``DataError`` whose one line names the file, the column and the
line (CSV, counting the header as line 1, as an editor does) or row (Parquet), and what to do.
"""

from pathlib import Path

from export.errors import DataError
from export.files import is_parquet
from training.data.columnar import QUIET, ReadProgress, load_csv, load_parquet
from training.data.columns import Columns
from training.data.dataset import Dataset


def load_table(path: Path, columns: Columns, progress: ReadProgress = QUIET) -> Dataset:
    """Read a CSV or Parquet file and pick the target, features (default: every other column but
    the weight column) and sample weights; ``progress`` hears how the read goes."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {path} does not exist; check the path given to --data")
    load = load_parquet if is_parquet(path) else load_csv
    try:
        return load(path, columns, progress)
    except OSError as e:
        raise DataError(f"cannot read {path} ({e.strerror or e}); check the path and its permissions") from None
