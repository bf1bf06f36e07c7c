"""Profile-likelihood intervals: R's ``confint(glm)`` and, for Firth fits, logistf's profile
penalized likelihood.

For each row of the coefficient table the 95% interval is the set of values c where
2 (l_max - l_profile(c)) <= chi2(1, 0.95), l_profile(c) the largest (penalized) log-likelihood with
that raw-unit coefficient held at c. Each end is an exact root, found by Brent's method on refits
(not R's spline through a grid): a refit holds the coefficient fixed by a linear constraint on the
standardized parameters (the intercept's raw value mixes every standardized parameter) and
maximizes over the others by Newton's method in the constraint's null space, with step halving;
Firth's refits use the information as their Hessian, as logistf does. An end the profile never
reaches (separated data, a Firth fit whose penalized profile flattens) does not exist: ``None``,
and a note says why.

Cost: about 2 x 15 refits of a few Newton steps per coefficient, each step a pass over the rows in
memory with an (E m)^2 information matrix (docs/fitting.md has measured times); the command line
computes them for models of at most ``MAX_PROFILE_COEFFICIENTS`` coefficients unless told
``--no-profile``.
"""

from dataclasses import dataclass, replace

import numpy as np

from export.card.sections import CoefficientTable
from training.config import TrainConfig
from training.data.dataset import Dataset
from training.description.distributions import CHI2_95
from training.description.evaluation import information_matrix
from training.solvers.fit import FitResult
from training.solvers.history import parameters
from training.streaming.rows import Rows

MAX_PROFILE_COEFFICIENTS = 50
NEWTON_STEPS = 100
EXPANSIONS = 12  # a missing end: the profile stays below the cut out to 1.96 x 2^12 standard errors


