"""The row summary merges: a file summed batch by batch (or process by process) gives the summary
of all its rows at once (training/streaming/summary.py)."""

import numpy as np

from training.data.randomness import SAMPLE_KEYS, row_draws
from training.streaming.summary import MAX_PLOT_ROWS, RowSummary


def summary_of(x, y, v, positions):
    keys = row_draws(0, SAMPLE_KEYS, np.arange(len(y)))
    return RowSummary.of(x, y, v, 3, keys, positions)


def test_merged_parts_equal_the_whole():
    rng = np.random.default_rng(1)
    n = 2 * MAX_PLOT_ROWS + 500
    x = rng.normal(1e6, 3.0, size=(n, 4))  # a large mean against the spread: the merge must keep the variance
    y = rng.integers(0, 3, n)
    v = rng.uniform(0, 2, n)
    keys = row_draws(0, SAMPLE_KEYS, np.arange(n))
    whole = RowSummary.of(x, y, v, 3, keys, np.arange(n))
    cut = 777
    parts = [RowSummary.of(x[s], y[s], v[s], 3, keys[s], np.arange(n)[s]) for s in (slice(0, cut), slice(cut, n))]
    merged = parts[0].merge(parts[1])
    assert merged.rows == n and merged.class_counts.tolist() == whole.class_counts.tolist()
    np.testing.assert_allclose(merged.class_weights, whole.class_weights, rtol=1e-12)
    # the moments are weighted: a row of weight 2 counts as that row twice (standardization's rule)
    mean = np.average(x, weights=v, axis=0)
    np.testing.assert_allclose(merged.mean, mean, rtol=1e-14)
    np.testing.assert_allclose(merged.weight, v.sum(), rtol=1e-12)
    np.testing.assert_allclose(merged.m2 / v.sum(), np.average((x - mean) ** 2, weights=v, axis=0), rtol=1e-9)
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-14)
    assert (merged.minimum == x.min(axis=0)).all() and (merged.maximum == x.max(axis=0)).all()
    assert len(merged.sample_y) == MAX_PLOT_ROWS
    assert merged.sample_positions.tolist() == whole.sample_positions.tolist()
    assert merged.sample_x.tolist() == whole.sample_x.tolist()


def test_a_constant_feature_is_found():
    x = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    summary = summary_of(x, np.arange(10) % 3, None, np.arange(10))
    assert summary.constant_features().tolist() == [False, True]
