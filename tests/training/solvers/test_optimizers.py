"""The optimizers on their own (training/solvers/optimizers.py): L-BFGS stops at the tolerance or
at the iteration cap and says which; SGD records every epoch of a short run."""

import numpy as np
import torch

from training.config import TrainConfig
from training.data.standardize import Standardizer
from training.penalty import Penalty
from training.solvers.history import History
from training.solvers.model import LogisticRegression
from training.solvers.objective import Problem
from training.solvers.optimizers import autograd_evaluator, run_gradient_steps, run_lbfgs


def problem() -> Problem:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = (rng.random(200) < 1 / (1 + np.exp(-(x @ [1.5, -1.0] + 0.3)))).astype(np.float64)
    return Problem(torch.tensor(x), torch.tensor(y), None, Penalty())


def zero_model() -> LogisticRegression:
    model = LogisticRegression(2).double()
    with torch.no_grad():
        model.linear.weight.zero_()
        model.linear.bias.zero_()
    return model


def test_lbfgs_stops_at_the_tolerance_and_reports_it():
    model, config = zero_model(), TrainConfig(optimizer="lbfgs", tol=1e-10)
    history = History(Standardizer.identity(2))
    done = run_lbfgs(model, autograd_evaluator(model, problem()), config, history, None)
    assert done.converged and done.gradient_norm <= 1e-10 and 0 < done.iterations < 50
    assert done.evaluations >= done.iterations and history.epoch == list(range(done.iterations + 1))
    assert history.loss[-1] == min(history.loss)


def test_lbfgs_at_its_iteration_cap_says_it_did_not_converge():
    model, config = zero_model(), TrainConfig(optimizer="lbfgs", tol=1e-10, max_iter=2)
    done = run_lbfgs(model, autograd_evaluator(model, problem()), config, History(Standardizer.identity(2)), None)
    assert not done.converged and done.iterations == 2 and done.gradient_norm > 1e-10


def test_sgd_records_every_epoch_of_a_short_run():
    torch.manual_seed(0)
    model = LogisticRegression(2)
    fit_problem = problem()
    float32 = Problem(fit_problem.x.float(), fit_problem.y.float(), None, Penalty())
    history = History(Standardizer.identity(2))
    steps = []
    config = TrainConfig(epochs=20, lr=0.1).for_data(np.float32)
    done = run_gradient_steps(model, float32, config, history, lambda step, _: steps.append(step))
    assert history.epoch == list(range(21)) and steps == list(range(1, 21))
    assert history.loss[-1] < history.loss[0] and done.iterations == 20