@dataclass(frozen=True)
class Likelihood:
    """The (penalized) log-likelihood of standardized parameters theta (E equations x m, the first
    column the intercept; multinomial: classes 1..K-1 against class 0) on rows ``design`` (n, m,
    a first column of ones), ``y`` (class index) and frequency weights ``v``."""

    design: np.ndarray
    y: np.ndarray
    v: np.ndarray
    equations: int
    firth: bool = False

    def evaluate(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """(value, gradient, information), the last two flat in equation-major order."""
        z = self.design
        eta = z @ theta.reshape(self.equations, -1).T  # (n, E)
        logits = np.column_stack([np.zeros(len(z)), eta])
        top = logits.max(axis=1, keepdims=True)
        shifted = np.exp(logits - top)
        total = shifted.sum(axis=1, keepdims=True)
        p = shifted / total  # (n, K)
        log_p = logits[np.arange(len(z)), self.y] - (top[:, 0] + np.log(total[:, 0]))
        value = float(self.v @ log_p)
        score = self.v[:, None] * ((self.y[:, None] == np.arange(1, self.equations + 1)) - p[:, 1:])
        information = information_matrix(self.design, p, self.v)
        if self.firth:  # Jeffreys' prior: + log det I / 2, and Firth's (1993) modified score (binary)
            sign, logdet = np.linalg.slogdet(information)
            value += 0.5 * logdet if sign > 0 else -np.inf
            inverse = np.linalg.pinv(information, hermitian=True)
            leverage = self.v * p[:, 1] * p[:, 0] * np.einsum("ij,jk,ik->i", z, inverse, z)
            score = score + (leverage * (0.5 - p[:, 1]))[:, None]
        return value, (z.T @ score).T.ravel(), information


def maximize(
    likelihood: Likelihood, start: np.ndarray, basis: np.ndarray | None = None
) -> tuple[float, np.ndarray, bool]:
    """The largest value over theta = start + basis @ phi (basis None: every direction), by Newton
    steps (the information as the Hessian) halved until the value does not fall. Returns (value,
    theta, whether the Newton decrement came down to rounding)."""
    theta = start.copy()
    basis = np.eye(len(start)) if basis is None else basis
    value, gradient, information = likelihood.evaluate(theta)
    for _ in range(NEWTON_STEPS):
        reduced = basis.T @ gradient
        direction = np.linalg.lstsq(basis.T @ information @ basis, reduced, rcond=None)[0]
        if reduced @ direction <= 1e-15 * max(1.0, abs(value)):  # the Newton decrement: at the top
            return value, theta, True
        step = basis @ direction
        for _ in range(60):
            trial = theta + step
            trial_value, trial_gradient, trial_information = likelihood.evaluate(trial)
            if trial_value >= value:
                break
            step = step / 2
        else:
            return value, theta, False  # no step of this direction rises: stuck, not at the top
        theta, value, gradient, information = trial, trial_value, trial_gradient, trial_information
    return value, theta, False


@dataclass
class Profile:
    """The profile of one raw-unit coefficient, ``row`` . theta (``row``: that coefficient as a
    linear function of the standardized parameters), around the maximum ``theta``."""

    likelihood: Likelihood
    row: np.ndarray
    theta: np.ndarray
    top: float

    def __post_init__(self) -> None:
        # theta = row c / |row|^2 + basis phi, basis spanning the directions that leave row . theta alone
        _, _, vt = np.linalg.svd(self.row[None, :])
        self.basis = vt[1:].T
        self.refits = {float(self.row @ self.theta): self.basis.T @ self.theta}  # c -> the other parameters

    def deviance(self, c: float) -> float:
        """2 (l_max - l_profile(c)), refitted from the refit nearest c (and from the maximum, if
        that start gets stuck: the penalized likelihood of a Firth fit need not be concave)."""
        nearest = min(self.refits, key=lambda done: abs(done - c))
        value, theta = self._refit(c, self.refits[nearest])
        self.refits[c] = self.basis.T @ theta
        return 2.0 * (self.top - value)

    def _refit(self, c: float, phi: np.ndarray) -> tuple[float, np.ndarray]:
        held = self.row * c / (self.row @ self.row)
        value, theta, converged = maximize(self.likelihood, held + self.basis @ phi, self.basis)
        if not converged:
            again = maximize(self.likelihood, held + self.basis @ (self.basis.T @ self.theta), self.basis)
            value, theta = max((value, theta), again[:2], key=lambda found: found[0])
        return value, theta

    def end(self, estimate: float, error: float, side: float) -> float | None:
        """The root of deviance(c) = CHI2_95 on ``side`` (-1 or +1) of the estimate, or None."""
        from scipy.optimize import brentq  # imported when an interval is profiled: large fits never need it

        inner, step = estimate, 1.96 * error
        for _ in range(EXPANSIONS + 1):
            outer = estimate + side * step
            if self.deviance(outer) >= CHI2_95:
                return brentq(
                    lambda c: self.deviance(c) - CHI2_95, inner, outer, xtol=1e-10 * max(error, 1e-300), rtol=1e-12
                )
            inner, step = outer, 2 * step
        return None


def profile_intervals(
    likelihood: Likelihood, theta: np.ndarray, rows: np.ndarray, errors: np.ndarray
) -> tuple[list[float | None], list[float | None]]:
    """The profile interval of each raw-unit coefficient ``rows[r] . theta`` (its Wald standard
    error sets the first steps of the search), from the maximum found near ``theta``."""
    top, theta, _ = maximize(likelihood, theta)
    low, high = [], []
    for row, error in zip(rows, errors):
        profile = Profile(likelihood, row, theta, top)
        low.append(profile.end(float(row @ theta), float(error), -1.0))
        high.append(profile.end(float(row @ theta), float(error), 1.0))
    return low, high


def with_profile(
    table: CoefficientTable, config: TrainConfig, rows: Rows, result: FitResult, wanted: bool
) -> tuple[CoefficientTable, list[str]]:
    """``table`` with its profile-likelihood intervals, where they are computed, and the notes that
    say where they are not (asked not to, too many coefficients, rows not in memory, an end that
    does not exist)."""
    n_rows = len(table.terms)
    why_not = None
    if not wanted:
        why_not = "they were not asked for (--no-profile)"
    elif n_rows > MAX_PROFILE_COEFFICIENTS:
        why_not = f"the model has {n_rows} coefficients, and they are computed for at most {MAX_PROFILE_COEFFICIENTS}"
    elif not isinstance(rows, Dataset):
        why_not = "they need the training rows in memory, and this fit streamed them"
    if why_not:
        return table, [f"profile-likelihood intervals were not computed: {why_not}; the Wald intervals are shown"]
    weights, intercept = parameters(result.fitted)  # standardized units
    if len(weights) > 1:  # relative to the first class, as the table
        weights, intercept = weights[1:] - weights[0], intercept[1:] - intercept[0]
    kept = [0, *(k + 1 for k in result.identified(len(rows.feature_names)))]
    theta = np.column_stack([intercept, weights])[:, kept]  # (E, kept)
    equations = len(theta)
    design = np.column_stack([np.ones(len(rows.y)), result.standardizer.transform(rows.x)])[:, kept]
    v = np.ones(len(rows.y)) if rows.weights is None else np.asarray(rows.weights, dtype=np.float64)
    likelihood = Likelihood(design, np.asarray(rows.y), v, equations, firth=config.penalization.firth)
    jacobian = result.standardizer.jacobian()[np.ix_(kept, kept)]
    m = len(rows.feature_names) + 1
    shown = [e * m + k for e in range(equations) for k in kept]  # the table's rows with an estimate
    linear = np.kron(np.eye(equations), jacobian)  # raw = linear @ standardized, equation by equation
    low, high = profile_intervals(likelihood, theta.ravel(), linear, np.asarray(table.std_error)[shown])
    columns = {"profile_low": [None] * n_rows, "profile_high": [None] * n_rows}
    for i, row in enumerate(shown):
        columns["profile_low"][row], columns["profile_high"][row] = low[i], high[i]
    missing = [table.terms[row] for i, row in enumerate(shown) if low[i] is None or high[i] is None]
    notes = []
    if missing:
        which = "penalized likelihood" if config.penalization.firth else "likelihood"
        notes.append(
            f"the profile-likelihood interval of {', '.join(missing[:5])} has no end on one side: the "
            f"{which} never falls far enough (within 1.96 x 2^{EXPANSIONS} "
            "standard errors), as it does when the data separate the classes along it; that end is shown as -"
        )
    return replace(table, **columns), notes
