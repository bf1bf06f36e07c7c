"""Read a CSV that a person supplied, turning each way it can be broken into one line.

Shared by training (``--data``: the dialect, the header, line numbers; pyarrow parses the rows, in
``training.data.columnar``) and batch scoring (the page, ``python -m export.score``: pandas parses
the rows, keeping other columns as written). Messages name lines as an editor numbers them
(``line_of``), counting blank lines and the lines inside quoted multi-line cells.
"""

import codecs
import csv
import functools
import io
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from export.errors import DataError, first_line, printable

if TYPE_CHECKING:  # pandas is imported where rows are parsed or cells converted: the flags, --help and
    import pandas as pd  # a fit's start (pyarrow parses its rows) do without its 0.2 s

Source = Path | bytes
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars"}
MAX_CELL = 1 << 30  # characters in one cell (Python's csv module stops at 128 KiB by default)
# pandas ends a line at \r\n, \r or \n, and skips a line of spaces and tabs only (not one of other
# whitespace, such as a form feed, which it reads as a cell)
LINE_END = re.compile(r"\r\n|\r|\n")
BLANK = " \t"
SNIFF_BYTES = 1 << 16  # the start of the file that the dialect is told from
DECIMAL_COMMA = re.compile(r"\s*[+-]?\d*,\d+\s*")
DECIMAL_POINT = re.compile(r"\s*[+-]?\d*\.\d+([eE][+-]?\d+)?\s*")
# a number as a cell or an entry may write it (ASCII digits: float() would also read other scripts'
# digits, which JavaScript's Number does not; the static site takes this pattern from export.site)
NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


@dataclass(frozen=True)
class Dialect:
    """How a CSV file is written: its delimiter, decimal mark and text encoding."""

    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8-sig"  # UTF-8, with or without the byte-order mark spreadsheets write
    thousands: str | None = None  # the mark grouping digits in threes: 4.663,24 or 4,663.24; None: none


CELLS_SAMPLE_BYTES = 1 << 20  # a CSV's cells are counted in its first megabyte (``csv_cells``)


def sniff(
    source: Source,
    name: str,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    thousands: str | None = None,
) -> Dialect:
    """The file's dialect; what is given is taken as it is, the rest is told from the file's start.
    The delimiter is the one of comma, semicolon, tab and vertical bar that splits the header line
    most often (comma on a tie). The decimal mark is a comma when the delimiter is not, and the
    cells of the first rows hold numbers written 1,5 or 4.663,24 and none written 1.5 (what
    European spreadsheets save). The thousands mark is the other one of point and comma when a cell
    groups digits in threes with it (4.663,24, 4.663 with a decimal comma; 4,663.24, "4,663" with a
    decimal point); ``thousands=""`` says there is none."""
    encoding = _known_encoding(encoding) if encoding else Dialect.encoding
    head = _decoded(_start(source), name, encoding)
    lines = [line for line in LINE_END.split(head) if line.strip(BLANK)]
    if sep is None:
        first = lines[0] if lines else ""
        sep = max(DELIMITERS, key=lambda d: (first.count(d), d == ","))
    cells = [cell for record in csv.reader(lines[1:50], delimiter=sep) for cell in record]
    if decimal is None:
        comma = any(DECIMAL_COMMA.fullmatch(c) or (GROUPED[","].fullmatch(c) and "," in c) for c in cells)
        point = any(DECIMAL_POINT.fullmatch(c) and not GROUPED[","].fullmatch(c) for c in cells)
        decimal = "," if sep != "," and comma and not point else "."
    if thousands is None:
        mark = "." if decimal == "," else ","
        grouped = any(GROUPED[decimal].fullmatch(c) and mark in c for c in cells)
        thousands = mark if grouped else None  # in a comma-separated file such a cell was quoted
    return Dialect(sep, decimal, encoding, thousands or None)


