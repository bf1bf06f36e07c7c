"""Rows read a chunk at a time: the training or the validation rows of a streamed file.

``StreamedRows`` answers what fit and describe ask of a ``Dataset`` (names, classes, source) and
gives its rows as ``chunks()`` of ``(x, y, v)``; ``chunks_of`` gives a ``Dataset``'s as one chunk.
"""

from collections.abc import Iterator

import numpy as np

from export.design import Design
from training.data.dataset import Dataset
from training.streaming.stream import TableStream

RowChunk = tuple[np.ndarray, np.ndarray, np.ndarray | None]


class StreamedRows:
    """``part`` "train" or "valid": the rows of ``stream`` on that side of the split."""

    def __init__(self, stream: TableStream, part: str):
        self.stream = stream
        self.part = part
        self.notes = stream.notes  # a saved index left out
        self.dropped_rows = 0  # set once the first pass has counted them across processes

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.stream.feature_names

    @property
    def inputs(self) -> Design:
        return self.stream.design

    @property
    def target_name(self) -> str:
        return self.stream.target_name

    @property
    def class_labels(self) -> tuple:
        return self.stream.labels

    @property
    def n_classes(self) -> int:
        return len(self.stream.labels)

    @property
    def source(self) -> str:
        return self.stream.name

    @property
    def weights_given(self) -> bool:
        return self.stream.weight_name is not None

    def chunks(self) -> Iterator[RowChunk]:
        for chunk in self.stream.chunks():
            keep = chunk.valid if self.part == "valid" else ~chunk.valid
            if keep.all():
                yield chunk.x, chunk.y, chunk.v
            else:
                yield chunk.x[keep], chunk.y[keep], None if chunk.v is None else chunk.v[keep]


Rows = Dataset | StreamedRows  # training or validation rows, in memory or streamed


def chunks_of(rows: Rows) -> Iterator[RowChunk]:
    if isinstance(rows, Dataset):
        yield rows.x, rows.y, rows.weights
    else:
        yield from rows.chunks()
