"""Each random choice draws from its own named stream (training/data/randomness.py)."""

import numpy as np

from training.data.randomness import (
    epoch_order_generator,
    held_out_generator,
    sample_key_generator,
    split_generator,
)


def test_a_stream_repeats_for_its_seed_and_differs_from_the_others():
    streams = [held_out_generator, sample_key_generator, epoch_order_generator]
    draws = [make(7, 3).random(5) for make in streams] + [split_generator(7).random(5)]
    again = [make(7, 3).random(5) for make in streams] + [split_generator(7).random(5)]
    assert all(np.array_equal(a, b) for a, b in zip(draws, again))
    assert len({tuple(d) for d in draws}) == len(draws)
    assert not np.array_equal(held_out_generator(7, 3).random(5), held_out_generator(7, 4).random(5))
