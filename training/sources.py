"""Where the data of a full-batch fit comes from: every gradient is one pass over a source.

``InMemorySource`` holds arrays; the streaming and distributed sources (large files, several
processes) give the same ``sums`` from row groups or shards, so the same L-BFGS reaches the same
optimum from any of them.
"""

from collections.abc import Callable
from typing import Protocol

import numpy as np
import torch

from training.model import LogisticRegression
from training.oracle import Sums, chunk_sums, objective_from_sums
from training.standardize import Standardizer


class Source(Protocol):
    def sums(self, w: np.ndarray, b: np.ndarray, standardizer: Standardizer) -> Sums: ...


def as_tensors(x: np.ndarray, y: np.ndarray, v: np.ndarray | None, n_classes: int) -> tuple:
    """Zero-copy tensors where possible: x keeps its dtype (float32 stays float32); y becomes 0/1
    in x's dtype for binary targets, int64 class indices otherwise; v follows x's dtype."""
    xt = torch.from_numpy(np.ascontiguousarray(x))
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    yt = yt.to(xt.dtype) if n_classes == 2 else yt
    vt = None if v is None else torch.from_numpy(np.asarray(v)).to(xt.dtype)
    return xt, yt, vt


class InMemorySource:
    """Arrays in memory: ``x`` (n, d) raw, float32 or float64; ``y`` (n,) class index; ``v`` weights."""

    def __init__(self, x: np.ndarray, y: np.ndarray, v: np.ndarray | None, n_classes: int):
        self.x, self.y, self.v = as_tensors(x, y, v, n_classes)

    def sums(self, w: np.ndarray, b: np.ndarray, standardizer: Standardizer) -> Sums:
        return chunk_sums(self.x, self.y, self.v, w, b, standardizer)


def oracle_evaluator(
    model: LogisticRegression, source: Source, standardizer: Standardizer, l2: float
) -> Callable[[torch.Tensor], tuple[float, torch.Tensor]]:
    """Objective and gradient at flat parameters (weight rows, then intercepts) from one pass over
    ``source``. The model only gives the parameters' shape: L-BFGS sets it where it records."""
    logits, features = model.linear.weight.shape

    def evaluate(flat: torch.Tensor) -> tuple[float, torch.Tensor]:
        params = flat.detach().double().numpy()
        w = params[: logits * features].reshape(logits, features)
        b = params[logits * features :]
        value, grad_w, grad_b = objective_from_sums(source.sums(w, b, standardizer), w, l2)
        return value, torch.as_tensor(np.concatenate([grad_w.ravel(), grad_b]))

    return evaluate
