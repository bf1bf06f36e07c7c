"""Cells that pyarrow reads as numbers and nothing else here does: whole numbers written in hex.

pyarrow's CSV reader parses ``0x1F`` in a column of whole numbers as 31 (``0xFFFFFFFFFFFFFFFF`` as
-1), where pandas, pyarrow's own float parser and the scorer (``export.csv_input.numbers``) see
text: trained on, such a cell would be a number that the served model refuses. So a parse whose
bytes may hold one reads its whole-number columns again as text, and the checks name the cell and
its line (``columnar.read_csv_table``).
"""

from pathlib import Path

import numpy as np

from training.data.csv_parts import SCAN_BYTES

ZERO, X = ord("0"), ord("x")
CHARACTER_WIDTHS = (1, 2, 4)  # bytes from a "0" to the next character: UTF-8 or 8-bit text, UTF-16, UTF-32


def may_hold_hex(data: bytes | bytearray, end: int | None = None) -> bool:
    """Whether ``data[:end]`` may hold a number written in hex: a ``0`` right before an ``x`` or
    ``X`` in any of the encodings a CSV comes in (UTF-8 or 8-bit text, UTF-16, UTF-32: the 0 one,
    two or four bytes before, zero bytes between). A false alarm costs a second parse. Most files
    hold no x at all, which two byte searches say."""
    end = len(data) if end is None else end
    if data.find(b"x", 0, end) < 0 and data.find(b"X", 0, end) < 0:
        return False
    codes = np.frombuffer(data, dtype=np.uint8, count=end)
    xs = np.flatnonzero((codes | 0x20) == X)  # | 0x20: X to x, and no other byte to x
    for width in CHARACTER_WIDTHS:
        at = xs[xs >= width]
        zero_before = codes[at - width] == ZERO
        for between in range(1, width):  # the rest of the 0's character, or the x's: zero bytes
            zero_before &= codes[at - between] == 0
        if zero_before.any():
            return True
    return False


def file_may_hold_hex(path: Path) -> bool:
    """``may_hold_hex`` over a whole file, read a slice at a time; each slice starts with the last
    bytes of the one before, so a ``0x`` across two slices is found."""
    carried = max(CHARACTER_WIDTHS)
    buffer = bytearray(carried + SCAN_BYTES)
    kept = 0
    with open(path, "rb", buffering=0) as file:
        while count := file.readinto(memoryview(buffer)[kept:]):
            end = kept + count
            if may_hold_hex(buffer, end):
                return True
            kept = min(carried, end)
            buffer[:kept] = buffer[end - kept : end]
    return False
