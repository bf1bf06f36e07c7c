"""Plain-language warnings: each fires when it should, with its fix, and not otherwise."""

import numpy as np

from export.card.sections import FeatureRange
from export.extrapolation import extrapolation_warning
from training.config import TrainConfig
from training.data.dataset import Dataset
from training.data.split import stratified_split
from training.description.describe import describe
from training.solvers.fit import fit

LBFGS = TrainConfig(optimizer="lbfgs", standardize=True)


def card_warnings(config: TrainConfig, data: Dataset) -> list[str]:
    return describe(data, None, fit(config, data)).warnings


def test_separation_is_explained_with_the_fix():
    data = Dataset(np.array([[1.0], [2.0], [3.0]]), np.array([0, 0, 1]), ("x",), "y", (0, 1), "tutorial-1")
    (warning, *_) = card_warnings(LBFGS, data)
    assert warning.startswith("complete separation: a straight boundary splits the training rows perfectly")
    assert warning.endswith("Fix: --l2 0.01 (ridge) or --penalty firth (binary).")
    assert not any("separation" in w for w in card_warnings(TrainConfig(**{**LBFGS.to_dict(), "l2": 0.01}), data))


def test_no_better_than_the_base_rate_on_the_tutorials_data():
    data = Dataset(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 1, 1, 0]), ("x",), "y", (0, 1), "t")
    warnings = card_warnings(LBFGS, data)
    assert any(
        w.startswith(
            "no better than the base rate: the likelihood-ratio test against a model with only an intercept gives p = 1"
        )
        for w in warnings
    )


def test_not_converged_names_the_fix():
    data = Dataset(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 1, 1, 0]), ("x",), "y", (0, 1), "t")
    (warning, *_) = card_warnings(TrainConfig(epochs=10), data)
    assert warning.startswith("not converged: after 10 epochs the largest entry of the gradient is")
    assert warning.endswith("Fix: use --optimizer lbfgs, or more --epochs.")


def badly_scaled() -> Dataset:
    """A feature around 2e9 next to one of scale 1, not standardized: L-BFGS's line search stalls."""
    rng = np.random.default_rng(0)
    big, small = rng.uniform(1e9, 3e9, 500), rng.normal(size=500)
    y = (rng.random(500) < 1 / (1 + np.exp(-((big - 2e9) / 5e8 + small)))).astype(np.int64)
    return Dataset(np.column_stack([big, small]), y, ("big", "small"), "y", (0, 1), "scale.csv")


def test_a_stalled_line_search_is_told_from_the_iteration_limit():
    data = badly_scaled()
    result = fit(TrainConfig(optimizer="lbfgs"), data)
    assert result.convergence.stop == "line search" and result.convergence.iterations < 1000
    (warning,) = describe(data, None, result).warnings
    assert "more iterations would not help" in warning and "Fix: drop --no-standardize" in warning
    assert "--max-iter" not in warning
    capped = fit(TrainConfig(optimizer="lbfgs", max_iter=3), data)
    assert capped.convergence.stop == "iteration limit"
    assert describe(data, None, capped).warnings[0].endswith("Fix: raise --max-iter.")
    assert fit(TrainConfig(optimizer="lbfgs", standardize=True), data).convergence.stop == "tolerance"


def test_constant_feature_is_named():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=50), np.full(50, 3.0)])
    y = (x[:, 0] + rng.logistic(size=50) > 0).astype(np.int64)
    warnings = card_warnings(
        TrainConfig(**{**LBFGS.to_dict(), "l2": 0.01}), Dataset(x, y, ("a", "c"), "y", (0, 1), "t")
    )
    assert any(w.startswith("constant feature(s) c:") for w in warnings)


def test_a_good_fit_has_no_warnings():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 2))
    y = (x @ np.array([2.0, -1.0]) + rng.logistic(size=200) > 0).astype(np.int64)
    assert card_warnings(LBFGS, Dataset(x, y, ("a", "b"), "y", (0, 1), "t")) == []


def test_extrapolation_names_each_feature_outside_its_range():
    features = {"a": FeatureRange(min=0.0, max=1.0, mean=0.5), "b": FeatureRange(min=-1.0, max=1.0, mean=0.0)}
    assert extrapolation_warning({"a": 0.5, "b": 0.0}, features) is None
    assert extrapolation_warning({"a": 2.0, "b": 0.0}, features).startswith(
        "extrapolation: a = 2 (trained on [0, 1]) lies outside the training range"
    )


def test_validation_split_is_stratified_and_seeded():
    y = np.array([0] * 30 + [1] * 10 + [2] * 20)
    data = Dataset(np.arange(60.0)[:, None], y, ("x",), "y", (0, 1, 2), "t")
    train, valid = stratified_split(data, 0.25, seed=3)
    assert np.bincount(valid.y).tolist() == [8, 3, 5] and len(train.y) == 44  # halves round up
    again, _ = stratified_split(data, 0.25, seed=3)
    assert again.x.tolist() == train.x.tolist()
