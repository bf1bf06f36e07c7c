"""The graph's ``probability_low`` and ``probability_high`` outputs: the 95% interval of each class's
probability, from the coefficients' covariance (``export.intervals`` says what is computed and is
the numpy reference the reader checks these nodes against).

How the nodes compute it, all in float64 (the quadratic forms of raw inputs against a covariance
of raw-unit coefficients would lose digits in float32):
- the terms x~ come from the inputs: ``x`` cast to float64, and for each categorical feature a row
  of an indicator table picked by the level index its ``LabelEncoder`` already gave (the table's
  last row is NaN, as for the logits: an unknown level gives NaN bounds). The graph holds the
  numeric terms first, then the categorical ones, so the covariance is permuted to that order;
- the intercept is kept out of x~ (a column of ones would need the batch size as data):
  x~' V x~ = t' V_tt t + t . (V_t0 + V_0t) + V_00 for the terms t, for every pair of equations;
- the logits are computed again from the same terms in float64 (a float32 logit overflows where an
  input nears float32's limit, and the interval would lose its width);
- binary: the logit ± 1.96 sd, through 1 / (1 + exp(-t)) at each end;
- multinomial: the log-odds eta and the delta method's g from e = exp(logit - its max), as
  ``export.intervals`` writes them, var = ReduceSum((g A) * g).
Every value is at most E^2 m numbers per row (E equations, m coefficients each): the reader's graph
check allows that much for a card with a covariance, and no more.
"""

import numpy as np
from onnx import helper, numpy_helper

from export.artifact import INPUT_NAME
from export.design import Design
from export.formula.design import FormulaDesign
from export.intervals import Z_95
from export.writer.formula import TERMS as FORMULA_TERMS

LOW, HIGH = "probability_low", "probability_high"


def graph_order(design: Design | FormulaDesign) -> list[int]:
    """The terms in the order the graph holds them: numeric features' first, then the categorical
    ones' (each in feature order); a formula model's as they are (``export.writer.formula``)."""
    if isinstance(design, FormulaDesign):
        return list(range(len(design.terms)))
    return [t for f in (*design.numeric, *design.categorical) for t in design.term_indices(f)]


