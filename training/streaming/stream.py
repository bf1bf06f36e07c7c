"""A table read a batch at a time: the out-of-core data of ``--stream`` and of torchrun jobs.

The file is a ``TableSource`` cut into parts (a Parquet file's row groups, a CSV file's runs of
whole records: ``parquet_source``, ``csv_source``); only the used columns of one batch
(``BATCH_ROWS`` rows) are in memory at once, so memory does not grow with the number of rows. Each
process of a job reads its own parts (every ``world_size``-th one, starting at its rank). Every
batch is checked as the in-memory loader checks a whole table (missing values, non-finite
features, bad weights), naming the file's row (Parquet) or line (CSV).

Rows are held out for validation one by one with probability ``valid_fraction``: a generator
seeded by (seed, part) draws for every row of a part, so which rows are held out does not depend
on the batching or on the number of processes (unlike the in-memory loader's exactly stratified
split, a stream cannot pick ``round(f * n_c)`` rows of each class without storing them).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from export.design import Design, level_text
from export.errors import DataError, RowError
from export.files import is_parquet
from export.formula.design import FormulaDesign
from training.data.categories import (
    check_declared,
    check_level_count,
    level_indices,
    sorted_values,
)
from training.data.checks import RowChecks, quoted_cell
from training.data.columnar import fill_numbers
from training.data.columns import Columns, pick_columns
from training.data.randomness import HELD_OUT, SAMPLE_KEYS, row_draws
from training.data.targets import check_labels, order_classes
from training.formula.learn import learn_design, spline_states, spline_values
from training.formula.parse import FormulaRequest
from training.streaming.csv_source import CsvSource
from training.streaming.parquet_source import ParquetSource
from training.streaming.source import TableSource

if TYPE_CHECKING:  # imported when a stream is read: an in-memory fit does without pandas
    import pandas as pd

BATCH_ROWS = 65_536
FORMULA_SAMPLE_ROWS = 2_000  # rows a formula's structure is decided and checked on (its knots: every row)


@dataclass(frozen=True)
class Chunk:
    """One batch of usable rows: ``x`` (n, d) float64 raw, ``y`` (n,) class index, ``v`` (n,)
    sample weights or None, ``keys`` (n,) the plotting-sample keys, ``positions`` (n,) the rows'
    0-based places in the file (both None unless asked for), ``valid`` (n,) held out for validation;
    ``codes`` (n, d) the raw inputs ``x`` is made of (``export.design``; ``x`` itself when the
    features are its terms)."""

    x: np.ndarray
    y: np.ndarray
    v: np.ndarray | None
    keys: np.ndarray | None
    positions: np.ndarray | None
    valid: np.ndarray
    codes: np.ndarray


class TableStream:
    """The rows of ``source`` this process reads, checked; see the module docstring."""

    def __init__(
        self,
        source: TableSource,
        columns: Columns,
        seed: int = 0,
        valid_fraction: float = 0.0,
        rank: int = 0,
        world_size: int = 1,
        on_rows: Callable[[int], None] | None = None,
    ):
        self.source = source
        self.name, self.notes = source.name, source.notes
        features = pick_columns(list(source.stored), columns, self.name)
        check_declared(columns, features, self.name)
        if not source.parts:
            raise _no_data_rows(self.name)
        self.categorical = source.categorical(features, columns.categorical)
        self.declared = columns.categorical
        self.design = Design(tuple(features))  # its levels once ``find_levels`` has read them
        self.level_values: dict[str, pa.Array] = {}
        self.target_name, self.positive = columns.target, columns.positive
        self.weight_name = columns.weight
        self.checks = RowChecks(self.name, source.row_namer, columns.drop_missing, partial=True)
        self._read = [source.stored[c] for c in columns.used(features)]
        self.seed, self.valid_fraction, self.on_rows = seed, valid_fraction, on_rows
        if len(source.parts) < world_size:  # every process sees it, so all stop before any waits for another
            raise DataError(source.too_few_parts(len(source.parts), world_size))
        self.parts = source.parts[rank::world_size]
        self.starts: dict[int, int] = {}  # each part's first row in the file, once ``find_labels`` counted them
        self.total_rows = 0
        self.labels: tuple | None = None
        self._as_text = False
        self.dropped_rows = 0

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The design's terms: the features, a categorical one's levels expanded (``export.design``)."""
        return self.design.terms

    def find_levels(self, combine: Callable[[set], set]) -> Design:
        """The categorical features' levels (one pass over their columns; ``combine`` unites the
        sets the processes found, so every process codes a level the same way, rows or not)."""
        levels = {}
        for j, feature in enumerate(self.design.features):
            if feature not in self.categorical:
                continue
            found: set = set()
            kind = None
            for part in self.parts:
                cells = self.source.cells(self.source.column(part, self._read[j]), feature, feature in self.declared)
                kind = cells.type
                found.update(pc.unique(cells).drop_null().to_pylist())
            values = sorted_values(pa.array(sorted(combine(found)), type=kind))
            check_level_count(len(values), feature, self.name, self.total_rows)
            self.level_values[feature] = values
            levels[feature] = tuple(level_text(v) for v in values.to_pylist())
        self.design = Design(self.design.features, levels)
        return self.design

    def use_design(self, design: Design) -> Design:
        """The design its batches are read into (``find_levels``' levels, coded as the fit chooses)."""
        self.design = design
        return design

    def use_formula(self, request: FormulaRequest, combine: Callable[[object, Callable], object]) -> FormulaDesign:
        """A formula's design (after ``find_levels``): one pass over the training rows for each
        spline's argument (its knots are found from the whole column, all processes' rows
        together: ``combine(part, merge)`` gathers them) and a sample of rows, the same in every
        process, for the structure formulaic decides (``training.formula.learn``)."""
        inputs = self.design
        sample: list[np.ndarray] = []
        values: dict[str, list[np.ndarray]] = {}
        for chunk in self.chunks():
            codes = chunk.codes[~chunk.valid]
            sample.append(codes[: max(FORMULA_SAMPLE_ROWS - sum(map(len, sample)), 0)])
            for label, found in spline_values(request, codes, inputs).items():
                values.setdefault(label, []).append(found)
        joined = lambda a, b: np.concatenate([a, b])  # noqa: E731
        rows = combine(np.concatenate(sample), joined)[:FORMULA_SAMPLE_ROWS]
        whole = {label: combine(np.concatenate(parts), joined) for label, parts in values.items()}
        states = spline_states(request, whole, self.name)
        self.design = learn_design(request, rows, inputs, self.name, states)
        return self.design

    def find_labels(self, combine: Callable[[object, Callable], object]) -> tuple:
        """The target's classes, sorted (one pass over the target column; ``combine(part, merge)``
        gathers what the processes found), and where each part's rows start in the file (the rows
        of every part, counted where the file does not say). Mixed numbers and text are compared as
        text."""
        found: set = set()
        rows: dict[int, int] = {}
        for part in self.parts:
            column = self.source.column(part, self._read[len(self.design.features)])
            rows[part] = len(column)
            found.update(v for v in pc.unique(column).to_pylist() if v is not None and v == v)
        found = combine(found, set.union)
        rows = combine(rows, lambda a, b: a | b)
        self.total_rows = sum(rows.values())
        if self.total_rows == 0:  # a CSV whose lines after the header are all blank
            raise _no_data_rows(self.name)
        self.starts = dict(zip(sorted(rows), np.cumsum([0, *(rows[p] for p in sorted(rows))]).tolist()))
        try:
            labels, self._as_text = tuple(sorted(found)), False
        except TypeError:
            labels, self._as_text = tuple(sorted({str(v) for v in found})), True
        check_labels(labels or ("nothing",), self.target_name, self.name)
        labels = order_classes(labels, self.positive, self.target_name, self.name)
        self.labels = labels
        return labels

    def chunks(self, with_keys: bool = False) -> Iterator[Chunk]:
        """Every usable row of this process's parts, a batch at a time (``find_labels`` first).
        The plotting-sample keys are drawn only ``with_keys`` (the first pass); other passes get
        ``keys`` and ``positions`` of None."""
        import pandas as pd

        index = pd.Index(list(self.labels))
        self.dropped_rows = 0
        for part in self.parts:
            first = int(self.starts[part])
            for batch in self.source.batches(part, self._read, BATCH_ROWS):
                n = batch.num_rows
                x, y, v, keep, codes = self._decode(batch, first, index)
                rows = first + np.flatnonzero(keep)  # the usable rows' places in the file
                valid = np.zeros(len(y), dtype=bool)
                if self.valid_fraction > 0:
                    valid = row_draws(self.seed, HELD_OUT, rows) < self.valid_fraction
                sample = (row_draws(self.seed, SAMPLE_KEYS, rows), rows) if with_keys else (None, None)
                chunk = Chunk(x, y, v, *sample, valid, codes)
                first += n
                if self.on_rows is not None:
                    self.on_rows(n)
                yield chunk

    def _decode(self, batch: pa.RecordBatch, first: int, index: "pd.Index") -> tuple:
        """(x, y, v, keep, codes): the checked values of the batch's usable rows (the design's terms
        made of their cells), which rows those are, and their codes."""
        design = self.design
        d = len(design.features)
        columns = np.empty((d, batch.num_rows))  # filled a column at a time: much faster than row-major
        missing = pc.is_null(batch.column(d), nan_is_null=True).to_numpy(zero_copy_only=False)
        shown = {}  # a numeric feature a CSV part read as text: its cells, for the message on one
        for j, feature in enumerate(design.features):
            column = batch.column(j)
            if feature in self.level_values:
                cells = self.source.cells(column, feature, feature in self.declared)
                columns[j] = level_indices(cells, self.level_values[feature])
                if (np.isnan(columns[j]) & ~pc.is_null(cells).to_numpy(zero_copy_only=False)).any():
                    raise RowError(f"feature {feature!r} of {self.name} changed while it was read; retry")
                missing |= np.isnan(columns[j])
            else:
                text = fill_numbers(columns[j], column)
                if text is None:
                    missing |= np.isnan(columns[j])
                else:  # a cell that is there but not a number is not missing: the check below names it
                    shown[j] = text
                    missing |= pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False)
        x = columns.T  # (n, d) in column-major order; the fit's matrix products take it as it is
        target = batch.column(d)
        v = None
        if self.weight_name:
            v = np.empty(batch.num_rows)
            fill_numbers(v, batch.column(d + 1))
            missing |= np.isnan(v)
        positions = first + np.arange(batch.num_rows)
        keep = self.checks.usable(missing, positions)
        if not keep.all():
            self.dropped_rows += int((~keep).sum())
            x, positions = x[keep], positions[keep]
            v = None if v is None else v[keep]
        if shown:
            kept, text = np.flatnonzero(keep), list(shown)
            names = [design.features[j] for j in text]
            self.checks.features(x[:, text], names, positions, lambda row, k: quoted_cell(shown[text[k]][kept[row]]))
        codes = x
        if design.has_categories or isinstance(design, FormulaDesign):
            x = design.expand(x)
        self.checks.features(x, self.feature_names, positions, None)
        if v is not None:
            self.checks.weights(v, self.weight_name, positions, None)
        values = target.to_numpy(zero_copy_only=False)
        values = values if keep.all() else values[keep]
        y = index.get_indexer(values.astype(str) if self._as_text else values)
        if (y < 0).any():
            raise RowError(f"the target {self.target_name!r} of {self.name} changed while it was read; retry")
        return x, y.astype(np.int64), v, keep, codes


def _no_data_rows(name: str) -> DataError:
    return DataError(f"{name} has no data rows; add rows and retry")


def open_source(path: Path, columns: Columns) -> TableSource:
    """The file at ``path`` as parts: a Parquet file's row groups, a CSV file's runs of records."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {path} does not exist; check the path given to --data")
    return ParquetSource(path, columns) if is_parquet(path) else CsvSource(path, columns)
