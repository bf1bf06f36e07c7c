"""A CSV or Parquet file read whole with pyarrow, straight into the array the fit uses.

Parquet: only the used columns are read, one at a time, into one preallocated (d, n) block whose
transpose is the (n, d) feature matrix (column-major: the fit's matrix products take it as it
is), so the peak is about one copy of the features (reading a row group at a time instead kept more
memory in arrow's allocator, for no gain in time). CSV: pyarrow's multi-threaded, typed parser
reads the used columns, which are copied into the block the same way. Float32 features stay
float32 (half the bytes of every pass of the fit); any other numeric column makes the matrix
float64. A table with categorical features comes back as codes (``export.design``: a level's
index in its column), which the fit makes terms with the coding its penalty chooses. The rows are
checked as in ``checks`` (missing values, non-finite features, bad weights),
each named by its line (CSV) or row (Parquet) in the file.
"""

import codecs
import io
import os
import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from export.csv_input import (
    Dialect,
    csv_cells,
    encoding_problem,
    header,
    header_line,
    numbers,
    sniff,
    written_numbers,
)
from export.design import Design
from export.errors import DataError, first_line, listed, shorten
from export.limits import FLOAT32_MAX
from training.data.categories import NOT_CATEGORICAL, categorical_codes, check_declared, is_categorical_type, is_text
from training.data.checks import RowChecks, RowNamer, check_rows_left, check_weight_total, quoted_cell
from training.data.columns import Columns, pick_columns
from training.data.csv_parts import QuoteState, data_start, every_quote_toggles, marks_kept, record_ends
from training.data.dataset import Dataset
from training.data.hex_cells import file_may_hold_hex, may_hold_hex
from training.data.targets import encode_target

SAVED_INDEX = re.compile(r"__index_level_\d+__")  # what pandas names an index it writes to Parquet
SAMPLE_BYTES = 1 << 20  # a CSV's rows are estimated from the lines in its first megabyte
FLOAT32_CELLS = 10_000_000  # a CSV of more cells is parsed to float32 (``number_types``)
# a CSV read whole is parsed a 64th of it at a time, from 256 KB to 8 MB (``_read_in_parts``): parts
# small enough to keep the peak near the matrix, large enough that a run's parse is mostly parsing
MEMORY_PARTS, MEMORY_PART_BYTES = 64, (256 << 10, 8 << 20)
# runs parsed at once, one per core, each on one thread: pyarrow's threads on each run took half as
# much CPU again (docs/benchmarks.md); at most 4, so the runs' buffers stay a small part of the peak
MEMORY_PARSERS = 4
FILLED = object()  # what ``assemble`` reads for a feature whose numbers are in its matrix already
CsvBytes = io.RawIOBase | io.BufferedIOBase | pa.NativeFile  # what pyarrow's CSV reader reads


class ReadProgress(Protocol):
    """Told how a read goes: ``start`` with the rows expected (an estimate for a CSV, from its size),
    then ``advance`` by the rows read since (rows' worth of cells for Parquet, read a column at a
    time; rows' worth of bytes for a CSV)."""

    def start(self, rows: float) -> None: ...

    def advance(self, rows: float) -> None: ...


class _Quiet:
    def start(self, rows: float) -> None:
        pass

    def advance(self, rows: float) -> None:
        pass


QUIET = _Quiet()


def load_parquet(path: Path, columns: Columns, progress: ReadProgress = QUIET) -> Dataset:
    name = path.name
    file = open_parquet(path)
    stored, notes = parquet_columns(file.schema_arrow, columns, name)
    features = pick_columns(list(stored), columns, name)
    if file.metadata.num_rows == 0:
        raise DataError(f"{path} has no data rows; add rows and retry")
    kinds = [file.schema_arrow.field(stored[f]).type for f in features]
    used = [stored[c] for c in columns.used(features)]
    rows = file.metadata.num_rows
    progress.start(rows)
    read = _read_ahead(file, used, progress, rows / len(used))
    return assemble(name, features, columns, rows, kinds, read, RowNamer(None), notes)


