"""Fit: ``fit(config, data) -> FitResult``. Pure: no files, no printing.

SGD and Adam run in float32, as the tutorial does. L-BFGS keeps its parameters in float64 and makes
its passes over the data in the data's own precision (float64 from files: agreeing with
scikit-learn's optimum to 1e-6 on the objective needs gradients more exact than float32 gives).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from export.errors import DataError
from training.config import TrainConfig
from training.data import Dataset
from training.history import History, parameters
from training.model import LogisticRegression
from training.objective import Problem
from training.solvers import Convergence, autograd_evaluator, run_gradient_steps, run_lbfgs
from training.sources import InMemorySource, oracle_evaluator
from training.standardize import Standardizer


@dataclass
class FitResult:
    """``model`` is in raw feature units (float64); ``fitted`` the same fit in standardized units,
    as the optimizer left it; ``row_weights`` the weights the objective used (None: all 1)."""

    model: LogisticRegression
    fitted: LogisticRegression
    history: History
    convergence: Convergence
    standardizer: Standardizer
    row_weights: np.ndarray | None

    @property
    def final_loss(self) -> float:
        return self.history.loss[-1]


def row_weights(data: Dataset, class_weight: str) -> np.ndarray | None:
    """Sample weights times class weights; 'balanced' gives class c the weight sum(v) / (K sum_c(v)),
    scikit-learn's rule, so every class carries the same total weight."""
    weights = data.weights
    if class_weight == "balanced":
        base = np.ones(len(data.y)) if weights is None else weights
        totals = np.bincount(data.y, weights=base, minlength=data.n_classes)
        if (totals <= 0).any():
            raise DataError("--class-weight balanced needs every class to have some weight; a class has none")
        weights = base * (base.sum() / (data.n_classes * totals))[data.y]
    return weights


def problem_for(
    config: TrainConfig, data: Dataset, standardizer: Standardizer, weights: np.ndarray | None, dtype: torch.dtype
) -> Problem:
    """The tensors autograd fits on: standardized features, targets and row weights."""
    x = torch.as_tensor(standardizer.transform(data.x), dtype=dtype)
    y = torch.as_tensor(data.y, dtype=dtype if data.n_classes == 2 else torch.int64)
    w = None if weights is None else torch.as_tensor(weights, dtype=dtype)
    return Problem(x, y, w, config.l2, config.penalty == "firth")


def fit(config: TrainConfig, data: Dataset, on_step: Callable[[int, float], None] | None = None) -> FitResult:
    """Train on ``data``; ``on_step(step, loss)`` is called after each epoch or L-BFGS iteration."""
    if config.penalty == "firth" and data.n_classes > 2:
        raise DataError(
            f"--penalty firth fits binary targets only, but {data.target_name!r} has "
            f"{data.n_classes} classes; use --l2 for a multinomial target"
        )
    config = config.for_data(data.x.dtype)
    standardizer = Standardizer.fit(data.x) if config.standardize else Standardizer.identity(data.x.shape[1])
    dtype = torch.float64 if config.optimizer == "lbfgs" else torch.float32
    if config.optimizer != "lbfgs":
        torch.manual_seed(config.seed)  # before the layer is built: the tutorial's initial weights
    model = LogisticRegression(data.x.shape[1], data.n_classes).to(dtype)
    if config.optimizer == "lbfgs":  # a convex problem: start from zero, as scikit-learn does
        with torch.no_grad():
            model.linear.weight.zero_()
            model.linear.bias.zero_()
    history = History(standardizer)
    weights = row_weights(data, config.class_weight)
    if config.optimizer != "lbfgs":
        problem = problem_for(config, data, standardizer, weights, dtype)
        convergence = run_gradient_steps(model, problem, config, history, on_step)
    elif config.penalty == "firth":
        evaluate = autograd_evaluator(model, problem_for(config, data, standardizer, weights, dtype))
        convergence = run_lbfgs(model, evaluate, config, history, on_step)
    else:
        evaluate = oracle_evaluator(
            model, InMemorySource(data.x, data.y, weights, data.n_classes), standardizer, config.l2
        )
        convergence = run_lbfgs(model, evaluate, config, history, on_step)
    return FitResult(raw_model(model, standardizer), model, history, convergence, standardizer, weights)


def raw_model(fitted: LogisticRegression, standardizer: Standardizer) -> LogisticRegression:
    """The fitted model with standardization folded in: it takes raw feature values."""
    weights, intercept = standardizer.to_raw(*parameters(fitted))
    raw = LogisticRegression(weights.shape[1], fitted.n_classes).double()
    with torch.no_grad():
        raw.linear.weight.copy_(torch.as_tensor(weights))
        raw.linear.bias.copy_(torch.as_tensor(intercept))
    return raw
