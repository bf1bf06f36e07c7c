"""Inference for the fitted coefficients, computed only where it is honest, with a sentence where not.

Standard errors come from the observed information at the estimate (for the logit link it equals
the expected information): X~^T diag(v p (1 - p)) X~ with X~ = [1, x] and v the sample weights
(read as frequency weights). They are computed on standardized features and carried to raw units
with the Jacobian of the un-standardizing map.
"""

import numpy as np

from export.card.sections import CoefficientTable, LRTest, Statistics
from export.formula.design import FormulaDesign
from export.intervals import Z_95
from training.config import TrainConfig
from training.description.distributions import chi2_above, two_sided_normal
from training.description.drop import group_tests
from training.description.evaluation import RowEvaluation
from training.description.profile import with_profile
from training.description.separation import MAX_CELLS, Separation
from training.solvers.fit import FitResult
from training.solvers.history import parameters
from training.solvers.rank import aliased_notes
from training.streaming.reduce import LOCAL, Reducer
from training.streaming.rows import Rows
from training.streaming.summary import RowSummary

# The covariance is stored in the card and in the graph (float64): 200 coefficients are 40,000
# numbers, under a megabyte of card; the models people fit at the command line have tens.
MAX_COVARIANCE_ROWS = 200
# The information matrix of this many coefficients is 200 MB (float64), its inverse as much again.
MAX_INFORMATION_SIDE = 5000


def null_log_likelihood(class_weights: np.ndarray) -> float:
    """The intercept-only model's log-likelihood: sum_c W_c log(W_c / W), W_c the weight of class c."""
    present = class_weights[class_weights > 0]
    return float((present * np.log(present / class_weights.sum())).sum())


def why_no_standard_errors(config: TrainConfig, rows: Rows, result: FitResult, separation: Separation) -> str | None:
    """The reason coefficient standard errors are not shown, or None when they are."""
    size = (len(rows.feature_names) + 1) * (rows.n_classes - 1)
    if size > MAX_INFORMATION_SIDE:
        return (
            f"the model has {size:,} coefficients, and standard errors are computed for at most "
            f"{MAX_INFORMATION_SIDE:,} (their matrices grow with the square)"
        )
    if config.penalization.determines_every_term:
        return (
            "an L2 penalty shrinks the estimates toward zero; Wald standard errors, p-values and the "
            "likelihood-ratio test assume the unpenalized maximum-likelihood estimate, so they are not shown"
        )
    if config.class_weight != "none":
        return "class weights change the likelihood, so standard errors computed from it would not describe the data"
    if not result.convergence.converged:
        return "the fit did not converge, and standard errors describe the optimum, so they are not shown"
    if separation.kind in ("complete", "quasi-complete") and not config.penalization.firth:
        return (
            "the classes are separated, so the maximum-likelihood estimate does not exist and its standard "
            "errors are meaningless; refit with --penalty firth or --l2"
        )
    return None


def coefficient_table(
    feature_names: tuple[str, ...], class_labels: tuple, result: FitResult, information: np.ndarray
) -> tuple[CoefficientTable, np.ndarray]:
    """Estimate, standard error, z, p-value and 95% Wald interval of each raw-unit coefficient, and
    their covariance matrix, from the information matrix in standardized coordinates
    (``information_sum``). Multinomial: the coefficients of each class but the first relative to
    the first (statsmodels' MNLogit, R's multinom), class by class. Aliased features
    (``result.rank``) have no row of numbers, and 0 in the covariance: their information is left
    out before it is inverted."""
    weights, intercept = parameters(result.fitted)
    if len(weights) > 1:  # softmax: relative to the first class, which the shift leaves unchanged
        weights, intercept = weights[1:] - weights[0], intercept[1:] - intercept[0]
    equations, m = len(weights), len(feature_names) + 1
    kept = [0, *(k + 1 for k in result.identified(len(feature_names)))]
    identified = [e * m + k for e in range(equations) for k in kept]
    inverse = np.zeros_like(information)
    block = np.ix_(identified, identified)
    inverse[block] = np.linalg.pinv(information[block], hermitian=True)
    jacobian = np.kron(np.eye(equations), result.standardizer.jacobian())
    covariance = jacobian @ inverse @ jacobian.T
    raw_w, raw_b = result.standardizer.to_raw(weights, intercept)
    estimate = np.concatenate([np.concatenate([[b], w]) for w, b in zip(raw_w, raw_b)])
    error = np.sqrt(np.clip(np.diag(covariance), 0, None))
    z = np.divide(estimate, error, out=np.full_like(estimate, np.nan), where=error > 0)
    columns = [estimate, error, z, two_sided_normal(z), estimate - Z_95 * error, estimate + Z_95 * error]
    shown = np.zeros(len(estimate), dtype=bool)
    shown[identified] = True
    cells = ([float(value) if keep else None for value, keep in zip(column, shown)] for column in columns)
    # CoefficientTable.parallel: terms, then the columns in the order of ``columns``
    table = CoefficientTable(
        terms=["(intercept)", *feature_names] * equations,
        classes=[str(label) for label in class_labels[1:] for _ in range(m)] if equations > 1 else None,
        **dict(zip(CoefficientTable.parallel[1:], cells)),
    )
    return table, covariance


