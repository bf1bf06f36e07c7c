"""The objective and its gradient in closed form, from passes over the raw data.

Why not autograd here: L-BFGS on a large table is bound by memory bandwidth. One evaluation is
two matrix-vector passes over x (x @ A^T, then R^T @ x) in x's own dtype plus a few elementwise
operations on n numbers, all in torch (mixing in numpy's BLAS was slower: its idle threads and
torch's fight for the cores; figures in docs/benchmarks.md). The
standardization is folded into the parameters, so no standardized copy of x is ever made. Sums
are returned unnormalized so that shards of the data (row groups of a file, ranks of a
distributed job) simply add up.

Parameters are in standardized coordinates: W (L, d) and b (L,), L = 1 logit for binary targets,
K for multinomial ones; the objective is the one of ``training.solvers.objective``.
"""

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from training.data.standardize import Standardizer


@dataclass
class Sums:
    """Weighted sums over some rows: loss, gradient with respect to (W, b), and total weight."""

    loss: float
    grad_w: np.ndarray
    grad_b: np.ndarray
    weight: float

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(
            self.loss + other.loss, self.grad_w + other.grad_w, self.grad_b + other.grad_b, self.weight + other.weight
        )

    def to_vector(self) -> np.ndarray:
        """[loss, grad_w..., grad_b..., weight]: what ranks all-reduce, one message per evaluation."""
        return np.concatenate([[self.loss], self.grad_w.ravel(), self.grad_b, [self.weight]])

    def from_vector(self, vector: np.ndarray) -> "Sums":
        """Sums of this shape holding ``vector`` (as ``to_vector`` lays it out)."""
        split = 1 + self.grad_w.size
        grad_w = vector[1:split].reshape(self.grad_w.shape)
        return Sums(float(vector[0]), grad_w, vector[split:-1].copy(), float(vector[-1]))


def chunk_sums(
    x: torch.Tensor, y: torch.Tensor, v: torch.Tensor | None, w: np.ndarray, b: np.ndarray, standardizer: Standardizer
) -> Sums:
    """Sums over the rows of one chunk. ``x`` (n, d) raw values (float32 or float64), ``y`` (n,)
    0/1 in x's dtype (binary) or int64 class index (multinomial), ``v`` (n,) row weights or None."""
    raw_w, raw_b = standardizer.to_raw(w, b)
    a = torch.as_tensor(raw_w, dtype=x.dtype)
    c = torch.as_tensor(raw_b, dtype=x.dtype)
    if w.shape[0] == 1:
        z = torch.mv(x, a[0]) + c[0]  # pass 1 over x
        loss = F.binary_cross_entropy_with_logits(z, y, reduction="none")
        residual = torch.sigmoid(z) - y
    else:
        z = torch.addmm(c, x, a.T)  # pass 1 over x
        loss = F.cross_entropy(z, y, reduction="none")
        residual = torch.softmax(z, dim=1)
        residual[torch.arange(len(y)), y] -= 1
    if v is not None:
        loss = loss * v
        residual = residual * (v if residual.ndim == 1 else v[:, None])
    if residual.ndim == 1:
        raw_grad = torch.mv(x.T, residual)[None, :]  # pass 2 over x
        grad_b = residual.sum(dtype=torch.float64)[None]
    else:
        raw_grad = residual.T @ x  # pass 2 over x
        grad_b = residual.sum(dim=0, dtype=torch.float64)
    grad_b = grad_b.numpy()
    # chain rule through the folding: d/dW_std = (d/dA - d/dc * mean) / scale, d/db = d/dc
    grad_w = (raw_grad.double().numpy() - grad_b[:, None] * standardizer.mean) / standardizer.scale
    weight = float(len(y)) if v is None else float(v.sum(dtype=torch.float64))
    return Sums(float(loss.sum(dtype=torch.float64)), grad_w, grad_b, weight)


def objective_from_sums(sums: Sums, w: np.ndarray, l2: float) -> tuple[float, np.ndarray, np.ndarray]:
    """The objective and its gradient: mean weighted loss plus l2/2 |W|^2."""
    value = sums.loss / sums.weight + 0.5 * l2 * float((w * w).sum())
    return value, sums.grad_w / sums.weight + l2 * w, sums.grad_b / sums.weight
