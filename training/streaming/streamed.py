"""Training from a Parquet file read a batch at a time (``--stream``, or any torchrun job).

``open_streamed`` makes the passes the fit needs before it starts: the target's classes (target
column only), then one pass that checks every row and sums the training rows' summary; under
torchrun each process reads its own row groups and the results are merged across processes.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from training.config import TrainConfig
from training.data.categories import check_levels_trained, level_counts
from training.data.checks import check_rows_left, check_weight_total
from training.data.columns import Columns
from training.data.split import check_sides
from training.streaming.parquet import ParquetStream
from training.streaming.reduce import Reducer
from training.streaming.rows import StreamedRows
from training.streaming.summary import RowSummary


@dataclass
class StreamedData:
    train: StreamedRows
    valid: StreamedRows | None
    summary: RowSummary


def open_streamed(
    path: Path, columns: Columns, config: TrainConfig, reducer: Reducer, on_rows: Callable[[int], None] | None
) -> StreamedData:
    columns = replace(columns, coding=config.penalization.coding)
    stream = ParquetStream(path, columns, config.seed, config.valid_fraction, reducer.rank, reducer.world_size, on_rows)
    labels = stream.find_labels(lambda found: reducer.combine(found, set.union))
    design = stream.find_levels(lambda found: reducer.combine(found, set.union))
    k = len(labels)
    nothing = np.empty(0, np.int64)
    summary = RowSummary.of(np.empty((0, len(stream.feature_names))), nothing, None, k, np.empty(0), nothing)
    valid_counts, valid_sums = np.zeros(k), np.zeros(len(design.terms))
    for chunk in stream.chunks(with_keys=True):
        train = ~chunk.valid
        v = None if chunk.v is None else chunk.v[train]
        part = RowSummary.of(chunk.x[train], chunk.y[train], v, k, chunk.keys[train], chunk.positions[train])
        summary = summary.merge(part)
        valid_counts += np.bincount(chunk.y[chunk.valid], minlength=k)
        valid_sums += chunk.x[chunk.valid].sum(axis=0)
    summary = reducer.combine(summary, RowSummary.merge)
    valid_counts, valid_sums = reducer.sum(valid_counts), reducer.sum(valid_sums)
    if design.has_categories and config.valid_fraction > 0:
        counts = [
            {f: level_counts(design, f, sums, rows) for f in design.categorical}
            for sums, rows in ((summary.mean * summary.rows, summary.rows), (valid_sums, valid_counts.sum()))
        ]
        check_levels_trained(design, stream.name, *counts)
    dropped = int(reducer.sum(np.array([stream.dropped_rows]))[0])
    _check_rows(stream, summary, valid_counts, config.valid_fraction)
    train = StreamedRows(stream, "train")
    train.dropped_rows = dropped
    valid = StreamedRows(stream, "valid") if config.valid_fraction > 0 else None
    return StreamedData(train, valid, summary)


def _check_rows(stream: ParquetStream, summary: RowSummary, valid_counts: np.ndarray, fraction: float) -> None:
    check_rows_left(summary.rows, stream.name)
    if stream.weight_name:
        check_weight_total(summary.class_weights.sum(), stream.weight_name, stream.name)
    if fraction > 0:
        for label, kept, held in zip(stream.labels, summary.class_counts, valid_counts):
            check_sides(fraction, label, int(kept), int(held))
