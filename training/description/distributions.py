"""The normal and chi-squared probabilities the statistics report, without scipy.

scipy.special has them all, but importing it cost every fit a quarter of a CPU-second (its array-API
layer imports numpy.f2py, which imports charset_normalizer) while the data is read. Python's ``math``
has the normal tail (``erfc``: within 1e-12 of scipy's ``ndtr``, into the subnormal range), and
torch, which every fit imports, the chi-squared tail (the regularized upper incomplete gamma
function: within 2e-9 of scipy's ``chdtrc`` on 1 to 20,000 degrees of freedom).
``tests/training/description/test_distributions.py`` holds them to scipy.
"""

import math

import numpy as np
import torch

from export.intervals import Z_95

CHI2_95 = Z_95**2  # 3.84146..., the 95% quantile of chi-squared on 1 df: the square of a standard normal


def two_sided_normal(z: np.ndarray) -> np.ndarray:
    """P(|Z| >= |z|) for a standard normal Z, for each z (NaN stays NaN)."""
    return np.array([math.erfc(abs(value) / math.sqrt(2)) for value in np.asarray(z, dtype=float).ravel().tolist()])


def chi2_above(statistic: float, df: int) -> float:
    """P(X >= statistic) for X chi-squared on ``df`` >= 1 degrees of freedom."""
    half = torch.tensor([df / 2, statistic / 2], dtype=torch.float64)
    return float(torch.special.gammaincc(half[0], half[1]))
