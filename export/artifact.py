"""Read a model artifact with onnxruntime and numpy only: load, validate, predict, show the card.

This is the serving path: the page and any other tool use ``load_artifact`` (a path) or
``Artifact.from_bytes`` (an upload). Nothing here imports torch.

Graph contract (see README, "The artifact"), for K classes:
    input  ``x``              float32 [batch, n_features], raw feature values (a model with
                              categorical features: the numeric ones; absent if there are none)
    input  ``categories``     string [batch, n_categorical], only in a model with categorical
                              features: each one's level as text, in the card's feature order
    output ``logit``          float32 [batch] (binary) or [batch, K] (multinomial)
    output ``probabilities``  float32 [batch, K]   P(class 0), ..., P(class K-1)
    output ``label``          int64   [batch]      binary: 1 where P(class 1) > threshold;
                                                   multinomial: the most probable class
    output ``probability_low``, ``probability_high``  float32 [batch, K], only in a model whose
                              card holds a covariance (format 3): the 95% interval of each
                              class's probability (``export.intervals``)
"""

import os
import stat
from pathlib import Path
from typing import NamedTuple

import numpy as np
import onnx
import onnxruntime as ort

from export.card.model_card import CARD_KEY, ModelCard, parse_card
from export.errors import ArtifactError, InputError, first_line, shorten
from export.explain import Explanation, explain_codes
from export.formula.design import FormulaDesign
from export.formula.expression import UNDEFINED
from export.reader.behaviour import check_behaviour
from export.reader.graph_check import check_graph
from export.reader.inputs import (
    CATEGORIES_NAME,
    INPUT_NAME,
    codes_from_feeds,
    columns_of,
    feeds_from_codes,
    feeds_from_columns,
    is_columns,
    numeric_rows,
)

OUTPUT_TYPES = {"logit": "tensor(float)", "probabilities": "tensor(float)", "label": "tensor(int64)"}
INTERVAL_TYPES = {"probability_low": "tensor(float)", "probability_high": "tensor(float)"}
OUTPUT_NAMES = list(OUTPUT_TYPES)
WITH_INTERVALS = OUTPUT_NAMES + list(INTERVAL_TYPES)
# Rows per run of a graph with intervals: its widest value holds E^2 m float64 numbers per row (E
# equations, m coefficients each), so a batch is cut into runs of at most this many such numbers.
INTERVAL_CELLS_PER_RUN = 1 << 23
TYPE_NAMES = {
    onnx.TensorProto.FLOAT: "float",
    onnx.TensorProto.DOUBLE: "double",
    onnx.TensorProto.INT64: "int64",
    onnx.TensorProto.STRING: "string",
}
REBUILD_HINT = "rebuild it with `python -m training`"
MAX_MODEL_BYTES = 256 << 20  # far above any export (the examples are tens of KB); bounds a read from disk


class Prediction(NamedTuple):
    """Outputs for ``n`` rows: ``logit`` (n,) or (n, K), ``probabilities`` (n, K), ``label`` (n,)
    int64, and the 95% interval of each probability, ``probability_low`` and ``probability_high``
    (n, K), or None for a model whose card holds no covariance (a penalized fit, say).
    A named tuple: it is built in about half a frozen dataclass's time, which counts for single rows."""

    logit: np.ndarray
    probabilities: np.ndarray
    label: np.ndarray
    probability_low: np.ndarray | None = None
    probability_high: np.ndarray | None = None


