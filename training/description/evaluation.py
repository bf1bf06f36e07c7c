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
    """One chunk's share of the observed information X~^T diag(v p (1 - p)) X~, X~ = [1, x]."""
    design = np.column_stack([np.ones(len(p)), x_standardized])
    scale = p * (1 - p) if v is None else v * p * (1 - p)
    return design.T @ (design * scale[:, None])


@dataclass
class RowEvaluation:
    """``metrics`` (unweighted), ``log_likelihood`` sum_i v_i log P(y_i) (v: sample weights), and
    for a binary model asked for it, the information matrix in standardized coordinates."""

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
    d = len(rows.feature_names)
    total = RowEvaluation(
        MetricSums(rows.n_classes, threshold), 0.0, np.zeros((d + 1, d + 1)) if with_information else None
    )
    for x, y, v in _blocks(chunks_of(rows)):
        p = predict64(result.model, x)
        total.metrics.add(p, y)
        log_p = np.log(np.clip(p[np.arange(len(y)), y], 1e-300, 1.0))
        total.log_likelihood += float(log_p.sum() if v is None else (v * log_p).sum())
        if with_information:
            total.information += information_sum(result.standardizer.transform(x), p[:, 1], v)
    return reducer.combine(total, RowEvaluation.merge)
