"""Features the data cannot determine (training/solvers/rank.py): found in column order, left out
of the fit, reported as aliased; the remaining estimates are statsmodels' on the kept columns."""

import re
from dataclasses import replace

import numpy as np
import pytest
import statsmodels.api as sm
from reference_data import LBFGS

from export.artifact import load_artifact
from training.__main__ import main as training_main
from training.data.dataset import Dataset
from training.description.describe import describe
from training.solvers.fit import fit
from training.solvers.history import parameters


def dataset(x: np.ndarray, y: np.ndarray, names: tuple[str, ...]) -> Dataset:
    return Dataset(x, y, names, "y", (0, 1), "aliasing")


def noisy_rows(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2)) * [2.0, 0.5] + [1.0, -3.0]
    y = (x @ [0.7, -1.2] + 0.3 + rng.logistic(size=n) > 4.5).astype(np.int64)  # about half of each class
    return x, y


def test_a_column_twice_another_is_aliased_and_the_rest_is_statsmodels_fit():
    x, y = noisy_rows()
    design = np.column_stack([x[:, 0], 2 * x[:, 0], x[:, 1]])  # x2 = 2 x1
    result = fit(LBFGS, dataset(design, y, ("x1", "x2", "x3")))
    assert result.rank.aliased == {1: (0,)} and result.rank.kept == (0, 2)
    assert result.convergence.converged
    weights, intercept = parameters(result.model)
    assert weights[0, 1] == 0.0
    reference = sm.Logit(y, sm.add_constant(x)).fit(method="newton", tol=1e-12, maxiter=100, disp=False)
    np.testing.assert_allclose([intercept[0], weights[0, 0], weights[0, 2]], reference.params, rtol=1e-5)
    stats = describe(dataset(design, y, ("x1", "x2", "x3")), None, result).to_json()["statistics"]
    table = stats["coefficients"]
    assert stats["aliased"] == ["x2"]
    assert [table[key][2] for key in ("estimate", "std_error", "z", "p_value", "ci_low", "ci_high")] == [None] * 6
    kept = [0, 1, 3]
    np.testing.assert_allclose([table["std_error"][i] for i in kept], reference.bse, rtol=1e-4)
    np.testing.assert_allclose([table["p_value"][i] for i in kept], reference.pvalues, rtol=1e-3, atol=1e-12)
    assert stats["lr_test"]["df"] == 2
    assert stats["lr_test"]["statistic"] == pytest.approx(reference.llr, rel=1e-6)
    assert any("'x2' is a linear combination of 'x1'" in note for note in stats["notes"])


def test_a_float32_sum_of_two_columns_is_aliased_by_both():
    x, y = noisy_rows(seed=1)
    x = x.astype(np.float32)
    design = np.column_stack([x, x[:, 0] + x[:, 1]]).astype(np.float32)
    result = fit(LBFGS, dataset(design, y, ("a", "b", "a_plus_b")))
    assert result.rank.aliased == {2: (0, 1)}


def test_a_nearly_singular_design_is_warned_about_but_fitted_whole():
    x, y = noisy_rows(seed=2)
    close = x[:, 0] + np.random.default_rng(3).normal(scale=1e-4, size=len(y))
    data = dataset(np.column_stack([x, close]), y, ("a", "b", "almost_a"))
    result = fit(LBFGS, data)
    assert not result.rank.deficient and result.rank.condition > 1e3
    notes = describe(data, None, result).to_json()["statistics"]["notes"]
    assert any("nearly singular" in note for note in notes)


def test_firth_fits_around_an_aliased_column():
    x, y = noisy_rows(n=60, seed=4)
    design = np.column_stack([x, x[:, 1] - 2 * x[:, 0]])
    result = fit(replace(LBFGS, penalty="firth"), dataset(design, y, ("a", "b", "c")))
    assert result.rank.aliased == {2: (0, 1)}
    assert result.convergence.converged and np.isfinite(result.final_loss)
    assert parameters(result.model)[0][0, 2] == 0.0


def test_an_l2_fit_needs_no_rank_check():
    x, y = noisy_rows(seed=5)
    design = np.column_stack([x[:, 0], 2 * x[:, 0], x[:, 1]])
    result = fit(replace(LBFGS, l2=0.1), dataset(design, y, ("x1", "x2", "x3")))
    assert result.rank is None
    weights = parameters(result.model)[0][0]
    # standardized, x1 and x2 are one column: the ridge gives them equal standardized weights
    assert weights[1] == pytest.approx(weights[0] / 2, rel=1e-6)


def test_the_command_line_reports_an_aliased_feature(tmp_path, capsys):
    x, y = noisy_rows(seed=6)
    rows = "".join(f"{a},{b},{2 * a},{t}\n" for (a, b), t in zip(x, y))
    (tmp_path / "data.csv").write_text("a,b,twice_a,y\n" + rows)
    out_file = tmp_path / "m.onnx"
    assert training_main(["--data", str(tmp_path / "data.csv"), "--target", "y", "--out", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^twice_a\s+-(\s+-){7}$", out, re.MULTILINE)  # Wald and profile intervals: no numbers
    assert "'twice_a' is a linear combination of 'a'" in out
    card = load_artifact(out_file).card
    assert card.statistics.aliased == ["twice_a"] and card.weights[0, 2] == 0.0
