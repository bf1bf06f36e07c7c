"""What the page replays: the objective and the raw-unit parameters after each recorded step."""

from dataclasses import dataclass, field

import numpy as np

from export.card.sections import LossHistory
from training.data.standardize import Standardizer
from training.solvers.model import LogisticRegression

MAX_HISTORY_POINTS = 1001  # step 0 plus up to 1000 more: every epoch of the tutorial's run


def recorded_steps(steps: int, max_points: int = MAX_HISTORY_POINTS) -> set[int]:
    """Every step for short runs; for long ones ``max_points`` evenly spaced, always 0 and the last."""
    if steps + 1 <= max_points:
        return set(range(steps + 1))
    return {int(e) for e in np.linspace(0, steps, max_points).round()}


@dataclass
class History:
    """``epoch[i]`` steps taken (epochs for SGD and Adam, iterations for L-BFGS; 0 is before the
    first), ``loss[i]`` the objective then, ``weights[i]`` (n_logits, n_features) and
    ``intercept[i]`` (n_logits,) in raw feature units, as the card stores them."""

    standardizer: Standardizer
    epoch: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    weights: list[list[list[float]]] = field(default_factory=list)
    intercept: list[list[float]] = field(default_factory=list)

    def record(self, step: int, loss: float, model: LogisticRegression) -> None:
        weights, intercept = self.standardizer.to_raw(*parameters(model))
        self.epoch.append(step)
        self.loss.append(loss)
        self.weights.append(weights.tolist())
        self.intercept.append(intercept.tolist())

    def record_flats(self, steps: list[int], losses: list[float], flats: np.ndarray, shape: tuple) -> None:
        """Many records at once: ``flats`` (m, n_logits * n_features + n_logits) holds each step's
        flat parameters (weight rows, then intercepts), ``shape`` the weights' (n_logits, n_features)."""
        logits, features = shape
        weights, intercept = self.standardizer.to_raw(
            flats[:, : logits * features].reshape(len(flats), logits, features), flats[:, logits * features :]
        )
        self.epoch.extend(steps)
        self.loss.extend(losses)
        self.weights.extend(weights.tolist())
        self.intercept.extend(intercept.tolist())

    def to_section(self) -> LossHistory:
        return LossHistory(epoch=self.epoch, loss=self.loss, weights=self.weights, intercept=self.intercept)


def parameters(model: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """(weights (n_logits, n_features), intercept (n_logits,)) as float64 arrays."""
    return (model.linear.weight.detach().double().numpy().copy(), model.linear.bias.detach().double().numpy().copy())
