"""The served graph as a torch module, and its export to an ONNX ``ModelProto``.

Why the graph is built this way:
- The logit is computed in float64 (inputs cast up), then rounded to float32. Any finite float32
  input times finite weights then stays finite in float64, so ``x = [1e38, -1e38]`` gives a
  finite or infinite logit but never the NaN that float32's ``inf - inf`` would give.
- The probabilities are ``1 / (1 + exp(-z))`` and ``1 / (1 + exp(z))`` computed in float64 from
  the float32 ``logit`` output, so each column is accurate in its own tail and exactly
  consistent with the logit the graph reports. onnxruntime's ``Sigmoid`` kernel is accurate only
  in absolute terms (returns 0 from z <= -18), which fails the tail bar.
"""

import logging
import warnings

import numpy as np
import onnx
import torch
from torch import nn

from export.artifact import INPUT_NAME, OUTPUT_TYPES


class ServingGraph(nn.Module):
    """x float32 (batch, n_features) -> logit (batch,), probabilities (batch, 2), label (batch,)."""

    def __init__(self, weights: np.ndarray, intercept: np.ndarray, threshold: float):
        super().__init__()
        self.register_buffer("weight", torch.as_tensor(np.asarray(weights, dtype=np.float64)))
        self.register_buffer("bias", torch.as_tensor(np.asarray(intercept, dtype=np.float64)))
        self.threshold = float(threshold)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logit = (x.double() @ self.weight.T + self.bias).float()[:, 0]
        z = logit.double()
        p1 = torch.reciprocal(1.0 + torch.exp(-z))
        p0 = torch.reciprocal(1.0 + torch.exp(z))
        probabilities = torch.stack([p0, p1], dim=1).float()
        label = (probabilities[:, 1] > self.threshold).long()
        return logit, probabilities, label


def to_onnx(graph: ServingGraph) -> onnx.ModelProto:
    """Export with a symbolic batch dimension, as one self-contained model (weights inline)."""
    n_features = graph.weight.shape[1]
    example = torch.zeros(2, n_features)  # batch 2: torch.export specializes a batch of 1
    with _quiet_exporter():
        program = torch.onnx.export(
            graph.eval(),
            (example,),
            input_names=[INPUT_NAME],
            output_names=list(OUTPUT_TYPES),
            dynamic_shapes={"x": {0: torch.export.Dim("batch")}},
            external_data=False,
            verbose=False,
        )
    return program.model_proto


class _quiet_exporter:
    """Silence the exporter's progress and 'torchvision is not installed' lines and torch's own
    LeafSpec FutureWarning: none of them concern the user."""

    def __enter__(self) -> None:
        self._logger = logging.getLogger("torch.onnx")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)

    def __exit__(self, *exc: object) -> None:
        self._warnings.__exit__(*exc)
        self._logger.setLevel(self._level)