def parquet_columns(schema: pa.Schema, columns: Columns, name: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """The Parquet file's columns by stripped name, less the ones pandas wrote as its saved index
    (named in its metadata's ``index_columns``, or ``__index_level_0__``): an index is not a
    feature unless ``--features`` names it. And the note that says what was left out."""
    metadata = schema.pandas_metadata or {}
    index = {c for c in metadata.get("index_columns", []) if isinstance(c, str)}
    index |= {c for c in schema.names if SAVED_INDEX.fullmatch(c)}
    index -= set(columns.features or ())
    stored = {str(c).strip(): c for c in schema.names if c not in index}
    if not index:
        return stored, ()
    return stored, (f"{listed(sorted(index))} of {name}: pandas' saved row index; left out",)


def csv_layout(path: Path, columns: Columns) -> tuple[Dialect, list[str], dict[str, str], tuple[str, ...]]:
    """A CSV's dialect (sniffed unless given), its header as written, its columns by stripped name
    (pandas' ``Unnamed: i`` for a nameless one) less a first nameless column, which is the index
    pandas' ``to_csv`` writes (unless ``--features`` names it), and the note that says so."""
    dialect = sniff(path, str(path), columns.sep, columns.decimal, columns.encoding, columns.thousands)
    written = header(path, str(path), dialect)
    names = [c.strip() or f"Unnamed: {i}" for i, c in enumerate(written)]  # pandas' names for nameless columns
    index = names[0] == "Unnamed: 0" and len(names) > 1 and not (columns.features and names[0] in columns.features)
    stored = dict(zip(names, written))
    if index:
        del stored[names[0]]
    notes = (f"the first column of {path.name} has no name: a saved row index (as pandas writes it); left out",) * index
    return dialect, written, stored, notes


def load_csv(path: Path, columns: Columns, progress: ReadProgress = QUIET) -> Dataset:
    """A CSV read by pyarrow's multi-threaded parser (its dialect sniffed unless given), then
    checked like a Parquet file. A first column without a name is the index pandas' ``to_csv``
    writes (whatever it holds: 0, 1, ... or dates or IDs), not a feature: it is left out (unless
    ``--features`` names it), with a note saying so."""
    name = path.name
    dialect, written, stored, notes = csv_layout(path, columns)
    features = pick_columns(list(stored), columns, name, dialect)
    text = [stored[c] for c in columns.categorical if c in stored]  # codes as written: 02134
    used = [stored[c] for c in columns.used(features)]
    numeric = number_types(path, dialect, written, [stored[f] for f in features], text)
    if numeric and not codecs.lookup(dialect.encoding).name.startswith(("utf-16", "utf-32")):
        try:
            types = {**numeric, **{name: pa.string() for name in text}}
            rows, kinds, block, read = _read_in_parts(path, dialect, written, used, len(features), types, progress)
        except DataError:
            pass  # a cell that is not a number in a column the file's start has as numbers: read below
        else:
            return assemble(name, features, columns, rows, kinds, read, RowNamer(path, dialect), notes, block)
    # the whole file as it is written, so that a message names the cell and its line
    table = _read_csv(path, dialect, written, used, progress, text)
    if table.num_rows == 0:
        raise DataError(f"{path} has a header but no data rows; add rows and retry")
    kinds = [table.schema.field(i).type for i in range(len(features))]
    rows, read = table.num_rows, iter(table.columns)
    return assemble(name, features, columns, rows, kinds, read, RowNamer(path, dialect), notes)


def assemble(
    name: str,
    features: list[str],
    columns: Columns,
    rows: int,
    kinds: list[pa.DataType],
    read: Iterator[pa.ChunkedArray],
    name_row: RowNamer,
    notes: tuple[str, ...],
    block: np.ndarray | None = None,
) -> Dataset:
    """The checked ``Dataset`` from the used columns as ``read`` gives them (features, then the
    target, then the weight column): features copied one by one into the feature matrix, float32
    if every numeric feature column is float32. A categorical feature's column (``categories``)
    first holds its level indices (NaN: missing), then becomes its terms (``export.design``).
    ``block``: the feature matrix (d, rows) made already, where ``read`` gives ``FILLED`` for a
    feature whose numbers it holds (``_read_in_parts``)."""
    check_declared(columns, features, name)
    if block is None:
        numeric_kinds = [
            kind for f, kind in zip(features, kinds) if f not in columns.categorical and not is_categorical_type(kind)
        ]
        single = numeric_kinds and all(pa.types.is_float32(kind) for kind in numeric_kinds)
        block = np.empty((len(features), rows), dtype=np.float32 if single else np.float64)
    missing = np.zeros(rows, dtype=bool)
    missing_in, not_finite = [], []
    shown = {}  # feature index -> the column's cells as text, for a column that holds text
    levels = {}
    for j, feature in enumerate(features):
        given = next(read)
        values = block[j]
        if given is not FILLED:  # else its numbers are in the matrix already
            column = _readable(given, feature, name, name_row)
            found = categorical_codes(values, column, feature, feature in columns.categorical, name, rows)
            if found is NOT_CATEGORICAL:
                text = fill_numbers(values, column)
                if text is not None:
                    shown[j] = text
            else:
                levels[feature] = found
        if (np.abs(block[j]) <= FLOAT32_MAX).all():  # finite, and within what the served graph takes
            continue
        blank = (
            np.isnan(values)
            if feature in levels or j not in shown
            else pc.is_null(column, nan_is_null=True).to_numpy(False)
        )
        if blank.any():
            missing |= blank
            missing_in.append(feature)
        if feature not in levels and not ((np.abs(values) <= FLOAT32_MAX) | blank).all():
            not_finite.append(j)
    target = _readable(next(read), columns.target, name, name_row)
    lacks_target = pc.is_null(target, nan_is_null=True).to_numpy(zero_copy_only=False)
    weights = _numbers(_readable(next(read), columns.weight, name, name_row)) if columns.weight else None
    checks = RowChecks(name, name_row, columns.drop_missing)
    for column_name, blank in (
        (columns.target, lacks_target),
        (columns.weight, None if weights is None else np.isnan(weights)),
    ):
        if blank is not None and blank.any():
            missing |= blank
            missing_in.append(column_name)
    positions = np.arange(rows)
    keep = checks.usable(missing, positions, missing_in)
    x = block.T
    dropped = int((~keep).sum())
    if dropped:
        check_rows_left(rows - dropped, name)
        x, positions = x[keep], positions[keep]
        weights = None if weights is None else weights[keep]
    if not_finite:
        suspects = x[:, not_finite]

        def cell(row: int, k: int) -> str:
            text = shown.get(not_finite[k])
            return quoted_cell(text[positions[row]]) if text is not None else _number(suspects[row, k])

        checks.features(suspects, [features[j] for j in not_finite], positions, cell)
    if weights is not None:
        checks.weights(weights, columns.weight, positions, lambda row, _: _number(weights[row]))
        check_weight_total(weights.sum(), columns.weight, name)
    values = target.to_numpy(zero_copy_only=False)
    y, labels = encode_target(values[keep] if dropped else values, columns.target, name, columns.positive)
    if columns.keep_codes:
        codes = np.asarray(x, dtype=np.float64)
        design = Design(tuple(features), levels)
        return Dataset(codes, y, tuple(features), columns.target, labels, name, weights, dropped, notes, design, codes)
    if not levels:
        return Dataset(x, y, tuple(features), columns.target, labels, name, weights, dropped, notes)
    inputs = Design(tuple(features), levels)  # its coding is the fit's to choose (``coded``)
    return Dataset(x, y, tuple(features), columns.target, labels, name, weights, dropped, notes, inputs, x)


def _readable(column: pa.ChunkedArray, name: str, file: str, name_row: RowNamer) -> pa.ChunkedArray:
    """``column`` if it holds numbers, booleans or text; ``DataError`` for anything else: a Parquet
    list, struct, date or bytes column, or a CSV column pyarrow read as bytes because a cell is not
    UTF-8 (possibly far beyond the start of the file that the encoding is told from)."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    usable = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_decimal, pa.types.is_null)
    if is_text(kind) or any(test(kind) for test in usable):
        return column
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        cells = column.to_pylist()
        row = next((i for i, cell in enumerate(cells) if cell is not None and not _utf8(cell)), None)
        if row is not None:
            raise DataError(
                f"column {shorten(name)!r} of {file} is not UTF-8 text on {name_row(row)}; save the file as UTF-8, "
                "or give its encoding, e.g. --encoding latin-1"
            )
    raise DataError(
        f"column {shorten(name)!r} of {file} holds {shorten(str(kind))} values, neither numbers nor text; "
        "leave it out (--features names the columns to use) or convert it"
    )


def _utf8(cell: bytes) -> bool:
    try:
        cell.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _number(value: float) -> str:
    """A number as a person wrote it: -1, 2.5, inf (not -1.0)."""
    return str(int(value)) if abs(value) < 1e16 and value == int(value) else str(float(value))


def _read_csv(
    path: Path, dialect: Dialect, written: list[str], used: list[str], progress: ReadProgress, text: list[str]
) -> pa.Table:
    """The used columns, in ``used`` order (``text``: read as text whatever they hold); ``DataError``
    for text that is not in the dialect's encoding or rows that are not well-formed."""
    with open(path, "rb", buffering=0) as file:
        types = {name: pa.string() for name in text}
        return read_csv_table(
            lambda: _CountedFile(file, progress),  # from the file's start
            str(path),
            dialect,
            written,
            used,
            types,
            lambda: file_may_hold_hex(path),
            skip_rows=header_line(path, dialect),
        )


def number_types(
    path: Path, dialect: Dialect, written: list[str], features: list[str], text: list[str]
) -> dict[str, pa.DataType]:
    """The feature columns the file's first megabyte holds as numbers, and the type to parse them
    to: float32 when the file holds more than ``FLOAT32_CELLS`` cells (half the memory, and the
    bytes of every pass of the fit, as a float32 Parquet file's; a CSV rarely writes more than 7
    significant digits), else float64. Empty for a file with a thousands mark (its numbers are read
    as text and ungrouped) and for one whose start cannot be read (the whole read says why)."""
    if dialect.thousands:
        return {}
    with open(path, "rb") as file:
        head = file.read(SAMPLE_BYTES)
    cut = max(head.rfind(b"\n"), head.rfind(b"\r"))  # a line may end with \r alone
    if cut <= 0:
        return {}
    try:
        rows = head[: cut + 1]
        start = read_csv_table(
            lambda: io.BytesIO(rows),
            str(path),
            dialect,
            written,
            features,
            {},
            lambda: may_hold_hex(rows),
            skip_rows=header_line(path, dialect),
        )
    except DataError:
        return {}
    kind = csv_number_type(csv_cells(path))
    found = [(name, start.schema.field(name).type) for name in features if name not in text]
    return {name: kind for name, t in found if pa.types.is_integer(t) or pa.types.is_floating(t)}


def csv_number_type(cells: int) -> pa.DataType:
    """What a CSV of ``cells`` cells parses its number columns to (``number_types`` says why)."""
    return pa.float32() if cells > FLOAT32_CELLS else pa.float64()


def _read_in_parts(
    path: Path,
    dialect: Dialect,
    written: list[str],
    used: list[str],
    d: int,
    fixed: dict[str, pa.DataType],
    progress: ReadProgress,
) -> tuple[int, list[pa.DataType], np.ndarray, Iterator]:
    """The file read once, a run of whole records at a time (``MEMORY_PART_BYTES``; a run ends at a
    line break outside a quoted cell: ``_run_end``), the next runs parsing (a thread each, pyarrow's
    parser without the GIL) while this one's numbers are copied into the feature matrix. The
    matrix is made once, for the rows the first run says the file holds (2% more), and made larger
    only if a file's later rows are much shorter; so the peak is the matrix and a few runs, never a
    whole table beside it. Every run parses its columns to the types the first run has (the
    ``fixed`` ones to theirs: numeric features, text), so a column that changes type on the way
    (a word, or a number written in hex) is a ``DataError`` and the caller reads the whole file as
    written instead. Returns (rows, the
    features' kinds, the matrix, what ``assemble`` reads: ``FILLED`` for a feature in the matrix,
    else its column)."""
    size = path.stat().st_size
    first = data_start(path)
    least, most = MEMORY_PART_BYTES
    numbers = {name: t for name, t in fixed.items() if pa.types.is_floating(t)}
    matrix = _Matrix(d, np.float32 if all(t == pa.float32() for t in numbers.values()) else np.float64)
    filled = [j for j, name in enumerate(used[:d]) if name in numbers]
    chunks: dict[str, list[pa.Array]] = {name: [] for j, name in enumerate(used) if j not in filled}

    in_matrix = [used[j] for j in filled]

    def parse(run: _Run, types: dict[str, pa.DataType]) -> tuple[pa.Table, np.ndarray]:
        """The run's table, and its matrix features' numbers as one (rows, features) column-major
        block (nulls NaN), made by pyarrow without the GIL: copied a column's chunk at a time by the
        thread that takes them, they took the GIL back hundreds of times a run, each time waiting
        for the thread that imports torch."""
        records = pa.py_buffer(marks_kept(memoryview(run.buffer)[: run.size]))  # no copy, but for a mark
        table = read_csv_table(
            lambda: pa.BufferReader(records),
            str(path),
            dialect,
            written,
            used,
            types,
            lambda: may_hold_hex(run.buffer, run.size),
            threads=False,
            quoted=run.quoted,
        )
        if any(table.schema.field(name).type != kind for name, kind in types.items()):
            raise DataError(f"a column of {path.name} is read as text in a later part")  # a hex number: read whole
        return table, np.asarray(table.select(in_matrix).to_tensor(null_to_nan=True, row_major=False))

    def take(parsed: tuple[pa.Table, np.ndarray]) -> None:
        table, numbers = parsed
        n = table.num_rows
        matrix.next_rows(n)[filled] = numbers.T
        for name, parts in chunks.items():
            parts.extend(table.column(name).chunks)
        progress.advance(n)

    parsers = max(1, min(pa.cpu_count(), MEMORY_PARSERS))
    # a run more than the parsers is handed over: a parser that finishes takes it at once, even while
    # this thread waits for the GIL (torch imports on another; docs/benchmarks.md)
    ahead = parsers + 1
    runs = _record_runs(path, first, min(most, max(least, size // MEMORY_PARTS)), ahead + 1, dialect.sep)
    opening = next(runs, _Run(bytearray(), 0, False))
    parsed = parse(opening, fixed)
    types = {name: parsed[0].schema.field(name).type for name in used}  # every later run parses as this one
    expected = parsed[0].num_rows * (size - first) / max(opening.size, 1)
    matrix.reserve(int(expected * 1.02) + 1024)
    progress.start(expected)
    take(parsed)
    with ThreadPoolExecutor(max_workers=parsers) as parser:
        parsing: deque[Future[tuple[pa.Table, np.ndarray]]] = deque()
        for run in runs:  # read while the ones before it parse: a buffer for each, and one for it
            if len(parsing) == ahead:
                take(parsing.popleft().result())
            parsing.append(parser.submit(parse, run, types))
        while parsing:
            take(parsing.popleft().result())
    if matrix.rows == 0:
        raise DataError(f"{path} has a header but no data rows; add rows and retry")
    progress.start(matrix.rows)  # the estimate, corrected: the bar ends at its total
    kinds = [types[name] for name in used[:d]]

    def read() -> Iterator:
        for j, name in enumerate(used):
            yield FILLED if j in filled else pa.chunked_array(chunks.pop(name), type=types[name])

    return matrix.rows, kinds, matrix.finished(), read()


class _Matrix:
    """The (d, rows) feature matrix filled a run at a time: made for ``reserve``'s rows, larger (by
    a quarter, copied) when more come, and at the end its rows moved together in place, so that it
    is one contiguous block, as the fit's matrix products take it, without a second copy."""

    def __init__(self, d: int, dtype: type):
        self.d, self.dtype, self.rows = d, dtype, 0
        self.block = np.empty((d, 0), dtype=dtype)

    def reserve(self, capacity: int) -> None:
        grown = np.empty((self.d, capacity), dtype=self.dtype)  # untouched pages take no memory
        grown[:, : self.rows] = self.block[:, : self.rows]
        self.block = grown

    def next_rows(self, n: int) -> np.ndarray:
        if self.rows + n > self.block.shape[1]:
            self.reserve(max(self.rows + n, self.block.shape[1] * 5 // 4))
        start, self.rows = self.rows, self.rows + n
        return self.block[:, start : self.rows]

    def finished(self) -> np.ndarray:
        capacity, rows = self.block.shape[1], self.rows
        if capacity == rows:
            return self.block
        flat = self.block.reshape(-1)
        for j in range(1, self.d):  # row j moves down to j * rows; numpy copies through a buffer where they overlap
            flat[j * rows : (j + 1) * rows] = flat[j * capacity : j * capacity + rows]
        return flat[: self.d * rows].reshape(self.d, rows)


class _Run(NamedTuple):
    """A run of whole records: the first ``size`` bytes of ``buffer``; ``quoted``: a quote among them."""

    buffer: bytearray
    size: int
    quoted: bool


def _record_runs(path: Path, first: int, step: int, buffers: int, sep: str) -> Iterator[_Run]:
    """The file's records after the header, ``step`` bytes or so at a time, each run ending where
    a record ends (the last run: at the file's end; ``sep`` separates cells), and whether the run
    holds a quote at all. A run ends at its last line break outside a quoted cell (``_run_end``).

    The runs are read into ``buffers`` buffers in turn, never a fresh one (a copy of every byte, and
    the first touch of fresh pages, cost as much as the parse): the caller may parse runs while the
    next is read, and must be done with a run before the ``buffers``-th one after it is asked for."""
    ring = [bytearray(2 * step) for _ in range(buffers)]
    turn, held = 0, 0  # held: bytes at the start of ring[turn] that no run has taken yet
    with open(path, "rb", buffering=0) as file:
        file.seek(first)
        while True:
            buffer = ring[turn]
            if len(buffer) < held + step:  # a record longer than the buffer: read on into a larger one
                buffer = ring[turn] = bytearray(buffer[:held]) + bytearray(held + step)
            end = held + file.readinto(memoryview(buffer)[held : held + step])
            if end == held:
                if held:
                    yield _Run(buffer, held, buffer.find(b'"', 0, held) >= 0)
                return
            cut, quoted = _run_end(buffer, end, sep)
            if cut == 0:
                held = end
                continue
            yield _Run(buffer, cut, quoted)
            turn, held = (turn + 1) % buffers, end - cut
            if len(ring[turn]) < held:
                ring[turn] = bytearray(held + step)
            ring[turn][:held] = buffer[cut:end]


def _run_end(buffer: bytearray, end: int, sep: str) -> tuple[int, bool]:
    """Where the last whole record in ``buffer[:end]`` ends (0: none does), and whether a quote
    comes before that: at the last line break when the quotes before it are even in number and
    each opens or closes a quoted cell (a quoted file's runs, mostly), else where ``record_ends``
    says (a quoted cell may hold line breaks, and a quote inside a cell, ``5"``, is text)."""
    cut = max(buffer.rfind(b"\n", 0, end), buffer.rfind(b"\r", 0, end)) + 1  # as ``csv_parts`` cuts
    quoted = buffer.find(b'"', 0, cut) >= 0
    before = np.frombuffer(buffer, dtype=np.uint8, count=cut)
    if quoted and (buffer.count(b'"', 0, cut) % 2 or not every_quote_toggles(before, QuoteState(), sep)):
        records = np.frombuffer(buffer, dtype=np.uint8, count=end)
        ends, _ = record_ends(records, QuoteState(), sep)  # a run starts at a record's start
        cut = int(ends[-1]) + 1 if len(ends) else 0
    return cut, quoted


def read_csv_table(
    opened: Callable[[], CsvBytes],
    name: str,
    dialect: Dialect,
    written: list[str],
    used: list[str],
    types: dict[str, pa.DataType],
    hexed: Callable[[], bool],
    skip_rows: int = 0,
    error: type[DataError] = DataError,
    threads: bool = True,
    quoted: bool = True,
) -> pa.Table:
    """The ``used`` columns of the CSV records the source ``opened()`` gives (after ``skip_rows``:
    the header), named ``written``, with pyarrow's multi-threaded parser; ``types`` fixes some
    columns' types (text stays text). ``error`` (a ``DataError``) for text that is not in the
    dialect's encoding or a record that is not well-formed, naming the file ``name``.
    ``threads=False`` parses on the calling thread alone (for a caller that parses several sources
    at once). ``quoted=False`` says the bytes hold no quote, so no cell holds a line break: pyarrow
    then cuts its blocks at any line break, a quarter faster than following the quotes. ``hexed()``,
    asked only when a column parses to whole numbers, says whether the bytes may hold one written
    in hex (``hex_cells``): those columns are then parsed again, from ``opened()``, as text."""
    table = _parsed_csv(opened(), name, dialect, written, used, types, skip_rows, error, threads, quoted)
    whole = [column for column, kind in zip(used, table.schema.types) if pa.types.is_integer(kind)]
    if whole and hexed():
        as_text = {**types, **dict.fromkeys(whole, pa.string())}
        table = _parsed_csv(opened(), name, dialect, written, used, as_text, skip_rows, error, threads, quoted)
    if not dialect.thousands:
        return table
    kept = [
        c if is_text(types.get(name, pa.null())) else _ungrouped(c, dialect) for name, c in zip(used, table.columns)
    ]
    return pa.table(kept, names=used)


def _parsed_csv(
    source: CsvBytes,
    name: str,
    dialect: Dialect,
    written: list[str],
    used: list[str],
    types: dict[str, pa.DataType],
    skip_rows: int,
    error: type[DataError],
    threads: bool,
    quoted: bool,
) -> pa.Table:
    try:
        table = pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=written,
                skip_rows=skip_rows,
                encoding=_arrow_encoding(dialect),
                use_threads=threads,
            ),
            parse_options=pacsv.ParseOptions(delimiter=dialect.sep, newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                decimal_point=dialect.decimal,
                include_columns=used,
                strings_can_be_null=True,
                # pyarrow parses no thousands marks: such a file's columns are read as text first
                column_types={c: pa.string() for c in used} if dialect.thousands else types,
            ),
        )
    except UnicodeError as e:
        raise error(encoding_problem(Path(name).name, dialect.encoding, e)) from None
    except pa.ArrowInvalid as e:
        raise error(f"{name} is not well-formed CSV ({first_line(e, 200)}); fix that line and retry") from None
    return table.select(used)


def _ungrouped(column: pa.ChunkedArray, dialect: Dialect) -> pa.ChunkedArray:
    """A column of a file with a thousands mark, read as text: float64 if every cell is a number as
    the file writes them (4.663,24 or 4,663.24), else text in which those cells are rewritten as
    plain numbers (4663.24) and the others stay as written (so a message quotes the bad cell)."""
    import pandas as pd  # only a file with a thousands mark needs it: see ``export.csv_input``

    cells = pd.Series(column.to_numpy(zero_copy_only=False), dtype=object)
    plain, number = written_numbers(cells, dialect)
    missing = cells.isna()
    if not (number | missing).all():
        return pa.chunked_array([pa.array(plain.where(number, cells), type=pa.string())])
    plain = pa.array(plain.where(~missing, None), type=pa.string())
    if pc.all(pc.match_substring_regex(plain, r"^[+-]?\d+$")).as_py() is not False:
        try:  # whole numbers stay integers, as pyarrow reads them from a file without the mark
            return pa.chunked_array([pc.cast(plain, pa.int64())])
        except pa.ArrowInvalid:  # beyond int64
            pass
    return pa.chunked_array([pc.cast(plain, pa.float64())])


class _CountedFile(io.RawIOBase):
    """A CSV file as pyarrow reads it, telling ``progress`` how many rows' worth of bytes went by
    (the rows per byte are taken from the first megabyte)."""

    def __init__(self, file: io.RawIOBase, progress: ReadProgress):
        self.file, self.progress = file, progress
        sample = file.read(SAMPLE_BYTES)
        file.seek(0)
        size = os.fstat(file.fileno()).st_size
        self.rows_per_byte = max(1, sample.count(b"\n")) / max(1, len(sample))
        progress.start(size * self.rows_per_byte)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self.file.readinto(buffer)
        self.progress.advance(count * self.rows_per_byte)
        return count


def _arrow_encoding(dialect: Dialect) -> str:
    """pyarrow decodes UTF-8 itself (a byte-order mark included) and any other encoding through
    Python's codecs, a single-threaded pass that costs more than the parse."""
    utf8 = dialect.encoding.replace("_", "-").lower() in ("utf-8", "utf-8-sig", "utf8")
    return "utf8" if utf8 else dialect.encoding


def _read_ahead(
    file: pq.ParquetFile, names: list, progress: ReadProgress, rows_each: float
) -> Iterator[pa.ChunkedArray]:
    """The columns ``names`` in order, the next one read (pyarrow, without the GIL) while the caller
    copies and checks the current one: at most two columns in memory. Each column read is
    ``rows_each`` rows' worth of the file for ``progress``."""
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending = reader.submit(file.read, columns=[names[0]])
        for i in range(len(names)):
            table = pending.result()
            if i + 1 < len(names):
                pending = reader.submit(file.read, columns=[names[i + 1]])
            progress.advance(rows_each)
            yield table.column(0)


def fill_numbers(row: np.ndarray, column: pa.ChunkedArray | pa.Array) -> np.ndarray | None:
    """Write ``column``'s numbers into ``row``, nulls as NaN, a chunk at a time (no temporary copy
    of the whole column: that copy cost as much as the read). A numeric or boolean column gives
    None; any other column gives its cells as text, with NaN in ``row`` where a cell is not a number."""
    kind = column.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        start = 0
        for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
            row[start : start + len(chunk)] = floats(chunk)
            start += len(chunk)
        return None
    text = pc.cast(column, pa.string()).to_numpy(zero_copy_only=False)
    row[:] = numbers(text)
    return text


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A column as float64 numbers (NaN: null, or a cell that is not a number)."""
    values = np.empty(len(column))
    fill_numbers(values, column)
    return values


def floats(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric or boolean Arrow column as numbers numpy can assign to float arrays, nulls as NaN
    (floating columns keep their precision)."""
    if pa.types.is_floating(column.type):
        return column.to_numpy(zero_copy_only=False)
    # unsafe: an integer beyond 2**53 becomes the nearest float, as pandas reads it, not an error
    return pc.cast(column, pa.float64(), safe=False).to_numpy(zero_copy_only=False)


def open_parquet(path: Path) -> pq.ParquetFile:
    """The file's reader; ``DataError`` when it cannot be read or is not Parquet."""
    try:
        return pq.ParquetFile(path)
    except OSError as e:
        if e.errno is not None:
            raise DataError(f"cannot read {path} ({e.strerror or e}); check the path and its permissions") from None
        reason = first_line(e, 120)
    except Exception as e:  # pyarrow raises its own types for a file that is not Parquet
        reason = first_line(e, 120)
    raise DataError(f"{path} is not a readable Parquet file ({reason}); write it with pandas.to_parquet or pass a CSV")
