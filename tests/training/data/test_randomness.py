"""Each random choice draws from its own named stream (training/data/randomness.py)."""

import numpy as np

from training.data.randomness import HELD_OUT, SAMPLE_KEYS, epoch_order_generator, row_draws, split_generator


def test_a_stream_repeats_for_its_seed_and_differs_from_the_others():
    rows = np.arange(100, 105)
    draws = [row_draws(7, HELD_OUT, rows), row_draws(7, SAMPLE_KEYS, rows), epoch_order_generator(7, 3).random(5)]
    draws.append(split_generator(7).random(5))
    again = [row_draws(7, HELD_OUT, rows), row_draws(7, SAMPLE_KEYS, rows), epoch_order_generator(7, 3).random(5)]
    again.append(split_generator(7).random(5))
    assert all(np.array_equal(a, b) for a, b in zip(draws, again))
    assert len({tuple(d) for d in draws}) == len(draws)
    assert not np.array_equal(row_draws(7, HELD_OUT, rows), row_draws(8, HELD_OUT, rows))


def test_a_rows_draw_depends_on_its_place_alone_and_the_draws_are_uniform():
    rows = np.arange(1_000_000)
    draws = row_draws(3, HELD_OUT, rows)
    np.testing.assert_array_equal(row_draws(3, HELD_OUT, rows[7_000:9_000]), draws[7_000:9_000])
    assert draws.min() >= 0.0 and draws.max() < 1.0
    counts = np.histogram(draws, bins=20, range=(0, 1))[0]
    assert np.abs(counts - 50_000).max() < 5 * np.sqrt(50_000)  # within 5 standard deviations
    assert abs(np.corrcoef(draws[:-1], draws[1:])[0, 1]) < 0.01  # neighbouring rows are not related