@functools.cache
def grouped_number(decimal: str, thousands: str | None = None) -> re.Pattern:
    """A number whose digits may be grouped in threes by ``thousands`` (default: the other of point
    and comma than ``decimal``)."""
    mark = re.escape(thousands or ("." if decimal == "," else ","))
    point = re.escape(decimal)
    return re.compile(rf"\s*[+-]?(\d{{1,3}}({mark}\d{{3}})+|\d+)({point}\d*)?\s*")


def read_csv(
    source: Source,
    name: str,
    text_columns: Collection[str] = (),
    only_empty_missing: bool = False,
    dialect: Dialect | None = None,
) -> "pd.DataFrame":
    """The table with stripped column names; ``DataError`` naming ``name`` if it is empty, not
    text in its encoding, malformed, has two columns of one name, or has no data rows. The dialect
    is sniffed (``sniff``) unless given.

    ``text_columns`` are read as text, exactly as written (an ID of 007 stays 007). With
    ``only_empty_missing``, only an empty cell is missing: ``nan`` or ``NA`` stay as written, so a
    message can say what the cell holds."""
    import pandas as pd

    dialect = dialect or sniff(source, name)
    columns = header(source, name, dialect)
    options = {"keep_default_na": False, "na_values": [""]} if only_empty_missing else {}
    text_columns = set(text_columns)  # a file may have 100,000 columns: one lookup each
    dtypes = {raw: str for raw in columns if raw.strip() in text_columns}
    try:
        table = pd.read_csv(
            _binary(source),
            sep=dialect.sep,
            decimal=dialect.decimal,
            thousands=dialect.thousands,
            encoding=dialect.encoding,
            skipinitialspace=True,
            dtype=dtypes or None,
            **options,
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{name} is empty; it needs a header line and data rows") from None
    except UnicodeError as e:
        raise DataError(encoding_problem(name, dialect.encoding, e)) from None
    except pd.errors.ParserError as e:
        problem = _malformed(source, dialect, e)
        raise DataError(f"{name} is not well-formed CSV ({problem}); fix that line and retry") from None
    if table.empty:
        raise DataError(f"{name} has a header but no data rows; add rows and retry")
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _malformed(source: Source, dialect: Dialect, error: "pd.errors.ParserError") -> str:
    """What makes a file pandas cannot parse malformed, in the words the static site uses: a quoted
    cell never closed, or the first line with more cells than the header (fewer are empty cells)."""
    if "EOF inside string" in str(error):
        return "a quoted cell is never closed"
    records = _records(source, dialect, errors="replace")
    width = len(next(records)[1])
    for line, cells in records:
        if len(cells) > width:
            return f"line {line} has {len(cells)} cells, the header {width}"
    return str(error).strip()[:200]


def header(source: Source, name: str, dialect: Dialect | None = None) -> list[str]:
    """The header's column names as written; ``DataError`` if a name appears twice (pandas would
    silently rename the second ``x.1``)."""
    dialect = dialect or sniff(source, name)
    try:
        first = next(_records(source, dialect), None)
    except UnicodeError as e:
        raise DataError(encoding_problem(name, dialect.encoding, e)) from None
    except csv.Error as e:
        raise DataError(f"{name} is not well-formed CSV ({e}); fix its header line and retry") from None
    if first is None:
        raise DataError(f"{name} is empty; it needs a header line and data rows")
    columns = first[1]
    broken = next((c for c in columns if "\n" in c or "\r" in c), None)
    if broken is not None:
        raise DataError(f"{name}'s header has a column name with a line break ('{printable(broken)}'); rename it")
    repeated = [c for c, n in Counter(c.strip() for c in columns).items() if n > 1]
    if repeated:
        raise DataError(f"{name} has more than one column named {repeated[0][:60]!r}; rename or remove the copies")
    return columns


def header_line(source: Source, dialect: Dialect) -> int:
    """The line the header is on (1-based; the lines before it are blank): the lines a reader that
    counts lines, as pyarrow's ``skip_rows`` does, skips to pass it (``header`` refuses a header
    written over several lines)."""
    first = next(_records(source, dialect), None)
    return 1 if first is None else first[0]


def line_of(source: Source, row: int, dialect: Dialect = Dialect()) -> int:
    """The line (1-based, as an editor counts) where data row ``row`` (0-based, after the header)
    starts."""
    return locate(source, row, dialect)[0]


def locate(source: Source, row: int, dialect: Dialect = Dialect()) -> tuple[int, list[str]]:
    """The start line of data row ``row`` and its cells as written. Only called to word an error
    message, so it may re-read the file."""
    # a cell that is not text in the encoding is what some messages are about: shown replaced, not raised
    for i, record in enumerate(_records(source, dialect, errors="replace")):
        if i == row + 1:
            return record
    raise IndexError(f"the file has no data row {row}")


def numbers(cells: "pd.Series | np.ndarray") -> np.ndarray:
    """float64 values of a column's cells (a Series, or an array of them); NaN where a cell is not a
    number. pandas' ``to_numeric`` raises OverflowError on an integer of hundreds of digits, so such
    a column is converted cell by cell."""
    import pandas as pd

    column = pd.Series(cells)
    try:
        values = pd.to_numeric(column, errors="coerce")
    except OverflowError:
        values = column.map(_float_or_nan)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def written_numbers(column: "pd.Series", dialect: Dialect) -> tuple["pd.Series", "pd.Series"]:
    """The cells as plain numbers would be written (4.663,24 -> 4663.24; outer spaces removed), and
    which cells are numbers as ``dialect`` writes them (missing cells are not)."""
    text = column.astype(str).str.strip()
    plain = text.str.replace(dialect.thousands, "", regex=False) if dialect.thousands else text
    plain = plain.str.replace(dialect.decimal, ".", regex=False)
    number = text.str.fullmatch(grouped_number(dialect.decimal, dialect.thousands).pattern).fillna(False)
    return plain, number & column.notna()


def text_numbers(column: "pd.Series", dialect: Dialect) -> np.ndarray:
    """float64 values of a column of text cells as scoring reads them, on both pages and in
    ``python -m export.score``: a cell is a number if, outer spaces removed and digits grouped as
    ``dialect`` writes them made plain (4.663,24 -> 4663.24), it matches ``NUMBER``; NaN otherwise
    (an empty cell, text, nan, inf)."""
    text = column.str.strip()
    if dialect.thousands or dialect.decimal != ".":  # else the plain form is the text itself (half the time)
        plain, grouped = written_numbers(column, dialect)
        text = plain.where(grouped, text)
    number = text.str.fullmatch(NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
    values = np.full(len(column), np.nan)
    values[number] = text[number].astype(np.float64).to_numpy()
    return values


def _float_or_nan(cell: object) -> float:
    try:
        return float(cell)
    except OverflowError:  # an integer beyond float64: infinity of its sign, refused like one
        return float("inf") if cell > 0 else float("-inf")
    except (TypeError, ValueError):
        return float("nan")


def delimiter_hint(columns: list[str], dialect: Dialect = Dialect()) -> str:
    """A hint when a one-column header is really several columns joined by another delimiter."""
    if len(columns) == 1:
        for delimiter, called in DELIMITERS.items():
            if delimiter != dialect.sep and delimiter in columns[0]:
                return (
                    f" (the header looks separated by {called}, not {DELIMITERS.get(dialect.sep, repr(dialect.sep))}: "
                    f"give --sep {delimiter!r}, or save the file as comma-separated)"
                )
    return ""


def _binary(source: Source) -> Path | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _records(source: Source, dialect: Dialect, errors: str = "strict") -> Iterator[tuple[int, list[str]]]:
    """(start line, cells) of each record that pandas reads as a row: blank lines are skipped.
    ``errors``: what a byte that is not text in the encoding becomes (``str.decode``'s)."""
    # pyarrow and pandas read cells of any length; Python's csv stops at 128 KiB unless told
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))
    with _text(source, dialect.encoding, errors) as text:
        raw: list[str] = []  # the lines of the record being read: is a lone empty cell a blank line or ""?

        def lines() -> Iterator[str]:
            for line in text:
                raw.append(line)
                yield line

        reader = csv.reader(lines(), delimiter=dialect.sep, skipinitialspace=True)
        line = 1
        for record in reader:
            if record and not (
                len(record) == 1 and not record[0].strip(BLANK) and not "".join(raw).strip(BLANK + "\r\n")
            ):
                yield line, record
            raw.clear()
            line = reader.line_num + 1


