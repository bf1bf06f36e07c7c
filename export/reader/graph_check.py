"""Is this ONNX graph one our exporter could have written? Checked on the parsed protobuf, before
onnxruntime sees the file, so a hostile upload is refused without running any of it.

What is refused, and why:
- external data anywhere (initializers, ``Constant`` attributes, ``If`` branches): onnxruntime
  resolves a relative location against the server's working directory, so a model could read
  files beside the page (``.git/config``, ``secrets.toml``) and hand them back through its outputs;
- operators our exporter never emits (``ConstantOfShape``, ``Loop``, ``Range``, custom domains ...),
  model-local functions, more nodes than an export could hold (``MAX_NODES``, a bound that leaves
  room for another torch version's spelling of the same graph, not a byte comparison);
- tensors larger than the card's coefficients need, and any intermediate value whose size is not
  linear in the batch: every value's shape is inferred by onnx from the input ``[batch, d]``
  alone (the file's own shape annotations are discarded first), and must be made of the batch
  dimension at most once and fixed dimensions whose product is at most ``max(d, K)`` per row. So
  the memory a session can take is bounded by a small multiple of the input's own size: a graph
  that builds a 30,000 x 30,000 tensor, or a batch x batch one, never reaches onnxruntime.
"""

import math

import onnx
from onnx import TensorProto

from export.card.model_card import ModelCard
from export.errors import ArtifactError
from export.reader.isolation import Rejected, inferred_model
from export.writer.formula import front_size

# What ``export.writer.graph.serving_graph`` builds and what the kit's earlier torch.onnx exports
# hold (so their files still load), plus the other spellings a torch version may choose for the same
# steps (Gemm or Mul for the product, Gather or Slice for the batch size, Max/Min for the clamp,
# Constant nodes for initializers). None of them creates a tensor whose shape comes from data, so
# the shape check below covers them all.
ALLOWED_OPS = frozenset(
    {
        "Add", "Sub", "Mul", "Div", "Neg", "Exp", "Reciprocal", "IsNaN", "IsInf", "Greater", "Less",
        "Cast", "If", "Einsum", "MatMul", "Gemm", "ReduceSum", "ReduceMax", "ArgMax", "Clip", "Max", "Min",
        "Unsqueeze", "Squeeze", "Concat", "Shape", "Gather", "Slice", "Identity", "Constant", "Transpose",
        "Reshape", "Sqrt", "Log",
        # a formula model's front (``export.writer.formula``): spline pieces, powers, products of factors
        "GreaterOrEqual", "Pow", "Flatten",
    }
)  # fmt: skip
ML_OPS = frozenset({"LabelEncoder"})  # ai.onnx.ml: a categorical feature's text to its level's index
ML_OPSETS = range(2, 5)
MAX_NODES = 80  # an export holds 24 (multinomial) or 29 (binary) nodes, branches included
INTERVAL_NODES = 60  # and with intervals (a covariance in its card) up to 40 (binary) or 45 more
NODES_PER_CATEGORICAL = 5  # and this many more per categorical feature
OPSETS = range(13, 26)  # default-domain opsets whose operators above onnxruntime 1.20+ implements
ELEMENT_TYPES = {TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64", TensorProto.INT64: "int64",
                 TensorProto.BOOL: "bool", TensorProto.STRING: "string"}  # fmt: skip


def check_graph(model: onnx.ModelProto, card: ModelCard, source: str) -> None:
    """Raise ``ArtifactError`` unless ``model`` has the shape of an export of the model ``card``
    describes. Cheap (milliseconds) and allocates little beyond the proto."""
    if model.functions or model.graph.sparse_initializer or model.training_info:
        raise _not_ours(source, "it holds functions, sparse or training tensors that our exports never contain")
    categorical = len(card.design.categorical)
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    ml = opsets.pop("ai.onnx.ml", None) if categorical else None
    if set(opsets) != {"ai.onnx"} or opsets["ai.onnx"] not in OPSETS or (categorical and ml not in ML_OPSETS):
        raise _not_ours(
            source,
            f"it imports operator sets {opsets}, not the standard one (versions {OPSETS.start}-{OPSETS.stop - 1})"
            + " and ai.onnx.ml" * bool(categorical),
        )
    nodes = list(_nodes(model.graph))
    covariance = card.covariance
    most = MAX_NODES + INTERVAL_NODES * (covariance is not None) + NODES_PER_CATEGORICAL * categorical
    formula_nodes, formula_row, formula_constant = front_size(card.design) if card.formula else (0, 0, 0)
    most += formula_nodes
    if len(nodes) > most:
        raise _not_ours(source, f"it has {len(nodes)} nodes, more than an export holds ({most} at most)")
    n_features, n_classes = card.n_terms, card.n_classes
    per_row = max(card.n_features, n_classes)
    # a categorical feature's table has a row per level and one more: at most 2 more rows than its terms
    largest_constant = (max(n_features, 1) + 2 * categorical) * max(n_classes, 2)
    per_row, largest_constant = max(per_row, formula_row), max(largest_constant, formula_constant)
    if covariance is not None:  # the intervals' nodes (``export.writer.intervals``): E^2 m per row, V's size
        equations = max(n_classes - 1, 1)
        per_row = max(per_row, equations * len(covariance), n_classes * equations)
        largest_constant = max(largest_constant, len(covariance) ** 2, n_classes**2)
    for tensor in _tensors(model.graph):
        _check_tensor(tensor, largest_constant, source)
    for node in nodes:
        known = (
            node.op_type in ALLOWED_OPS
            if node.domain in ("", "ai.onnx")
            else node.domain == "ai.onnx.ml" and node.op_type in ML_OPS
        )
        if not known:
            operator = f"{node.domain}.{node.op_type}" if node.domain else node.op_type
            raise _not_ours(source, f"it uses the operator {operator[:60]}, which our exporter never emits")
        if any(len(a.strings) + len(a.ints) + len(a.floats) > 3 * largest_constant for a in node.attribute):
            raise _not_ours(source, f"its {node.op_type} node has more attribute values than the card's levels need")
        graphs = [a.name for a in node.attribute if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)]
        if graphs and (node.op_type != "If" or sorted(graphs) != ["else_branch", "then_branch"]):
            raise _not_ours(source, f"its {node.op_type} node carries subgraphs, which only our If nodes do")
    _check_shapes(model, card, per_row, largest_constant, source)


