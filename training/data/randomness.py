"""The named random streams. Each random choice the kit makes draws from its own generator,
seeded by ``--seed`` and a fixed stream id, so one choice never shifts another's draws, and a
streamed row group draws the same numbers whichever process reads it and however it is batched.

The ids are part of what a seed means: changing one changes which rows a seed picks.
"""

import numpy as np

HELD_OUT = 1  # streamed files: which rows of a row group are held out for validation
SAMPLE_KEYS = 2  # which training rows the card stores for plotting (row group 0: rows in memory)


def split_generator(seed: int) -> np.random.Generator:
    """The in-memory stratified split's permutations."""
    return np.random.default_rng(seed)


def held_out_generator(seed: int, row_group: int) -> np.random.Generator:
    """One draw per row of a streamed row group: below ``--valid-fraction`` means held out."""
    return np.random.default_rng([seed, row_group, HELD_OUT])


def sample_key_generator(seed: int, row_group: int) -> np.random.Generator:
    """One key per row; the card stores the rows with the smallest keys, so the sample is the same
    whether the rows were in memory, streamed, or spread over processes."""
    return np.random.default_rng([seed, row_group, SAMPLE_KEYS])


def epoch_order_generator(seed: int, epoch: int) -> np.random.Generator:
    """Streamed SGD and Adam: the order of the rows within each chunk in one epoch. (In memory they
    shuffle with torch's own generator seeded by ``--seed``, as the tutorial's DataLoader would.)"""
    return np.random.default_rng([seed, epoch])
