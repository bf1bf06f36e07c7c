"""Memory sizes: ``--memory-budget`` values, and when a file is too big to load whole."""

import argparse
import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from export.csv_input import csv_cells
from export.errors import shorten
from export.files import is_parquet
from training.data.columnar import csv_number_type

UNITS = {"": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12}
UNITS.update({"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40})
SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'512MB', '4GiB', '1.5G', '2000000' (bytes) -> bytes; a reader of option text, as argparse
    takes them (``ArgumentTypeError``, whose message the option's name comes before)."""
    match = SIZE.match(text)
    unit = match.group(2).lower() if match else ""
    size = float(match.group(1)) * UNITS[unit] if match and unit in UNITS else 0.0
    if not 1 <= size < 2**63:  # inf (1e400GB) included
        raise argparse.ArgumentTypeError(
            f"must be a size from 1 byte to 8 EB, such as 512MB or 4GiB, got {shorten(text)!r}"
        )
    return int(size)


def default_budget() -> int:
    """Half of the memory available now: loading a table takes about its size again in copies."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES") // 2


def in_memory_size(path: Path) -> int:
    """About the peak of loading the file ``path`` whole and fitting it: the feature matrix (4 bytes
    a cell when every column of a Parquet file is float32, or when a CSV has so many cells that they
    are parsed to float32: ``columnar.csv_number_type``; else 8) and as much again for arrow's
    buffers, the fit's and the evaluation's temporaries and the libraries (the peak measured at 2e6
    x 100 float32 Parquet was 1.6x the matrix, at 1e6 x 50 CSV 1.4x). A CSV's cells are counted in
    its first megabyte (its commonest delimiter and its line ends) and scaled to its size. 0 when
    the file cannot be read: the loader then says what is wrong with it."""
    if not is_parquet(path):
        cells = csv_cells(path)
        return cells * csv_number_type(cells).byte_width * 2
    try:
        file = pq.ParquetFile(path)
    except Exception:  # not Parquet, or unreadable: the loader reports it in one line
        return 0
    cell = 4 if all(pa.types.is_float32(field.type) for field in file.schema_arrow) else 8
    return file.metadata.num_rows * file.metadata.num_columns * cell * 2


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
