"""The objective and its gradient in closed form, from one pass over the raw data.

Why not autograd here: L-BFGS on a large table is bound by memory bandwidth. One evaluation reads
x once: the rows are taken a block at a time (``training.data.blocks``: cache-sized, shared
among threads), and each block gives its logits (x_b @ A^T) and its share of the gradient
(R_b^T @ x_b) while it is still in cache; the blocks' sums are added in block order. Per-row
losses are summed in float64, and each block's gradient is carried to float64 before the blocks
are added. The standardization is folded into the parameters, so no standardized copy of x
is ever made. Sums are returned unnormalized so that shards of the data (row groups of a file,
ranks of a distributed job) simply add up.

Parameters are in standardized coordinates: W (L, d) and b (L,), L = 1 logit for binary targets,
K for multinomial ones; the objective is the one of ``training.solvers.objective``.
"""

from dataclasses import dataclass

import numpy as np

from training.data.blocks import block_starts, in_order
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


def block_sums(x: np.ndarray, y: np.ndarray, v: np.ndarray | None, a: np.ndarray, c: np.ndarray) -> Sums:
    """Sums over one block of rows, for the raw-unit parameters ``a`` (L, d) and ``c`` (L,) in x's
    dtype; the gradient is with respect to (a, c)."""
    if len(a) == 1:
        z = x @ a[0]
        z += c[0]
        # the stable forms, no exp of a large positive number, written in place (fewer passes):
        # loss = log1p(e^-|z|) + max(z, 0) - y z;  sigmoid(z) = (1 if z >= 0 else e^-|z|) / (1 + e^-|z|)
        tail = np.abs(z)
        np.exp(np.negative(tail, out=tail), out=tail)
        loss = np.log1p(tail)
        loss += np.maximum(z, 0)
        loss -= y * z
        residual = np.maximum(tail, z >= 0)
        residual /= 1 + tail
        residual -= y
    else:
        z = x @ a.T + c
        z -= z.max(axis=1, keepdims=True)
        residual = np.exp(z)
        total = residual.sum(axis=1)
        rows = np.arange(len(y))
        loss = np.log(total) - z[rows, y]
        residual /= total[:, None]
        residual[rows, y] -= 1
    if v is not None:
        loss = loss * v
        residual = residual * (v if residual.ndim == 1 else v[:, None])
    if residual.ndim == 1:
        grad_a = (residual @ x)[None, :]
        grad_c = residual.sum(dtype=np.float64)[None]
    else:
        grad_a = residual.T @ x
        grad_c = residual.sum(axis=0, dtype=np.float64)
    weight = float(len(y)) if v is None else float(v.sum(dtype=np.float64))
    return Sums(float(loss.sum(dtype=np.float64)), grad_a.astype(np.float64), grad_c, weight)


def chunk_sums(
    x: np.ndarray, y: np.ndarray, v: np.ndarray | None, w: np.ndarray, b: np.ndarray, standardizer: Standardizer
) -> Sums:
    """Sums over the rows of one chunk. ``x`` (n, d) raw values (float32 or float64), ``y`` (n,)
    0/1 in x's dtype (binary) or int64 class index (multinomial), ``v`` (n,) row weights in x's
    dtype or None (``as_arrays`` makes them so)."""
    raw_w, raw_b = standardizer.to_raw(w, b)
    a, c = raw_w.astype(x.dtype), raw_b.astype(x.dtype)

    def one_block(rows: slice) -> Sums:
        return block_sums(x[rows], y[rows], None if v is None else v[rows], a, c)

    total = Sums(0.0, np.zeros_like(w), np.zeros_like(b), 0.0)
    for part in in_order(one_block, block_starts(x)):
        total = total + part
    # chain rule through the folding: d/dW_std = (d/dA - d/dc * mean) / scale, d/db = d/dc
    grad_w = (total.grad_w - total.grad_b[:, None] * standardizer.mean) / standardizer.scale
    return Sums(total.loss, grad_w, total.grad_b, total.weight)


def objective_from_sums(sums: Sums, w: np.ndarray, l2: float) -> tuple[float, np.ndarray, np.ndarray]:
    """The objective and its gradient: mean weighted loss plus l2/2 |W|^2."""
    value = sums.loss / sums.weight + 0.5 * l2 * float((w * w).sum())
    return value, sums.grad_w / sums.weight + l2 * w, sums.grad_b / sums.weight
