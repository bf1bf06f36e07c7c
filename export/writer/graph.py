"""The served graph, built node by node as an ONNX ``ModelProto`` (onnx.helper; no torch).

Why the graph is built this way:
- The logit is one float32 matrix product: an ONNX ``Einsum`` for batches of more than
  ``SMALL_BATCH`` rows (onnxruntime's Einsum runs at memory speed) and ``MatMul`` for smaller ones
  (less overhead per call: single-row latency), chosen by an ``If`` on the batch size; both round
  as float32 dot products. If any logit of a batch comes out infinite or NaN (an input near
  float32's limit: ``[1e38, -1e38]`` gives ``inf - inf``), the batch is recomputed in float64 and
  rounded to float32 (a second ``If``), so a finite input never gives NaN and an overflowing one
  gives the right infinity. One reduction tells whether any logit is inf or NaN: ``s - s`` is NaN
  exactly then (a huge finite sum also sends the batch to the exact branch: slower, never wrong).
- The probabilities are ``1 / (1 + exp(-z))`` and ``1 / (1 + exp(z))`` (binary) or a softmax
  shifted by the row's largest logit (multinomial), computed from the ``logit`` output in float32
  (Exp, Add, Reciprocal: about 2e-7 relative error down to 1e-30, monotone), so each is accurate
  in its own tail and consistent with the logit the graph reports. onnxruntime's ``Sigmoid``
  kernel is accurate only in absolute terms (returns 0 from z <= -18), which fails the tail bar.
  Multinomial logits are clipped to the float32 range first, so a row with an infinite logit gets
  probability 1 (shared among ties) rather than NaN.
- Categorical features (``export.design``) come in as text, one column each of the ``categories``
  input: an ``ai.onnx.ml`` ``LabelEncoder`` turns a column's text into its level's index (-1 for
  text that is no level), and a ``Gather`` picks that level's row from a table of what each level
  adds to the logits (float32; the reference level's row is 0). The table's last row is NaN and a
  Gather at -1 reads the last row: so a level the model never saw gives NaN logits and
  probabilities, never the reference level's answer. The numeric features keep the path above.
- Built directly rather than traced by ``torch.onnx.export``: the same nodes in milliseconds
  instead of seconds (the exporter's start-up), and the same bytes for the same weights. Every
  export is still checked against the fitted torch layer (``export.writer.build``).
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from export.artifact import CATEGORIES_NAME, INPUT_NAME, INTERVAL_TYPES, OUTPUT_TYPES
from export.design import Design, level_keys
from export.formula.design import FormulaDesign
from export.limits import FLOAT32_MAX
from export.writer.formula import formula_front, formula_logit
from export.writer.intervals import interval_nodes

SMALL_BATCH = 256
OPSET = 20
ML_OPSET = 3  # ai.onnx.ml: LabelEncoder-2 (string keys, int64 values, a default)
IR_VERSION = 10
PRODUCER = "logreg-kit"
FLOAT, DOUBLE, INT64, STRING = TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT64, TensorProto.STRING


def serving_graph(
    weights: np.ndarray,
    intercept: np.ndarray,
    threshold: float | None,
    design: Design | None = None,
    covariance: np.ndarray | None = None,
) -> onnx.ModelProto:
    """x float32 (batch, d) -> logit (batch,) or (batch, K), probabilities (batch, K), label (batch,).
    ``weights`` float64 (1, terms) for binary, (K, terms) for multinomial; ``intercept`` (L,);
    ``threshold`` applies to binary models only. With categorical features (``design``), ``x``
    holds the numeric features (absent when there are none) and ``categories`` the categorical
    ones' text, each in the design's feature order. With the coefficients' ``covariance`` (the
    card's ``statistics.covariance``), also probability_low and probability_high (batch, K)
    (``export.writer.intervals``)."""
    weights, intercept = np.asarray(weights, dtype=np.float64), np.asarray(intercept, dtype=np.float64)
    binary = weights.shape[0] == 1
    logit_shape = ["batch"] if binary else ["batch", weights.shape[0]]
    design = design or Design(tuple(f"x{j}" for j in range(weights.shape[1])))
    if isinstance(design, FormulaDesign):
        inputs, constants, nodes = formula_front(design)
        more_constants, more_nodes = formula_logit(weights, intercept, binary)
        constants, nodes = constants + more_constants, nodes + more_nodes
    else:
        inputs, constants, nodes = _main_effects_logit(weights, intercept, binary, logit_shape, design)
    constants, nodes = _probabilities(constants, nodes, binary, threshold)
    n_classes = 2 if binary else weights.shape[0]
    shapes = {"logit": logit_shape, "probabilities": ["batch", n_classes], "label": ["batch"]}
    outputs = dict(OUTPUT_TYPES)
    if covariance is not None:
        more_constants, more_nodes = interval_nodes(design, weights, intercept, covariance)
        constants += more_constants
        nodes += more_nodes
        outputs.update(INTERVAL_TYPES)
        shapes.update({name: ["batch", n_classes] for name in INTERVAL_TYPES})
    graph = helper.make_graph(
        nodes,
        "logistic_regression",
        inputs,
        [helper.make_tensor_value_info(name, _element(kind), shapes[name]) for name, kind in outputs.items()],
        constants,
    )
    opsets = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid("ai.onnx.ml", ML_OPSET)] * design.has_categories
    model = helper.make_model(graph, opset_imports=opsets, producer_name=PRODUCER, ir_version=IR_VERSION)
    onnx.checker.check_model(model, full_check=True)
    return model


def _main_effects_logit(
    weights: np.ndarray, intercept: np.ndarray, binary: bool, logit_shape: list, design: Design
) -> tuple[list, list, list]:
    """Inputs, constants and nodes from the inputs to ``logit`` for a model whose features enter as
    themselves (numeric) or their levels (categorical)."""
    numeric = [t for f in design.numeric for t in design.term_indices(f)]
    if numeric:
        constants, nodes = _numeric_logit(weights[:, numeric], intercept, binary, logit_shape)
    else:
        bias = np.asarray(intercept[0] if binary else intercept, dtype=np.float32)
        constants, nodes = [numpy_helper.from_array(bias, "bias32")], [helper.make_node("Identity", ["bias32"], ["z0"])]
    inputs = [helper.make_tensor_value_info(INPUT_NAME, FLOAT, ["batch", len(numeric)])] if numeric else []
    if design.has_categories:
        inputs.append(helper.make_tensor_value_info(CATEGORIES_NAME, STRING, ["batch", len(design.categorical)]))
        more_constants, more_nodes = _level_contributions(weights, design, binary)
        constants += more_constants
        nodes += more_nodes
    nodes[-1].output[0] = "logit"  # the last sum is the logit output
    return inputs, constants, nodes


def _level_contributions(weights: np.ndarray, design: Design, binary: bool) -> tuple[list, list]:
    """Nodes adding each categorical feature's level contribution to the running sum ``z0``."""
    constants, nodes = [], []
    for j, feature in enumerate(design.categorical):
        table = design.level_contributions(weights, feature)  # (levels, L)
        table = np.concatenate([table, np.full((1, table.shape[1]), np.nan)]).astype(np.float32)
        keys = level_keys(design.levels[feature])
        names = {part: f"{part}{j}" for part in ("column", "text", "level", "table", "adds")}
        constants += [
            numpy_helper.from_array(np.array(j, dtype=np.int64), names["column"]),
            numpy_helper.from_array(table[:, 0] if binary else table, names["table"]),
        ]
        nodes += [
            helper.make_node("Gather", [CATEGORIES_NAME, names["column"]], [names["text"]], axis=1),
            helper.make_node(
                "LabelEncoder",
                [names["text"]],
                [names["level"]],
                domain="ai.onnx.ml",
                keys_strings=list(keys),
                values_int64s=list(keys.values()),
                default_int64=-1,
            ),
            helper.make_node("Gather", [names["table"], names["level"]], [names["adds"]], axis=0),
            helper.make_node("Add", [f"z{j}", names["adds"]], [f"z{j + 1}"]),
        ]
    return constants, nodes