def _not_ours(source: str, why: str) -> ArtifactError:
    return ArtifactError(f"{source} is not a model this kit exported: {why}; export one with `python -m training`")


def _nodes(graph: onnx.GraphProto):
    for node in graph.node:
        yield node
        for attribute in node.attribute:
            for subgraph in _subgraphs(attribute):
                yield from _nodes(subgraph)


def _subgraphs(attribute: onnx.AttributeProto) -> list[onnx.GraphProto]:
    return [attribute.g, *attribute.graphs] if attribute.HasField("g") else list(attribute.graphs)


def _graphs(graph: onnx.GraphProto):
    yield graph
    for node in graph.node:
        for attribute in node.attribute:
            for subgraph in _subgraphs(attribute):
                yield from _graphs(subgraph)


def _tensors(graph: onnx.GraphProto):
    """Every tensor stored in the file: initializers and node attributes, in every subgraph."""
    for g in _graphs(graph):
        yield from g.initializer
        if g.sparse_initializer:
            yield from (s.values for s in g.sparse_initializer)
        for node in g.node:
            for attribute in node.attribute:
                if attribute.HasField("t"):
                    yield attribute.t
                yield from attribute.tensors
                if attribute.HasField("sparse_tensor"):
                    yield attribute.sparse_tensor.values


def _check_tensor(tensor: TensorProto, largest: int, source: str) -> None:
    if tensor.data_location == TensorProto.EXTERNAL or tensor.external_data:
        raise _not_ours(
            source,
            f"tensor {tensor.name[:40]!r} keeps its values in an external file; "
            "our exports are one self-contained file",
        )
    if tensor.data_type not in ELEMENT_TYPES:
        raise _not_ours(
            source, f"tensor {tensor.name[:40]!r} has element type {tensor.data_type}, not one our exports use"
        )
    if any(d < 0 for d in tensor.dims) or math.prod(tensor.dims) > largest:
        raise _not_ours(
            source,
            f"tensor {tensor.name[:40]!r} has shape {list(tensor.dims)[:4]}, larger than the card's coefficients need",
        )


def _check_shapes(model: onnx.ModelProto, card: ModelCard, per_row: int, largest: int, source: str) -> None:
    """Infer every value's shape from the input alone and refuse any that is not linear in the batch."""
    bare = onnx.ModelProto()
    bare.CopyFrom(model)
    del bare.metadata_props[:]  # the card: already parsed, and may be the largest part of the file
    checked = bare.SerializeToString()
    batch = "batch"
    for g in _graphs(bare.graph):
        del g.value_info[:]
        for value in g.output:
            value.type.tensor_type.ClearField("shape")
    widths = {"x": len(card.design.numeric), "categories": len(card.design.categorical)}
    for value in bare.graph.input:  # the names were checked against the card (``export.artifact``)
        shape = value.type.tensor_type.shape
        del shape.dim[:]
        shape.dim.add().dim_param = batch
        shape.dim.add().dim_value = widths[value.name]
    try:  # onnx's checker, then its shape inference, in a child process (``isolation`` says why)
        inferred = onnx.load_model_from_string(inferred_model(checked, bare.SerializeToString(), source))
    except Rejected as e:
        raise _not_ours(source, f"onnx's checks reject its graph ({e})") from None
    for g in _graphs(inferred.graph):
        known = {v.name: v for v in (*g.value_info, *g.output, *g.input)}
        known.update({t.name: None for t in g.initializer})
        for node in g.node:
            for name in filter(None, node.output):
                if name not in known:
                    raise _not_ours(source, f"the shape of {name[:40]!r} cannot be known before it runs")
                if known[name] is not None:
                    _check_value(known[name], batch, per_row, largest, source)


def _check_value(value: onnx.ValueInfoProto, batch: str, per_row: int, largest: int, source: str) -> None:
    tensor = value.type.tensor_type
    if not value.type.HasField("tensor_type") or tensor.elem_type not in ELEMENT_TYPES:
        raise _not_ours(source, f"value {value.name[:40]!r} is not a tensor of numbers or booleans")
    if not tensor.HasField("shape"):
        raise _not_ours(source, f"the shape of {value.name[:40]!r} cannot be known before it runs")
    fixed, batches = 1, 0
    for dim in tensor.shape.dim:
        if dim.HasField("dim_value"):
            fixed *= dim.dim_value
        elif dim.dim_param == batch:
            batches += 1
        else:
            raise _not_ours(source, f"the shape of {value.name[:40]!r} depends on the data, not only on the batch size")
    if batches > 1 or fixed > (per_row if batches else largest):
        raise _not_ours(
            source, f"value {value.name[:40]!r} would grow faster than the input (shape {_shape_text(tensor)})"
        )


def _shape_text(tensor: onnx.TypeProto.Tensor) -> str:
    return "[" + ", ".join(str(d.dim_value) if d.HasField("dim_value") else d.dim_param for d in tensor.shape.dim) + "]"
