"""A CSV file cut into parts at record starts: the CSV's row groups, for ``--stream`` and torchrun.

A part is a run of whole records; where a quoted cell holds line breaks, a cut is never inside it.
A line break ends a record when it is outside a quoted cell (RFC 4180: a quoted cell opens and
closes with a double quote, and a quote inside it is written twice; as pyarrow reads, a quote in
the middle of a plain cell, ``5"``, is text): in most files the quotes before it are even in
number, which one pass counting quote bytes finds (``record_ends``). A line break is a ``\n`` or
a ``\r``, as the reader takes them: Excel's "CSV (Macintosh)" ends lines with ``\r`` alone, and a
cut between the ``\r`` and ``\n`` of a Windows line end leaves a blank line at the next part's
start, which the reader skips.

The parts depend on the file's size only (about ``PARTS`` of them, from ``MIN_PART_BYTES`` to
``MAX_PART_BYTES`` each), never on how many processes read them: every process finds the same
parts, reads every ``world_size``-th one, and a seeded draw per part (the validation split, the
plotting sample) is the same whatever the number of processes.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

PARTS = 256  # about this many parts in a file: enough for any number of processes a machine runs
MIN_PART_BYTES = 4 << 10
MAX_PART_BYTES = 32 << 20  # what one process parses at once: bounds the memory a part takes
SCAN_BYTES = 4 << 20  # a file is scanned (quotes, hex numbers) this much at a time, in one buffer
QUOTE, NEWLINE, RETURN = ord('"'), ord("\n"), ord("\r")
BYTE_ORDER_MARK = b"\xef\xbb\xbf"
BLANK_BYTES = np.frombuffer(b" \t\r\n", dtype=np.uint8)  # a line of these alone is blank


def part_size(data_bytes: int) -> int:
    return int(min(MAX_PART_BYTES, max(MIN_PART_BYTES, data_bytes // PARTS)))


def part_starts(path: Path, first: int, sep: str) -> list[int]:
    """Byte offsets where the parts begin: ``first`` (where the first data record starts), then the
    first record start at or after each multiple of the part size; the last part ends at the file's
    end. A part holds at least one byte."""
    size = path.stat().st_size
    if size <= first:
        return []
    step = part_size(size - first)
    targets = list(range(first + step, size, step))
    starts = [first]
    state = QuoteState()
    target = 0
    for begin, chunk in _slices(path, first):
        if target == len(targets):
            break
        ends, state = record_ends(chunk, state, sep)
        ends += begin
        while target < len(targets):
            found = np.searchsorted(ends, targets[target] - 1)  # a break at target - 1 starts a record at target
            if found == len(ends):
                break
            start = int(ends[found]) + 1
            if start < size and start > starts[-1]:
                starts.append(start)
            while target < len(targets) and targets[target] <= start:
                target += 1
    return starts


def data_start(path: Path) -> int:
    """Where the first record after the header starts: the header is the first line that is not
    blank, as the header reader (``export.csv_input.header``) finds it, and one line (it refuses a
    name with a line break), whatever quotes it holds (a quote inside a name, ``a"b``, is text);
    its line may end with ``\r\n``. The file's size when there is none."""
    header = None  # where the header begins, once a slice holds a byte that is not a space or a break
    for begin, chunk in _slices(path):
        if header is None:
            own_mark = begin == 0 and chunk[: len(BYTE_ORDER_MARK)].tobytes() == BYTE_ORDER_MARK
            mark = len(BYTE_ORDER_MARK) * own_mark
            written = _first_written(chunk[mark:])
            header = None if written is None else begin + mark + written
        ends = _line_breaks(chunk)
        if header is not None:
            ends = ends[ends + begin > header]
        if header is not None and len(ends):
            start = begin + int(ends[0]) + 1
            with open(path, "rb") as file:
                file.seek(start - 1)
                return start + (file.read(2) == b"\r\n")
    return path.stat().st_size


def marks_kept(records: bytes | memoryview) -> bytes | memoryview:
    """Records from after a file's header as the CSV reader must get them: pyarrow drops a UTF-8
    byte-order mark at the start of what it reads, as it would a file's own, but here the mark
    begins a cell (which the file read whole keeps, and names if it is not a number); a line break
    before it, a blank line that the reader skips, keeps it."""
    if bytes(records[: len(BYTE_ORDER_MARK)]) != BYTE_ORDER_MARK:
        return records
    return b"\n" + bytes(records)


def _first_written(chunk: np.ndarray) -> int | None:
    """The offset of ``chunk``'s first byte that is not a space or a line break, if any."""
    for size in (64, len(chunk)):  # most files start with their header: its first bytes say so
        written = np.flatnonzero(~np.isin(chunk[:size], BLANK_BYTES))
        if len(written):
            return int(written[0])
    return None


def _slices(path: Path, begin: int = 0) -> Iterator[tuple[int, np.ndarray]]:
    """The file's bytes from ``begin``, ``SCAN_BYTES`` at a time, read into one buffer (a memory
    map would count every page of the file in the process's memory until it is dropped)."""
    buffer = np.empty(SCAN_BYTES, dtype=np.uint8)
    with open(path, "rb", buffering=0) as file:
        file.seek(begin)
        while count := file.readinto(buffer):
            yield begin, buffer[:count]
            begin += count


class QuoteState(NamedTuple):
    """Where a scan of a file's bytes stands after a slice: within a quoted cell or not, and the
    slice's last byte (a quote right after a separator or a line break opens a cell)."""

    inside: bool = False
    last: int = NEWLINE  # a scan starts at a record's start


def record_ends(chunk: np.ndarray, state: QuoteState, sep: str) -> tuple[np.ndarray, QuoteState]:
    """The offsets in ``chunk`` of its record-ending line breaks (outside quoted cells, given
    ``state`` before the chunk), and the state after it. As the reader parses: a quote opens a
    quoted cell only where a cell starts (after ``sep``, a line break, or a closing quote: ``""``
    inside a quoted cell is a quote); elsewhere (``5"``) it is text. Most files' quotes all open or
    close cells, and then a break's place among the quotes says which side it is on; a file with
    a quote in the middle of a cell is scanned a quote at a time."""
    quotes = np.flatnonzero(chunk == QUOTE)
    breaks = _line_breaks(chunk)
    last = int(chunk[-1]) if len(chunk) else state.last
    if len(quotes) == 0:
        return (breaks[:0] if state.inside else breaks), QuoteState(state.inside, last)
    toggles = _toggling(chunk, quotes, state, sep)
    before = np.searchsorted(toggles, breaks) + state.inside
    return breaks[before % 2 == 0], QuoteState(bool((state.inside + len(toggles)) % 2), last)


def every_quote_toggles(chunk: np.ndarray, state: QuoteState, sep: str) -> bool:
    """Whether every quote in ``chunk`` opens or closes a quoted cell (none is text inside a plain
    cell, ``5"``), so that the quotes before a line break, even in number, put it outside a cell."""
    return _quotes_toggle(chunk, np.flatnonzero(chunk == QUOTE), state, sep)


def _quotes_toggle(chunk: np.ndarray, quotes: np.ndarray, state: QuoteState, sep: str) -> bool:
    """Every one of ``quotes`` that would come outside a quoted cell (if each toggled) starts one."""
    return bool(_cell_starts(chunk, quotes[int(state.inside) :: 2], state, sep).all())


def _cell_starts(chunk: np.ndarray, at: np.ndarray, state: QuoteState, sep: str) -> np.ndarray:
    """Whether a cell starts at each of ``at``: after the separator, a line break, or a quote (the
    two quotes of ``""`` in a quoted cell close it and open it again)."""
    previous = np.where(at > 0, chunk[at - 1], state.last)
    separator = sep.encode("utf-8")[0]
    return (previous == separator) | (previous == NEWLINE) | (previous == RETURN) | (previous == QUOTE)


def _toggling(chunk: np.ndarray, quotes: np.ndarray, state: QuoteState, sep: str) -> np.ndarray:
    """The quotes among ``quotes`` that open or close a quoted cell."""
    if _quotes_toggle(chunk, quotes, state, sep):
        return quotes
    starts_cell = _cell_starts(chunk, quotes, state, sep)
    toggles, inside = [], state.inside
    for at, opens in zip(quotes.tolist(), starts_cell.tolist()):
        if inside or opens:
            toggles.append(at)
            inside = not inside
    return np.array(toggles, dtype=np.int64)


def _line_breaks(chunk: np.ndarray) -> np.ndarray:
    return np.flatnonzero((chunk == NEWLINE) | (chunk == RETURN))