def interval_nodes(
    design: Design | FormulaDesign, weights: np.ndarray, intercept: np.ndarray, covariance: np.ndarray
) -> tuple[list, list]:
    """Constants and nodes from the graph's inputs and its level indices (``level{j}``) to
    ``probability_low`` and ``probability_high``, for the model of ``weights`` (L, terms) and
    ``intercept`` (L,), float64."""
    binary, n_classes = len(weights) == 1, max(len(weights), 2)
    equations = 1 if binary else n_classes - 1
    m = len(design.terms) + 1
    order = np.array([0, *(1 + t for t in graph_order(design))])
    full = np.asarray(covariance, dtype=np.float64).reshape(equations, m, equations, m)[:, order][:, :, :, order]
    quadratic = full[:, 1:, :, 1:].transpose(1, 0, 2, 3).reshape(m - 1, equations * equations * (m - 1))
    linear = (full[:, 1:, :, 0] + full[:, 0, :, 1:].transpose(0, 2, 1)).transpose(1, 0, 2)
    constants = [
        numpy_helper.from_array(quadratic, "cov_quadratic"),
        numpy_helper.from_array(linear.reshape(m - 1, equations * equations), "cov_linear"),
        numpy_helper.from_array(full[:, 0, :, 0].reshape(equations * equations), "cov_constant"),
        numpy_helper.from_array(np.array([0, equations * equations, m - 1], dtype=np.int64), "cov_cells"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "terms_axis"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "cells_axis"),
        numpy_helper.from_array(np.array(Z_95), "z_95"),
        numpy_helper.from_array(np.array(0.0), "zero64"),
        numpy_helper.from_array(np.array(1.0), "one64"),
        # the logits again, in float64 from the same terms: where the float32 logit overflows, the
        # interval still comes from the exact one
        numpy_helper.from_array(np.ascontiguousarray(weights[:, order[1:] - 1].T), "eta_weight"),
        numpy_helper.from_array(np.asarray(intercept, dtype=np.float64), "eta_bias"),
    ]
    parts, nodes = [], []
    if isinstance(design, FormulaDesign):
        nodes.append(helper.make_node("Identity", [FORMULA_TERMS], ["terms_given"]))
        parts.append("terms_given")
    elif design.numeric:
        nodes.append(helper.make_node("Cast", [INPUT_NAME], ["numeric_terms"], to=11))
        parts.append("numeric_terms")
    for j, feature in enumerate(() if isinstance(design, FormulaDesign) else design.categorical):
        levels = len(design.levels[feature])
        indicators = design.expand(np.arange(levels)[:, None].repeat(len(design.features), axis=1))
        columns = design.term_indices(feature)
        table = np.concatenate([indicators[:, columns], np.full((1, len(columns)), np.nan)])
        constants.append(numpy_helper.from_array(table, f"indicators{j}"))
        nodes.append(helper.make_node("Gather", [f"indicators{j}", f"level{j}"], [f"level_terms{j}"], axis=0))
        parts.append(f"level_terms{j}")
    nodes += [
        helper.make_node("Concat", parts, ["terms64"], axis=1),
        helper.make_node("MatMul", ["terms64", "cov_quadratic"], ["quadratic_flat"]),
        helper.make_node("Reshape", ["quadratic_flat", "cov_cells"], ["quadratic_cells"]),
        helper.make_node("Unsqueeze", ["terms64", "terms_axis"], ["terms_row"]),
        helper.make_node("Mul", ["quadratic_cells", "terms_row"], ["quadratic_products"]),
        helper.make_node("ReduceSum", ["quadratic_products", "cells_axis"], ["quadratic_part"], keepdims=0),
        helper.make_node("MatMul", ["terms64", "cov_linear"], ["linear_part"]),
        helper.make_node("Add", ["quadratic_part", "linear_part"], ["partial_cells"]),
        helper.make_node("Add", ["partial_cells", "cov_constant"], ["variance_cells"]),
        helper.make_node("MatMul", ["terms64", "eta_weight"], ["eta_product"]),
        helper.make_node("Add", ["eta_product", "eta_bias"], ["eta_logit"]),
    ]
    if binary:
        constants.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "cell_axis"))
        nodes += [
            helper.make_node("Squeeze", ["variance_cells", "cell_axis"], ["logit_variance"]),
            helper.make_node("Squeeze", ["eta_logit", "cell_axis"], ["eta"]),
        ]
        variance = "logit_variance"
    else:
        k = n_classes
        own = np.zeros((k, k - 1))
        own[np.arange(1, k), np.arange(k - 1)] = 1.0
        constants += [
            numpy_helper.from_array(1.0 - np.eye(k), "others_of"),
            numpy_helper.from_array(own, "own_class"),
            numpy_helper.from_array(own - 1.0, "other_class"),  # -1 where g_kj = -e_j / O_k
            numpy_helper.from_array(np.array([1, k - 1], dtype=np.int64), "after_first"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "first_class"),
            numpy_helper.from_array(np.array([k], dtype=np.int64), "all_classes"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "equation_axis"),
            numpy_helper.from_array(np.array(np.finfo(np.float64).tiny), "tiny64"),
            numpy_helper.from_array(np.array([0, k - 1, k - 1], dtype=np.int64), "cov_square"),
        ]
        nodes += [
            helper.make_node("Reshape", ["variance_cells", "cov_square"], ["logit_covariance"]),
            helper.make_node("ReduceMax", ["eta_logit", "terms_axis"], ["largest64"], keepdims=1),
            helper.make_node("Sub", ["eta_logit", "largest64"], ["shifted64"]),
            helper.make_node("Exp", ["shifted64"], ["exp64"]),
            helper.make_node("MatMul", ["exp64", "others_of"], ["others"]),
            helper.make_node("Max", ["others", "tiny64"], ["others_floor"]),
            helper.make_node("Slice", ["exp64", "first_class", "all_classes", "terms_axis"], ["exp_rest"]),
            helper.make_node("Unsqueeze", ["exp_rest", "terms_axis"], ["exp_rest_row"]),
            helper.make_node("Unsqueeze", ["others_floor", "equation_axis"], ["others_column"]),
            helper.make_node("Div", ["exp_rest_row", "others_column"], ["ratios"]),
            # e_j <= O_k off the diagonal; on it (where g is 1) the ratio may overflow, and 0 * inf is NaN
            helper.make_node("Min", ["ratios", "one64"], ["ratios_at_most_one"]),
            helper.make_node("Mul", ["ratios_at_most_one", "other_class"], ["minus_ratios"]),
            helper.make_node("Add", ["minus_ratios", "own_class"], ["gradient"]),
            helper.make_node("MatMul", ["gradient", "logit_covariance"], ["gradient_covariance"]),
            helper.make_node("Mul", ["gradient_covariance", "gradient"], ["variance_terms"]),
            helper.make_node("ReduceSum", ["variance_terms", "equation_axis"], ["eta_variance"], keepdims=0),
            helper.make_node("Log", ["exp64"], ["log_exp"]),
            helper.make_node("Log", ["others"], ["log_others"]),
            helper.make_node("Sub", ["log_exp", "log_others"], ["eta"]),
        ]
        variance = "eta_variance"
    nodes += [
        helper.make_node("Max", [variance, "zero64"], ["variance_floor"]),
        helper.make_node("Sqrt", ["variance_floor"], ["eta_sd"]),
        helper.make_node("Mul", ["eta_sd", "z_95"], ["half_width"]),
        helper.make_node("Sub", ["eta", "half_width"], ["eta_low"]),
        helper.make_node("Add", ["eta", "half_width"], ["eta_high"]),
    ]
    if binary:
        nodes += [
            helper.make_node("Neg", ["eta_high"], ["minus_high"]),
            helper.make_node("Neg", ["eta_low"], ["minus_low"]),
            *_sigmoid("minus_high", "p0_low"),
            *_sigmoid("eta_low", "p1_low"),
            *_sigmoid("minus_low", "p0_high"),
            *_sigmoid("eta_high", "p1_high"),
            helper.make_node("Unsqueeze", ["p0_low", "terms_axis"], ["p0_low_column"]),
            helper.make_node("Unsqueeze", ["p1_low", "terms_axis"], ["p1_low_column"]),
            helper.make_node("Unsqueeze", ["p0_high", "terms_axis"], ["p0_high_column"]),
            helper.make_node("Unsqueeze", ["p1_high", "terms_axis"], ["p1_high_column"]),
            helper.make_node("Concat", ["p0_low_column", "p1_low_column"], ["low64"], axis=1),
            helper.make_node("Concat", ["p0_high_column", "p1_high_column"], ["high64"], axis=1),
        ]
    else:
        nodes += [*_sigmoid("eta_low", "low64"), *_sigmoid("eta_high", "high64")]
    nodes += [helper.make_node("Cast", ["low64"], [LOW], to=1), helper.make_node("Cast", ["high64"], [HIGH], to=1)]
    return constants, nodes


def _sigmoid(t: str, out: str) -> list:
    """1 / (1 + exp(-t)) in float64: 0 at t = -inf, 1 at +inf."""
    return [
        helper.make_node("Neg", [t], [f"{out}_minus"]),
        helper.make_node("Exp", [f"{out}_minus"], [f"{out}_exp"]),
        helper.make_node("Add", [f"{out}_exp", "one64"], [f"{out}_denominator"]),
        helper.make_node("Reciprocal", [f"{out}_denominator"], [out]),
    ]