def _numeric_logit(weights: np.ndarray, intercept: np.ndarray, binary: bool, logit_shape: list) -> tuple[list, list]:
    """The numeric features' part of the logit (intercept included), as ``z0``: float32 with a
    float64 recomputation when it overflows (module docstring)."""
    # binary: one weight vector (d,) and a scalar intercept, so the logit comes out as (batch,);
    # multinomial: weights stored as (d, K), so no product works on a transposed view
    weight = weights[0] if binary else np.ascontiguousarray(weights.T)
    bias = np.asarray(intercept[0]) if binary else intercept
    equation = "nd,d->n" if binary else "nd,dk->nk"
    constants = [
        numpy_helper.from_array(weight, "weight"),
        numpy_helper.from_array(bias, "bias"),
        numpy_helper.from_array(weight.astype(np.float32), "weight32"),
        numpy_helper.from_array(bias.astype(np.float32), "bias32"),
        numpy_helper.from_array(np.array(SMALL_BATCH, dtype=np.int64), "small_batch"),
    ]
    nodes = [
        helper.make_node("Shape", [INPUT_NAME], ["shape"], start=0, end=1),
        helper.make_node("Squeeze", ["shape"], ["rows"]),
        helper.make_node("Greater", ["rows", "small_batch"], ["many"]),
        helper.make_node(
            "If",
            ["many"],
            ["fast"],
            then_branch=_branch(
                "many_rows",
                [
                    helper.make_node("Einsum", [INPUT_NAME, "weight32"], ["product_many"], equation=equation),
                    helper.make_node("Add", ["product_many", "bias32"], ["fast_many"]),
                ],
                "fast_many",
                FLOAT,
                logit_shape,
            ),
            else_branch=_branch(
                "few_rows",
                [
                    helper.make_node("MatMul", [INPUT_NAME, "weight32"], ["product_few"]),
                    helper.make_node("Add", ["product_few", "bias32"], ["fast_few"]),
                ],
                "fast_few",
                FLOAT,
                logit_shape,
            ),
        ),
        helper.make_node("ReduceSum", ["fast"], ["total"], keepdims=0),
        helper.make_node("Sub", ["total", "total"], ["spread"]),
        helper.make_node("IsNaN", ["spread"], ["overflow"]),
        helper.make_node(
            "If",
            ["overflow"],
            ["z0"],
            then_branch=_branch(
                "exact",
                [
                    helper.make_node("Cast", [INPUT_NAME], ["x64"], to=DOUBLE),
                    helper.make_node("Einsum", ["x64", "weight"], ["product64"], equation=equation),
                    helper.make_node("Add", ["product64", "bias"], ["logit64"]),
                    helper.make_node("Cast", ["logit64"], ["exact_logit"], to=FLOAT),
                ],
                "exact_logit",
                FLOAT,
                logit_shape,
            ),
            else_branch=_branch(
                "as_is", [helper.make_node("Identity", ["fast"], ["fast_logit"])], "fast_logit", FLOAT, logit_shape
            ),
        ),
    ]
    return constants, nodes


