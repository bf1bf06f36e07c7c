"""A CSV file cut into parts at record starts: the CSV's row groups, for ``--stream`` and torchrun.

A part is a run of whole records; where a quoted cell holds line breaks, a cut is never inside it.
A line break ends a record when the double quotes before it are even in number (RFC 4180: a quoted
cell opens and closes with one, and a quote inside it is written twice), so one pass counting quote
bytes finds the cuts. A line break is a ``\n`` or a ``\r``, as the reader takes them: Excel's
"CSV (Macintosh)" ends lines with ``\r`` alone, and a cut between the ``\r`` and ``\n`` of a
Windows line end leaves a blank line at the next part's start, which the reader skips.

The parts depend on the file's size only (about ``PARTS`` of them, from ``MIN_PART_BYTES`` to
``MAX_PART_BYTES`` each), never on how many processes read them: every process finds the same
parts, reads every ``world_size``-th one, and a seeded draw per part (the validation split, the
plotting sample) is the same whatever the number of processes.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np

PARTS = 256  # about this many parts in a file: enough for any number of processes a machine runs
MIN_PART_BYTES = 4 << 10
MAX_PART_BYTES = 32 << 20  # what one process parses at once: bounds the memory a part takes
SCAN_BYTES = 4 << 20  # the quote count runs over slices of the file this large (one buffer, reused)
QUOTE, NEWLINE, RETURN = ord('"'), ord("\n"), ord("\r")
BYTE_ORDER_MARK = b"\xef\xbb\xbf"
BLANK_BYTES = np.frombuffer(b" \t\r\n", dtype=np.uint8)  # a line of these alone is blank


def part_size(data_bytes: int) -> int:
    return int(min(MAX_PART_BYTES, max(MIN_PART_BYTES, data_bytes // PARTS)))


def part_starts(path: Path, first: int) -> list[int]:
    """Byte offsets where the parts begin: ``first`` (where the first data record starts), then the
    first record start at or after each multiple of the part size; the last part ends at the file's
    end. A part holds at least one byte."""
    size = path.stat().st_size
    if size <= first:
        return []
    step = part_size(size - first)
    targets = list(range(first + step, size, step))
    starts = [first]
    odd = 0  # quotes before the slice, modulo 2
    target = 0
    for begin, chunk in _slices(path):
        if target == len(targets):
            break
        ends, odd = record_ends(chunk, odd)
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
            mark = len(BYTE_ORDER_MARK) * (begin == 0 and chunk[:3].tobytes() == BYTE_ORDER_MARK)  # the file's own
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


def _slices(path: Path) -> Iterator[tuple[int, np.ndarray]]:
    """The file's bytes ``SCAN_BYTES`` at a time, read into one buffer (a memory map would count
    every page of the file in the process's memory until it is dropped)."""
    buffer = np.empty(SCAN_BYTES, dtype=np.uint8)
    begin = 0
    with open(path, "rb", buffering=0) as file:
        while count := file.readinto(buffer):
            yield begin, buffer[:count]
            begin += count


def record_ends(chunk: np.ndarray, odd: int) -> tuple[np.ndarray, int]:
    """The offsets in ``chunk`` of its record-ending line breaks (an even number of quotes before
    them, counting ``odd``: the quotes before the chunk, modulo 2), and the quotes' parity after it.
    Quotes are few in most files: each break's count comes from a search among the quotes' places."""
    quotes = np.flatnonzero(chunk == QUOTE)
    breaks = _line_breaks(chunk)
    if len(quotes) == 0:
        return (breaks if odd == 0 else breaks[:0]), odd
    before = np.searchsorted(quotes, breaks) + odd
    return breaks[before % 2 == 0], (odd + len(quotes)) % 2


def _line_breaks(chunk: np.ndarray) -> np.ndarray:
    return np.flatnonzero((chunk == NEWLINE) | (chunk == RETURN))
