"""Formula models fitted through the command line against statsmodels' formula API on real data:
the same design (patsy's columns, spline knots from the training column), the same optimum
(log-likelihood 1e-8, coefficients, standard errors), the same served probabilities for every
training row through the reader on raw columns, and R's drop1 term tests (refits without a term's
columns, respecting marginality)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from paths import PROJECT

from export.artifact import load_artifact
from export.card.model_card import FORMULA_FORMAT
from training.__main__ import main as training_main

DEFAULT = PROJECT / "data" / "default.csv"
PENGUINS = PROJECT / "data" / "penguins.csv"
DEFAULT_RHS = "student * balance + bs(income, df=4) + I(balance ** 2 / 1000)"
PENGUINS_RHS = "bill_depth_mm * sex + cr(body_mass_g, df=4, constraints='center') + np.log(flipper_length_mm)"


def fitted(tmp_path, *args: str):
    """The artifact of a fit run to a gradient of 1e-10 (as the other reference tests)."""
    out = tmp_path / "model.onnx"
    assert training_main([*args, "--tol", "1e-10", "--out", str(out)]) == 0
    return load_artifact(out)


def statsmodels_name(term: str) -> str:
    """Our coefficient table's term as statsmodels prints it: the same but for the intercept's name."""
    return "Intercept" if term == "(intercept)" else term


@pytest.fixture(scope="module")
def default_fit(tmp_path_factory):
    path = tmp_path_factory.mktemp("formula_default")
    artifact = fitted(path, "--data", str(DEFAULT), "--formula", f"default ~ {DEFAULT_RHS}")
    data = pd.read_csv(DEFAULT).assign(y=lambda d: (d.default == "Yes").astype(int))
    reference = smf.logit(f"y ~ {DEFAULT_RHS}", data).fit(method="newton", tol=1e-12, maxiter=100, disp=False)
    return artifact, data, reference


def test_a_binary_formula_reaches_statsmodels_optimum_term_by_term(default_fit):
    artifact, _, reference = default_fit
    card = artifact.card
    assert card.format_version == FORMULA_FORMAT and card.formula.text == f"default ~ {DEFAULT_RHS}"
    assert card.feature_names == ("student", "balance", "income")  # one input per raw column
    assert sorted(card.terms) == sorted(reference.params.index[1:])  # statsmodels' names, in formulaic's order
    assert "bs(income, df=4)[0]" in card.terms
    stats = card.statistics
    assert stats.log_likelihood == pytest.approx(reference.llf, rel=1e-8)
    table = pd.DataFrame(stats.coefficients.to_json()).set_index("terms").rename(index=statsmodels_name)
    table = table.loc[reference.params.index]
    np.testing.assert_allclose(table.estimate, reference.params, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(table.std_error, reference.bse, rtol=1e-4)
    np.testing.assert_allclose(table.ci_low, reference.conf_int()[0], rtol=1e-4, atol=1e-8)
    assert stats.aic == pytest.approx(reference.aic, rel=1e-8)


def test_a_formula_model_serves_every_training_row_from_raw_columns(default_fit):
    artifact, data, reference = default_fit
    served = artifact.predict(data[["student", "balance", "income"]]).probabilities[:, 1]
    np.testing.assert_allclose(served, reference.predict(data), atol=1e-5, rtol=0)


def test_term_tests_are_rs_drop1_respecting_marginality(default_fit):
    artifact, data, reference = default_fit
    tests = artifact.card.statistics.term_tests
    # student and balance are inside student:balance: drop1 leaves them alone
    assert set(tests) == {"student:balance", "bs(income, df=4)", "I(balance ** 2 / 1000)"}
    for term, rhs in [
        ("student:balance", "student + balance + bs(income, df=4) + I(balance ** 2 / 1000)"),
        ("bs(income, df=4)", "student * balance + I(balance ** 2 / 1000)"),
    ]:
        without = smf.logit(f"y ~ {rhs}", data).fit(method="newton", tol=1e-12, maxiter=100, disp=False)
        assert tests[term].df == len(reference.params) - len(without.params)
        assert tests[term].statistic == pytest.approx(2 * (reference.llf - without.llf), rel=1e-6)


def test_a_multinomial_formula_with_a_natural_spline_agrees_with_mnlogit(tmp_path):
    artifact = fitted(tmp_path, "--data", str(PENGUINS), "--formula", f"island ~ {PENGUINS_RHS}", "--drop-missing")
    data = pd.read_csv(PENGUINS).dropna(subset=["island", "bill_depth_mm", "sex", "body_mass_g", "flipper_length_mm"])
    data["k"] = data.island.astype("category").cat.codes
    reference = smf.mnlogit(f"k ~ {PENGUINS_RHS}", data).fit(method="newton", maxiter=100, disp=False)
    card = artifact.card
    assert card.statistics.log_likelihood == pytest.approx(reference.llf, rel=1e-8)
    table = pd.DataFrame(card.statistics.coefficients.to_json())
    for k, column in enumerate(reference.params.columns):
        rows = table[table.classes == card.class_labels[k + 1]].set_index("terms").rename(index=statsmodels_name)
        np.testing.assert_allclose(rows.estimate.loc[reference.params.index], reference.params[column], rtol=1e-5)
    served = artifact.predict(data.drop(columns=["island", "k"])).probabilities
    np.testing.assert_allclose(served, reference.predict(data), atol=1e-5, rtol=0)
