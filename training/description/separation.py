"""Detect separation: when a linear boundary splits the classes, the unpenalized maximum-likelihood
estimate does not exist (the weights grow without bound).

The test is the linear programme of Konis (2007), solved with scipy's HiGHS: look for a direction
beta with s_i x_i . beta >= 0 for every row (s_i = +1 for the class, -1 for the rest). A direction
with some strict inequality means quasi-complete separation; one with all strict means complete.
"""

from dataclasses import dataclass

import numpy as np

MAX_CELLS = 2_000_000  # rows x columns beyond which the check is skipped (it takes seconds there: docs/fitting.md)


@dataclass(frozen=True)
class Separation:
    kind: str  # "none", "quasi-complete", "complete" or "not checked"
    separated_rows: int
    cls: int | None  # for multinomial targets: the class split from the rest


def small_enough(x: np.ndarray, weights: np.ndarray | None) -> bool:
    """Whether the linear programme on the rows of positive weight stays within ``MAX_CELLS``."""
    rows = len(x) if weights is None else int((weights > 0).sum())
    return rows * (x.shape[1] + 1) <= MAX_CELLS


def check_separation(x: np.ndarray, y: np.ndarray, n_classes: int, weights: np.ndarray | None) -> Separation:
    """``x`` (n, d) standardized features, ``y`` (n,) class index. Rows of weight 0 are ignored.
    Binary: class 1 against class 0; multinomial: each class against the rest."""
    if not small_enough(x, weights):
        return Separation("not checked", 0, None)
    keep = np.ones(len(y), dtype=bool) if weights is None else weights > 0
    x, y = x[keep], y[keep]
    design = np.column_stack([np.ones(len(y)), x])
    classes = [1] if n_classes == 2 else list(range(n_classes))
    for cls in classes:
        found = _separation_of(design, np.where(y == cls, 1.0, -1.0))
        if found.kind != "none":
            return Separation(found.kind, found.separated_rows, None if n_classes == 2 else cls)
    return Separation("none", 0, None)


def _separation_of(design: np.ndarray, signs: np.ndarray) -> Separation:
    from scipy.optimize import linprog  # imported when the check runs: penalized fits never need it

    signed = design * signs[:, None]
    n, p = signed.shape
    # maximize sum_i s_i x_i.beta  subject to  s_i x_i.beta >= 0,  -1 <= beta <= 1
    result = linprog(-signed.sum(axis=0), A_ub=-signed, b_ub=np.zeros(n), bounds=[(-1, 1)] * p, method="highs")
    if not result.success or -result.fun <= 1e-7 * n:
        return Separation("none", 0, None)
    margins = signed @ result.x
    strict = int((margins > 1e-9).sum())
    # maximize t  subject to  s_i x_i.beta >= t,  -1 <= beta <= 1,  t <= 1
    objective = np.zeros(p + 1)
    objective[-1] = -1.0
    bounds = [(-1, 1)] * p + [(None, 1)]
    complete = linprog(
        objective, A_ub=np.column_stack([-signed, np.ones(n)]), b_ub=np.zeros(n), bounds=bounds, method="highs"
    )
    if complete.success and -complete.fun > 1e-9:
        return Separation("complete", n, None)
    return Separation("quasi-complete", strict, None)
