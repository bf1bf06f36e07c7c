"""``--l2`` and ``--penalty firth`` with a formula: the same fit as the plain command line on a file
holding the formula's columns themselves (the design changes the columns, never the objective)."""

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT

from export.artifact import load_artifact
from training.__main__ import main as training_main

FORMULA = "default ~ student * balance + bs(income, df=3)"


@pytest.mark.parametrize("penalty", [["--l2", "0.001"], ["--penalty", "firth"]])
def test_a_penalized_formula_fit_is_the_plain_fit_of_its_columns(tmp_path, penalty):
    data = pd.read_csv(PROJECT / "data" / "default.csv").iloc[:3000]
    data.to_csv(tmp_path / "raw.csv", index=False)
    formula_out, plain_out = tmp_path / "formula.onnx", tmp_path / "plain.onnx"
    args = ["--tol", "1e-10", "--no-profile", *penalty]
    assert (
        training_main(["--data", str(tmp_path / "raw.csv"), "--formula", FORMULA, *args, "--out", str(formula_out)])
        == 0
    )
    card = load_artifact(formula_out).card
    codes = np.column_stack([(data.student == "Yes").astype(float), data.balance, data.income])
    columns = pd.DataFrame(card.design.expand(codes), columns=list(card.terms)).assign(default=data.default)
    columns.to_csv(tmp_path / "columns.csv", index=False)
    assert (
        training_main(["--data", str(tmp_path / "columns.csv"), "--target", "default", *args, "--out", str(plain_out)])
        == 0
    )
    plain = load_artifact(plain_out).card
    assert list(plain.feature_names) == list(card.terms)
    np.testing.assert_allclose(card.weights, plain.weights, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(card.intercept, plain.intercept, rtol=1e-6)
    assert card.summary.objective == pytest.approx(plain.summary.objective, rel=1e-10)
