"""Which coefficients the data can determine: aliased columns and a nearly singular design.

When a feature is a linear combination of the intercept and earlier features (x2 = 2 x1, or two
columns that encode the same grouping), the likelihood is flat along that combination: any split
of the effect between the columns fits equally well, so their coefficients and standard errors
are not determined by the data. As R's ``glm`` does, such a column is found in column order (it
is aliased by the columns before it), left out of the fit (its coefficient is 0 in the model) and
reported as aliased, so the remaining estimates and standard errors are the identified ones.

The test runs on the Gram matrix of the standardized design [1, z] (weighted by the row weights),
one pass over the rows, by an order-preserving Cholesky factorization: a column is aliased when
less than ``ALIASED_SHARE`` of its variance is left once the columns kept before it are
projected out. R's tolerance is 1e-7 on the norm of that remainder (1e-14 on its variance); ours
is looser so that float32 files, whose columns carry rounding of about 1e-7, behave the same. A
design whose kept columns have a condition number (of the standardized design, not of its Gram
matrix) above ``NEAR_SINGULAR`` is nearly singular: the fit is warned that standard errors are
inflated by collinearity.
"""

from dataclasses import dataclass

import numpy as np
import torch

from training.data.blocks import block_starts, in_order
from training.data.standardize import Standardizer
from training.streaming.reduce import LOCAL, Reducer
from training.streaming.rows import Rows, chunks_of

ALIASED_SHARE = 1e-10
NEAR_SINGULAR = 1e3


@dataclass(frozen=True)
class Rank:
    """``kept``: indices of the features left in the fit; ``aliased``: for each aliased feature
    index, the indices of the kept features it is a combination of (with the intercept);
    ``condition``: the condition number of the kept standardized design [1, z]."""

    kept: tuple[int, ...]
    aliased: dict[int, tuple[int, ...]]
    condition: float

    @property
    def deficient(self) -> bool:
        return bool(self.aliased)


def design_gram(rows: Rows, standardizer: Standardizer, reducer: Reducer = LOCAL) -> np.ndarray:
    """G = X~^T diag(v) X~ over ``rows``, X~ = [1, (x - mean) / scale], in float64."""
    d = len(rows.feature_names)
    total = np.zeros((d + 1, d + 1))
    for x, _, v in chunks_of(rows):

        def block(part: slice, x=x, v=v) -> np.ndarray:
            design = np.empty((len(x[part]), d + 1))
            design[:, 0] = 1.0
            design[:, 1:] = (x[part] - standardizer.mean) / standardizer.scale
            weighted = design if v is None else design * v[part, None]
            return weighted.T @ design

        for gram in in_order(block, block_starts(x)):
            total += gram
    return reducer.sum(total.ravel()).reshape(d + 1, d + 1)


def rank_of(gram: np.ndarray, left_out: tuple[int, ...] = ()) -> Rank:
    """Aliased features of the design whose Gram matrix (intercept first) is ``gram``, without the
    features ``left_out`` (neither kept nor aliased: a fit without them)."""
    scale = np.sqrt(np.maximum(np.diag(gram), np.finfo(float).tiny))
    correlation = gram / np.outer(scale, scale)
    kept = [0]  # the intercept: a design without rows is caught before here
    factor = np.sqrt(correlation[:1, :1])
    aliased: dict[int, tuple[int, ...]] = {}
    for j in range(1, len(gram)):
        if j - 1 in left_out:
            continue
        projection = _solve_triangular(factor, correlation[kept, j], upper=False)
        left = correlation[j, j] - projection @ projection
        if left <= ALIASED_SHARE * correlation[j, j]:
            combination = _solve_triangular(factor.T, projection, upper=True)
            involved = [k for k, c in zip(kept, combination) if k > 0 and abs(c) > 1e-6]
            aliased[j - 1] = tuple(k - 1 for k in involved)
            continue
        factor = np.block([[factor, np.zeros((len(kept), 1))], [projection[None, :], np.sqrt([[left]])]])
        kept.append(j)
    eigenvalues = np.linalg.eigvalsh(correlation[np.ix_(kept, kept)])
    condition = float(np.sqrt(eigenvalues[-1] / max(eigenvalues[0], np.finfo(float).tiny)))
    return Rank(tuple(k - 1 for k in kept[1:]), aliased, condition)


def _solve_triangular(factor: np.ndarray, b: np.ndarray, upper: bool) -> np.ndarray:
    """x with factor @ x = b, ``factor`` triangular (LAPACK's trtrs, through torch: scipy.linalg's import
    cost a fit a quarter of a CPU-second, ``description.distributions`` says why)."""
    solution = torch.linalg.solve_triangular(torch.from_numpy(factor), torch.from_numpy(b)[:, None], upper=upper)
    return solution[:, 0].numpy()


def aliased_notes(rank: Rank, names: tuple[str, ...]) -> list[str]:
    """One sentence per aliased feature, and one for a nearly singular design. A constant feature
    (aliased by the intercept alone) has its own warning (``description.diagnostics``)."""
    notes = []
    for j, involved in rank.aliased.items():
        if involved:
            notes.append(
                f"{names[j]!r} is a linear combination of {' and '.join(repr(names[k]) for k in involved)} (and "
                "the intercept) on the training rows, so its coefficient cannot be estimated: it is aliased, "
                "left out of the fit (its coefficient is 0) and shown without estimate"
            )
    if rank.condition > NEAR_SINGULAR:
        notes.append(
            f"the design is nearly singular (condition number {rank.condition:.3g} of the standardized features, "
            f"above {NEAR_SINGULAR:g}): some features are almost linear combinations of others, which inflates "
            "their standard errors; consider dropping one of each group of near-duplicate features"
        )
    return notes