class Artifact:
    """A validated model: an onnxruntime session plus its card.

    One instance may be shared across threads: onnxruntime's ``run`` is thread-safe.
    """

    def __init__(self, session: ort.InferenceSession, card: ModelCard, source: str):
        self.session = session
        self.card = card
        self.source = source
        self.design = card.design
        self.numeric_only = not self.design.has_categories
        covariance = card.covariance
        self.intervals = covariance is not None
        self.outputs = WITH_INTERVALS if self.intervals else OUTPUT_NAMES
        size = 0 if covariance is None else len(covariance)
        self.rows_per_run = max(1024, INTERVAL_CELLS_PER_RUN // max(size * max(card.n_classes - 1, 1), 1))

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "the model") -> "Artifact":
        """Validate ``data`` as one of our ONNX models; raise ``ArtifactError`` otherwise.

        Everything that can be checked without running the graph is checked first, on the parsed
        protobuf (signature, the whole card, the graph's operators, tensors and shapes: see
        ``export.reader.graph_check``); only then does onnxruntime load it, and the graph must compute
        what its card says on probe rows (``export.reader.behaviour``) before anyone is served by it.
        """
        try:
            model = _parse(data, source)
            _check_signature(model, source)
            card = parse_card(_card_text(model, source), source)
            _check_inputs(model, card, source)
            check_graph(model, card, source)
            artifact = cls(_session(data, source), card, source)
            check_behaviour(artifact.predict_codes, card, source)
        except ArtifactError:
            raise
        except Exception as e:  # a defect no check above foresaw: still a refusal, in one line
            raise ArtifactError(
                f"{source} is not a model this kit can serve ({type(e).__name__}: {first_line(e, 120)}); {REBUILD_HINT}"
            ) from None
        return artifact

    def predict(self, rows: object) -> Prediction:
        """Score rows: for any model, a pandas DataFrame, a mapping of feature name to values or a
        list of mappings (one per row), columns matched by name (others are ignored); for a model
        with numeric features only, also an array of numbers (n, n_features) or one row
        (n_features,). ``InputError`` (one line, naming the feature and row) for a missing feature,
        a value that is not a finite number within float32's range, or a level the model never saw."""
        if self.numeric_only and type(rows) is np.ndarray:  # first: the single-row path is kept short
            return self._score_array(rows)
        return self.run(self.feeds(rows))

    def explain(self, rows: object) -> Explanation:
        """The exact explanation of each row's logit (``export.explain``): ``base`` and one
        contribution per feature, from the same inputs as ``predict`` and with its checks."""
        return explain_codes(self.card, codes_from_feeds(self.design, self.feeds(rows)))

    def feeds(self, rows: object) -> dict[str, np.ndarray]:
        """The graph's inputs for rows as ``predict`` takes them, checked (``InputError``)."""
        columns = is_columns(rows)
        if self.numeric_only and not columns:  # arrays and lists of numbers
            return {INPUT_NAME: numeric_rows(rows, self.card.feature_names)}
        if not columns and rows is not None and not isinstance(rows, str | bytes):
            raise InputError(
                f"{self.source} has categorical features ({shorten(', '.join(self.design.categorical))}); give the "
                "rows as a DataFrame, a mapping of feature name to values or a list of mappings"
            )
        feeds = feeds_from_columns(self.design, columns_of(rows, self.design.features))
        if isinstance(self.design, FormulaDesign):
            check_defined(self.design, codes_from_feeds(self.design, feeds))
        return feeds

    def predict_codes(self, x: np.ndarray) -> Prediction:
        """Score rows ``x`` of shape (n, n_features) (or one row of shape (n_features,)), a
        categorical feature's column holding its level's index (``export.design``; any other
        number gives NaN outputs)."""
        if self.numeric_only:
            return self._score_array(x)
        return self.run(feeds_from_codes(self.design, x))

    def run(self, feeds: dict[str, np.ndarray]) -> Prediction:
        """Score the graph's inputs as ``export.reader.inputs`` makes them (a large batch of a model
        with intervals in runs of ``rows_per_run``, which bounds the memory a run takes)."""
        rows = len(next(iter(feeds.values())))
        if rows <= self.rows_per_run:
            return Prediction(*self.session.run(self.outputs, feeds))
        runs = [
            self.session.run(
                self.outputs, {name: value[start : start + self.rows_per_run] for name, value in feeds.items()}
            )
            for start in range(0, rows, self.rows_per_run)
        ]
        return Prediction(*(np.concatenate(parts) for parts in zip(*runs)))

    def _score_array(self, x: object) -> Prediction:
        ready = (
            type(x) is np.ndarray
            and x.dtype == np.float32
            and x.ndim == 2
            and x.shape[1] == self.card.n_features
            and x.flags.c_contiguous
            and np.isfinite(x).all()  # a finite float32 is within float32's range
        )
        rows = x if ready else numeric_rows(x, self.card.feature_names)
        return self.run({INPUT_NAME: rows})


def check_defined(design: FormulaDesign, codes: np.ndarray, where: str | None = None) -> None:
    """``InputError`` naming the first term a row's inputs leave undefined (a log of a number <= 0);
    ``where``: what to call the row (default: its number)."""
    found = design.undefined(codes)
    if found is not None:
        factor, row = found
        values = ", ".join(f"{name} = {codes[row, design.features.index(name)]:g}" for name in factor.columns)
        said = where or f"row {row + 1}"
        raise InputError(UNDEFINED.format(term=shorten(factor.label), where=said, values=values))


def load_artifact(path: Path) -> Artifact:
    """Load and validate the artifact at ``path``."""
    return Artifact.from_bytes(load_bytes(path), source=str(path))


