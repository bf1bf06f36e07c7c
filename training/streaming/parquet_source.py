"""A Parquet file as a streamed table's source: its row groups are the parts."""

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from export.errors import DataError
from training.data.categories import NOT_CATEGORICAL, categorical_cells, is_categorical_type
from training.data.checks import RowNamer
from training.data.columnar import open_parquet, parquet_columns
from training.data.columns import Columns


class ParquetSource:
    def __init__(self, path: Path, columns: Columns):
        self.path, self.name = path, path.name
        self.file: pq.ParquetFile = open_parquet(path)
        self.stored, self.notes = parquet_columns(self.file.schema_arrow, columns, self.name)
        self.weight_name = columns.weight
        self.row_namer = RowNamer(None)
        meta = self.file.metadata
        self.parts = [i for i in range(meta.num_row_groups) if meta.row_group(i).num_rows > 0]
        if not self.parts:
            raise DataError(
                f"{self.name} has no usable row groups ({meta.num_row_groups} row group(s), all empty); "
                "write the data with pandas.DataFrame.to_parquet or pyarrow.parquet.write_table and retry"
            )

    def categorical(self, features: list[str], declared: tuple[str, ...]) -> list[str]:
        """Declared, or stored as text or booleans; the other features and the weight column must
        be stored as numbers (the stream reads a numeric column as numbers, batch by batch)."""
        schema = self.file.schema_arrow
        chosen = [f for f in features if f in declared or is_categorical_type(schema.field(self.stored[f]).type)]
        for name in [*(f for f in features if f not in chosen), *([self.weight_name] if self.weight_name else [])]:
            kind = schema.field(self.stored[name]).type
            if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)):
                role = "weight column" if name == self.weight_name else "feature"
                stored = "text" if pa.types.is_string(kind) or pa.types.is_large_string(kind) else str(kind)
                raise DataError(
                    f"{role} {name!r} of {self.name} is stored as {stored}, and streaming reads numbers only; "
                    "store it as a number column, or train without --stream"
                )
        return chosen

    def cells(self, column: pa.ChunkedArray, feature: str, declared: bool) -> pa.ChunkedArray:
        cells = categorical_cells(column, feature, declared, self.name)
        if cells is NOT_CATEGORICAL:
            raise DataError(
                f"feature {feature!r} of {self.name} is stored as text but holds mostly numbers, and streaming "
                "reads numbers only; store it as a number column, or train without --stream"
            )
        return cells

    def column(self, part: int, name: str) -> pa.ChunkedArray:
        return self.file.read_row_group(part, columns=[name]).column(0)

    def batches(self, part: int, names: list[str], size: int) -> Iterator[pa.RecordBatch]:
        return self.file.iter_batches(batch_size=size, row_groups=[part], columns=names)

    def too_few_parts(self, parts: int, world_size: int) -> str:
        return (
            f"{world_size} processes share {self.name}, but it has only {parts} non-empty row group(s) "
            f"and each process reads whole row groups, so rank {parts} would have no rows; start at "
            f"most {parts} processes, or rewrite the file with more row groups "
            "(pyarrow.parquet.write_table(..., row_group_size=N))"
        )
