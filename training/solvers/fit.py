"""Fit: ``fit(config, rows) -> FitResult``, one entry for rows in memory and streamed rows. Pure:
no files, no printing.

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
from training.data.dataset import Dataset
from training.data.standardize import Standardizer
from training.solvers.history import History, parameters
from training.solvers.model import LogisticRegression
from training.solvers.objective import Problem
from training.solvers.optimizers import Convergence, autograd_evaluator, run_gradient_steps, run_lbfgs, run_oracle_steps
from training.solvers.rank import Rank, design_gram, rank_of
from training.solvers.sources import ChunkSource, InMemorySource, oracle_evaluator, weighted
from training.streaming.reduce import LOCAL, Reducer
from training.streaming.rows import Rows, StreamedRows
from training.streaming.summary import RowSummary


@dataclass
class FitResult:
    """``model`` is in raw feature units (float64); ``fitted`` the same fit in standardized units,
    as the optimizer left it; ``class_factors`` the class weights' multipliers (None: no class weights);
    ``config`` the configuration it ran with, ``tol`` resolved for the data's precision; ``rank``
    which features the data determines (None for an L2 fit, whose penalty determines them all)."""

    config: TrainConfig
    model: LogisticRegression
    fitted: LogisticRegression
    history: History
    convergence: Convergence
    standardizer: Standardizer
    class_factors: np.ndarray | None
    rank: Rank | None = None

    @property
    def final_loss(self) -> float:
        return self.history.loss[-1]

    def identified(self, d: int) -> tuple[int, ...]:
        """The features of ``d`` that the fit estimated (all but the aliased ones)."""
        return tuple(range(d)) if self.rank is None else self.rank.kept


def class_factors(class_totals: np.ndarray, class_weight: str) -> np.ndarray | None:
    """Per-class multipliers of the row weights: 'balanced' gives class c the factor
    sum(v) / (K sum_c(v)), scikit-learn's rule, so every class carries the same total weight;
    ``class_totals`` (K,) is the sample weight of each class. None: no class weights."""
    if class_weight != "balanced":
        return None
    if (class_totals <= 0).any():
        raise DataError("--class-weight balanced needs every class to have some weight; a class has none")
    return class_totals.sum() / (len(class_totals) * class_totals)


def problem_for(
    config: TrainConfig,
    data: Dataset,
    standardizer: Standardizer,
    weights: np.ndarray | None,
    dtype: torch.dtype,
    rank: Rank | None = None,
) -> Problem:
    """The tensors autograd fits on: standardized features, targets and row weights."""
    x = torch.as_tensor(standardizer.transform(data.x), dtype=dtype)
    y = torch.as_tensor(data.y, dtype=dtype if data.n_classes == 2 else torch.int64)
    w = None if weights is None else torch.as_tensor(weights, dtype=dtype)
    identified = list(rank.kept) if rank is not None and len(rank.kept) < data.x.shape[1] else None
    return Problem(x, y, w, config.penalization, identified)


def rank_for(
    config: TrainConfig,
    rows: Rows,
    standardizer: Standardizer,
    reducer: Reducer = LOCAL,
    left_out: tuple[int, ...] = (),
) -> Rank | None:
    """Which features the rows determine (``training.solvers.rank``), without the features
    ``left_out``; None where the penalty determines every term."""
    return (
        None
        if config.penalization.determines_every_term
        else rank_of(design_gram(rows, standardizer, reducer), left_out)
    )


def hold_aliased(model: LogisticRegression, rank: Rank | None, left_out: tuple[int, ...] = ()) -> tuple[int, ...]:
    """Aliased features' weights, and those of the features ``left_out``, start at 0 and stay there
    (their gradients are masked for autograd; the closed-form evaluator is told them); returns
    their indices."""
    aliased = tuple(sorted({*left_out, *(() if rank is None else rank.aliased)}))
    if aliased:
        with torch.no_grad():
            model.linear.weight[:, list(aliased)] = 0.0
        mask = torch.ones_like(model.linear.weight)
        mask[:, list(aliased)] = 0.0
        model.linear.weight.register_hook(lambda grad: grad * mask)
    return aliased


def unscaled_terms(config: TrainConfig, rows: Rows) -> list[int]:
    """Terms left as they are when the others are standardized: one-hot levels under an L2 penalty,
    which is defined on their 0/1 columns (scikit-learn's OneHotEncoder beside a StandardScaler)."""
    return rows.inputs.indicator_terms() if config.penalization.determines_every_term else []


def initial_model(config: TrainConfig, n_features: int, n_classes: int) -> LogisticRegression:
    """SGD and Adam start where the tutorial's seeded layer starts, in float32; L-BFGS starts from
    zero in float64 (a convex problem, as scikit-learn does)."""
    if config.optimizer != "lbfgs":
        torch.manual_seed(config.seed)  # before the layer is built: the tutorial's initial weights
        return LogisticRegression(n_features, n_classes)
    model = LogisticRegression(n_features, n_classes).double()
    with torch.no_grad():
        model.linear.weight.zero_()
        model.linear.bias.zero_()
    return model


@dataclass
class Start:
    """What every fit sets up before its first step, rows in memory or streamed: the model at its
    starting point, which terms the rows determine (``rank``) and which are held at 0
    (``aliased``), the history, and the class weights' multipliers."""

    standardizer: Standardizer
    model: LogisticRegression
    rank: Rank | None
    aliased: tuple[int, ...]
    history: History
    factors: np.ndarray | None

    @classmethod
    def of(
        cls,
        config: TrainConfig,
        rows: Rows,
        standardizer: Standardizer,
        class_totals: np.ndarray,
        reducer: Reducer,
        left_out: tuple[int, ...],
    ) -> "Start":
        model = initial_model(config, len(rows.feature_names), rows.n_classes)
        rank = rank_for(config, rows, standardizer, reducer, left_out)
        aliased = hold_aliased(model, rank, left_out)
        factors = class_factors(class_totals, config.class_weight)
        return cls(standardizer, model, rank, aliased, History(standardizer), factors)

    def result(self, config: TrainConfig, convergence: Convergence) -> FitResult:
        """The fit once its steps are done (``config``: as it ran, its tolerance resolved)."""
        raw = raw_model(self.model, self.standardizer)
        return FitResult(config, raw, self.model, self.history, convergence, self.standardizer, self.factors, self.rank)


def fit(
    config: TrainConfig,
    rows: Rows,
    on_step: Callable[[int, float], None] | None = None,
    left_out: tuple[int, ...] = (),
    summary: RowSummary | None = None,
    reducer: Reducer = LOCAL,
) -> FitResult:
    """Train on ``rows``: a ``Dataset`` in memory, or ``StreamedRows`` read a chunk at a time
    (``summary`` from the first pass over them; under torchrun, ``reducer`` sums every pass across
    the processes). ``on_step(step, loss)`` is called after each epoch or L-BFGS iteration;
    ``left_out``: features whose weights are held at 0 (the model without them)."""
    if isinstance(rows, Dataset):
        return _fit_in_memory(config, rows, on_step, left_out)
    return _fit_streamed(config, rows, summary, reducer, on_step, left_out)


def _fit_in_memory(
    config: TrainConfig,
    data: Dataset,
    on_step: Callable[[int, float], None] | None,
    left_out: tuple[int, ...],
) -> FitResult:
    """Rows in memory: SGD and Adam by autograd in float32 (the tutorial's), Firth by autograd in
    float64, the others by L-BFGS over closed-form sums in the data's precision."""
    if config.penalization.firth and data.n_classes > 2:
        raise DataError(
            f"--penalty firth fits binary targets only, but {data.target_name!r} has "
            f"{data.n_classes} classes; use --l2 for a multinomial target"
        )
    config = config.for_data(data.x.dtype)
    standardizer = Standardizer.identity(data.x.shape[1])
    if config.standardize:
        standardizer = Standardizer.fit(data.x, unscaled_terms(config, data), data.weights)
    base = np.ones(len(data.y)) if data.weights is None else data.weights
    class_totals = np.bincount(data.y, weights=base, minlength=data.n_classes)
    start = Start.of(config, data, standardizer, class_totals, LOCAL, left_out)
    model, rank, aliased, history, factors = start.model, start.rank, start.aliased, start.history, start.factors
    weights = weighted(data.weights, data.y, factors)
    if config.optimizer != "lbfgs":
        problem = problem_for(config, data, standardizer, weights, torch.float32, rank)
        convergence = run_gradient_steps(model, problem, config, history, on_step)
    elif config.penalization.firth:
        evaluate = autograd_evaluator(model, problem_for(config, data, standardizer, weights, torch.float64, rank))
        convergence = run_lbfgs(model, evaluate, config, history, on_step)
    else:
        source = InMemorySource(data.x, data.y, weights, data.n_classes)
        evaluate = oracle_evaluator(model, source, standardizer, config.penalization.l2, aliased)
        convergence = run_lbfgs(model, evaluate, config, history, on_step)
    return start.result(config, convergence)


def _fit_streamed(
    config: TrainConfig,
    rows: StreamedRows,
    summary: RowSummary,
    reducer: Reducer,
    on_step: Callable[[int, float], None] | None,
    left_out: tuple[int, ...],
) -> FitResult:
    """Rows read a chunk at a time: L-BFGS makes one streaming pass per evaluation and reaches the
    in-memory optimum; SGD and Adam stream their minibatches; every process takes the same steps."""
    if config.penalization.firth:
        raise DataError("--penalty firth needs the whole table in memory (a log-determinant per step); drop --stream")
    if config.optimizer != "lbfgs" and config.batch_size is not None and reducer.world_size > 1:
        raise DataError(
            "minibatch --optimizer sgd/adam under torchrun would give each process a different number of "
            "steps; use --optimizer lbfgs, or drop --batch-size for full-batch steps"
        )
    config = config.for_data(np.float64)
    d = len(rows.feature_names)
    standardizer = (
        summary.standardizer(unscaled_terms(config, rows)) if config.standardize else Standardizer.identity(d)
    )
    start = Start.of(config, rows, standardizer, summary.class_weights, reducer, left_out)
    model, history = start.model, start.history
    source = ChunkSource(rows, start.factors, reducer)
    evaluate = oracle_evaluator(model, source, standardizer, config.penalization.l2, start.aliased)
    if config.optimizer == "lbfgs":
        convergence = run_lbfgs(model, evaluate, config, history, on_step)
    else:
        batches = None if config.batch_size is None else source.minibatches(model, standardizer, config)
        convergence = run_oracle_steps(model, evaluate, batches, config, history, on_step)
    return start.result(config, convergence)


def raw_model(fitted: LogisticRegression, standardizer: Standardizer) -> LogisticRegression:
    """The fitted model with standardization folded in: it takes raw feature values."""
    weights, intercept = standardizer.to_raw(*parameters(fitted))
    raw = LogisticRegression(weights.shape[1], fitted.n_classes).double()
    with torch.no_grad():
        raw.linear.weight.copy_(torch.as_tensor(weights))
        raw.linear.bias.copy_(torch.as_tensor(intercept))
    return raw
