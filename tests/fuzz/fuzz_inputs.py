"""Generators of hostile inputs (hypothesis strategies), each starting from our own files and
breaking them the ways files get broken: cut, spliced, re-encoded, cells replaced by the values
that break parsers (quotes, separators, huge numbers, control characters, other scripts).

The profile decides how many cases each property sees: ``ci`` (seeded, a few hundred in all, run by
the README's test command) or ``long`` (``python -m benchmarks.fuzz``, 100,000 and more), chosen by
the ``LOGREG_FUZZ_PROFILE`` variable.
"""

import json
import os
import warnings

import numpy as np
import onnx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from paths import PROJECT

from export.card.model_card import CARD_KEY

ARTIFACTS = PROJECT / "artifacts"
MODELS = {
    name: (ARTIFACTS / f"{name}.onnx").read_bytes()
    for name in ("model", "cancer", "iris", "penguins", "default_formula")
}

# cases per property: a seeded handful in CI, many in the long run
PROFILE = os.environ.get("LOGREG_FUZZ_PROFILE", "ci")
COMMON = {"database": None, "suppress_health_check": list(HealthCheck), "print_blob": True}
settings.register_profile("ci", max_examples=60, derandomize=True, deadline=None, **COMMON)
LONG_EXAMPLES = int(os.environ.get("LOGREG_FUZZ_EXAMPLES", "20000"))
settings.register_profile("long", max_examples=LONG_EXAMPLES, deadline=None, **COMMON)
settings.load_profile(PROFILE)
SLOW = settings(max_examples=max(5, settings().max_examples // 6))  # properties that fit a model each time

# the cells that break parsers and checks
NASTY_CELLS = [
    *("", " ", '"', '""', '"a', 'a"b', ",", ";", "\t", "|", "\n", "\r\n", "\r", "\x00", "\ufeff", "\\", "'"),
    *("nan", "NaN", "inf", "-inf", "1e400", "-1e400", "1e38", "3.5e38", "1e-400", "9" * 400, "2" * 19, "-0", "+1"),
    *("1,5", "1.200,5", "4,663.24", "0x10", "1_000", "True", "false", "NA", "null", "None", "=1+1", "@SUM(A1)", "-2"),
    *("é", "日本", "\U0001f600", "a" * 300, "0", "1", "2", "00123", " 7 ", "1.5", "-3.25"),
]
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, -(10**400), 2**63, 0, -1, 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 5e-324, 3.5e38]),
    st.text(max_size=20),
    st.sampled_from(NASTY_CELLS),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=20,
)


