"""A CSV file cut into parts at record starts: the CSV's row groups, for ``--stream`` and torchrun.

A part is a run of whole records; where a quoted cell holds line breaks, a cut is never inside it.
A line break ends a record when the double quotes before it are even in number (RFC 4180: a quoted
cell opens and closes with one, and a quote inside it is written twice), so one pass counting quote
bytes finds the cuts. The parts depend on the file's size only (about ``PARTS`` of them, from
``MIN_PART_BYTES`` to ``MAX_PART_BYTES`` each), never on how many processes read them: every
process finds the same parts, reads every ``world_size``-th one, and a seeded draw per part (the
validation split, the plotting sample) is the same whatever the number of processes.
"""

from pathlib import Path

import numpy as np

PARTS = 256  # about this many parts in a file: enough for any number of processes a machine runs
MIN_PART_BYTES = 4 << 10
MAX_PART_BYTES = 32 << 20  # what one process parses at once: bounds the memory a part takes
SCAN_BYTES = 64 << 20  # the quote count runs over slices of the file this large
QUOTE, NEWLINE = ord('"'), ord("\n")


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
    if not targets:
        return starts
    data = np.memmap(path, dtype=np.uint8, mode="r")
    odd = 0  # quotes before the slice, modulo 2
    target = 0
    for begin in range(0, size, SCAN_BYTES):
        chunk = np.asarray(data[begin : begin + SCAN_BYTES])
        parity = (np.cumsum(chunk == QUOTE, dtype=np.uint8) + odd) & 1
        ends = begin + np.flatnonzero((chunk == NEWLINE) & (parity == 0))  # record-ending line breaks
        while target < len(targets):
            found = np.searchsorted(ends, targets[target] - 1)  # a break at target - 1 starts a record at target
            if found == len(ends):
                break
            start = int(ends[found]) + 1
            if start >= size:
                return starts
            if start > starts[-1]:
                starts.append(start)
            while target < len(targets) and targets[target] <= start:
                target += 1
        odd = int(parity[-1]) if len(chunk) else odd
        if target == len(targets):
            break
    return starts


def data_start(path: Path) -> int:
    """Where the first record after the header starts (the header may hold quoted line breaks);
    the file's size when there is none."""
    size = path.stat().st_size
    data = np.memmap(path, dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
    odd = 0
    for begin in range(0, size, SCAN_BYTES):
        chunk = np.asarray(data[begin : begin + SCAN_BYTES])
        parity = (np.cumsum(chunk == QUOTE, dtype=np.uint8) + odd) & 1
        ends = np.flatnonzero((chunk == NEWLINE) & (parity == 0))
        if len(ends):
            return begin + int(ends[0]) + 1
        odd = int(parity[-1])
    return size
