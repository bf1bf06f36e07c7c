"""A CSV file as a streamed table's source: runs of whole records are the parts (``csv_parts``),
each parsed on its own by the in-memory loader's reader (``columnar.read_csv_table``: the same
dialect, encodings, missing values and thousands marks), so memory holds one part at a time.

Which features are categorical is decided once, on the first part (``--categorical``, text that
is not mostly numbers, true/false), and every part then reads those columns as text (or booleans),
so a level is the same level in every part. A numeric feature that a part reads as text (a stray
word) is named with its line, as the in-memory loader names it (``stream.TableStream``).
"""

import codecs
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from export.errors import DataError, RowError
from training.data.categories import NOT_CATEGORICAL, categorical_cells, is_categorical_type, is_text, text_cells
from training.data.checks import RowNamer
from training.data.columnar import csv_layout, read_csv_table
from training.data.columns import Columns
from training.data.csv_parts import data_start, marks_kept, part_size, part_starts
from training.data.hex_cells import may_hold_hex

WIDE_ENCODINGS = ("utf-16", "utf-32")  # a line break is not one byte: the parts cannot be found by bytes


class CsvSource:
    def __init__(self, path: Path, columns: Columns):
        self.path, self.name = path, path.name
        self.dialect, self.written, self.stored, self.notes = csv_layout(path, columns)
        encoding = codecs.lookup(self.dialect.encoding).name
        if encoding.startswith(WIDE_ENCODINGS):
            raise DataError(
                f"{self.name} is {encoding} text, which streaming cannot cut into parts; save it as UTF-8, "
                "or train without --stream in one process"
            )
        first = data_start(path)
        # none: a header alone (the stream says so, after it has checked the columns)
        self.offsets = part_starts(path, first, self.dialect.sep)
        self.ends = [*self.offsets[1:], path.stat().st_size]
        self.parts = list(range(len(self.offsets)))
        self.part_bytes = part_size(self.ends[-1] - first)
        self.row_namer = RowNamer(path, self.dialect)
        self.types: dict[str, pa.DataType] = {}  # categorical columns, read as text or booleans in every part

    def categorical(self, features: list[str], declared: tuple[str, ...]) -> list[str]:
        stored = [self.stored[f] for f in features]
        first = self._table(0, stored, {self.stored[f]: pa.string() for f in declared})
        chosen = []
        for feature, column in zip(features, first.columns):
            kind = column.type
            if feature in declared:
                self.types[self.stored[feature]] = pa.string()
            elif (
                is_categorical_type(kind)
                and categorical_cells(column, feature, False, self.name) is not NOT_CATEGORICAL
            ):
                self.types[self.stored[feature]] = pa.bool_() if pa.types.is_boolean(kind) else pa.string()
            else:
                continue
            chosen.append(feature)
        return chosen

    def cells(self, column: pa.ChunkedArray, feature: str, declared: bool) -> pa.ChunkedArray:
        if declared or not is_text(column.type):
            return categorical_cells(column, feature, declared, self.name)
        return text_cells(column)  # text in every part, mostly numbers in this one or not

    def column(self, part: int, name: str) -> pa.ChunkedArray:
        return self._table(part, [name]).column(0)

    def batches(self, part: int, names: list[str], size: int) -> Iterator[pa.RecordBatch]:
        return iter(self._table(part, names).to_batches(max_chunksize=size))

    def _table(self, part: int, names: list[str], types: dict[str, pa.DataType] | None = None) -> pa.Table:
        with open(self.path, "rb") as file:
            file.seek(self.offsets[part])
            data = marks_kept(file.read(self.ends[part] - self.offsets[part]))
        fixed = self.types if types is None else types
        chosen = {name: fixed[name] for name in names if name in fixed}
        return read_csv_table(
            lambda: io.BytesIO(data),
            str(self.path),
            self.dialect,
            self.written,
            names,
            chosen,
            lambda: may_hold_hex(data),
            error=RowError,
            quoted=b'"' in data,
        )

    def too_few_parts(self, parts: int, world_size: int) -> str:
        return (
            f"{world_size} processes share {self.name}, but it is cut into only {parts} part(s) of whole records "
            f"(one per {self.part_bytes:,} bytes), and each process reads whole parts, so rank {parts} would have "
            f"no rows; start at most {parts} processes"
        )