def _head(name: str, lines: int = 60) -> bytes:
    """The first lines of one of our example data files (a shuffled mix of classes in each)."""
    rows = (PROJECT / "data" / name).read_bytes().splitlines(keepends=True)
    return b"".join([rows[0], *rows[1 :: max(1, len(rows) // lines)][:lines]])


# real tables to start from, each with its target: our example data, and small ones of each dialect
SEED_TABLES = [
    (_head("iris.csv"), "species"),
    (_head("penguins.csv"), "sex"),
    (_head("breast_cancer.csv"), "diagnosis"),
    (_head("default.csv", 200), "default"),
    (b"x,y\n1,0\n2,1\n3,1\n4,0\n5,1\n", "y"),
    (b"x;g;y\n1,5;a;0\n2,5;b;1\n3,5;a;1\n4,5;b;0\n", "y"),
    (b"\xef\xbb\xbf,x,y\n0,1,0\n1,2,1\n2,3,1\n3,4,0\n", "y"),
    (b"x\tz\ty\tw\n1\t2\t0\t1\n2\t1\t1\t2\n3\t0\t1\t1\n4\t5\t0\t3\n", "y"),
]


@st.composite
def csv_bytes(draw) -> tuple[bytes, str]:
    """A CSV a person might hand over, broken, and the column it is meant to predict: a real table
    with cells replaced, lines cut, bytes spliced in, re-encoded; or plain random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=400)), "y"
    data, target = draw(st.sampled_from(SEED_TABLES))
    lines = data.split(b"\n")
    for _ in range(draw(st.sampled_from([0, 1, 1, 2, 3]))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "cut", "drop", "repeat", "bytes", "header"]))
        i = draw(st.integers(0, len(lines) - 1))
        if kind in ("cell", "header"):
            i = 0 if kind == "header" else i
            sep = draw(st.sampled_from([b",", b";", b"\t"]))
            cells = lines[i].split(sep)
            j = draw(st.integers(0, max(len(cells) - 1, 0)))
            cells[j] = draw(st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=12))).encode("utf-8", "replace")
            lines[i] = sep.join(cells)
        elif kind == "cut":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif kind == "drop" and len(lines) > 1:
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, lines[i])
        elif kind == "bytes":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(st.binary(min_size=1, max_size=6)) + lines[i][at:]
    data = b"\n".join(lines)
    if draw(st.integers(0, 9)) == 0:
        data = data.decode("utf-8", "replace").encode(draw(st.sampled_from(["utf-16", "latin-1", "cp1252"])), "replace")
    return data, target


def card_of(model: bytes) -> dict:
    parsed = onnx.load_from_string(model)
    return json.loads(next(p.value for p in parsed.metadata_props if p.key == CARD_KEY))


def with_card_text(model: bytes, text: str | bytes) -> bytes:
    parsed = onnx.load_from_string(model)
    del parsed.metadata_props[:]
    entry = parsed.metadata_props.add()
    entry.key = CARD_KEY
    entry.value = text if isinstance(text, str) else text.decode("utf-8", "surrogateescape")
    return parsed.SerializeToString()


def _paths(value, prefix=()) -> list[tuple]:
    """Every path to a value in a JSON tree (lists: their first few items)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:3]):
            found += _paths(item, (*prefix, i))
    return found


@st.composite
def mutated_card_model(draw) -> bytes:
    """One of our models with its card changed where it matters: a value anywhere in the tree
    replaced by any JSON value (numbers of 400 digits, text, nesting), a key removed, or the JSON
    text itself cut or spliced."""
    model = MODELS[draw(st.sampled_from(sorted(MODELS)))]
    card = card_of(model)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(card)[1:]))
        parent = card
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    text = json.dumps(card, allow_nan=True)
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', "]", "{", "\\", "\x00", "9" * 5000, "[" * 990])) + text[at:]
    return with_card_text(model, text)


INT_ATTRIBUTES = [-(2**63), -(2**31), -100, -3, -2, -1, 0, 1, 2, 3, 7, 16, 100, 2**31, 2**63 - 1]
OPS = ["Add", "Gather", "Concat", "Cast", "MatMul", "Einsum", "Squeeze", "Unsqueeze", "ReduceSum", "Shape", "Identity",
       "Slice", "Transpose", "Softmax", "ConstantOfShape", "Loop", "LabelEncoder", "Reshape"]  # fmt: skip


def _graphs(graph: onnx.GraphProto) -> list[onnx.GraphProto]:
    found = [graph]
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                found += _graphs(attribute.g)
    return found


