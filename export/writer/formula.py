"""A formula model's graph front: from the raw inputs to its design matrix ``design64`` and logits.

The inputs stay one per raw column (``x`` float32 for the numeric ones, ``categories`` text for
the categorical ones: the same form, page and scored file as any other model). The graph then
computes, in float64, what ``export.formula.design.FormulaDesign.expand`` computes: each factor's
columns (arithmetic on columns as the formula writes it; a level's indicator row, NaN for a level
the model never saw; a spline basis from its stored pieces), each product of factors (the first
factor's columns varying fastest), and the logits as one float64 product with the coefficients,
rounded to float32 for the ``logit`` output.
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from export.design import level_keys
from export.formula.design import FormulaDesign, indicator_table
from export.formula.expression import OnnxWriter
from export.reader.inputs import CATEGORIES_NAME, INPUT_NAME

TERMS = "design64"
DOUBLE, FLOAT, STRING = TensorProto.DOUBLE, TensorProto.FLOAT, TensorProto.STRING


def formula_front(design: FormulaDesign) -> tuple[list, list, list]:
    """Graph inputs, constants and nodes from the raw inputs to ``design64`` (batch, terms)."""
    inputs, constants, nodes = [], [], []
    columns, levels = {}, {}
    if design.numeric:
        inputs.append(helper.make_tensor_value_info(INPUT_NAME, FLOAT, ["batch", len(design.numeric)]))
        nodes.append(helper.make_node("Cast", [INPUT_NAME], ["x64"], to=DOUBLE))
        for j, name in enumerate(design.numeric):
            constants.append(numpy_helper.from_array(np.array(j, dtype=np.int64), f"numeric_index{j}"))
            nodes.append(helper.make_node("Gather", ["x64", f"numeric_index{j}"], [f"numeric{j}"], axis=1))
            columns[name] = f"numeric{j}"
    if design.categorical:
        inputs.append(helper.make_tensor_value_info(CATEGORIES_NAME, STRING, ["batch", len(design.categorical)]))
        for j, name in enumerate(design.categorical):
            keys = level_keys(design.levels[name])
            constants.append(numpy_helper.from_array(np.array(j, dtype=np.int64), f"categorical_index{j}"))
            nodes += [
                helper.make_node("Gather", [CATEGORIES_NAME, f"categorical_index{j}"], [f"text{j}"], axis=1),
                helper.make_node(
                    "LabelEncoder",
                    [f"text{j}"],
                    [f"level{j}"],
                    domain="ai.onnx.ml",
                    keys_strings=list(keys),
                    values_int64s=list(keys.values()),
                    default_int64=-1,
                ),
            ]
            levels[name] = f"level{j}"
    constants += [
        numpy_helper.from_array(np.array([1], dtype=np.int64), "formula_axis1"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "formula_axis2"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "formula_from1"),
        numpy_helper.from_array(np.array([np.iinfo(np.int64).max], dtype=np.int64), "formula_to_end"),
    ]
    blocks = []
    for k in range(len(design.factors)):
        more_constants, more_nodes, block = _factor(design, k, columns, levels)
        constants += more_constants
        nodes += more_nodes
        blocks.append(block)
    products = []
    for t, term in enumerate(design.formula_terms):
        for q, product in enumerate(term.products):
            name = f"term{t}_{q}"
            nodes += _product([blocks[i] for i, _ in product], [r for _, r in product], name)
            products.append(name)
    nodes.append(helper.make_node("Concat", products, [TERMS], axis=1))
    return inputs, constants, nodes


def _factor(design: FormulaDesign, k: int, columns: dict, levels: dict) -> tuple[list, list, str]:
    """Constants, nodes and the name of factor ``k``'s (batch, columns) float64 block, unreduced."""
    factor, out = design.factors[k], f"factor{k}"
    if factor.kind == "categories":
        table = indicator_table(len(design.levels[factor.source]))
        constant = numpy_helper.from_array(table, f"{out}_table")
        return [constant], [helper.make_node("Gather", [f"{out}_table", levels[factor.source]], [out], axis=0)], out
    writer = OnnxWriter(f"{out}_step")
    value = writer.write(factor.tree, columns)
    if factor.kind == "number":
        return writer.constants, [*writer.nodes, helper.make_node("Unsqueeze", [value, "formula_axis1"], [out])], out
    more_constants, more_nodes = factor.pieces.onnx(value, out)
    return writer.constants + more_constants, writer.nodes + more_nodes, out


def _product(blocks: list[str], reduced: list[bool], name: str) -> list:
    """Nodes multiplying the blocks column by column into ``name`` (batch, product of widths): the
    first block's columns vary fastest; a reduced block loses its first (reference level) column."""
    nodes, parts = [], []
    for j, (block, drop) in enumerate(zip(blocks, reduced)):
        part = block
        if drop:
            part = f"{name}_part{j}"
            nodes.append(helper.make_node("Slice", [block, "formula_from1", "formula_to_end", "formula_axis1"], [part]))
        parts.append(part)
    current = parts[0]
    for j, part in enumerate(parts[1:], start=1):
        nodes += [
            helper.make_node("Unsqueeze", [current, "formula_axis1"], [f"{name}_slow{j}"]),
            helper.make_node("Unsqueeze", [part, "formula_axis2"], [f"{name}_fast{j}"]),
            helper.make_node("Mul", [f"{name}_slow{j}", f"{name}_fast{j}"], [f"{name}_cube{j}"]),
            helper.make_node("Flatten", [f"{name}_cube{j}"], [f"{name}_flat{j}"], axis=1),
        ]
        current = f"{name}_flat{j}"
    nodes.append(helper.make_node("Identity", [current], [name]))
    return nodes


def formula_logit(weights: np.ndarray, intercept: np.ndarray, binary: bool) -> tuple[list, list]:
    """The logit from ``design64``: a float64 product with the coefficients, rounded to float32."""
    weight = weights[0] if binary else np.ascontiguousarray(weights.T)
    bias = np.asarray(intercept[0]) if binary else intercept
    constants = [
        numpy_helper.from_array(np.asarray(weight, dtype=np.float64), "formula_weight"),
        numpy_helper.from_array(np.asarray(bias, dtype=np.float64), "formula_bias"),
    ]
    nodes = [
        helper.make_node("MatMul", [TERMS, "formula_weight"], ["formula_product"]),
        helper.make_node("Add", ["formula_product", "formula_bias"], ["formula_logit64"]),
        helper.make_node("Cast", ["formula_logit64"], ["logit"], to=FLOAT),
    ]
    return constants, nodes


def front_size(design: FormulaDesign) -> tuple[int, int, int]:
    """What the reader's graph check allows a formula model (``export.reader.graph_check``): the
    nodes of its front and logit, the largest value per row (factor blocks, spline pieces and
    comparisons, products) and the largest constant (level tables, spline pieces)."""
    _, constants, nodes = formula_front(design)
    largest = max((int(np.prod(c.dims)) for c in constants), default=1)
    per_row = len(design.terms)
    for factor in design.factors:
        if factor.kind == "categories":
            per_row = max(per_row, len(design.levels[factor.source]) + 1)
        elif factor.kind == "spline":
            pieces = factor.pieces.coefficients
            per_row = max(per_row, pieces.shape[1] * pieces.shape[2], len(factor.pieces.breaks))
    return len(nodes) + 3, per_row, largest
