"""The two checks every export must pass, as asserting functions with explicit tolerances.

``assert_parity``: the served graph (onnxruntime) against the torch reference computed in float64.
``assert_tail_accuracy``: the graph's probabilities against the float64 sigmoid of its own logit,
including the far tails where onnxruntime's ``Sigmoid`` kernel is off by over 100% relative.
Export calls both; the tests call the same functions.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from export.design import Design
from export.errors import ParityError
from export.formula.design import FormulaDesign
from export.limits import FLOAT32_MAX

# features probed alone at float32's limits, by export's parity grid and the reader's probe rows:
# all of them for most models, an evenly spread sample of a wide one (rows x d grows as d squared)
MAX_EXTREME_FEATURES = 32


@dataclass(frozen=True)
class Tolerance:
    """Float32 output rounding is about 6e-8 relative; these leave room for summation order."""

    probability_abs: float = 1e-6
    probability_rel: float = 1e-5  # the tail bar: relative error where p >= smallest
    logit_rel: float = 1e-6
    smallest: float = 1e-30  # below this, relative error is not asked for


@dataclass(frozen=True)
class ParityReport:
    """Measured maxima over ``rows`` inputs; ``max_probability_rel`` includes the float32-logit
    rounding that ``assert_parity`` allows for."""

    rows: int
    max_probability_abs: float
    max_probability_rel: float
    max_logit_rel: float


def sigmoid64(z: np.ndarray) -> np.ndarray:
    """P(class 1) in float64, accurate in both tails (no overflow for any finite or infinite z)."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def binary_probabilities64(z: np.ndarray) -> np.ndarray:
    """Columns P(class 0), P(class 1) in float64, each accurate in its own tail."""
    return np.stack([sigmoid64(-np.asarray(z, dtype=np.float64)), sigmoid64(z)], axis=1)