@st.composite
def mutated_onnx(draw) -> bytes:
    """One of our models with its graph changed: integer attributes (axes, types, bounds) set to
    any value, an operator swapped, a node dropped or its inputs rewired, an initializer's shape
    or type changed, or bytes of the file flipped."""
    data = MODELS[draw(st.sampled_from(sorted(MODELS)))]
    if draw(st.integers(0, 5)) == 0:
        flipped = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            flipped[draw(st.integers(0, len(flipped) - 1))] = draw(st.integers(0, 255))
        return bytes(flipped)
    model = onnx.load_from_string(data)
    graphs = _graphs(model.graph)
    for _ in range(draw(st.integers(1, 3))):
        graph = draw(st.sampled_from(graphs))
        kind = draw(st.sampled_from(["attribute", "attribute", "op", "drop", "rewire", "initializer"]))
        if not graph.node:
            continue
        node = graph.node[draw(st.integers(0, len(graph.node) - 1))]
        ints = [a for a in node.attribute if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)]
        if kind == "attribute" and ints:
            attribute = draw(st.sampled_from(ints))
            if attribute.type == onnx.AttributeProto.INT:
                attribute.i = draw(st.sampled_from(INT_ATTRIBUTES))
            else:
                attribute.ints[:] = draw(st.lists(st.sampled_from(INT_ATTRIBUTES), max_size=4))
        elif kind == "op":
            node.op_type = draw(st.sampled_from(OPS))
        elif kind == "drop":
            graph.node.remove(node)
        elif kind == "rewire" and node.input:
            names = [n for g in graphs for other in g.node for n in other.output] + ["x", "categories", ""]
            node.input[draw(st.integers(0, len(node.input) - 1))] = draw(st.sampled_from(names))
        elif kind == "initializer" and graph.initializer:
            tensor = graph.initializer[draw(st.integers(0, len(graph.initializer) - 1))]
            if draw(st.booleans()):
                tensor.dims[:] = draw(st.lists(st.sampled_from([0, 1, 2, 3, 10**6, -1]), max_size=3))
            else:
                tensor.data_type = draw(st.integers(0, 25))
    return model.SerializeToString()


FLOAT_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e38, 3.5e38, -1e39, 5e-324, 0.0, -0.0]),
    st.integers(min_value=-(10**40), max_value=10**40),
)
ANY_VALUE = st.one_of(FLOAT_VALUES, st.none(), st.booleans(), st.text(max_size=8), st.sampled_from(NASTY_CELLS),
                      st.complex_numbers(max_magnitude=10), st.just(np.datetime64("2020-01-01")))  # fmt: skip


@st.composite
def predict_rows(draw, features: tuple[str, ...], levels: dict[str, tuple[str, ...]]) -> object:
    """Anything a caller might hand to ``predict``: arrays of any dtype and shape, lists (ragged,
    of mappings), mappings with missing or extra columns, DataFrames, scalars and None."""
    d = len(features)
    n = draw(st.integers(0, 4))

    def value(feature: str) -> object:
        if draw(st.integers(0, 4)):  # mostly what the feature takes, so that whole rows get through too
            return draw(st.sampled_from(levels[feature]) if feature in levels else st.floats(-1e6, 1e6))
        if feature in levels and draw(st.booleans()):
            return draw(st.sampled_from(["unseen", "", levels[feature][0].lower()]))
        return draw(ANY_VALUE if draw(st.integers(0, 3)) == 0 else FLOAT_VALUES)

    kind = draw(st.sampled_from(["array", "list", "mapping", "rows", "frame", "scalar", "none"]))
    if kind == "array":
        dtype = draw(st.sampled_from(["float32", "float64", "int64", "bool", "complex128", "object", "U4", "M8[D]"]))
        shape = draw(st.sampled_from([(n, d), (d,), (n, d + 1), (n,), (n, d, 2), ()]))
        cells = draw(st.lists(FLOAT_VALUES, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return np.array(cells, dtype=object).reshape(shape).astype(dtype)
        except (ValueError, TypeError, OverflowError):
            return np.zeros(shape, dtype=dtype)
    if kind == "list":
        return [[value(f) for f in features[: draw(st.integers(0, d + 1))]] for _ in range(n)]
    columns = [f for f in features if draw(st.integers(0, 9))] + draw(
        st.lists(st.sampled_from(NASTY_CELLS), max_size=2)
    )
    if kind == "mapping":
        return {c: [value(c) for _ in range(n)] if draw(st.integers(0, 5)) else value(c) for c in columns}
    if kind == "rows":
        return [{c: value(c) for c in columns} for _ in range(max(n, 1))]
    if kind == "frame":
        import pandas as pd

        return pd.DataFrame({c: [value(c) for _ in range(n)] for c in columns})
    return None if kind == "none" else value(features[0])
