"""Model files a hostile visitor could upload, built from a real export (its card, its graph).

Each builder takes the bytes of a genuine tutorial export and returns the bytes of an attack.
"""

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from paths import PROJECT

from export.card.model_card import CARD_KEY

OPSET = [helper.make_opsetid("", 20)]


def card_of(data: bytes) -> dict:
    model = onnx.load_from_string(data)
    return json.loads(next(p.value for p in model.metadata_props if p.key == CARD_KEY))


def with_card(data: bytes, card: dict | str | None) -> bytes:
    """The same graph with its model card replaced (removed when ``card`` is None)."""
    model = onnx.load_from_string(data)
    del model.metadata_props[:]
    if card is not None:
        onnx.helper.set_model_props(model, {CARD_KEY: card if isinstance(card, str) else json.dumps(card)})
    return model.SerializeToString()


def edited_card(data: bytes, /, **changes) -> bytes:
    card = card_of(data)
    card.update(changes)
    return with_card(data, card)


def without_section(data: bytes, *sections: str) -> bytes:
    card = card_of(data)
    for section in sections:
        del card[section]
    return with_card(data, card)


def external_initializer(data: bytes, location: str) -> bytes:
    """Our graph, with its float32 weight read from a file beside the server instead of the model."""
    model = onnx.load_from_string(data)
    tensor = next(t for t in model.graph.initializer if t.name == "weight32")
    tensor.ClearField("raw_data")
    del tensor.float_data[:]
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in {"location": location, "offset": "0", "length": "4"}.items():
        tensor.external_data.add(key=key, value=value)
    return model.SerializeToString()


def external_in_branch(data: bytes, location: str) -> bytes:
    """Our graph, with a Constant in one If branch whose value lives in an external file."""
    model = onnx.load_from_string(data)
    branch = next(a.g for n in model.graph.node if n.op_type == "If" for a in n.attribute if a.name == "then_branch")
    value = helper.make_tensor("leak", TensorProto.UINT8, [64], b"\0" * 64, raw=True)
    value.ClearField("raw_data")
    value.data_location = TensorProto.EXTERNAL
    value.external_data.add(key="location", value=location)
    branch.node.append(helper.make_node("Constant", [], ["leaked"], value=value))
    return model.SerializeToString()


def disclosing_graph(data: bytes, location: str, n_bytes: int) -> bytes:
    """The attack as seen: our signature and card, and a graph that returns byte x of ``location``
    (a file beside the server) as the probability of class 1."""
    leak = helper.make_tensor("leak", TensorProto.UINT8, [n_bytes], b"\0" * n_bytes, raw=True)
    leak.ClearField("raw_data")
    leak.data_location = TensorProto.EXTERNAL
    for key, value in {"location": location, "offset": "0", "length": str(n_bytes)}.items():
        leak.external_data.add(key=key, value=value)
    nodes = [
        helper.make_node("Cast", ["x"], ["index"], to=TensorProto.INT64),
        helper.make_node("Squeeze", ["index", "one"], ["flat"]),
        helper.make_node("Gather", ["leak", "flat"], ["byte"]),
        helper.make_node("Cast", ["byte"], ["p1"], to=TensorProto.FLOAT),
    ]
    return _signature_graph(data, nodes, [leak, numpy_helper.from_array(np.array([1]), "one")], "p1", "p1")


def _signature_graph(data: bytes, nodes: list, initializers: list, logit: str, p1: str) -> bytes:
    """A graph with our input and outputs around ``nodes`` (which make ``logit`` and ``p1``, both
    float [batch]), carrying the genuine card of ``data``."""
    tail = [
        helper.make_node("Identity", [logit], ["logit"]),
        helper.make_node("Sub", ["one_f", p1], ["p0"]),
        helper.make_node("Unsqueeze", ["p0", "axis1"], ["p0_col"]),
        helper.make_node("Unsqueeze", [p1, "axis1"], ["p1_col"]),
        helper.make_node("Concat", ["p0_col", "p1_col"], ["probabilities"], axis=1),
        helper.make_node("Greater", [p1, "half"], ["above"]),
        helper.make_node("Cast", ["above"], ["label"], to=TensorProto.INT64),
    ]
    constants = [
        numpy_helper.from_array(np.array(1.0, np.float32), "one_f"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        numpy_helper.from_array(np.array([1]), "axis1"),
    ]
    graph = helper.make_graph(
        nodes + tail,
        "hostile",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1])],
        [
            helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["batch"]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 2]),
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
        ],
        initializers + constants,
    )
    model = helper.make_model(graph, opset_imports=OPSET, ir_version=10)
    return with_card(model.SerializeToString(), card_of(data))


def _scalars(**values: float) -> list[TensorProto]:
    return [numpy_helper.from_array(np.array(v, np.float32), name) for name, v in values.items()]


def constant_graph(data: bytes) -> bytes:
    """P(y = 1) = 0.99 whatever x is, under the genuine card."""
    nodes = [
        helper.make_node("ReduceSum", ["x", "axis1"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "logit_value"], ["z"]),
        helper.make_node("Add", ["nothing", "p_value"], ["p1"]),
    ]
    return _signature_graph(data, nodes, _scalars(zero=0.0, logit_value=4.6, p_value=0.99), "z", "p1")


