"""The checks every row of training data passes, in memory (``tables``) and streamed
(``streaming.parquet``): one rule and one message each, whichever way the rows were read.

A check gets the used values as float64 arrays (NaN where a cell is missing), each array row's
0-based position among the file's data rows, and optionally how to show a cell as the user wrote
it; it names the first bad row as an editor would find it: ``line N`` of a CSV, ``row N`` of a
Parquet file.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from export.card.model_card import MAX_CLASSES
from export.csv_input import Dialect, line_of
from export.errors import DataError, RowError, shorten
from export.limits import FLOAT32_MAX
from training.data.columns import names_text

ShowCell = Callable[[int, int], str]  # (array row, column) -> the cell as the user wrote it
# a weight counts as that many rows; 1e15 rows' worth in one row keeps every weighted sum of a fit
# (counts, log-likelihoods, the information matrix) far inside float64 (1e308 weights made them inf)
MAX_WEIGHT = 1e15


@dataclass(frozen=True)
class RowNamer:
    """Names data row ``index`` of a file: ``line N`` of a CSV (as an editor counts, blank lines
    and multi-line cells included), ``row N`` of a Parquet file (``csv`` is None)."""

    csv: Path | None
    dialect: Dialect = Dialect()

    def __call__(self, index: int) -> str:
        return f"line {line_of(self.csv, index, self.dialect)}" if self.csv else f"row {index + 1}"


@dataclass(frozen=True)
class RowChecks:
    """The checks on the rows of ``file``. ``partial``: the rows are one batch of a streamed file,
    so a problem is a ``RowError`` (under torchrun only the process reading them sees it) and the
    count of bad rows in the whole file is unknown."""

    file: str
    name_row: RowNamer
    drop_missing: bool
    partial: bool = False

    def usable(self, missing: np.ndarray, positions: np.ndarray, columns: Sequence[str] = ()) -> np.ndarray:
        """Which rows to keep, given ``missing`` (n,) rows with a missing used value (``columns``:
        the columns they are in, when known). Without ``--drop-missing`` a missing value stops."""
        if not missing.any() or self.drop_missing:
            return ~missing
        first = self.name_row(int(positions[np.argmax(missing)]))
        fix = "fill them, or pass --drop-missing to leave those rows out"
        if self.partial:
            raise RowError(f"{self.file} has rows with missing values (the first on {first}); {fix}")
        raise DataError(
            f"{int(missing.sum())} row(s) of {self.file} have missing values (in {names_text(columns)}; "
            f"the first on {first}); {fix}"
        )

    def features(self, x: np.ndarray, names: Sequence[str], positions: np.ndarray, show: ShowCell | None) -> None:
        """Every feature value (``x`` (n, d)) is a finite number within float32's range: the served
        graph computes in float32, so a model of larger values could not be served."""
        with np.errstate(invalid="ignore"):
            beyond = ~(np.abs(x) <= FLOAT32_MAX)
        bad = ~np.isfinite(x)
        if beyond.any() and not bad.any():
            row = int(np.argmax(beyond.any(axis=1)))
            column = int(np.argmax(beyond[row]))
            raise self._error(
                f"feature {names[column]!r} of {self.file} has {self._shown(x, row, column, show)} on "
                f"{self.name_row(int(positions[row]))}, beyond float32's range (±{FLOAT32_MAX:.3g}) that the served "
                "model computes in; rescale the column (other units) or remove that row"
            )
        if bad.any():
            row = int(np.argmax(bad.any(axis=1)))
            column = int(np.argmax(bad[row]))
            shown = self._shown(x, row, column, show)
            text = shown.startswith(("'", '"'))  # a text cell (numbers are shown bare): perhaps a code
            raise self._error(
                f"feature {names[column]!r} of {self.file} must hold finite numbers, but "
                f"{self.name_row(int(positions[row]))} has {shown}; fix or remove that row"
                + (", or name the column in --categorical if its values are categories" * text)
            )

    def weights(self, v: np.ndarray, name: str, positions: np.ndarray, show: ShowCell | None) -> None:
        """Every sample weight (``v`` (n,)) is a number from 0 to ``MAX_WEIGHT``."""
        bad = ~((v >= 0) & (v <= MAX_WEIGHT))
        if bad.any():
            row = int(np.argmax(bad))
            raise self._error(
                f"weight column {name!r} of {self.file} must hold numbers from 0 to {MAX_WEIGHT:g}, but "
                f"{self.name_row(int(positions[row]))} has {self._shown(v[:, None], row, 0, show)}; fix that weight "
                "(a weight counts as that many rows)"
            )

    def _error(self, message: str) -> DataError:
        return RowError(message) if self.partial else DataError(message)

    @staticmethod
    def _shown(values: np.ndarray, row: int, column: int, show: ShowCell | None) -> str:
        return show(row, column) if show else str(float(values[row, column]))


def quoted_cell(text: str) -> str:
    """A text cell as a message shows it: quoted, on one line, cut to a few words (a quote that is
    never closed makes the rest of a file one cell)."""
    return repr(shorten(text))


def check_rows_left(rows: int, file: str) -> None:
    """After the rows with missing values are left out, some rows remain."""
    if rows == 0:
        raise DataError(f"every row of {file} has a missing value in the columns used; nothing is left to fit")


def check_weight_total(total: float, name: str, file: str) -> None:
    """The sample weights are not all zero."""
    if total <= 0:
        raise DataError(f"weight column {name!r} of {file} is all zeros; give some rows a positive weight")


def check_class_count(labels: Sequence, name: str, file: str) -> None:
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
