"""The optimum beside the run (``summary.optimum``): where a fit stopped short of its objective's
optimum, the exact solver's answer is kept in the card and served beside the run's."""

import numpy as np
import pytest

from export.artifact import Artifact
from export.optimum import optimum_probabilities
from training.config import TrainConfig
from training.data.dataset import Dataset
from training.description.describe import describe
from training.solvers.fit import fit


def test_the_tutorials_run_is_served_beside_the_optimum_of_its_objective(tutorial_built):
    """1000 SGD epochs say 0.4420 at x = 5; the optimum of its four points (y = 0, 1, 1, 0) is w = 0,
    b = 0, P = 0.5 everywhere, objective log 2."""
    card = Artifact.from_bytes(tutorial_built.data).card
    optimum = card.summary.optimum
    np.testing.assert_allclose(optimum.weights, [[0.0]], atol=1e-7)
    np.testing.assert_allclose(optimum.intercept, [0.0], atol=1e-7)
    assert optimum.objective == pytest.approx(np.log(2), rel=1e-10)
    assert card.summary.final_loss > optimum.objective  # the run stopped short of it
    np.testing.assert_allclose(optimum_probabilities(card, np.array([[5.0]]))[0], [0.5, 0.5], atol=1e-7)


def test_a_run_that_stopped_short_gets_the_lbfgs_optimum_and_a_converged_one_none():
    data = Dataset(*load_default_like())
    adam = fit(TrainConfig(optimizer="adam", lr=0.05, epochs=30, standardize=True), data)
    optimum = describe(data, None, adam).summary.optimum
    exact = fit(TrainConfig(optimizer="lbfgs", standardize=True), data)
    weights, intercept = (
        exact.model.linear.weight.detach().double().numpy(),
        exact.model.linear.bias.detach().double().numpy(),
    )
    np.testing.assert_allclose(optimum.weights, weights, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(optimum.intercept, intercept, rtol=1e-5, atol=1e-8)
    assert optimum.objective == pytest.approx(exact.final_loss, rel=1e-9)
    assert describe(data, None, exact).summary.optimum is None


def load_default_like() -> tuple:
    rng = np.random.default_rng(8)
    x = rng.normal(size=(500, 3)) * [1.0, 10.0, 100.0]
    y = (x @ [1.0, -0.1, 0.01] + rng.logistic(size=500) > 0).astype(np.int64)
    return x, y, ("a", "b", "c"), "y", (0, 1), "synthetic"
