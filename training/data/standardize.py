"""Standardization: fit on standardized features, report and export in raw units.

Fitting on z = (x - mean) / scale makes the problem well conditioned and defines the L2 penalty
(as scikit-learn's ``StandardScaler`` + ``LogisticRegression`` do). The exported graph takes raw
values: ``to_raw`` folds the transform into the weights, ``w_raw = w / scale`` and
``b_raw = b - sum(w * mean / scale)``.
"""

from dataclasses import dataclass

import numpy as np

from export.card.sections import Standardization
from training.data.blocks import block_starts, in_order

SHIFT_ROWS = 8192  # the shift: the mean of the first rows


@dataclass(frozen=True)
class Standardizer:
    """``mean`` and ``scale`` float64 (n_features,); the identity has mean 0 and scale 1."""

    mean: np.ndarray
    scale: np.ndarray
    active: bool

    @classmethod
    def fit(cls, x: np.ndarray, as_they_are: list[int] = (), weights: np.ndarray | None = None) -> "Standardizer":
        """Population mean and standard deviation (ddof 0; weighted by the sample ``weights``, so a
        row of weight 2 counts as the same row twice); a constant feature gets scale 1; the
        columns ``as_they_are`` (one-hot levels under an L2 penalty) get mean 0 and scale 1."""
        return cls.from_moments(*column_moments(x, weights), as_they_are)

    @classmethod
    def from_moments(
        cls, total: float, mean: np.ndarray, m2: np.ndarray, as_they_are: list[int] = ()
    ) -> "Standardizer":
        """From ``column_moments`` (or their merge over the chunks of a stream, the ranks of a job)."""
        scale = np.sqrt(np.maximum(m2 / total, 0.0)) if total > 0 else np.ones_like(m2)
        scale, mean = np.where(scale > 0, scale, 1.0), np.array(mean, dtype=np.float64)
        scale[list(as_they_are)], mean[list(as_they_are)] = 1.0, 0.0
        return cls(mean, scale, True)

    @classmethod
    def identity(cls, n_features: int) -> "Standardizer":
        return cls(np.zeros(n_features), np.ones(n_features), False)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.scale if self.active else np.asarray(x, dtype=np.float64)

    def to_raw(self, weights: np.ndarray, intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Standardized (n_logits, n_features), (n_logits,) -> the same model in raw units."""
        raw = weights / self.scale
        return raw, intercept - raw @ self.mean

    def jacobian(self) -> np.ndarray:
        """J with theta_raw = J @ theta_std for theta = (intercept, w_1..w_d) of one logit: carries a
        covariance matrix to raw units as J C J^T."""
        d = len(self.mean)
        jac = np.zeros((d + 1, d + 1))
        jac[0, 0] = 1.0
        jac[0, 1:] = -self.mean / self.scale
        jac[1:, 1:] = np.diag(1.0 / self.scale)
        return jac

    def to_section(self) -> Standardization | None:
        return Standardization(mean=self.mean.tolist(), scale=self.scale.tolist()) if self.active else None


def column_moments(x: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """(total weight, mean, weighted sum of squared deviations from the mean) per column, in one
    pass; without ``weights`` every row weighs 1 (the total is the rows).

    Sums are taken after shifting by the first rows' mean, which keeps the variance exact when the
    mean is large against the spread. Blocks (``training.data.blocks``) are reduced with
    matrix-vector products (a column reduction is several times slower; docs/benchmarks.md), and
    their sums added in float64.
    """
    shift = x[:SHIFT_ROWS].mean(axis=0, dtype=np.float64).astype(x.dtype) if len(x) else np.zeros(x.shape[1], x.dtype)
    starts = block_starts(x)
    ones = np.ones(starts.step, dtype=x.dtype)

    def block(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        centred = x[rows] - shift
        v = ones[: len(centred)] if weights is None else weights[rows].astype(x.dtype)
        column_sums = (v @ centred).astype(np.float64)
        return column_sums, (v @ np.multiply(centred, centred, out=centred)).astype(np.float64)

    sums, squares = np.zeros(x.shape[1]), np.zeros(x.shape[1])
    for column_sums, column_squares in in_order(block, starts):
        sums += column_sums
        squares += column_squares
    total = float(len(x)) if weights is None else float(np.sum(weights, dtype=np.float64))
    per_weight = sums / total if total > 0 else np.zeros_like(sums)
    return total, shift.astype(np.float64) + per_weight, squares - sums * per_weight
