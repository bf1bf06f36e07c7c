"""The two ways to minimize the objective: gradient steps (SGD, Adam; the tutorial's way) and
full-batch L-BFGS with a strong-Wolfe line search and a convergence test."""

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch.optim.lbfgs import _strong_wolfe

from export.errors import ConfigError
from training.config import TrainConfig
from training.solvers.history import History, recorded_steps
from training.solvers.model import LogisticRegression
from training.solvers.objective import Problem, objective

OnStep = Callable[[int, float], None]


@dataclass(frozen=True)
class Convergence:
    """How the fit ended. ``gradient_norm`` is the largest absolute entry of the gradient of the
    full objective at the end (in standardized coordinates); ``converged`` means it is at most
    ``tol``. ``evaluations`` counts full-data objective-and-gradient evaluations (L-BFGS) or
    minibatch steps (SGD, Adam). ``stop`` says what ended the run: ``tolerance`` (converged),
    ``iteration limit`` (L-BFGS reached ``--max-iter``), ``line search`` (L-BFGS could lower the
    objective no further: more iterations would not help), or ``epochs`` (SGD, Adam)."""

    converged: bool
    iterations: int
    evaluations: int
    gradient_norm: float
    objective: float
    tol: float
    stop: str

    def to_dict(self) -> dict:
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "gradient_norm": self.gradient_norm,
            "objective": self.objective,
            "tol": self.tol,
            "stop": self.stop,
        }


def gradient_norm(model: LogisticRegression, problem: Problem) -> tuple[float, float]:
    """(objective, max |gradient|) of the full objective, leaving no gradient behind."""
    model.zero_grad()
    value = objective(model, problem)
    value.backward()
    norm = max(p.grad.abs().max().item() for p in model.parameters())
    model.zero_grad()
    return value.item(), norm


class PlainSGD:
    """``torch.optim.SGD`` without momentum or weight decay: ``p -= lr * grad``, the operation
    torch's single-tensor SGD applies on CPU, so the tutorial's run is reproduced bit for bit.
    Written out because constructing any ``torch.optim`` optimizer imports ``torch._dynamo``,
    which takes about as long as importing torch itself."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float):
        self.params, self.lr = list(params), lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)


def gradient_optimizer(config: TrainConfig, params: Iterable[torch.Tensor]) -> PlainSGD | torch.optim.Adam:
    return torch.optim.Adam(params, lr=config.lr) if config.optimizer == "adam" else PlainSGD(params, config.lr)


def run_gradient_steps(
    model: LogisticRegression, problem: Problem, config: TrainConfig, history: History, on_step: OnStep | None
) -> Convergence:
    """``config.epochs`` passes of SGD or Adam; full batch unless ``config.batch_size``."""
    optimizer = gradient_optimizer(config, model.parameters())
    shuffle = torch.Generator().manual_seed(config.seed)
    record = recorded_steps(config.epochs)
    n = len(problem.y)
    steps = 0
    for epoch in range(config.epochs):
        if epoch in record:
            with torch.no_grad():
                history.record(epoch, objective(model, problem).item(), model)
        batches = (
            [slice(None)]
            if config.batch_size is None or config.batch_size >= n
            else torch.randperm(n, generator=shuffle).split(config.batch_size)
        )
        for rows in batches:
            loss = objective(model, problem, rows)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
        _check_finite(loss.item(), f"epoch {epoch + 1}", config.lr)
        if on_step is not None:
            on_step(epoch + 1, loss.item())
    value, norm = gradient_norm(model, problem)
    history.record(config.epochs, value, model)
    return Convergence(norm <= config.tol, config.epochs, steps, norm, value, config.tol, "epochs")


Evaluate = Callable[[torch.Tensor], tuple[float, torch.Tensor]]


def autograd_evaluator(model: LogisticRegression, problem: Problem) -> Evaluate:
    """Objective and gradient at flat parameters by torch autograd (any objective, Firth's too)."""
    params = list(model.parameters())

    def evaluate(x: torch.Tensor) -> tuple[float, torch.Tensor]:
        _set_flat(params, x)
        model.zero_grad()
        with torch.enable_grad():
            value = objective(model, problem)
            value.backward()
        return value.item(), torch.cat([p.grad.reshape(-1) for p in params])

    return evaluate


def run_lbfgs(
    model: LogisticRegression, evaluate_at: Evaluate, config: TrainConfig, history: History, on_step: OnStep | None
) -> Convergence:
    """Full-batch L-BFGS (memory 20) with a strong-Wolfe line search, until max |gradient| <= tol
    or ``max_iter`` iterations. ``evaluate_at(flat)`` gives the objective and its gradient at the
    flat parameters (weight rows, then intercepts).

    The loop is ours, the line search is torch's (``torch.optim.lbfgs._strong_wolfe``): calling
    ``torch.optim.LBFGS.step`` once per iteration stalled on scikit-learn's breast-cancer data at a
    gradient of 2e-4, and one call for the whole run gives no hook at the accepted points the
    history records. A curvature pair is kept when s.y > 1e-10 |s| |y|, a test that does not depend
    on the objective's scale (torch's fixed 1e-10 assumes summed losses).
    """
    params = list(model.parameters())
    evaluations = 0

    def evaluate(x: torch.Tensor) -> tuple[float, torch.Tensor]:
        nonlocal evaluations
        evaluations += 1
        return evaluate_at(x)

    x = torch.cat([p.detach().reshape(-1) for p in params])
    loss, grad = evaluate(x)
    pairs: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=20)  # s, y, 1 / s.y
    record = recorded_steps(config.max_iter)
    recorded: list[tuple[int, float, np.ndarray]] = []  # turned into raw units once, at the end
    iteration = 0
    stalled = False
    while True:
        _check_finite(loss, f"iteration {iteration}", config.lr)
        norm = grad.abs().max().item()
        done = norm <= config.tol or iteration == config.max_iter or stalled
        if iteration in record or done:
            recorded.append((iteration, loss, x.numpy().copy()))
        if done:
            break
        g = grad.numpy()
        direction = _two_loop(g, pairs)
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: forget the curvature and go downhill
            pairs.clear()
            direction, slope = -g, -float(g @ g)
        # no curvature known yet: the log loss curves at most 1/4 per unit of (standardized) feature
        # variance, so a step of 4 along -grad, capped at length 4, is the first guess
        step = 1.0 if pairs else min(4.0, 4.0 / float(np.linalg.norm(g)))
        direction_t = torch.from_numpy(direction)
        new_loss, new_grad, step, _ = _strong_wolfe(
            lambda x0, t, d: evaluate(x0 + t * d), x, step, direction_t, loss, grad, torch.tensor(slope)
        )
        s, y = float(step) * direction, new_grad.numpy() - g
        curvature = float(s @ y)
        if curvature > 1e-10 * float(np.linalg.norm(s) * np.linalg.norm(y)):
            pairs.append((s, y, 1.0 / curvature))
        stalled = new_loss >= loss and float(np.abs(s).max()) == 0
        x, loss, grad = x + torch.from_numpy(s), new_loss, new_grad
        iteration += 1
        if on_step is not None:
            on_step(iteration, loss)
    _set_flat(params, x)
    steps, losses, flats = zip(*recorded)
    history.record_flats(list(steps), list(losses), np.stack(flats), model.linear.weight.shape)
    model.zero_grad()
    stop = "tolerance" if norm <= config.tol else "line search" if stalled else "iteration limit"
    return Convergence(norm <= config.tol, iteration, evaluations, norm, loss, config.tol, stop)


