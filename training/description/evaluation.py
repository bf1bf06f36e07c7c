"""One pass of a fitted model over rows: the sums behind the card's metrics and statistics.

Rows come in chunks (one for a table in memory, a batch at a time from a streamed file), and a
torchrun job merges its processes' sums, so every number is the one the whole table gives.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from export.parity import probabilities64
from training.data.blocks import block_starts, in_order
from training.description.metrics import MetricSums
from training.solvers.fit import FitResult
from training.solvers.history import parameters
from training.solvers.model import LogisticRegression
from training.streaming.reduce import LOCAL, Reducer
from training.streaming.rows import RowChunk, Rows, chunks_of

BLOCK_ROWS = 65_536  # rows evaluated at once: float64 temporaries stay a few MB, whatever the table's size


def _blocks(chunks: Iterator[RowChunk]) -> Iterator[RowChunk]:
    for x, y, v in chunks:
        for start in range(0, len(y), BLOCK_ROWS):
            rows = slice(start, start + BLOCK_ROWS)
            yield x[rows], y[rows], None if v is None else v[rows]


def predict64(model: LogisticRegression, x: np.ndarray) -> np.ndarray:
    """(n, K) class probabilities in float64 from a raw-unit model (float32 rows are widened a
    cache-sized block at a time, by a few threads: ``training.data.blocks``)."""
    weights, intercept = parameters(model)

    def block(rows: slice) -> np.ndarray:
        logits = x[rows] @ weights.T + intercept
        return probabilities64(logits[:, 0] if model.n_classes == 2 else logits)

    return np.concatenate(in_order(block, block_starts(x)))


def information_sum(x_standardized: np.ndarray, p: np.ndarray, v: np.ndarray | None) -> np.ndarray:
    """One chunk's share of the observed information, X~ = [1, x] (``information_matrix``)."""
    design = np.column_stack([np.ones(len(p)), x_standardized])
    return information_matrix(design, p, np.ones(len(p)) if v is None else v)


def information_matrix(design: np.ndarray, p: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The information of rows ``design`` (n, m, its first column ones), probabilities p (n, K) and
    weights v (n,). Binary: X~^T diag(v p1 (1 - p1)) X~ (m, m). Multinomial, in the parameters of
    classes 1..K-1 relative to class 0 (statsmodels' MNLogit, R's multinom): block (k, j) of size m
    is X~^T diag(v p_k (δ_kj - p_j)) X~, the blocks in class order ((K-1) m, (K-1) m)."""
    q = p[:, 1:]
    equations, m = q.shape[1], design.shape[1]
    total = np.empty((equations * m, equations * m))
    for k in range(equations):
        for j in range(k, equations):
            block = design.T @ (design * (v * q[:, k] * ((k == j) - q[:, j]))[:, None])
            total[k * m : (k + 1) * m, j * m : (j + 1) * m] = block
            total[j * m : (j + 1) * m, k * m : (k + 1) * m] = block.T
    return total


@dataclass
class RowEvaluation:
    """``metrics`` (unweighted), ``log_likelihood`` sum_i v_i log P(y_i) (v: sample weights), and
    when asked for, the information matrix in standardized coordinates (``information_sum``)."""

    metrics: MetricSums
    log_likelihood: float
    information: np.ndarray | None

    def merge(self, other: "RowEvaluation") -> "RowEvaluation":
        information = None if self.information is None else self.information + other.information
        return RowEvaluation(self.metrics.merge(other.metrics), self.log_likelihood + other.log_likelihood, information)


def evaluate_rows(
    rows: Rows,
    result: FitResult,
    threshold: float | None,
    with_information: bool = False,
    reducer: Reducer = LOCAL,
) -> RowEvaluation:
    size = (len(rows.feature_names) + 1) * (rows.n_classes - 1)
    information = np.zeros((size, size)) if with_information else None
    total = RowEvaluation(MetricSums(rows.n_classes, threshold), 0.0, information)
    for x, y, v in _blocks(chunks_of(rows)):
        p = predict64(result.model, x)
        total.metrics.add(p, y)
        log_p = np.log(np.clip(p[np.arange(len(y)), y], 1e-300, 1.0))
        total.log_likelihood += float(log_p.sum() if v is None else (v * log_p).sum())
        if with_information:
            total.information += information_sum(result.standardizer.transform(x), p, v)
    return reducer.combine(total, RowEvaluation.merge)
