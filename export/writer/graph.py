"""The served graph as a torch module, and its export to an ONNX ``ModelProto``.

Why the graph is built this way:
- The logit is one float32 matrix product (an ONNX Einsum for large batches, MatMul for small ones:
  see ``forward``), exact to within float32 dot-product rounding. If any logit of a batch comes out
  infinite or NaN (an input near float32's limit: ``[1e38, -1e38]`` gives ``inf - inf``), the
  batch is recomputed in float64 and rounded to float32 (an ONNX ``If``), so a finite input never
  gives NaN and an overflowing one gives the right infinity.
- The probabilities are ``1 / (1 + exp(-z))`` and ``1 / (1 + exp(z))`` (binary) or a softmax
  shifted by the row's largest logit (multinomial), computed from the ``logit`` output in float32
  (Exp, Add, Reciprocal: about 2e-7 relative error down to 1e-30, monotone), so each is accurate
  in its own tail and consistent with the logit the graph reports.
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
from export.parity import FLOAT32_MAX

SMALL_BATCH = 256


class ServingGraph(nn.Module):
    """x float32 (batch, n_features) -> logit (batch,) or (batch, K), probabilities (batch, K),
    label (batch,). ``weights`` is (1, n_features) for binary, (K, n_features) for multinomial;
    ``threshold`` applies to binary models only."""

    def __init__(self, weights: np.ndarray, intercept: np.ndarray, threshold: float | None):
        super().__init__()
        self.binary = np.shape(weights)[0] == 1
        # binary: one weight vector (d,) and a scalar intercept, so the logit comes out as (batch,);
        # multinomial: weights stored as (d, K), so no product works on a transposed view
        weights, intercept = np.asarray(weights, dtype=np.float64), np.asarray(intercept, dtype=np.float64)
        weight = weights[0] if self.binary else np.ascontiguousarray(weights.T)
        bias = intercept[0] if self.binary else intercept
        self.register_buffer("weight", torch.as_tensor(weight))
        self.register_buffer("bias", torch.as_tensor(bias))
        self.register_buffer("weight32", self.weight.float())
        self.register_buffer("bias32", self.bias.float())
        self.threshold = float(threshold) if self.binary else None

    def _logits(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return torch.einsum("nd,d->n" if self.binary else "nd,dk->nk", x, weight) + bias

    def _logits_of_few(self, x: torch.Tensor) -> torch.Tensor:
        return (torch.mv(x, self.weight32) if self.binary else x @ self.weight32) + self.bias32

    def _logits_of_many(self, x: torch.Tensor) -> torch.Tensor:
        return self._logits(x, self.weight32, self.bias32)

    def _exact(self, x: torch.Tensor, fast: torch.Tensor) -> torch.Tensor:
        return self._logits(x.double(), self.weight, self.bias).float()

    def _fast(self, x: torch.Tensor, fast: torch.Tensor) -> torch.Tensor:
        return fast.clone()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        # onnxruntime's Einsum makes this product at memory speed, MatMul does not, but Einsum costs
        # more per call, so MatMul serves batches of up to SMALL_BATCH rows (single-row latency);
        # both round as float32 dots (figures in docs/benchmarks.md)
        fast = torch.cond(x.shape[0] > SMALL_BATCH, self._logits_of_many, self._logits_of_few, (x,))
        # one reduction tells whether any logit is inf or NaN: s - s is NaN exactly then (a huge
        # finite sum also sends the batch to the exact branch: slower, never wrong)
        total = fast.sum()
        logits = torch.cond(torch.isnan(total - total), self._exact, self._fast, (x, fast))
        if self.binary:
            p1 = torch.reciprocal(1.0 + torch.exp(-logits))
            p0 = torch.reciprocal(1.0 + torch.exp(logits))
            return logits, torch.stack([p0, p1], dim=1), (p1 > self.threshold).long()
        z = logits.clamp(-FLOAT32_MAX, FLOAT32_MAX)
        e = torch.exp(z - z.max(dim=1, keepdim=True).values)
        probabilities = e / e.sum(dim=1, keepdim=True)
        return logits, probabilities, probabilities.argmax(dim=1)


def to_onnx(graph: ServingGraph) -> onnx.ModelProto:
    """Export with a symbolic batch dimension, as one self-contained model (weights inline)."""
    n_features = graph.weight.shape[0]
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
    return strip_debug_metadata(program.model_proto)


def strip_debug_metadata(model: onnx.ModelProto) -> onnx.ModelProto:
    """Drop the exporter's per-node metadata (Python stack traces with absolute paths and
    in-process counters): with it, the same weights gave different bytes on a second export in
    one process or from another folder. The model-level metadata (the card) is set afterwards."""
    _strip_graph(model.graph)
    return model


def _strip_graph(graph: onnx.GraphProto) -> None:
    del graph.metadata_props[:]
    for item in (*graph.input, *graph.output, *graph.value_info, *graph.initializer):
        del item.metadata_props[:]
    for node in graph.node:
        del node.metadata_props[:]
        for attribute in node.attribute:
            if attribute.HasField("g"):
                _strip_graph(attribute.g)
            for subgraph in attribute.graphs:
                _strip_graph(subgraph)


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