def model_comparison(model_ll: float, null_ll: float, k: int, n: int) -> dict[str, float]:
    """R's ``glm`` numbers for a maximum-likelihood fit of ``k`` coefficients on ``n`` rows (0/1 or
    one-of-K responses, whose saturated log-likelihood is 0): deviances, AIC and BIC."""
    deviance = -2 * model_ll
    return {
        "deviance": deviance,
        "null_deviance": -2 * null_ll,
        "aic": deviance + 2 * k,
        "bic": deviance + k * float(np.log(n)),
    }


def statistics(
    config: TrainConfig,
    rows: Rows,
    result: FitResult,
    evaluation: RowEvaluation,
    summary: RowSummary,
    separation: Separation,
    reducer: Reducer = LOCAL,
    profile: bool = True,
) -> Statistics:
    """The card's ``statistics``: log-likelihoods, the LR test, McFadden's R^2 and the model
    comparison numbers (deviance, AIC, BIC) where the fit is an unpenalized maximum-likelihood one
    (and each categorical feature's test as a whole), the coefficient table where honest (with
    profile-likelihood intervals unless ``profile`` is False: ``training.description.profile``),
    the coefficients' covariance, and ``notes``. ``summary``: of the training rows (their class
    weights; for a streamed refit), ``reducer`` as for the fit."""
    formula = isinstance(rows.inputs, FormulaDesign)
    model_ll, null_ll = evaluation.log_likelihood, null_log_likelihood(summary.class_weights)
    notes: list[str] = []
    lr_test = mcfadden_r2 = table = tests = comparison = None
    not_mle = [
        why
        for why, applies in [
            ("a penalized fit", not config.penalization.maximum_likelihood),
            ("class weights", config.class_weight != "none"),
            ("a fit that did not converge", not result.convergence.converged),
            (
                "separated classes (no maximum-likelihood estimate exists)",
                separation.kind in ("complete", "quasi-complete"),
            ),
        ]
        if applies
    ]
    if not not_mle:
        df = len(result.identified(len(rows.feature_names))) * (rows.n_classes - 1)
        statistic = max(2 * (model_ll - null_ll), 0.0)
        lr_test = LRTest(statistic=statistic, df=df, p_value=chi2_above(statistic, df))
        mcfadden_r2 = 1 - model_ll / null_ll if null_ll < 0 else None
        comparison = model_comparison(model_ll, null_ll, df + rows.n_classes - 1, summary.rows)
        tests = group_tests(rows, result, model_ll, summary, reducer) or None
    else:
        notes.append(
            "the likelihood-ratio test, McFadden's pseudo-R-squared, the deviances, AIC and BIC compare "
            f"maximum-likelihood fits, so they are not shown for {' and '.join(not_mle)}"
        )
    if separation.kind == "not checked" and config.penalization.maximum_likelihood:
        notes.append(
            f"separation was not checked: the linear programme is run on at most {MAX_CELLS:,} cells (rows x "
            "features) of rows in memory; if the fit did not converge or some weights are very large, the "
            "classes may be separated, and --l2 or --penalty firth gives finite estimates"
        )
    if result.rank is not None:
        notes.extend(aliased_notes(result.rank, rows.feature_names))
    reason = why_no_standard_errors(config, rows, result, separation)
    covariance = None
    if reason is None:
        table, matrix = coefficient_table(rows.feature_names, rows.class_labels, result, evaluation.information)
        if len(matrix) <= MAX_COVARIANCE_ROWS:
            covariance = matrix.tolist()
        else:
            notes.append(
                f"the covariance of the {len(matrix):,} coefficients is not stored (at most "
                f"{MAX_COVARIANCE_ROWS} are), so the served probabilities have no interval"
            )
        table, profile_notes = with_profile(table, config, rows, result, profile)
        notes.extend(profile_notes)
        if config.penalization.firth:
            notes.append(
                "Firth estimates: Wald intervals from the information at the estimate; the profile intervals "
                "are of the penalized likelihood, as R's logistf reports them"
            )
    else:
        notes.append(reason)
    return Statistics(
        log_likelihood=model_ll,
        null_log_likelihood=null_ll,
        notes=notes,
        lr_test=lr_test,
        mcfadden_r2=mcfadden_r2,
        **(comparison or {}),
        coefficients=table,
        covariance=covariance,
        aliased=[rows.feature_names[j] for j in result.rank.aliased] if result.rank and result.rank.deficient else None,
        feature_tests=None if formula else tests,
        term_tests=tests if formula else None,
    )
