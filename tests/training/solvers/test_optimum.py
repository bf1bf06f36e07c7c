"""The fitted model is the optimum: agreement with scikit-learn on bundled data (penalized,
weighted, class-weighted), and Firth's modified score equations."""

import numpy as np
import pytest
import torch
from reference_data import bundled
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.preprocessing import StandardScaler

from training.config import TrainConfig
from training.data.dataset import Dataset
from training.description.separation import check_separation
from training.solvers.fit import fit
from training.solvers.history import parameters
from training.solvers.objective import objective


def objective_at(result, weights: np.ndarray, intercept: np.ndarray, problem_config: TrainConfig, data: Dataset):
    """Our objective evaluated at someone else's standardized coefficients."""
    from training.solvers.fit import problem_for

    model = type(result.fitted)(data.x.shape[1], data.n_classes).double()
    with torch.no_grad():
        model.linear.weight.copy_(torch.as_tensor(weights))
        model.linear.bias.copy_(torch.as_tensor(intercept))
    problem = problem_for(problem_config, data, result.standardizer, None, torch.float64)
    return objective(model, problem).item()


@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris, load_wine])
def test_l2_fit_matches_scikit_learn_at_its_tightest(loader):
    data = bundled(loader)
    n = len(data.y)
    config = TrainConfig(optimizer="lbfgs", standardize=True, l2=1.0 / n)  # scikit-learn's default C = 1
    result = fit(config, data)
    assert result.convergence.converged
    sk = SkLogisticRegression(C=1.0, tol=1e-12, max_iter=100_000).fit(StandardScaler().fit_transform(data.x), data.y)
    ours_w, ours_b = parameters(result.fitted)
    theirs_b = sk.intercept_ if data.n_classes == 2 else sk.intercept_ - sk.intercept_.mean()  # softmax shift
    ours_b = ours_b if data.n_classes == 2 else ours_b - ours_b.mean()
    ours = result.convergence.objective
    theirs = objective_at(result, sk.coef_, sk.intercept_, config, data)
    assert abs(ours - theirs) <= 1e-6 * abs(theirs)
    assert ours <= theirs + 1e-12
    np.testing.assert_allclose(ours_w, sk.coef_, atol=1e-4)
    np.testing.assert_allclose(ours_b, theirs_b, atol=1e-4)


def test_sample_weights_equal_repeated_rows():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 2))
    y = (x[:, 0] + rng.logistic(size=40) > 0).astype(np.int64)
    counts = rng.integers(1, 4, size=40)
    weighted = Dataset(x, y, ("a", "b"), "y", (0, 1), "w", weights=counts.astype(float))
    repeated = Dataset(np.repeat(x, counts, axis=0), np.repeat(y, counts), ("a", "b"), "y", (0, 1), "r")
    config = TrainConfig(optimizer="lbfgs")  # raw features: the same standardization for both
    np.testing.assert_allclose(
        parameters(fit(config, weighted).model)[0], parameters(fit(config, repeated).model)[0], atol=1e-6
    )


def test_balanced_class_weights_match_scikit_learn():
    data = bundled(load_breast_cancer, slice(0, 5))
    n = len(data.y)
    result = fit(TrainConfig(optimizer="lbfgs", standardize=True, l2=1.0 / n, class_weight="balanced"), data)
    # scikit-learn scales the penalty by the sum of the weights after class weighting: with 'balanced' it is n
    sk = SkLogisticRegression(C=1.0, tol=1e-12, max_iter=100_000, class_weight="balanced")
    sk.fit(StandardScaler().fit_transform(data.x), data.y)
    np.testing.assert_allclose(parameters(result.fitted)[0], sk.coef_, atol=1e-4)


def firth_score(x: np.ndarray, y: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Firth's modified score sum_i (y_i - p_i + h_i (1/2 - p_i)) x_i, with h the hat diagonal."""
    design = np.column_stack([np.ones(len(y)), x])
    p = 1 / (1 + np.exp(-design @ beta))
    w = p * (1 - p)
    root = design * np.sqrt(w)[:, None]
    hat = np.einsum("ij,jk,ik->i", root, np.linalg.inv(design.T @ (design * w[:, None])), root)
    return design.T @ (y - p + hat * (0.5 - p))


def test_firth_solves_its_modified_score_and_stays_finite_under_separation():
    x = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]])
    y = np.array([0, 0, 0, 1, 1, 1])  # completely separated: no maximum-likelihood estimate
    data = Dataset(x, y, ("x",), "y", (0, 1), "sep")
    result = fit(TrainConfig(optimizer="lbfgs", penalty="firth", standardize=True), data)
    assert result.convergence.converged
    weights, intercept = parameters(result.model)
    beta = np.concatenate([intercept, weights[0]])
    assert np.abs(firth_score(x, y, beta)).max() < 1e-6
    assert 0 < weights[0, 0] < 10  # finite and of the right sign
    assert check_separation(x, y, 2, None).kind == "complete"
