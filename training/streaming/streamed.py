"""Training from a CSV or Parquet file read a batch at a time (``--stream``, or any torchrun job).

``open_streamed`` makes the passes the fit needs before it starts: the target's classes (target
column only), then one pass that checks every row and sums the training rows' summary; under
torchrun each process reads its own parts (row groups, runs of CSV records) and the results are
merged across processes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from export.design import Design
from export.errors import DataError, printable
from training.config import TrainConfig
from training.data.categories import check_levels_trained, codes_level_counts
from training.data.checks import check_class_count, check_rows_left, check_weight_total
from training.data.columns import Columns
from training.data.split import check_sides
from training.formula.parse import FormulaRequest
from training.streaming.reduce import Reducer
from training.streaming.rows import StreamedRows
from training.streaming.stream import TableStream, open_source
from training.streaming.summary import InputsSummary, RowSummary


@dataclass
class StreamedData:
    """``inputs``: a formula model's summary of its raw inputs (None otherwise: the terms are them)."""

    train: StreamedRows
    valid: StreamedRows | None
    summary: RowSummary
    inputs: InputsSummary | None = None


def open_streamed(
    path: Path,
    columns: Columns,
    config: TrainConfig,
    reducer: Reducer,
    on_rows: Callable[[int], None] | None,
    formula: FormulaRequest | None = None,
) -> StreamedData:
    source = open_source(path, columns)
    stream = TableStream(source, columns, config.seed, config.valid_fraction, reducer.rank, reducer.world_size, on_rows)
    labels = stream.find_labels(reducer.combine)
    inputs = stream.find_levels(lambda found: reducer.combine(found, set.union))
    if formula is None:  # the penalty decides how levels become terms
        design = stream.use_design(Design(inputs.features, inputs.levels, config.penalization.coding))
    else:
        design = stream.use_formula(formula, reducer.combine)
    k = len(labels)
    summary = _empty(len(design.terms), k)
    # the raw inputs, where they are not the terms themselves: the card's stored rows, ranges and
    # level counts come from them (the first pass's rows as codes)
    raw_kept = formula is not None or inputs.has_categories
    raw = _empty(len(inputs.features), k)
    valid_counts = np.zeros(k)
    level_totals = np.zeros((2, sum(len(levels) for levels in inputs.levels.values())))  # train, valid
    for chunk in stream.chunks(with_keys=True):
        train = ~chunk.valid
        v = None if chunk.v is None else chunk.v[train]
        sample = (chunk.keys[train], chunk.positions[train])
        summary = summary.merge(RowSummary.of(chunk.x[train], chunk.y[train], v, k, *sample))
        valid_counts += np.bincount(chunk.y[chunk.valid], minlength=k)
        if raw_kept:
            raw = raw.merge(RowSummary.of(chunk.codes[train], chunk.y[train], v, k, *sample))
            level_totals += [_level_counts(inputs, chunk.codes[rows]) for rows in (train, chunk.valid)]
    summary = reducer.combine(summary, RowSummary.merge)
    valid_counts = reducer.sum(valid_counts)
    said = None
    if raw_kept:
        raw = reducer.combine(raw, RowSummary.merge)
        counts = [_split_counts(inputs, totals) for totals in reducer.sum(level_totals.ravel()).reshape(2, -1)]
        said = InputsSummary(raw, {n: inputs.features.index(n) for n in inputs.numeric}, counts[0], raw.sample_x)
        if config.valid_fraction > 0:
            check_levels_trained(inputs, stream.name, *counts)
    dropped = int(reducer.sum(np.array([stream.dropped_rows]))[0])
    _check_rows(stream, summary, valid_counts, config.valid_fraction)
    train = StreamedRows(stream, "train")
    train.dropped_rows = dropped
    valid = StreamedRows(stream, "valid") if config.valid_fraction > 0 else None
    return StreamedData(train, valid, summary, said)


def _empty(d: int, k: int) -> RowSummary:
    nothing = np.empty(0, np.int64)
    return RowSummary.of(np.empty((0, d)), nothing, None, k, np.empty(0), nothing)


def _level_counts(inputs: Design, codes: np.ndarray) -> np.ndarray:
    """Rows per level of every categorical feature among rows of ``codes``, one after another."""
    if not inputs.categorical:
        return np.zeros(0)
    return np.concatenate([codes_level_counts(inputs, codes, f) for f in inputs.categorical])


def _split_counts(inputs: Design, totals: np.ndarray) -> dict[str, np.ndarray]:
    """``_level_counts``' vector back into each feature's counts."""
    counts, start = {}, 0
    for f in inputs.categorical:
        counts[f] = totals[start : start + len(inputs.levels[f])]
        start += len(inputs.levels[f])
    return counts


def _check_rows(stream: TableStream, summary: RowSummary, valid_counts: np.ndarray, fraction: float) -> None:
    check_rows_left(summary.rows, stream.name)
    counts = summary.class_counts + valid_counts
    if (counts == 0).any():  # the rows --drop-missing left out held every row of a class
        kept = [label for label, count in zip(stream.labels, counts) if count > 0]
        check_class_count(kept, stream.target_name, stream.name)
        gone = next(label for label, count in zip(stream.labels, counts) if count == 0)
        raise DataError(
            f"every row of class {printable(gone)!r} of target {stream.target_name!r} of {stream.name} has a missing "
            "value, so --drop-missing leaves none; fill them, or train without --stream (which fits the other classes)"
        )
    if stream.weight_name:
        check_weight_total(summary.class_weights.sum(), stream.weight_name, stream.name)
    if fraction > 0:
        for label, kept, held in zip(stream.labels, summary.class_counts, valid_counts):
            check_sides(fraction, label, int(kept), int(held))
