"""The named random streams. Each random choice the kit makes draws from its own generator,
seeded by ``--seed`` and a fixed stream id, so one choice never shifts another's draws. The draws
made per row (``row_draws``: which rows a stream holds out, which rows the card stores) are a hash
of the seed, the stream and the row's place in the file, so a row draws the same number whichever
process reads it, however the file is cut into parts (Parquet row groups, CSV runs of records) and
batched, and whether it is in memory or streamed.

The ids are part of what a seed means: changing one changes which rows a seed picks.
"""

import numpy as np

HELD_OUT = 1  # streamed files: which rows are held out for validation
SAMPLE_KEYS = 2  # which training rows the card stores for plotting
# splitmix64's constants (Steele, Lea and Flood 2014): a 64-bit mix whose outputs pass BigCrush
GOLDEN, MIX_1, MIX_2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def split_generator(seed: int) -> np.random.Generator:
    """The in-memory stratified split's permutations."""
    return np.random.default_rng(seed)


def row_draws(seed: int, stream: int, rows: np.ndarray) -> np.ndarray:
    """A uniform number in [0, 1) for each row index of ``rows`` (0-based places in the file), the
    same for a row whatever else is drawn: splitmix64 of the row index offset by the mixed seed and
    stream. ``HELD_OUT``: below ``--valid-fraction`` means held out; ``SAMPLE_KEYS``: the card stores
    the rows with the smallest keys."""
    key = _mix(np.array([(seed << 8) | stream], dtype=np.uint64))
    with np.errstate(over="ignore"):
        z = _mix(np.asarray(rows, dtype=np.uint64) * GOLDEN + key)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + GOLDEN
        z = (z ^ (z >> np.uint64(30))) * MIX_1
        z = (z ^ (z >> np.uint64(27))) * MIX_2
    return z ^ (z >> np.uint64(31))


def epoch_order_generator(seed: int, epoch: int) -> np.random.Generator:
    """Streamed SGD and Adam: the order of the rows within each chunk in one epoch. (In memory they
    shuffle with torch's own generator seeded by ``--seed``, as the tutorial's DataLoader would.)"""
    return np.random.default_rng([seed, epoch])
