"""Standardization: fit on standardized features, report and export in raw units.

Fitting on z = (x - mean) / scale makes the problem well conditioned and defines the L2 penalty
(as scikit-learn's ``StandardScaler`` + ``LogisticRegression`` do). The exported graph takes raw
values: ``to_raw`` folds the transform into the weights, ``w_raw = w / scale`` and
``b_raw = b - sum(w * mean / scale)``.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Standardizer:
    """``mean`` and ``scale`` float64 (n_features,); the identity has mean 0 and scale 1."""

    mean: np.ndarray
    scale: np.ndarray
    active: bool

    @classmethod
    def fit(cls, x: np.ndarray) -> "Standardizer":
        """Population mean and standard deviation (ddof 0); a constant feature gets scale 1."""
        scale = x.std(axis=0)
        return cls(x.mean(axis=0), np.where(scale > 0, scale, 1.0), True)

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

    def to_dict(self) -> dict | None:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist()} if self.active else None
