"""Read a CSV that a person supplied, turning each way it can be broken into one line.

Shared by training (``--data``) and the page (batch scoring); numpy and pandas only. Messages name
lines as an editor numbers them (``line_of``), counting blank lines and the lines inside quoted
multi-line cells.
"""

import csv
import io
from collections import Counter
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from export.errors import DataError

Source = Path | bytes
DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def read_csv(
    source: Source, name: str, text_columns: Collection[str] = (), only_empty_missing: bool = False
) -> pd.DataFrame:
    """The table with stripped column names; ``DataError`` naming ``name`` if it is empty, not
    UTF-8 text, malformed, has two columns of one name, or has no data rows.

    ``text_columns`` are read as text, exactly as written (an ID of 007 stays 007). With
    ``only_empty_missing``, only an empty cell is missing: ``nan`` or ``NA`` stay as written, so a
    message can say what the cell holds."""
    columns = header(source, name)
    options = {"keep_default_na": False, "na_values": [""]} if only_empty_missing else {}
    dtypes = {raw: str for raw in columns if raw.strip() in text_columns}
    try:
        table = pd.read_csv(_binary(source), skipinitialspace=True, dtype=dtypes or None, **options)
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} is empty; it needs a header line and data rows") from None
    except UnicodeDecodeError:
        raise DataError(f"{name} is not a text CSV file (it is not UTF-8); save it as CSV and retry") from None
    except pd.errors.ParserError as e:
        raise DataError(f"{name} is not well-formed CSV ({str(e).strip()[:200]}); fix that line and retry") from None
    if table.empty:
        raise DataError(f"{name} has a header but no data rows; add rows and retry")
    table.columns = [str(c).strip() for c in table.columns]
    return table


def header(source: Source, name: str) -> list[str]:
    """The header's column names as written; ``DataError`` if a name appears twice (pandas would
    silently rename the second ``x.1``)."""
    try:
        first = next(_records(source), None)
    except UnicodeDecodeError:
        raise DataError(f"{name} is not a text CSV file (it is not UTF-8); save it as CSV and retry") from None
    except csv.Error as e:
        raise DataError(f"{name} is not well-formed CSV ({e}); fix its header line and retry") from None
    if first is None:
        raise DataError(f"{name} is empty; it needs a header line and data rows")
    columns = first[1]
    repeated = [c for c, n in Counter(c.strip() for c in columns).items() if n > 1]
    if repeated:
        raise DataError(f"{name} has more than one column named {repeated[0][:60]!r}; rename or remove the copies")
    return columns


def line_of(source: Source, row: int) -> int:
    """The line (1-based, as an editor counts) where data row ``row`` (0-based, after the header)
    starts."""
    return locate(source, row)[0]


def locate(source: Source, row: int) -> tuple[int, list[str]]:
    """The start line of data row ``row`` and its cells as written. Only called to word an error
    message, so it may re-read the file."""
    for i, record in enumerate(_records(source)):
        if i == row + 1:
            return record
    raise IndexError(f"the file has no data row {row}")


def numbers(column: pd.Series) -> np.ndarray:
    """float64 values of a column; NaN where a cell is not a number. pandas' ``to_numeric`` raises
    OverflowError on an integer of hundreds of digits, so such a column is converted cell by cell."""
    try:
        values = pd.to_numeric(column, errors="coerce")
    except OverflowError:
        values = column.map(_float_or_nan)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _float_or_nan(cell: object) -> float:
    try:
        return float(cell)
    except OverflowError:  # an integer beyond float64: infinity of its sign, refused like one
        return float("inf") if cell > 0 else float("-inf")
    except (TypeError, ValueError):
        return float("nan")


def delimiter_hint(columns: list[str]) -> str:
    """A hint when a one-column header is really several columns joined by another delimiter."""
    if len(columns) == 1:
        for delimiter, called in DELIMITERS.items():
            if delimiter in columns[0]:
                return f" (the header looks separated by {called}, not commas: save the file as comma-separated)"
    return ""


def _binary(source: Source) -> Path | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _records(source: Source) -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of each record that pandas reads as a row: blank lines are skipped."""
    with _text(source) as text:
        reader = csv.reader(text, skipinitialspace=True)
        line = 1
        for record in reader:
            if record and not (len(record) == 1 and not record[0].strip()):
                yield line, record
            line = reader.line_num + 1


def _text(source: Source) -> io.TextIOBase:
    if isinstance(source, bytes):
        return io.StringIO(source.decode("utf-8-sig"), newline="")
    return open(source, newline="", encoding="utf-8-sig")