def nonsense_graph(data: bytes) -> bytes:
    """Probabilities of 7.5 and a NaN logit."""
    nodes = [
        helper.make_node("ReduceSum", ["x", "axis1"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
        helper.make_node("Div", ["nothing", "zero"], ["z"]),
        helper.make_node("Add", ["nothing", "p_value"], ["p1"]),
    ]
    return _signature_graph(data, nodes, _scalars(zero=0.0, p_value=7.5), "z", "p1")


def huge_graph(data: bytes, side: int = 30_000) -> bytes:
    """A side x side tensor of zeros whose shape depends on the batch (the 72 KB upload that took
    the server to 3.9 GB), summed into an honest-looking logit."""
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Div", ["shape", "shape"], ["ones"]),
        helper.make_node("Mul", ["ones", "sides"], ["big_shape"]),
        helper.make_node("ConstantOfShape", ["big_shape"], ["big"]),
        helper.make_node("ReduceSum", ["big"], ["zero"], keepdims=0),
        helper.make_node("ReduceSum", ["x", "axis1"], ["total"], keepdims=0),
        helper.make_node("Add", ["total", "zero"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["p1"]),
    ]
    sides = numpy_helper.from_array(np.array([side, side], np.int64), "sides")
    return _signature_graph(data, nodes, [sides], "z", "p1")


def quadratic_graph(data: bytes) -> bytes:
    """Only operators our exporter emits, but a batch x batch product: memory grows with batch²."""
    nodes = [
        helper.make_node("Einsum", ["x", "x"], ["outer"], equation="nd,md->nm"),
        helper.make_node("ReduceSum", ["outer", "axis1"], ["z"], keepdims=0),
        helper.make_node("Neg", ["z"], ["minus"]),
        helper.make_node("Exp", ["minus"], ["e"]),
        helper.make_node("Add", ["e", "one_f"], ["denominator"]),
        helper.make_node("Reciprocal", ["denominator"], ["p1"]),
    ]
    return _signature_graph(data, nodes, [], "z", "p1")


def oversized_initializer(data: bytes, size: int = 1_000_000) -> bytes:
    """Our graph plus an unused float32 tensor of ``size`` values (a 1-feature model needs 1)."""
    model = onnx.load_from_string(data)
    model.graph.initializer.append(numpy_helper.from_array(np.zeros(size, np.float32), "ballast"))
    return model.SerializeToString()


def recast_classes(data: bytes, labels: list) -> bytes:
    """A card that is consistent in itself but claims ``labels`` as classes for the graph of ``data``."""
    card = card_of(data)
    n_logits = 1 if len(labels) == 2 else len(labels)
    d = len(card["feature_names"])
    zeros = [[0.0] * d for _ in range(n_logits)]
    for section in ("metrics", "statistics"):
        card.pop(section, None)
    card.get("summary", {}).pop("optimum", None)  # sized by the classes too
    card.update(
        task="binary" if n_logits == 1 else "multinomial",
        class_labels=labels,
        threshold=0.5 if n_logits == 1 else None,
        coefficients={"weights": zeros, "intercept": [0.0] * n_logits},
        history={"epoch": [0], "loss": [1.0], "weights": [zeros], "intercept": [[0.0] * n_logits]},
        data={**card["data"], "class_counts": [1] * len(labels), "rows": {"x": [], "y": []}},
    )
    return with_card(data, card)


def with_attribute(data: bytes, op: str, name: str, value: int) -> bytes:
    """The first ``op`` node (in any subgraph) with its integer attribute ``name`` set to ``value``."""
    model = onnx.load_from_string(data)

    def edit(graph: onnx.GraphProto) -> bool:
        for node in graph.node:
            found = [a for a in node.attribute if node.op_type == op and a.name == name]
            if found:
                found[0].i = value
                return True
            if any(edit(a.g) for a in node.attribute if a.type == onnx.AttributeProto.GRAPH):
                return True
        return False

    assert edit(model.graph), f"no {op}.{name} in the graph"
    return model.SerializeToString()


def card_text_edited(data: bytes, old: str, new: str) -> bytes:
    """The card's JSON text with its first ``old`` replaced by ``new`` (which may break its JSON)."""
    text = json.dumps(card_of(data))
    assert old in text
    return with_card(data, text.replace(old, new, 1))


def card_byte_broken(data: bytes) -> bytes:
    """The file with one byte of its card's text made invalid UTF-8."""
    assert data.count(b'"producer"') == 1
    return data.replace(b'"producer"', b'"produc\xffr"')


# Each attack with the start of the one line the reader refuses it with.
IRIS = PROJECT / "artifacts" / "iris.onnx"
NOT_OURS = r"^upload.onnx is not a model this kit exported: "
EXTERNAL = (
    NOT_OURS + r"tensor '(weight32|leak)' keeps its values in an external file; our exports are one self-contained file"
)
LIES = r"^upload.onnx: its graph does not compute what its card says \("
SHAPES = r"^upload.onnx: its graph returns outputs of shapes "
BAD_CARD = r"^upload.onnx: its model card is inconsistent \("

HOSTILE = {
    "external data, relative path": (lambda g: external_initializer(g, "README.md"), EXTERNAL),
    "external data, absolute path": (lambda g: external_initializer(g, "/etc/passwd"), EXTERNAL),
    "external data, parent folder": (lambda g: external_initializer(g, "../secrets.toml"), EXTERNAL),
    "external data in an If branch": (lambda g: external_in_branch(g, ".git/config"), EXTERNAL),
    "a graph that reads a file": (lambda g: disclosing_graph(g, "streamlit_app.py", 64), EXTERNAL),
    "30,000 x 30,000 zeros": (
        huge_graph,
        NOT_OURS + "it uses the operator ConstantOfShape, which our exporter never emits",
    ),
    "100,000 x 100,000 zeros": (
        lambda g: huge_graph(g, 100_000),
        NOT_OURS + "it uses the operator ConstantOfShape, which our exporter never emits",
    ),
    "batch x batch product": (
        quadratic_graph,
        NOT_OURS + r"value 'outer' would grow faster than the input \(shape \[batch, batch\]\)",
    ),
    "a million-value tensor": (
        oversized_initializer,
        NOT_OURS + r"tensor 'ballast' has shape \[1000000\], larger than the card's coefficients need",
    ),
    "constant probabilities": (constant_graph, LIES + "logit differs from the card's coefficients"),
    "probabilities of 7.5, NaN logit": (
        nonsense_graph,
        LIES + "logit differs from the card's coefficients by nan",
    ),
    "coefficients the graph does not use": (
        lambda g: edited_card(g, coefficients={"weights": [[2.0]], "intercept": [0.1]}),
        LIES + "logit differs from the card's coefficients",
    ),
    "a 3-class card on a binary graph": (
        lambda g: recast_classes(g, ["a", "b", "c"]),
        SHAPES + r"\{'logit': \(200,\), 'probabilities': \(200, 2\)\}, not",
    ),
    "the iris graph with 4 class labels": (
        lambda g: recast_classes(IRIS.read_bytes(), ["a", "b", "c", "d"]),
        SHAPES + r".*'probabilities': \(200, 3\)\}, not .*'probabilities': \(200, 4\)",
    ),
    "statistics that are text": (
        lambda g: edited_card(g, statistics="none"),
        BAD_CARD + "card.statistics is 'none', not an object",
    ),
    "metrics that are a list": (
        lambda g: edited_card(g, metrics=[]),
        BAD_CARD + r"card.metrics is \[\], not an object",
    ),
    "a feature range that is NaN": (
        lambda g: edited_card(
            g, data={**card_of(g)["data"], "features": {"x": {"min": float("nan"), "max": 4.0, "mean": 2.5}}}
        ),
        BAD_CARD + "card.data.features.x.min is nan, not a finite number",
    ),
    "a stored row of another class": (
        lambda g: edited_card(g, data={**card_of(g)["data"], "rows": {"x": [[1.0]], "y": [5]}}),
        BAD_CARD + r"card.data.rows.y\[0\] is 5, not a class index below 2",
    ),
    "a history without losses": (
        lambda g: edited_card(g, history={**card_of(g)["history"], "loss": []}),
        BAD_CARD + "card.history: epoch, loss, weights, intercept have different lengths",
    ),
    "a card nested a million deep": (lambda g: with_card(g, "[" * 1_000_000), r"its model card nests too deeply"),
    "a value nested 985 deep": (
        lambda g: card_text_edited(g, '"warnings": [', '"warnings": [' + "[" * 985 + "]" * 985 + ","),
        # refused by the JSON parser's depth limit or by the card's check, whichever the stack reaches first
        r"^upload.onnx: its model card (nests too deeply|is inconsistent \(card.warnings\[0\] is \[\[\[\.\.\.)",
    ),
    "an integer of 4,400 digits": (
        lambda g: card_text_edited(g, '"n_rows": ', '"n_rows": ' + "9" * 4400 + ', "was": '),
        r"^upload.onnx: its model card is not valid JSON \(Exceeds the limit",
    ),
    "an integer beyond float64 as a number": (
        lambda g: card_text_edited(g, '"threshold": ', '"threshold": ' + "9" * 400 + ', "was": '),
        BAD_CARD + r"threshold 9+\.\.\.9+ outside \(0, 1\)",
    ),
    "a feature range whose min is above its max": (
        lambda g: edited_card(g, data={**card_of(g)["data"], "features": {"x": {"min": 4.0, "max": 1.0, "mean": 2.5}}}),
        BAD_CARD + r"card.data.features.x.min is above its max",
    ),
    "a card byte that is not UTF-8": (card_byte_broken, r"^upload.onnx: its model card is not valid JSON \('utf-8'"),
    "a Cast to element type 0": (
        lambda g: with_attribute(g, "Cast", "to", 0),
        NOT_OURS + r"onnx's checks reject its graph \(Invalid tensor data type 0",
    ),
}