def run_oracle_steps(
    model: LogisticRegression,
    evaluate_at: Evaluate,
    batches: Callable[[int], Iterator[Evaluate]] | None,
    config: TrainConfig,
    history: History,
    on_step: OnStep | None,
) -> Convergence:
    """SGD or Adam on closed-form gradients, for data that is streamed rather than held: one step
    per epoch on the full objective ``evaluate_at`` (full batch), or one per minibatch evaluator
    that ``batches(epoch)`` gives. The recorded objective is always the full one (for minibatches
    that costs one more pass at each recorded epoch)."""
    optimizer = gradient_optimizer(config, model.parameters())
    params = list(model.parameters())
    record = recorded_steps(config.epochs)
    steps = 0

    def flat() -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1) for p in params])

    def apply(grad: torch.Tensor) -> None:
        nonlocal steps
        offset = 0
        for p in params:
            p.grad = grad[offset : offset + p.numel()].view_as(p).to(p.dtype)
            offset += p.numel()
        optimizer.step()
        steps += 1

    for epoch in range(config.epochs):
        if batches is None:
            loss, grad = evaluate_at(flat())
            if epoch in record:
                history.record(epoch, loss, model)
            apply(grad)
        else:
            if epoch in record:
                history.record(epoch, evaluate_at(flat())[0], model)
            for evaluate in batches(epoch):
                loss, grad = evaluate(flat())
                apply(grad)
        _check_finite(loss, f"epoch {epoch + 1}", config.lr)
        if on_step is not None:
            on_step(epoch + 1, loss)
    value, grad = evaluate_at(flat())
    norm = grad.abs().max().item()
    history.record(config.epochs, value, model)
    model.zero_grad()
    return Convergence(norm <= config.tol, config.epochs, steps, norm, value, config.tol, "epochs")


def _two_loop(grad: np.ndarray, pairs: deque) -> np.ndarray:
    """-H grad, with H the L-BFGS inverse-Hessian estimate from the stored (s, y, 1 / s.y) triples.
    In numpy: the vectors hold d + 1 numbers per logit, where each torch call costs microseconds."""
    q = -grad
    alphas = []
    for s, y, rho in reversed(pairs):
        alpha = rho * float(s @ q)
        q = q - alpha * y
        alphas.append(alpha)
    if pairs:
        s, y, rho = pairs[-1]
        q = q / (rho * float(y @ y))
    for (s, y, rho), alpha in zip(pairs, reversed(alphas)):
        beta = rho * float(y @ q)
        q = q + (alpha - beta) * s
    return q


def _set_flat(params: list[torch.Tensor], x: torch.Tensor) -> None:
    with torch.no_grad():
        offset = 0
        for p in params:
            p.copy_(x[offset : offset + p.numel()].view_as(p))
            offset += p.numel()


def _check_finite(loss: float, where: str, lr: float) -> None:
    if not math.isfinite(loss):
        raise ConfigError(f"training diverged: the loss became {loss} in {where}; lower --lr (now {lr:g})")
