"""Build an artifact in memory: fitted layer + training's description -> checked ONNX bytes.

Nothing is written here. The caller writes the bytes (atomically) only after every check passed,
so a failed export leaves any previous artifact untouched.
"""

import copy
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from torch import nn

from export.artifact import Artifact
from export.card.markdown import card_markdown
from export.card.model_card import CARD_KEY, ModelCard, build_card, card_to_json
from export.card.sections import DataSummary, Description
from export.design import Design
from export.files import card_path
from export.formula.design import FormulaDesign
from export.parity import (
    ParityReport,
    assert_parity,
    assert_tail_accuracy,
    extreme_rows,
    graph_allowance,
    spread,
)
from export.writer.graph import serving_graph

GRID_REACH = 1000.0  # the parity grid runs this many data spans beyond the training range
# points per feature line: 2001 for a few features; fewer for many (at least 201), so that a wide
# model's parity check stays a fraction of a second instead of growing with d
LINE_POINTS, MIN_LINE_POINTS, MAX_LINE_ROWS = 2001, 201, 20_000
# and the whole grid at most about this many cells, so its memory grows no faster than d: lines
# along every feature of a 1,000-feature model took 201 x 1,000 rows of 1,000 (6.6 GB at the peak);
# beyond that budget the lines run along evenly spaced features, and the random box has fewer rows
MAX_GRID_CELLS = 4_000_000
BOX_ROWS, MIN_BOX_ROWS = 1000, 100


@dataclass(frozen=True)
class BuiltArtifact:
    """The ONNX bytes, the artifact as the reader loaded them back, and the measured checks."""

    data: bytes
    artifact: Artifact
    parity: ParityReport
    tail_rel_error: float

    @property
    def card(self) -> ModelCard:
        return self.artifact.card

    @property
    def markdown(self) -> str:
        return card_markdown(self.card)


def build_artifact(layer: nn.Linear, description: Description) -> BuiltArtifact:
    """Export the fitted ``layer`` (raw units, float64; L = 1 logit for binary, K for multinomial)
    with its card, load it back through the reader, and check parity with the layer's own torch
    forward and the tail accuracy of the probabilities.

    Raises ``ParityError`` (or ``ArtifactError``) if the served graph is not faithful.
    """
    weights = layer.weight.detach().double().numpy()
    intercept = layer.bias.detach().double().numpy()
    card = build_card(description, weights, intercept, library_versions())
    proto = serving_graph(weights, intercept, card.threshold, card.design, card.covariance)
    onnx.helper.set_model_props(proto, {CARD_KEY: card_to_json(card)})
    data = proto.SerializeToString()
    artifact = Artifact.from_bytes(data, source="the exported model")
    groups = parity_inputs(card.data, card.design, seed=card.training.seed or 0)
    # checked apart: one overflowing row sends its whole batch down the graph's float64 branch
    checks = [check_served(layer, artifact, group, weights, intercept, card.threshold) for group in groups]
    report = ParityReport(
        sum(c[0].rows for c in checks),
        max(c[0].max_probability_abs for c in checks),
        max(c[0].max_probability_rel for c in checks),
        max(c[0].max_logit_rel for c in checks),
    )
    tail = max(c[1] for c in checks)
    return BuiltArtifact(data, artifact, report, tail)


def check_served(
    layer: nn.Linear,
    artifact: Artifact,
    inputs: np.ndarray,
    weights: np.ndarray,
    intercept: np.ndarray,
    threshold: float | None,
) -> tuple[ParityReport, float]:
    """Parity with torch and tail accuracy of the served graph on one batch of inputs (codes:
    ``export.design``)."""
    served = artifact.predict_codes(inputs)
    x = artifact.design.expand(inputs.astype(np.float32))
    report = assert_parity(
        reference_logit(layer, x),
        served.logit,
        served.probabilities,
        served.label,
        threshold,
        logit_allowance=graph_allowance(artifact.design, x, weights, intercept),
    )
    return report, assert_tail_accuracy(served.logit, served.probabilities)


def reference_logit(layer: nn.Linear, x: np.ndarray) -> np.ndarray:
    """The fitted layer's own torch forward, in float64, on the design rows ``x`` (float64) of the
    float32 inputs the graph sees: (n,) for one logit (binary), (n, K) otherwise, as the training
    module returns them."""
    reference = copy.deepcopy(layer).double()
    with torch.no_grad():
        logits = reference(torch.as_tensor(np.asarray(x, dtype=np.float64))).numpy()
    return logits[:, 0] if logits.shape[1] == 1 else logits


def parity_inputs(data: DataSummary, design: Design, seed: int) -> tuple[np.ndarray, ...]:
    """(ordinary, extreme) inputs, as codes (``export.design``). Ordinary: the training rows, a line
    per numeric feature reaching ``GRID_REACH`` spans beyond the data, random points in a wide box,
    the categorical features running through every level in each. Extreme: the limits of float32,
    where a float32 logit overflows and the graph's float64 branch answers."""
    numeric = [j for j, f in enumerate(design.features) if f not in design.levels]
    d = len(design.features)
    rows = data.stored_x(d)
    low, high, mean = data.ranges(design.numeric)
    span = np.maximum(high - low, 1.0)
    lines = []
    points = max(MIN_LINE_POINTS, min(LINE_POINTS, MAX_LINE_ROWS // d))
    for k in spread(len(numeric), MAX_GRID_CELLS // (points * d)):
        line = design.cycled(points)
        line[:, numeric] = mean
        line[:, numeric[k]] = np.linspace(low[k] - GRID_REACH * span[k], high[k] + GRID_REACH * span[k], points)
        lines.append(line)
    box_rows = min(BOX_ROWS, max(MIN_BOX_ROWS, MAX_GRID_CELLS // d))
    box = design.cycled(box_rows)
    box[:, numeric] = np.random.default_rng(seed).uniform(low - 100 * span, high + 100 * span, (box_rows, len(numeric)))
    if isinstance(design, FormulaDesign):  # where every term is defined; no float32 branch to reach
        ordinary = np.concatenate([rows, *lines, box]).astype(np.float32)
        return (ordinary[np.isfinite(design.expand(ordinary)).all(axis=1)],)
    if not numeric:
        return (np.concatenate([rows, box]),)
    return np.concatenate([rows, *lines, box]), extreme_rows(design, numeric)


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": np.__version__,
    }


def artifact_files(built: BuiltArtifact, out: Path) -> dict[Path, bytes]:
    """The ONNX file and its ``model_card.md``, by path (``export.files.write_together`` writes them)."""
    return {out: built.data, card_path(out): built.markdown.encode()}
