"""The served graph as a torch module, and its export to an ONNX ``ModelProto``.

Why the graph is built this way:
- The logit is computed in float64 (inputs cast up), then rounded to float32. Any finite float32
  input times finite weights then stays finite in float64, so ``x = [1e38, -1e38]`` gives a
  finite or infinite logit but never the NaN that float32's ``inf - inf`` would give.
- The probabilities are ``1 / (1 + exp(-z))`` and ``1 / (1 + exp(z))`` (binary) or a softmax
  shifted by the row's largest logit (multinomial), computed in float64 from the float32 ``logit``
  output, so each is accurate in its own tail and consistent with the logit the graph reports.
  onnxruntime's ``Sigmoid`` kernel is accurate only in absolute terms (returns 0 from z <= -18),
  which fails the tail bar. Multinomial logits are clipped to the float32 range first, so a row
  with an infinite logit gets probability 1 (shared among ties) rather than NaN.
"""

import logging
import warnings

import numpy as np
import onnx
import torch
from torch import nn

from export.artifact import INPUT_NAME, OUTPUT_TYPES

FLOAT32_MAX = float(np.finfo(np.float32).max)


class ServingGraph(nn.Module):
    """x float32 (batch, n_features) -> logit (batch,) or (batch, K), probabilities (batch, K),
    label (batch,). ``weights`` is (1, n_features) for binary, (K, n_features) for multinomial;
    ``threshold`` applies to binary models only."""

    def __init__(self, weights: np.ndarray, intercept: np.ndarray, threshold: float | None):
        super().__init__()
        self.register_buffer("weight", torch.as_tensor(np.asarray(weights, dtype=np.float64)))
        self.register_buffer("bias", torch.as_tensor(np.asarray(intercept, dtype=np.float64)))
        self.binary = self.weight.shape[0] == 1
        self.threshold = float(threshold) if self.binary else None

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits = (x.double() @ self.weight.T + self.bias).float()
        if self.binary:
            logit = logits[:, 0]
            z = logit.double()
            p1 = torch.reciprocal(1.0 + torch.exp(-z))
            p0 = torch.reciprocal(1.0 + torch.exp(z))
            probabilities = torch.stack([p0, p1], dim=1).float()
            return logit, probabilities, (probabilities[:, 1] > self.threshold).long()
        z = logits.double().clamp(-FLOAT32_MAX, FLOAT32_MAX)
        e = torch.exp(z - z.max(dim=1, keepdim=True).values)
        probabilities = (e / e.sum(dim=1, keepdim=True)).float()
        return logits, probabilities, probabilities.argmax(dim=1)


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
