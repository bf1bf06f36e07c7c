"""What a streamed table is read from: a file cut into parts, each read a column or a batch at a
time (``parquet_source``: row groups; ``csv_source``: runs of whole records)."""

from collections.abc import Iterator
from typing import Protocol

import pyarrow as pa

from training.data.checks import RowNamer


class TableSource(Protocol):
    """``stored``: the file's columns by stripped name, less a saved index (``notes`` says so);
    ``parts``: the parts that hold rows; ``categorical``: the features read as categories."""

    name: str
    notes: tuple[str, ...]
    stored: dict[str, str]
    parts: list[int]
    row_namer: RowNamer

    def categorical(self, features: list[str], declared: tuple[str, ...]) -> list[str]:
        """Which ``features`` are categorical (``declared`` by ``--categorical``, or text or booleans);
        ``DataError`` for a feature the stream cannot read."""

    def cells(self, column: pa.ChunkedArray, feature: str, declared: bool) -> pa.ChunkedArray:
        """A categorical feature's cells as its levels are made of (``categories.categorical_cells``)."""

    def column(self, part: int, name: str) -> pa.ChunkedArray:
        """One stored column of ``part``."""

    def batches(self, part: int, names: list[str], size: int) -> Iterator[pa.RecordBatch]:
        """The stored columns ``names`` of ``part``, ``size`` rows at a time."""

    def too_few_parts(self, parts: int, world_size: int) -> str:
        """What to say when ``world_size`` processes share fewer parts than that."""
