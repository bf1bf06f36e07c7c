"""Plain-language warnings about a fit: what went wrong, what it means, and the fix."""

import numpy as np

from export.card.sections import Statistics
from training.config import TrainConfig
from training.data.dataset import Dataset
from training.description.separation import Separation
from training.solvers.fit import FitResult
from training.solvers.optimizers import Convergence
from training.streaming.rows import Rows
from training.streaming.summary import RowSummary


def separation_warning(separation: Separation, data: Rows) -> str | None:
    which = "" if separation.cls is None else f" (class {data.class_labels[separation.cls]} against the rest)"
    if separation.kind == "complete":
        return (
            f"complete separation{which}: a straight boundary splits the training rows perfectly by class, so "
            "the unpenalized maximum-likelihood estimate does not exist: the weights grow without bound and "
            "the probabilities are pushed to 0 and 1. Fix: --l2 0.01 (ridge) or --penalty firth (binary)."
        )
    if separation.kind == "quasi-complete":
        return (
            f"quasi-complete separation{which}: {separation.separated_rows} training rows lie perfectly on "
            "their class's side of a straight boundary, so the unpenalized maximum-likelihood estimate does "
            "not exist for some weights. Fix: --l2 0.01 (ridge) or --penalty firth (binary)."
        )
    return None


def fit_warnings(
    config: TrainConfig,
    rows: Rows,
    result: FitResult,
    separation: Separation,
    statistics: Statistics,
    summary: RowSummary,
) -> list[str]:
    warnings = []
    if config.penalization.maximum_likelihood:
        message = separation_warning(separation, rows)
        if message:
            warnings.append(message)
    if not result.convergence.converged:
        warnings.append(not_converged_warning(config, rows, result.convergence))
    test = statistics.lr_test
    if test is not None and test.p_value >= 0.05:
        warnings.append(
            f"no better than the base rate: the likelihood-ratio test against a model with only an "
            f"intercept gives p = {test.p_value:.2g}, so these rows show no detectable link between "
            "the features and the target; predictions are close to the class shares."
        )
    constant = [name for name, same in zip(rows.feature_names, summary.constant_features()) if same]
    if constant:
        warnings.append(
            f"constant feature(s) {', '.join(constant)}: the same value in every training row, so the "
            "data cannot determine their weight. Fix: leave them out with --features."
        )
    return warnings


def not_converged_warning(config: TrainConfig, rows: Rows, c: Convergence) -> str:
    """What stopped the run short of the optimum, and the fix for that cause."""
    unit = "iterations" if config.optimizer == "lbfgs" else "epochs"
    said = (
        f"not converged: after {c.iterations} {unit} the largest entry of the gradient is {c.gradient_norm:.2g}, "
        f"above --tol {c.tol:g}, so these coefficients are not the optimum of the objective."
    )
    if c.stop != "line search":
        fix = "raise --max-iter" if config.optimizer == "lbfgs" else "use --optimizer lbfgs, or more --epochs"
        return f"{said} Fix: {fix}."
    fixes = []
    if not config.standardize:
        fixes.append("drop --no-standardize (features on very different scales make the problem badly conditioned)")
    if isinstance(rows, Dataset) and rows.x.dtype == np.float32:
        fixes.append(f"a larger --tol (the gradient is at float32's rounding noise; e.g. --tol {10 * c.tol:g})")
    fixes.append("a small ridge penalty, --l2 0.01")
    return (
        f"{said} The line search could lower the objective no further, so more iterations would not help. "
        f"Fix: {'; or '.join(fixes)}."
    )
