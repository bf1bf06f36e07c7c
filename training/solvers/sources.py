"""Where the data of a full-batch fit comes from: every gradient is one pass over a source.

``InMemorySource`` holds arrays; the streaming and distributed sources (large files, several
processes) give the same ``sums`` from row groups or shards, so the same L-BFGS reaches the same
optimum from any of them.
"""

from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np
import torch

from training.config import TrainConfig
from training.data.randomness import epoch_order_generator
from training.data.standardize import Standardizer
from training.solvers.model import LogisticRegression
from training.solvers.optimizers import Evaluate
from training.solvers.oracle import Sums, chunk_sums, objective_from_sums
from training.streaming.reduce import Reducer
from training.streaming.rows import StreamedRows


def weighted(v: np.ndarray | None, y: np.ndarray, factors: np.ndarray | None) -> np.ndarray | None:
    """The weights the objective gives rows: sample weights ``v`` times their class's factor."""
    if factors is None:
        return v
    return factors[y] if v is None else v * factors[y]


class Source(Protocol):
    def sums(self, w: np.ndarray, b: np.ndarray, standardizer: Standardizer) -> Sums: ...


def as_arrays(x: np.ndarray, y: np.ndarray, v: np.ndarray | None, n_classes: int) -> tuple:
    """What ``chunk_sums`` takes, copying only where needed: x keeps its dtype (float32 stays
    float32) and its layout if contiguous; y becomes 0/1 in x's dtype for binary targets, int64
    class indices otherwise; v follows x's dtype."""
    x = x if x.flags.c_contiguous or x.flags.f_contiguous else np.ascontiguousarray(x)
    y = np.asarray(y, dtype=x.dtype if n_classes == 2 else np.int64)
    return x, y, None if v is None else np.asarray(v, dtype=x.dtype)


class ChunkSource:
    """Rows read a chunk at a time (a streamed file; this process's share of a torchrun job): the
    sums of its chunks, then summed across processes by ``reducer`` (one all-reduce of d + 2
    numbers per logit). ``factors``: class-weight multipliers or None."""

    def __init__(self, rows: StreamedRows, factors: np.ndarray | None, reducer: Reducer):
        self.rows, self.factors, self.reducer = rows, factors, reducer

    def sums(self, w: np.ndarray, b: np.ndarray, standardizer: Standardizer) -> Sums:
        total = Sums(0.0, np.zeros_like(w), np.zeros_like(b), 0.0)  # a shard may lose all its rows to --drop-missing
        for x, y, v in self.rows.chunks():
            tensors = as_arrays(x, y, weighted(v, y, self.factors), self.rows.n_classes)
            total = total + chunk_sums(*tensors, w, b, standardizer)
        return total.from_vector(self.reducer.sum(total.to_vector()))

    def minibatches(
        self, model: LogisticRegression, standardizer: Standardizer, config: TrainConfig
    ) -> Callable[[int], Iterator[Evaluate]]:
        """For SGD and Adam: ``batches(epoch)`` gives the evaluator of each minibatch of that epoch,
        ``config.batch_size`` rows drawn in a seeded order within each streamed chunk."""

        def batches(epoch: int) -> Iterator[Evaluate]:
            order = epoch_order_generator(config.seed, epoch)
            for x, y, v in self.rows.chunks():
                for rows in np.array_split(order.permutation(len(y)), max(1, -(-len(y) // config.batch_size))):
                    part = InMemorySource(
                        x[rows],
                        y[rows],
                        weighted(None if v is None else v[rows], y[rows], self.factors),
                        self.rows.n_classes,
                    )
                    yield oracle_evaluator(model, part, standardizer, config.penalization.l2)

        return batches


class InMemorySource:
    """Arrays in memory: ``x`` (n, d) raw, float32 or float64; ``y`` (n,) class index; ``v`` weights."""

    def __init__(self, x: np.ndarray, y: np.ndarray, v: np.ndarray | None, n_classes: int):
        self.x, self.y, self.v = as_arrays(x, y, v, n_classes)

    def sums(self, w: np.ndarray, b: np.ndarray, standardizer: Standardizer) -> Sums:
        return chunk_sums(self.x, self.y, self.v, w, b, standardizer)


def oracle_evaluator(
    model: LogisticRegression, source: Source, standardizer: Standardizer, l2: float, aliased: tuple[int, ...] = ()
) -> Evaluate:
    """Objective and gradient at flat parameters (weight rows, then intercepts) from one pass over
    ``source``. The model only gives the parameters' shape: L-BFGS sets it where it records. The
    gradient of ``aliased`` feature columns is 0, so they stay where they start (0)."""
    logits, features = model.linear.weight.shape

    def evaluate(flat: torch.Tensor) -> tuple[float, torch.Tensor]:
        params = flat.detach().double().numpy()
        w = params[: logits * features].reshape(logits, features)
        b = params[logits * features :]
        value, grad_w, grad_b = objective_from_sums(source.sums(w, b, standardizer), w, l2)
        grad_w[:, list(aliased)] = 0.0
        return value, torch.as_tensor(np.concatenate([grad_w.ravel(), grad_b]))

    return evaluate