def load_bytes(path: Path) -> bytes:
    """A model file's bytes. ``ArtifactError`` when it is missing, unreadable, larger than
    ``MAX_MODEL_BYTES``, or not a regular file: a named pipe would block the read for ever and a
    device never end it. The file is opened without blocking and checked through its descriptor,
    so what is checked is what is read."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ArtifactError(f"no model at {path}; {REBUILD_HINT}") from None
    except OSError as e:
        raise ArtifactError(f"cannot read {path} ({e.strerror or e}); {REBUILD_HINT}") from None
    with os.fdopen(fd, "rb") as f:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise ArtifactError(f"{path} is not a file (a folder, a device or a pipe); give an exported .onnx file")
        if status.st_size > MAX_MODEL_BYTES:
            raise ArtifactError(
                f"{path} is {status.st_size / 1e6:,.0f} MB, larger than any model this kit exports "
                f"({MAX_MODEL_BYTES / 1e6:.0f} MB at most); {REBUILD_HINT}"
            )
        try:
            return f.read(MAX_MODEL_BYTES + 1)[:MAX_MODEL_BYTES]
        except OSError as e:
            raise ArtifactError(f"cannot read {path} ({e.strerror or e}); {REBUILD_HINT}") from None


def _parse(data: bytes, source: str) -> onnx.ModelProto:
    try:
        model = onnx.load_model_from_string(data)
    except Exception as e:  # protobuf's DecodeError, and RecursionError for absurd nesting
        raise ArtifactError(f"{source} is not a loadable ONNX model ({first_line(e)}); {REBUILD_HINT}") from None
    if not model.graph.node:
        raise ArtifactError(f"{source} is not a loadable ONNX model (it holds no graph); {REBUILD_HINT}")
    return model


def _card_text(model: onnx.ModelProto, source: str) -> str | None:
    try:
        return next((p.value for p in model.metadata_props if p.key == CARD_KEY), None)
    except UnicodeDecodeError:  # protobuf decodes the text lazily
        raise ArtifactError(f"{source}: its metadata is not UTF-8 text; {REBUILD_HINT}") from None


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
    """Our inputs (``x`` float32, ``categories`` text, each [batch, width]) and outputs, whatever the card says."""
    inputs = list(model.graph.input)
    outputs = {o.name: _type_name(o) for o in model.graph.output}
    kinds = {INPUT_NAME: "tensor(float)", CATEGORIES_NAME: "tensor(string)"}
    problems = []
    names = [i.name for i in inputs]
    if not inputs or len(set(names)) != len(names) or any(kinds.get(i.name) != _type_name(i) for i in inputs):
        problems.append("inputs " + ", ".join(f"{i.name[:40]}: {_type_name(i)}" for i in inputs[:4]))
    else:
        problems += [f"input shape {_dims(i)[:4]}" for i in inputs if _width(i) is None]
    if outputs not in (OUTPUT_TYPES, OUTPUT_TYPES | INTERVAL_TYPES):
        problems.append("outputs " + ", ".join(f"{k[:40]}: {v}" for k, v in list(outputs.items())[:6]))
    if problems:
        raise ArtifactError(
            f"{source} is an ONNX model but not one of ours (expected input x: float32 [batch, n_features] "
            f"(and categories: string [batch, n_categorical]) and outputs logit, probabilities, label; "
            f"found {'; '.join(problems)}); {REBUILD_HINT}"
        )


def _check_inputs(model: onnx.ModelProto, card: ModelCard, source: str) -> None:
    """The graph takes the inputs its card's features need: ``x`` [batch, numeric features] (if
    any) and ``categories`` [batch, categorical features] (if any), and has the interval outputs
    exactly when its card holds a covariance."""
    design = card.design
    expected = {INPUT_NAME: len(design.numeric), CATEGORIES_NAME: len(design.categorical)}
    expected = {name: width for name, width in expected.items() if width}
    found = {i.name: _width(i) for i in model.graph.input}
    intervals = card.covariance is not None
    if any(o.name in INTERVAL_TYPES for o in model.graph.output) != intervals:
        mismatch = (
            "lacks the probability_low and probability_high outputs, but its card holds the covariance they come from"
            if intervals
            else "has the probability_low and probability_high outputs, but its card holds no covariance for them"
        )
        raise ArtifactError(f"{source}: the graph {mismatch}; re-export the model")
    if found != expected:
        shown = ", ".join(f"{name} [batch, {width}]" for name, width in found.items())
        wanted = ", ".join(f"{name} [batch, {width}]" for name, width in expected.items())
        raise ArtifactError(
            f"{source}: the graph takes {shown} but the card's features need {wanted}; re-export the model"
        )


def _width(value: onnx.ValueInfoProto) -> int | None:
    """A [batch, width] input's width (None: another shape)."""
    dims = value.type.tensor_type.shape.dim
    ok = len(dims) == 2 and not dims[0].HasField("dim_value") and dims[1].HasField("dim_value")
    return dims[1].dim_value if ok and dims[1].dim_value >= 1 else None


def _dims(value: onnx.ValueInfoProto) -> list:
    return [d.dim_value if d.HasField("dim_value") else d.dim_param for d in value.type.tensor_type.shape.dim]