def softmax64(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64. Logits are clipped to the float32 range first, so rows with
    infinite logits get a definite answer (ties share) instead of NaN."""
    z = np.clip(np.asarray(logits, dtype=np.float64), -FLOAT32_MAX, FLOAT32_MAX)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def probabilities64(logit: np.ndarray) -> np.ndarray:
    """(n, K) class probabilities from the graph's ``logit`` output: (n,) binary or (n, K)."""
    logit = np.asarray(logit, dtype=np.float64)
    return binary_probabilities64(logit) if logit.ndim == 1 else softmax64(logit)


def _relative_error(served: np.ndarray, reference: np.ndarray, smallest: float) -> np.ndarray:
    mask = np.abs(reference) >= smallest
    err = np.zeros_like(reference, dtype=np.float64)
    err[mask] = np.abs(served[mask] - reference[mask]) / np.abs(reference[mask])
    return err


def assert_tail_accuracy(logit: np.ndarray, probabilities: np.ndarray, tol: Tolerance = Tolerance()) -> float:
    """Check the graph's probabilities against the float64 sigmoid (softmax) of its own ``logit``.

    Every column must be free of NaN and within ``tol.probability_rel`` relative error wherever the
    exact value is at least ``tol.smallest``; binary columns must also be monotone in the logit.
    Returns the worst relative error; raises ``ParityError`` naming the first violation.
    """
    logit = np.asarray(logit, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if np.isnan(probabilities).any():
        bad = int(np.argwhere(np.isnan(probabilities))[0, 0])
        raise ParityError(f"probabilities contain NaN (row {bad}, logit {logit[bad]})")
    if logit.ndim == 1:
        steps = np.diff(probabilities[np.argsort(logit, kind="stable")], axis=0)
        if (steps[:, 0] > 0).any() or (steps[:, 1] < 0).any():
            raise ParityError("probabilities are not monotone in the logit")
    errors = _relative_error(probabilities, probabilities64(logit), tol.smallest)
    worst = float(errors.max(initial=0.0))
    if worst > tol.probability_rel:
        row = int(np.unravel_index(errors.argmax(), errors.shape)[0])
        raise ParityError(
            f"probability relative error {worst:.3g} at logit {logit[row]} exceeds {tol.probability_rel:g}"
        )
    return worst


def float32_dot_allowance(x: np.ndarray, weights: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """How far a float32 computation of x @ W^T + b may honestly land from the exact value: the
    classic bound (d + 2) u sum_j |w_j x_j| + |b| (u = 2**-24: weights, products and sums each
    rounded once), per row and logit. Shape (n,) for one logit, (n, K) otherwise."""
    return _dot_allowance(np.asarray(x, dtype=np.float32).astype(np.float64), weights, intercept, 2.0**-24)


def graph_allowance(
    design: Design | FormulaDesign, x: np.ndarray, weights: np.ndarray, intercept: np.ndarray
) -> np.ndarray:
    """The allowance of the served graph's logit on design rows ``x``: a formula model's graph
    computes its terms and logits in float64 (``export.writer.formula``), the others in float32."""
    if isinstance(design, FormulaDesign):
        return _dot_allowance(np.asarray(x, dtype=np.float64), weights, intercept, 2.0**-53)
    return float32_dot_allowance(x, weights, intercept)


def _dot_allowance(x: np.ndarray, weights: np.ndarray, intercept: np.ndarray, unit: float) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        terms = np.abs(x) @ np.abs(weights).T + np.abs(intercept)
    allowance = (x.shape[1] + 2) * unit * terms
    return allowance[:, 0] if weights.shape[0] == 1 else allowance


def assert_parity(
    reference_logit: np.ndarray,
    served_logit: np.ndarray,
    served_probabilities: np.ndarray,
    served_label: np.ndarray,
    threshold: float | None,
    tol: Tolerance = Tolerance(),
    logit_allowance: np.ndarray | None = None,
    reference: str = "torch",
) -> ParityReport:
    """Compare the served outputs with a float64 reference logit (computed by torch at export;
    from the card's coefficients when a model is loaded), named ``reference`` in messages.

    ``logit_allowance`` (same shape as the logits; see ``float32_dot_allowance``) is the absolute
    error that computing the logit in float32 may add; the tolerances apply on top of it, and of
    what it does to the probabilities. The reference probabilities are the float64 sigmoid
    (softmax) of ``reference_logit``. Labels must agree except where the reference is within the
    probability tolerance of a tie (binary: of ``threshold``; multinomial: between the two most
    probable classes). Raises ``ParityError`` with the worst row; returns the measured maxima.
    """
    ref_logit = np.asarray(reference_logit, dtype=np.float64)
    logit = np.asarray(served_logit, dtype=np.float64)
    allowance = np.zeros_like(ref_logit) if logit_allowance is None else np.asarray(logit_allowance, np.float64)
    in_range = np.abs(ref_logit) <= FLOAT32_MAX
    overflow_ok = np.sign(logit[~in_range]) == np.sign(ref_logit[~in_range])
    excess = np.maximum(np.abs(logit[in_range] - ref_logit[in_range]) - allowance[in_range], 0.0)
    logit_err = excess / np.maximum(np.abs(ref_logit[in_range]), tol.smallest)
    max_logit = float(logit_err.max(initial=0.0))
    if not max_logit <= tol.logit_rel or not overflow_ok.all():  # "not <=": a NaN logit fails too
        raise ParityError(f"logit differs from {reference} by {max_logit:.3g} relative, over {tol.logit_rel:g}")
    ref_p = probabilities64(ref_logit)
    p = np.asarray(served_probabilities, dtype=np.float64)
    abs_err = np.abs(p - ref_p)
    rel_err = _relative_error(p, ref_p, tol.smallest)
    # The graph derives its probabilities from its float32 logits (they agree with its own logit to
    # 1e-5, see assert_tail_accuracy). A logit off by e moves log p by up to e (binary) or 2e
    # (softmax); rounding the logit to float32 adds 2**-24 |z|. That much difference from the
    # float64 reference is the format's, not the export's, and is allowed on top of the tolerances.
    rows = len(ref_logit)
    spread = (1.0 if ref_logit.ndim == 1 else 2.0) * allowance.reshape(rows, -1).max(axis=1)
    scale = np.abs(np.clip(ref_logit, -FLOAT32_MAX, FLOAT32_MAX)).reshape(rows, -1).max(axis=1)
    rounding = np.minimum(2.0**-23 * scale + spread, 1e300)[:, None]
    rel_allowed = tol.probability_rel + rounding
    abs_allowed = tol.probability_abs + np.minimum(rounding, 1.0) * ref_p
    if (abs_err > abs_allowed).any() or (rel_err > rel_allowed).any():
        badness = np.maximum(abs_err / abs_allowed, rel_err / rel_allowed)
        row = int(np.unravel_index(badness.argmax(), abs_err.shape)[0])
        raise ParityError(
            f"probabilities differ from {reference} at row {row} (logit {ref_logit[row]}): "
            f"served {p[row].tolist()}, expected {ref_p[row].tolist()}"
        )
    expected, margin = _expected_labels(ref_p, threshold)
    wrong = (margin > abs_allowed.max(axis=1)) & (np.asarray(served_label) != expected)
    if wrong.any():
        row = int(np.argmax(wrong))
        raise ParityError(f"label {served_label[row]} differs from {expected[row]} ({reference}) at row {row}")
    return ParityReport(rows, float(abs_err.max(initial=0.0)), float(rel_err.max(initial=0.0)), max_logit)


def assert_interval_parity(
    reference_logit: np.ndarray,
    reference: Callable[[float], tuple[np.ndarray, np.ndarray]],
    served: tuple[np.ndarray, np.ndarray, np.ndarray],
    logit_allowance: np.ndarray,
    tol: Tolerance = Tolerance(),
) -> None:
    """Compare the served interval (``served``: probabilities, probability_low, probability_high)
    with the float64 one ``export.intervals`` computes from the card, and check that each interval
    holds its probability. ``reference(rounding)`` gives that interval, its variances moved by
    ``rounding`` times their float64 rounding allowance: a bound must lie between the narrowest and
    the widest one. The graph works from its float32 logits: a logit off by e moves a bound's
    log-odds by up to 2e (1 + its own size), allowed on top of the tolerances as ``assert_parity``
    allows for the probabilities."""
    probabilities, *bounds = (np.asarray(b, dtype=np.float64) for b in served)
    ref_logit = np.asarray(reference_logit, dtype=np.float64)
    rows = len(ref_logit)
    spread = 2.0 * np.asarray(logit_allowance, dtype=np.float64).reshape(rows, -1).max(axis=1)
    scale = np.abs(np.clip(ref_logit, -FLOAT32_MAX, FLOAT32_MAX)).reshape(rows, -1).max(axis=1)
    (narrow_low, narrow_high), (wide_low, wide_high) = reference(-1.0), reference(1.0)
    for name, bound, ends in zip(
        ("probability_low", "probability_high"), bounds, ((wide_low, narrow_low), (narrow_high, wide_high))
    ):
        lower, upper = ends
        if bound.shape != lower.shape or (np.isnan(bound) != np.isnan(lower)).any():
            raise ParityError(f"{name} has shape {bound.shape} or missing values where the card's interval has not")
        with np.errstate(invalid="ignore", divide="ignore"):
            size = np.abs(np.log(lower / (1 - lower))) + np.abs(np.log(upper / (1 - upper)))  # the bounds' log-odds
        size = np.nan_to_num(size, nan=0.0, posinf=0.0).max(axis=1, initial=0.0)
        rounding = np.minimum((2.0**-23 * scale + spread) * (1.0 + size + scale), 1e300)[:, None]
        value = np.nan_to_num(bound)
        below = np.nan_to_num(lower) - value  # > 0: under the widest interval's end
        above = value - np.nan_to_num(upper)
        outside = np.maximum(np.maximum(below, above), 0.0)
        near = np.maximum(np.nan_to_num(lower), np.nan_to_num(upper))
        allowed = tol.probability_abs + np.minimum(rounding, 1.0) * near
        relative = np.where(near >= tol.smallest, outside / np.maximum(near, tol.smallest), 0.0)
        bad = (outside > allowed) | (relative > tol.probability_rel + rounding)
        if bad.any():
            row = int(np.unravel_index(np.argmax(bad), bad.shape)[0])
            raise ParityError(
                f"{name} differs from the card's interval at row {row}: served {bound[row].tolist()}, "
                f"expected between {lower[row].tolist()} and {upper[row].tolist()}"
            )
    low, high = (np.nan_to_num(b, nan=0.5) for b in bounds)
    p = np.nan_to_num(probabilities, nan=0.5)
    slack = tol.probability_abs + tol.probability_rel * p
    if (low > p + slack).any() or (high < p - slack).any():
        row = int(np.argmax(((low > p + slack) | (high < p - slack)).any(axis=1)))
        raise ParityError(f"the interval at row {row} does not hold its probability: {low[row]} .. {high[row]}")


def _expected_labels(p: np.ndarray, threshold: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Labels from reference probabilities, and each row's distance from a tie."""
    if p.shape[1] == 2:
        return (p[:, 1] > threshold).astype(np.int64), np.abs(p[:, 1] - threshold)
    top = np.sort(p, axis=1)
    return p.argmax(axis=1), top[:, -1] - top[:, -2]


def spread(n: int, most: int) -> np.ndarray:
    """At most ``most`` (at least one) of the indices 0..n-1, evenly spaced, first and last included."""
    return np.unique(np.linspace(0, n - 1, min(n, max(most, 1))).round().astype(int)) if n else np.arange(0)


def extreme_rows(design: Design, numeric: list[int]) -> np.ndarray:
    """Rows at float32's limits (codes): each of up to ``MAX_EXTREME_FEATURES`` features (evenly
    spread) alone at +-1e30 and +-FLOAT32_MAX, and every feature at the limit with alternating signs,
    where a float32 logit overflows and the graph's float64 branch answers."""
    chosen = spread(len(numeric), MAX_EXTREME_FEATURES)
    axes = np.zeros((len(chosen), len(numeric)))  # the chosen rows of the identity, without all of it
    axes[np.arange(len(chosen)), chosen] = 1.0
    alternating = FLOAT32_MAX * np.where(np.arange(len(numeric)) % 2 == 0, 1.0, -1.0)[None, :]
    limits = np.concatenate([*(v * axes for v in (1e30, -1e30, FLOAT32_MAX, -FLOAT32_MAX)), alternating])
    extremes = design.cycled(len(limits))
    extremes[:, numeric] = limits
    return extremes
