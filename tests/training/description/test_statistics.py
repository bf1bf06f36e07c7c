"""The statistics a statistician would check, against statsmodels' ``Logit`` (training/description/statistics.py)."""

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
