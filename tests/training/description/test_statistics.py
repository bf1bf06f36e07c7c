"""The statistics a statistician would check, against statsmodels' ``Logit`` (training/description/statistics.py)."""

from dataclasses import replace

import numpy as np
import pytest
import statsmodels.api as sm
from reference_data import LBFGS, bundled
from sklearn.datasets import load_breast_cancer

from training.description.describe import describe
from training.solvers.fit import fit
from training.solvers.history import parameters


def test_unpenalized_binary_matches_statsmodels_logit():
    data = bundled(load_breast_cancer, slice(0, 6))
    result = fit(LBFGS, data)
    assert result.convergence.converged
    sm_fit = sm.Logit(data.y, sm.add_constant(data.x)).fit(method="newton", tol=1e-12, maxiter=100, disp=False)
    ours = np.concatenate([parameters(result.model)[1], parameters(result.model)[0][0]])
    np.testing.assert_allclose(ours, sm_fit.params, rtol=1e-4)
    stats = describe(data, None, result).to_json()["statistics"]
    table = stats["coefficients"]
    np.testing.assert_allclose(table["std_error"], sm_fit.bse, rtol=1e-4)
    np.testing.assert_allclose(table["p_value"], sm_fit.pvalues, rtol=1e-3, atol=1e-12)
    np.testing.assert_allclose(np.column_stack([table["ci_low"], table["ci_high"]]), sm_fit.conf_int(), rtol=1e-4)
    assert stats["log_likelihood"] == pytest.approx(sm_fit.llf, rel=1e-8)
    assert stats["null_log_likelihood"] == pytest.approx(sm_fit.llnull, rel=1e-8)
    assert stats["lr_test"]["statistic"] == pytest.approx(sm_fit.llr, rel=1e-6)
    assert stats["lr_test"]["p_value"] == pytest.approx(sm_fit.llr_pvalue, rel=1e-3, abs=1e-300)
    assert stats["mcfadden_r2"] == pytest.approx(sm_fit.prsquared, rel=1e-6)


def test_deviance_aic_and_bic_are_statsmodels_glms():
    data = bundled(load_breast_cancer, slice(0, 6))
    stats = describe(data, None, fit(LBFGS, data)).statistics
    glm = sm.GLM(data.y, sm.add_constant(data.x), family=sm.families.Binomial()).fit(tol=1e-12)
    assert stats.deviance == pytest.approx(glm.deviance, rel=1e-7)
    assert stats.null_deviance == pytest.approx(glm.null_deviance, rel=1e-7)
    assert stats.aic == pytest.approx(glm.aic, rel=1e-7)
    assert stats.bic == pytest.approx(glm.bic_llf, rel=1e-7)  # R's BIC(glm): log-likelihood based
    # multinomial: against MNLogit in test_categorical.py (penguins' island)


def test_a_penalized_fit_has_no_model_comparison_numbers_and_says_why():
    data = bundled(load_breast_cancer, slice(0, 6))
    stats = describe(data, None, fit(replace(LBFGS, l2=0.1), data)).statistics
    assert stats.deviance is stats.aic is stats.bic is None
    assert any("the deviances, AIC and BIC compare maximum-likelihood fits" in note for note in stats.notes)
