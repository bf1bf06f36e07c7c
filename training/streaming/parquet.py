"""A Parquet file read a batch at a time: the out-of-core data of ``--stream`` and of torchrun jobs.

Only the used columns of one batch (``BATCH_ROWS`` rows) are in memory at once, so memory does not
grow with the number of rows. Each process of a job reads its own row groups (every
``world_size``-th one, starting at its rank). Every batch is checked as the in-memory loader checks
a whole table (missing values, non-finite features, bad weights), with the file's row number.

Rows are held out for validation one by one with probability ``valid_fraction``: a generator
seeded by (seed, row group) draws for every row of a row group, so which rows are held out does
not depend on the batching or on the number of processes (unlike the in-memory loader's exactly
stratified split, a stream cannot pick ``round(f * n_c)`` rows of each class without storing them).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from export.design import Design, level_text
from export.errors import DataError, RowError
from export.formula.design import FormulaDesign
from training.data.categories import (
    NOT_CATEGORICAL,
    categorical_cells,
    check_declared,
    check_level_count,
    is_categorical_type,
    level_indices,
    sorted_values,
)
from training.data.checks import RowChecks, RowNamer, check_class_count
from training.data.columnar import floats, is_parquet, open_parquet, parquet_columns
from training.data.columns import Columns, pick_columns
from training.data.randomness import held_out_generator, sample_key_generator
from training.data.targets import order_classes
from training.formula.learn import learn_design, spline_states, spline_values
from training.formula.parse import FormulaRequest

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


class ParquetStream:
    """The rows of ``path`` this process reads, checked; see the module docstring."""

    def __init__(
        self,
        path: Path,
        columns: Columns,
        seed: int = 0,
        valid_fraction: float = 0.0,
        rank: int = 0,
        world_size: int = 1,
        on_rows: Callable[[int], None] | None = None,
    ):
        self.path = Path(path)
        self.name = self.path.name
        self.file = _open(self.path)
        stripped, self.notes = parquet_columns(self.file.schema_arrow, columns, self.name)
        features = pick_columns(list(stripped), columns, self.name)
        check_declared(columns, features, self.name)
        schema = self.file.schema_arrow
        self.categorical = [
            f for f in features if f in columns.categorical or is_categorical_type(schema.field(stripped[f]).type)
        ]
        self.declared = columns.categorical
        self.design = Design(tuple(features))  # its levels once ``find_levels`` has read them
        self.level_values: dict[str, pa.Array] = {}
        self.target_name, self.positive = columns.target, columns.positive
        self.weight_name = columns.weight
        self.checks = RowChecks(self.name, RowNamer(None), columns.drop_missing, partial=True)
        self._read = [stripped[c] for c in columns.used(features)]
        self._check_types([f for f in features if f not in self.categorical], stripped)
        self.seed, self.valid_fraction, self.on_rows = seed, valid_fraction, on_rows
        meta = self.file.metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        self.starts = np.concatenate([[0], np.cumsum(sizes)])[:-1]
        usable = [i for i, size in enumerate(sizes) if size > 0]
        if not usable:
            raise DataError(
                f"{self.name} has no usable row groups ({meta.num_row_groups} row group(s), all empty); "
                "write the data with pandas.DataFrame.to_parquet or pyarrow.parquet.write_table and retry"
            )
        if len(usable) < world_size:  # every process sees it, so all stop before any waits for another
            raise DataError(
                f"{world_size} processes share {self.name}, but it has only {len(usable)} non-empty row group(s) "
                f"and each process reads whole row groups, so rank {len(usable)} would have no rows; start at "
                f"most {len(usable)} processes, or rewrite the file with more row groups "
                "(pyarrow.parquet.write_table(..., row_group_size=N))"
            )
        self.row_groups = usable[rank::world_size]
        self.labels: tuple | None = None
        self._as_text = False
        self.dropped_rows = 0

    def _check_types(self, features: list[str], stripped: dict) -> None:
        schema = self.file.schema_arrow
        for name in [*features, *([self.weight_name] if self.weight_name else [])]:
            kind = schema.field(stripped[name]).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
                role = "weight column" if name == self.weight_name else "feature"
                stored = "text" if pa.types.is_string(kind) or pa.types.is_large_string(kind) else str(kind)
                raise DataError(
                    f"{role} {name!r} of {self.name} is stored as {stored}, and streaming reads numbers only; "
                    "store it as a number column, or train without --stream"
                )

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
            for rg in self.row_groups:
                column = self.file.read_row_group(rg, columns=[self._read[j]]).column(0)
                cells = categorical_cells(column, feature, feature in self.declared, self.name)
                if cells is NOT_CATEGORICAL:
                    raise DataError(
                        f"feature {feature!r} of {self.name} is stored as text but holds mostly numbers, and streaming "
                        "reads numbers only; store it as a number column, or train without --stream"
                    )
                kind = cells.type
                found.update(pc.unique(cells).drop_null().to_pylist())
            values = sorted_values(pa.array(sorted(combine(found)), type=kind))
            check_level_count(len(values), feature, self.name, self.file.metadata.num_rows)
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

    def find_labels(self, combine: Callable[[set], set]) -> tuple:
        """The target's classes, sorted (one pass over the target column; ``combine`` unites the
        sets the processes found). Mixed numbers and text are compared as text."""
        found: set = set()
        for rg in self.row_groups:
            column = self.file.read_row_group(rg, columns=[self._read[len(self.design.features)]]).column(0)
            found.update(v for v in pc.unique(column).to_pylist() if v is not None and v == v)
        found = combine(found)
        try:
            labels, self._as_text = tuple(sorted(found)), False
        except TypeError:
            labels, self._as_text = tuple(sorted({str(v) for v in found})), True
        check_class_count(labels or ("nothing",), self.target_name, self.name)
        labels = order_classes(labels, self.positive, self.target_name, self.name)
        self.labels = labels
        return labels

    def chunks(self, with_keys: bool = False) -> Iterator[Chunk]:
        """Every usable row of this process's row groups, a batch at a time (``find_labels`` first).
        The plotting-sample keys are drawn only ``with_keys`` (the first pass); other passes get
        ``keys`` and ``positions`` of None."""
        index = pd.Index(list(self.labels))
        self.dropped_rows = 0
        for rg in self.row_groups:
            held_out = held_out_generator(self.seed, rg) if self.valid_fraction > 0 else None
            keys = sample_key_generator(self.seed, rg) if with_keys else None
            first = int(self.starts[rg])
            for batch in self.file.iter_batches(batch_size=BATCH_ROWS, row_groups=[rg], columns=self._read):
                n = batch.num_rows
                x, y, v, keep, codes = self._decode(batch, first, index)
                valid = (
                    np.zeros(len(y), dtype=bool) if held_out is None else held_out.random(n)[keep] < self.valid_fraction
                )
                sample = (None, None) if keys is None else (keys.random(n)[keep], first + np.flatnonzero(keep))
                chunk = Chunk(x, y, v, *sample, valid, codes)
                first += n
                if self.on_rows is not None:
                    self.on_rows(n)
                yield chunk

    def _decode(self, batch: pa.RecordBatch, first: int, index: pd.Index) -> tuple:
        """(x, y, v, keep, codes): the checked values of the batch's usable rows (the design's terms
        made of their cells), which rows those are, and their codes."""
        design = self.design
        d = len(design.features)
        columns = np.empty((d, batch.num_rows))  # filled a column at a time: much faster than row-major
        for j, feature in enumerate(design.features):
            if feature in self.level_values:
                cells = categorical_cells(batch.column(j), feature, feature in self.declared, self.name)
                columns[j] = level_indices(cells, self.level_values[feature])
                if (np.isnan(columns[j]) & ~pc.is_null(cells).to_numpy(zero_copy_only=False)).any():
                    raise RowError(f"feature {feature!r} of {self.name} changed while it was read; retry")
            else:
                columns[j] = floats(batch.column(j))
        x = columns.T  # (n, d) in column-major order; the fit's matrix products take it as it is
        target = batch.column(d)
        v = floats(batch.column(d + 1)) if self.weight_name else None
        missing = pc.is_null(target, nan_is_null=True).to_numpy(zero_copy_only=False) | np.isnan(columns).any(axis=0)
        if v is not None:
            missing |= np.isnan(v)
        positions = first + np.arange(batch.num_rows)
        keep = self.checks.usable(missing, positions)
        if not keep.all():
            self.dropped_rows += int((~keep).sum())
            x, positions = x[keep], positions[keep]
            v = None if v is None else v[keep]
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


def _open(path: Path) -> pq.ParquetFile:
    if not path.exists():
        raise DataError(f"data file {path} does not exist; check the path given to --data")
    if not is_parquet(path):
        raise DataError(
            f"streaming (--stream, and every torchrun job) reads Parquet row groups, and {path.name} is not a "
            ".parquet file; convert it (pandas.read_csv(...).to_parquet(...)), or train without --stream in one process"
        )
    return open_parquet(path)
