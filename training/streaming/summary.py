"""What one pass learns about the training rows: counts per class, feature moments and ranges, and a
seeded sample of rows for the page's plots. It is built chunk by chunk (``add``) and merged across
processes (``merge``), so a streamed file, a sharded job and an array in memory give the same card.

The sample keeps the ``MAX_PLOT_ROWS`` rows with the smallest random keys; keys come from a
generator seeded by (seed, row group), so the sample does not depend on how rows were batched or
which process read them.
"""

from dataclasses import dataclass

import numpy as np

from training.data.standardize import Standardizer, column_moments

MAX_PLOT_ROWS = 1000


@dataclass
class RowSummary:
    """``mean`` and ``m2`` (sum of squared deviations) per feature, weighted by the sample weights
    (a row of weight 2 counts as that row twice) and merged with Chan et al.'s update over
    ``weight`` (their total; the rows when unweighted); ``class_weights``: sum of sample weights per
    class (the counts when rows are unweighted)."""

    rows: int
    weight: float
    class_counts: np.ndarray
    class_weights: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray
    sample_keys: np.ndarray
    sample_positions: np.ndarray
    sample_x: np.ndarray
    sample_y: np.ndarray

    @classmethod
    def of(
        cls,
        x: np.ndarray,
        y: np.ndarray,
        v: np.ndarray | None,
        n_classes: int,
        keys: np.ndarray,
        positions: np.ndarray,
    ) -> "RowSummary":
        """The summary of one chunk: ``x`` (n, d) raw, ``y`` (n,) class index, ``keys`` (n,) sample
        keys, ``positions`` (n,) the rows' places in the file (the sample keeps the file's order)."""
        weight, mean, m2 = column_moments(x, v)
        keep = _sample(keys, positions)
        empty = len(y) == 0
        return cls(
            len(y),
            weight,
            np.bincount(y, minlength=n_classes),
            np.bincount(y, weights=v, minlength=n_classes).astype(np.float64),
            mean,
            m2,
            np.full(x.shape[1], np.inf) if empty else x.min(axis=0).astype(np.float64),
            np.full(x.shape[1], -np.inf) if empty else x.max(axis=0).astype(np.float64),
            keys[keep],
            positions[keep],
            np.asarray(x[keep], dtype=np.float64),
            y[keep],
        )

    def merge(self, other: "RowSummary") -> "RowSummary":
        total = self.weight + other.weight
        delta = other.mean - self.mean
        share = other.weight / total if total else 0.0
        keys = np.concatenate([self.sample_keys, other.sample_keys])
        positions = np.concatenate([self.sample_positions, other.sample_positions])
        keep = _sample(keys, positions)
        return RowSummary(
            self.rows + other.rows,
            total,
            self.class_counts + other.class_counts,
            self.class_weights + other.class_weights,
            self.mean + delta * share,
            self.m2 + other.m2 + delta * delta * self.weight * share,
            np.minimum(self.minimum, other.minimum),
            np.maximum(self.maximum, other.maximum),
            keys[keep],
            positions[keep],
            np.concatenate([self.sample_x, other.sample_x])[keep],
            np.concatenate([self.sample_y, other.sample_y])[keep],
        )

    def standardizer(self, as_they_are: list[int] = ()) -> Standardizer:
        """The features' standardization (``as_they_are``: columns left unscaled, ``Standardizer.fit``)."""
        return Standardizer.from_moments(self.weight, self.mean, self.m2, as_they_are)

    def constant_features(self) -> np.ndarray:
        return self.minimum == self.maximum


@dataclass(frozen=True)
class InputsSummary:
    """The raw inputs of the training rows: ``summary`` of the columns that hold them, each numeric
    feature's ``column`` there, each categorical feature's rows per level (``counts``) and the
    sampled rows as codes."""

    summary: RowSummary
    column: dict[str, int]
    counts: dict[str, np.ndarray]
    sample_codes: np.ndarray


def _sample(keys: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Indices of the ``MAX_PLOT_ROWS`` smallest keys, in file order."""
    keep = np.argpartition(keys, MAX_PLOT_ROWS)[:MAX_PLOT_ROWS] if len(keys) > MAX_PLOT_ROWS else np.arange(len(keys))
    return keep[np.argsort(positions[keep], kind="stable")]