def _text(source: Source, encoding: str, errors: str) -> io.TextIOBase:
    if isinstance(source, bytes):
        return io.StringIO(source.decode(encoding, errors), newline="")
    return open(source, newline="", encoding=encoding, errors=errors)


def _start(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source[:SNIFF_BYTES]
    with open(source, "rb") as f:
        return f.read(SNIFF_BYTES)


def _decoded(data: bytes, name: str, encoding: str) -> str:
    """``data`` as text; a multi-byte character cut at the end of the sniffed block is not an error."""
    try:
        return data.decode(encoding)
    except UnicodeError as e:
        if len(data) == SNIFF_BYTES:  # a character cut by the end of the block: decode without its bytes
            for cut in (1, 2, 3):
                try:
                    return data[:-cut].decode(encoding)
                except UnicodeError:
                    pass
        raise DataError(encoding_problem(name, encoding, e)) from None


def _known_encoding(encoding: str) -> str:
    """``encoding`` if Python has a text codec of that name; ``DataError`` otherwise (an unknown
    name, a NUL in it, or a codec of bytes such as ``hex`` or ``zlib``)."""
    try:
        if codecs.lookup(encoding)._is_text_encoding:
            return encoding
    except (LookupError, ValueError, TypeError):
        pass
    raise DataError(f"'{printable(encoding)}' is not a text encoding Python knows; try --encoding latin-1")


# what to do about text in another encoding (the static site says it too, from export.site's rules)
ENCODING_ADVICE = (
    "save it as UTF-8, or give its encoding, e.g. --encoding latin-1 (Windows spreadsheets often write cp1252; "
    "UTF-16 without a byte-order mark: utf-16-le)"
)


def encoding_problem(name: str, encoding: str, error: UnicodeError) -> str:
    """The message for text that is not in ``encoding``: the first bad byte and its offset where
    the codec says (``UnicodeDecodeError``), else its reason (UTF-16 without a byte-order mark)."""
    written = "UTF-8" if encoding.replace("_", "-").lower().startswith("utf-8") else encoding
    if isinstance(error, UnicodeDecodeError):
        byte = error.object[error.start : error.start + 1].hex()
        problem = f"byte 0x{byte} at offset {error.start}"
    else:
        problem = first_line(error, 80)
    return f"{name} is not {written} text ({problem}); {ENCODING_ADVICE}"


GROUPED = {decimal: grouped_number(decimal) for decimal in (",", ".")}  # by the decimal mark they go with


def csv_cells(path: Path) -> int:
    """About how many cells a CSV holds: its first megabyte's line breaks and delimiters (the
    commonest of , ; tab |) scaled to its size; 0 when it cannot be read."""
    try:
        with open(path, "rb") as file:
            head = file.read(CELLS_SAMPLE_BYTES)
        size = path.stat().st_size
    except OSError:
        return 0
    breaks = max(head.count(b"\n"), head.count(b"\r"), 1)  # lines ended by \r alone too
    per_line = 1 + max(head.count(sep) for sep in (b",", b";", b"\t", b"|")) / breaks
    return int(size / max(len(head), 1) * breaks * per_line)