def _probabilities(constants: list, nodes: list, binary: bool, threshold: float | None) -> tuple[list, list]:
    """The nodes from ``logit`` to ``probabilities`` and ``label`` (module docstring)."""
    if binary:
        constants += [
            numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "column"),
            numpy_helper.from_array(np.array(threshold, dtype=np.float32), "threshold"),
        ]
        nodes += [
            helper.make_node("Neg", ["logit"], ["minus_logit"]),
            helper.make_node("Exp", ["minus_logit"], ["exp_minus"]),
            helper.make_node("Add", ["exp_minus", "one"], ["denominator1"]),
            helper.make_node("Reciprocal", ["denominator1"], ["p1"]),
            helper.make_node("Exp", ["logit"], ["exp_plus"]),
            helper.make_node("Add", ["exp_plus", "one"], ["denominator0"]),
            helper.make_node("Reciprocal", ["denominator0"], ["p0"]),
            helper.make_node("Unsqueeze", ["p0", "column"], ["p0_column"]),
            helper.make_node("Unsqueeze", ["p1", "column"], ["p1_column"]),
            helper.make_node("Concat", ["p0_column", "p1_column"], ["probabilities"], axis=1),
            helper.make_node("Greater", ["p1", "threshold"], ["above"]),
            helper.make_node("Cast", ["above"], ["label"], to=INT64),
        ]
    else:
        constants += [
            numpy_helper.from_array(np.array(-FLOAT32_MAX, dtype=np.float32), "lowest"),
            numpy_helper.from_array(np.array(FLOAT32_MAX, dtype=np.float32), "highest"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "classes_axis"),
        ]
        nodes += [
            helper.make_node("Clip", ["logit", "lowest", "highest"], ["clipped"]),
            helper.make_node("ReduceMax", ["clipped", "classes_axis"], ["largest"], keepdims=1),
            helper.make_node("Sub", ["clipped", "largest"], ["shifted"]),
            helper.make_node("Exp", ["shifted"], ["exp"]),
            helper.make_node("ReduceSum", ["exp", "classes_axis"], ["exp_total"], keepdims=1),
            helper.make_node("Div", ["exp", "exp_total"], ["probabilities"]),
            helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
        ]
    return constants, nodes


def _branch(name: str, nodes: list, output: str, element: int, shape: list) -> onnx.GraphProto:
    return helper.make_graph(nodes, name, [], [helper.make_tensor_value_info(output, element, shape)])


def _element(kind: str) -> int:
    return {"tensor(float)": FLOAT, "tensor(int64)": INT64}[kind]
