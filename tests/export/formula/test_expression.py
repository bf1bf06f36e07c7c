"""A formula's arithmetic: parsed without evaluating Python, computed the same by numpy and by the
served graph, and any other text refused as ``Unsupported`` (never another exception)."""

import numpy as np
import onnxruntime as ort
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from export.formula import expression
from export.formula.expression import Unsupported


def served(text: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    """``text`` evaluated by onnxruntime from the nodes ``OnnxWriter`` writes."""
    writer = expression.OnnxWriter("e")
    out = writer.write(expression.parse(text), {name: name for name in columns})
    nodes = [*writer.nodes, helper.make_node("Identity", [out], ["out"])]
    graph = helper.make_graph(
        nodes,
        "expression",
        [helper.make_tensor_value_info(name, TensorProto.DOUBLE, ["n"]) for name in columns],
        [helper.make_tensor_value_info("out", TensorProto.DOUBLE, None)],
        writer.constants,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(["out"], columns)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I(age ** 2)", lambda c: c["age"] ** 2),
        ("np.log(lwt)", lambda c: np.log(c["lwt"])),
        ("numpy.exp(-age / 10)", lambda c: np.exp(-c["age"] / 10)),
        ("sqrt(lwt + 1)", lambda c: np.sqrt(c["lwt"] + 1)),
        ("I((age - 20) * lwt / 3 - 2 ** 0.5)", lambda c: (c["age"] - 20) * c["lwt"] / 3 - 2**0.5),
        ("I(+age)", lambda c: c["age"]),
    ],
)
def test_numpy_and_the_graph_compute_the_formula_as_written(text, expected):
    columns = {"age": np.array([19.0, 25.5, 40.0]), "lwt": np.array([101.0, 130.0, 250.0])}
    np.testing.assert_allclose(expression.evaluate(expression.parse(text), columns), expected(columns), rtol=1e-15)
    np.testing.assert_allclose(served(text, columns), expected(columns), rtol=1e-15)


def test_outside_its_domain_a_value_is_not_finite_on_both_paths():
    columns = {"x": np.array([-1.0, 0.0, 4.0])}
    for text in ("np.log(x)", "np.sqrt(x)", "I(1 / x)"):
        ours, graph = expression.evaluate(expression.parse(text), columns), served(text, columns)
        np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(graph))
        assert not np.isfinite(ours[:2]).all() and np.isfinite(ours[2])


@pytest.mark.parametrize(
    ("text", "piece"),
    [
        ("__import__('os').system('ls')", "__import__('os').system('ls')"),
        ("np.sin(x)", "np.sin(x)"),
        ("x.real", "x.real"),
        ("x if y else z", "x if y else z"),
        ("np.log(x, 2)", "np.log(x, 2)"),
        ("'text'", "'text'"),
        ("x % 2", "x % 2"),
        ("[x]", "[x]"),
        ("lambda: 1", "lambda: 1"),
    ],
)
def test_anything_but_the_supported_arithmetic_is_refused_naming_the_piece(text, piece):
    with pytest.raises(Unsupported, match=f"^{piece[:20].replace('(', '.').replace(')', '.').replace('[', '.')}"):
        expression.parse(text)


def test_deep_or_long_text_is_refused_without_recursing():
    with pytest.raises(Unsupported, match="nested deeper than 40"):
        expression.parse("-" * 500 + "x")
    with pytest.raises(Unsupported, match="longer than 1000 characters"):
        expression.parse("x+" * 600 + "x")


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_tree_or_unsupported(text):
    try:
        tree = expression.parse(text)
    except Unsupported:
        return
    names = expression.columns(tree)
    values = expression.evaluate(tree, {name: np.array([1.5, -2.0]) for name in names})
    assert values.shape in ((2,), ())
