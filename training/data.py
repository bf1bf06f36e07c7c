"""Training data: the tutorial's four points, or a user's CSV checked column by column.

Every problem with a file is a ``DataError`` whose one line names the file, the column or line,
and what to do. Line numbers count the header as line 1, as an editor shows them.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from export.errors import DataError


@dataclass(frozen=True)
class Dataset:
    """``x``: float64 (n_rows, n_features) raw values; ``y``: int64 (n_rows,) class index 0/1,
    index i standing for ``class_labels[i]`` (labels in sorted order)."""

    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    class_labels: tuple
    source: str


def tutorial_dataset() -> Dataset:
    """The tutorial's complete program: x = [1, 2, 3, 4], y = [0, 1, 1, 0]."""
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return Dataset(x, y, ("x",), "y", (0, 1), "tutorial")


def load_csv(path: Path, target: str | None, features: list[str] | None) -> Dataset:
    """Read ``path`` and pick the target and features (default: every column but the target)."""
    path = Path(path)
    table = _read_table(path)
    if target is None:
        raise DataError(
            f"--data needs --target COLUMN to name the column to predict (columns of {path.name}: "
            f"{_names(table.columns)})"
        )
    if target not in table.columns:
        raise DataError(f"--target {target!r} is not a column of {path.name} (columns: {_names(table.columns)})")
    features = _pick_features(table, target, features, path.name)
    for column in [*features, target]:
        _check_complete(table[column], column, path.name)
    x = np.column_stack([_numeric(table[c], c, path.name) for c in features])
    y, labels = _encode_target(table[target], target, path.name)
    return Dataset(x, y, tuple(features), target, labels, path.name)


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"data file {path} does not exist; check the path given to --data")
    try:
        table = pd.read_csv(path, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty; it needs a header line and at least two data rows") from None
    except UnicodeDecodeError:
        raise DataError(f"{path} is not a text CSV file (it is not UTF-8); save it as CSV and retry") from None
    except pd.errors.ParserError as e:
        raise DataError(f"{path} is not well-formed CSV ({str(e).strip()}); fix that line and retry") from None
    except OSError as e:
        raise DataError(f"cannot read {path} ({e.strerror or e}); check the path and its permissions") from None
    if table.empty:
        raise DataError(f"{path} has a header but no data rows; add rows and retry")
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _pick_features(table: pd.DataFrame, target: str, features: list[str] | None, name: str) -> list[str]:
    if features is None:
        features = [c for c in table.columns if c != target]
    unknown = [f for f in features if f not in table.columns]
    if unknown:
        raise DataError(f"--features names {_names(unknown)}, not columns of {name} (columns: {_names(table.columns)})")
    if target in features:
        raise DataError(f"--features includes the target {target!r}; list only the input columns")
    if not features:
        raise DataError(f"{name} has no feature columns besides the target {target!r}; add at least one")
    if len(set(features)) != len(features):
        raise DataError(f"--features lists a column twice ({_names(features)}); list each once")
    return list(features)


def _check_complete(column: pd.Series, name: str, file: str) -> None:
    missing = column.isna().to_numpy()
    if missing.any():
        first = int(np.argmax(missing)) + 2
        raise DataError(
            f"column {name!r} of {file} has {int(missing.sum())} missing value(s), first on line {first}; "
            "fill or remove those rows"
        )


def _numeric(column: pd.Series, name: str, file: str) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"feature {name!r} of {file} must hold finite numbers, but line {row + 2} has {column.iloc[row]!r}; "
            "fix or remove that row"
        )
    return values


def _encode_target(column: pd.Series, name: str, file: str) -> tuple[np.ndarray, tuple]:
    labels, y = np.unique(column.to_numpy(), return_inverse=True)
    if len(labels) != 2:
        shown = _names([str(v) for v in labels[:5]]) + (", ..." if len(labels) > 5 else "")
        why = "only one class" if len(labels) == 1 else f"{len(labels)} classes"
        raise DataError(f"target {name!r} of {file} has {why} ({shown}); binary logistic regression needs exactly two")
    return y.astype(np.int64), tuple(v.item() if hasattr(v, "item") else v for v in labels)


def _names(items) -> str:
    return ", ".join(str(i) for i in items)
