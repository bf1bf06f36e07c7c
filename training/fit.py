"""Fit: ``fit(config, data) -> FitResult(model, history)``. Pure: no files, no printing.

The loss is mean binary cross-entropy computed from the logit
(``binary_cross_entropy_with_logits``), which is the tutorial's ``BCELoss(sigmoid(z))`` in a form
that does not lose precision when the sigmoid saturates.
"""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from export.errors import ConfigError
from training.config import TrainConfig
from training.data import Dataset
from training.model import LogisticRegression

MAX_HISTORY_POINTS = 1001  # epoch 0 plus up to 1000 more: every epoch of the tutorial's run


@dataclass
class History:
    """Loss and parameters after ``epoch[i]`` epochs; ``epoch[0] == 0`` is before the first step.
    ``weights[i]`` is (1, n_features) and ``intercept[i]`` (1,), as the card stores them."""

    epoch: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    weights: list[list[list[float]]] = field(default_factory=list)
    intercept: list[list[float]] = field(default_factory=list)

    def record(self, epoch: int, loss: float, model: LogisticRegression) -> None:
        self.epoch.append(epoch)
        self.loss.append(loss)
        self.weights.append(model.linear.weight.detach().double().tolist())
        self.intercept.append(model.linear.bias.detach().double().tolist())

    def to_dict(self) -> dict:
        return {"epoch": self.epoch, "loss": self.loss, "weights": self.weights, "intercept": self.intercept}


@dataclass
class FitResult:
    model: LogisticRegression
    history: History

    @property
    def final_loss(self) -> float:
        return self.history.loss[-1]


def recorded_epochs(epochs: int, max_points: int = MAX_HISTORY_POINTS) -> set[int]:
    """Every epoch for short runs; for long ones ``max_points`` evenly spaced, always 0 and the last."""
    if epochs + 1 <= max_points:
        return set(range(epochs + 1))
    return {int(e) for e in np.linspace(0, epochs, max_points).round()}


def fit(config: TrainConfig, data: Dataset, on_epoch: Callable[[int, float], None] | None = None) -> FitResult:
    """Train on ``data``; ``on_epoch(epoch, last_batch_loss)`` is called after each epoch."""
    torch.manual_seed(config.seed)  # before the layer is built: the tutorial's initial weights
    model = LogisticRegression(len(data.feature_names))
    x = torch.as_tensor(data.x, dtype=torch.float32)
    y = torch.as_tensor(data.y, dtype=torch.float32)
    optimizer = _make_optimizer(config, model)
    shuffle = torch.Generator().manual_seed(config.seed)
    record = recorded_epochs(config.epochs)
    history = History()
    for epoch in range(config.epochs):
        if epoch in record:
            history.record(epoch, full_loss(model, x, y), model)
        for rows in _batches(len(y), config.batch_size, shuffle):
            loss = F.binary_cross_entropy_with_logits(model(x[rows]), y[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        last = loss.item()
        if not math.isfinite(last):
            raise ConfigError(
                f"training diverged: the loss became {last} in epoch {epoch + 1}; lower --lr (now {config.lr})"
            )
        if on_epoch is not None:
            on_epoch(epoch + 1, last)
    history.record(config.epochs, full_loss(model, x, y), model)
    return FitResult(model, history)


@torch.no_grad()
def full_loss(model: LogisticRegression, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean binary cross-entropy over all rows, in float64 so the history is exact to print."""
    return F.binary_cross_entropy_with_logits(model(x).double(), y.double()).item()


def _make_optimizer(config: TrainConfig, model: LogisticRegression) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr)
    return torch.optim.SGD(model.parameters(), lr=config.lr)


def _batches(n: int, batch_size: int | None, generator: torch.Generator) -> Iterator[slice | torch.Tensor]:
    """Full batch as one slice (no copy, no shuffle: the tutorial); else a seeded shuffle per epoch."""
    if batch_size is None or batch_size >= n:
        yield slice(None)
        return
    order = torch.randperm(n, generator=generator)
    yield from order.split(batch_size)
