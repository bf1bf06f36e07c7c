"""When a file is too big to read whole (``streaming.sizes.in_memory_size``): its feature matrix's
bytes, twice over, at the width the loader parses it to."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import training.data.columnar
from export.csv_input import csv_cells
from training.data.columns import Columns
from training.data.tables import load_table
from training.streaming.sizes import in_memory_size


def frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"a": rng.normal(size=rows).round(5), "b": rng.normal(size=rows).round(5), "y": np.arange(rows) % 2}
    )


@pytest.mark.parametrize("float32", [False, True])
def test_a_csv_counts_the_bytes_of_the_cells_it_is_parsed_to(tmp_path, monkeypatch, float32):
    frame(20_000).to_csv(tmp_path / "t.csv", index=False)
    cells = csv_cells(tmp_path / "t.csv")
    assert cells == pytest.approx(60_000, rel=0.02)  # three columns, counted in the first megabyte
    monkeypatch.setattr(training.data.columnar, "FLOAT32_CELLS", cells - 1 if float32 else cells)
    width = load_table(tmp_path / "t.csv", Columns("y")).x.dtype.itemsize
    assert width == (4 if float32 else 8)
    assert in_memory_size(tmp_path / "t.csv") == cells * width * 2


def test_a_parquet_file_counts_four_bytes_a_cell_only_when_every_column_is_float32(tmp_path):
    data = frame(1_000)
    pq.write_table(pa.Table.from_pandas(data.astype("float32"), preserve_index=False), tmp_path / "f32.parquet")
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), tmp_path / "mixed.parquet")
    assert in_memory_size(tmp_path / "f32.parquet") == 1_000 * 3 * 4 * 2
    assert in_memory_size(tmp_path / "mixed.parquet") == 1_000 * 3 * 8 * 2


def test_a_file_that_cannot_be_read_counts_nothing_and_the_loader_says_why(tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    assert in_memory_size(tmp_path / "broken.parquet") == 0
