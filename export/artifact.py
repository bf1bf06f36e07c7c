"""Read a model artifact with onnxruntime and numpy only: load, validate, predict, show the card.

This is the serving path: the page and any other tool use ``load_artifact`` (a path) or
``Artifact.from_bytes`` (an upload). Nothing here imports torch.

Graph contract (see README, "The artifact"), for K classes:
    input  ``x``              float32 [batch, n_features], raw feature values
    output ``logit``          float32 [batch] (binary) or [batch, K] (multinomial)
    output ``probabilities``  float32 [batch, K]   P(class 0), ..., P(class K-1)
    output ``label``          int64   [batch]      binary: 1 where P(class 1) > threshold;
                                                   multinomial: the most probable class
"""

from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
import onnxruntime as ort

from export.card.model_card import CARD_KEY, ModelCard, parse_card
from export.errors import ArtifactError, first_line
from export.reader.behaviour import check_behaviour
from export.reader.graph_check import check_graph

INPUT_NAME = "x"
OUTPUT_TYPES = {"logit": "tensor(float)", "probabilities": "tensor(float)", "label": "tensor(int64)"}
OUTPUT_NAMES = list(OUTPUT_TYPES)
TYPE_NAMES = {onnx.TensorProto.FLOAT: "float", onnx.TensorProto.DOUBLE: "double", onnx.TensorProto.INT64: "int64"}
REBUILD_HINT = "rebuild it with `python -m training`"


class Prediction(NamedTuple):
    """Outputs for ``n`` rows: ``logit`` (n,) or (n, K), ``probabilities`` (n, K), ``label`` (n,) int64.
    A named tuple: it is built in about half a frozen dataclass's time, which counts for single rows."""

    logit: np.ndarray
    probabilities: np.ndarray
    label: np.ndarray


class Artifact:
    """A validated model: an onnxruntime session plus its card.

    One instance may be shared across threads: onnxruntime's ``run`` is thread-safe.
    """

    def __init__(self, session: ort.InferenceSession, card: ModelCard, source: str):
        self.session = session
        self.card = card
        self.source = source

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "the model") -> "Artifact":
        """Validate ``data`` as one of our ONNX models; raise ``ArtifactError`` otherwise.

        Everything that can be checked without running the graph is checked first, on the parsed
        protobuf (signature, the whole card, the graph's operators, tensors and shapes: see
        ``export.reader.graph_check``); only then does onnxruntime load it, and the graph must compute
        what its card says on probe rows (``export.reader.behaviour``) before anyone is served by it.
        """
        model = _parse(data, source)
        _check_signature(model, source)
        card = parse_card(next((p.value for p in model.metadata_props if p.key == CARD_KEY), None), source)
        n_inputs = model.graph.input[0].type.tensor_type.shape.dim[1].dim_value
        if n_inputs != card.n_features:
            raise ArtifactError(
                f"{source}: the graph takes {n_inputs} features but the card names {card.n_features}; "
                "re-export the model"
            )
        check_graph(model, card.n_features, card.n_classes, source)
        artifact = cls(_session(data, source), card, source)
        check_behaviour(artifact.predict, card, source)
        return artifact

    def predict(self, x: np.ndarray) -> Prediction:
        """Score rows ``x`` of shape (n, n_features) (or one row of shape (n_features,))."""
        rows = x
        if not (type(x) is np.ndarray and x.dtype == np.float32 and x.ndim == 2 and x.flags.c_contiguous):
            rows = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=np.float32)))
        if rows.ndim != 2 or rows.shape[1] != self.card.n_features:
            raise ValueError(f"expected rows of {self.card.n_features} features, got shape {np.shape(x)}")
        return Prediction(*self.session.run(OUTPUT_NAMES, {INPUT_NAME: rows}))


def load_artifact(path: Path) -> Artifact:
    """Load and validate the artifact at ``path``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArtifactError(f"no model at {path}; {REBUILD_HINT}") from None
    except OSError as e:
        raise ArtifactError(f"cannot read {path} ({e.strerror}); {REBUILD_HINT}") from None
    return Artifact.from_bytes(data, source=str(path))


def _parse(data: bytes, source: str) -> onnx.ModelProto:
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf's DecodeError, and RecursionError for absurd nesting
        raise ArtifactError(f"{source} is not a loadable ONNX model ({first_line(e)}); {REBUILD_HINT}") from None
    if not model.graph.node:
        raise ArtifactError(f"{source} is not a loadable ONNX model (it holds no graph); {REBUILD_HINT}")
    return model


def _session(data: bytes, source: str) -> ort.InferenceSession:
    try:
        options = ort.SessionOptions()
        options.log_severity_level = 3  # keep onnxruntime's own warnings off the page
        # worker threads that spin after each run take the core the next single-row call needs
        # (single-row latency improves, batch scoring does not change: docs/benchmarks.md)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as e:  # onnxruntime raises several unrelated types for a bad file
        raise ArtifactError(f"{source} is not a loadable ONNX model ({first_line(e)}); {REBUILD_HINT}") from None


def _type_name(value: onnx.ValueInfoProto) -> str:
    element = value.type.tensor_type.elem_type
    return f"tensor({TYPE_NAMES.get(element, element)})" if value.type.HasField("tensor_type") else "not a tensor"


def _check_signature(model: onnx.ModelProto, source: str) -> None:
    inputs = list(model.graph.input)
    outputs = {o.name: _type_name(o) for o in model.graph.output}
    problems = []
    if len(inputs) != 1 or inputs[0].name != INPUT_NAME or _type_name(inputs[0]) != "tensor(float)":
        problems.append("inputs " + ", ".join(f"{i.name[:40]}: {_type_name(i)}" for i in inputs))
    else:
        dims = inputs[0].type.tensor_type.shape.dim
        if (
            len(dims) != 2
            or not dims[1].HasField("dim_value")
            or dims[1].dim_value < 1
            or dims[0].HasField("dim_value")
        ):
            problems.append(
                f"input shape {[d.dim_value if d.HasField('dim_value') else d.dim_param for d in dims][:4]}"
            )
    if outputs != OUTPUT_TYPES:
        problems.append("outputs " + ", ".join(f"{k[:40]}: {v}" for k, v in list(outputs.items())[:6]))
    if problems:
        raise ArtifactError(
            f"{source} is an ONNX model but not one of ours (expected input x: float32 [batch, n_features] and "
            f"outputs logit, probabilities, label; found {'; '.join(problems)}); {REBUILD_HINT}"
        )
