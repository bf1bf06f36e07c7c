"""Separation (training/description/separation.py): found, told apart, and explained."""

import numpy as np
from reference_data import LBFGS, bundled
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler

from training.data.dataset import Dataset
from training.description.describe import describe
from training.description.separation import check_separation
from training.solvers.fit import fit


def test_unpenalized_fit_on_separated_data_is_flagged_and_gets_no_standard_errors():
    x = np.array([[1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1])  # the tutorial's first example
    data = Dataset(x, y, ("x",), "y", (0, 1), "tutorial-1")
    result = fit(LBFGS, data)
    separation = check_separation(result.standardizer.transform(x), y, 2, None)
    assert separation.kind == "complete"
    stats = describe(data, None, result).to_json()["statistics"]
    assert "coefficients" not in stats
    assert any("the classes are separated" in note for note in stats["notes"])


def test_quasi_complete_separation_is_told_apart():
    x = np.array([[1.0], [2.0], [3.0], [3.0], [4.0], [5.0]])
    y = np.array([0, 0, 0, 1, 1, 1])  # the two rows at x = 3 overlap
    assert check_separation(x, y, 2, None).kind == "quasi-complete"
    assert check_separation(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 1, 1, 0]), 2, None).kind == "none"


def test_multinomial_separation_names_the_class():
    data = bundled(load_iris)
    separation = check_separation(StandardScaler().fit_transform(data.x), data.y, 3, None)
    assert separation.kind == "complete" and separation.cls == 0  # setosa is linearly separable
