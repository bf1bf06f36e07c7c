"""Multinomial statistics against statsmodels' MNLogit, the covariance in the card, and the interval
every served probability carries, against statsmodels' GLM ``get_prediction`` (binary) and an
independent delta method on MNLogit's own estimates (multinomial)."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from paths import PROJECT
from test_categorical import patsy_name, trained

from export.artifact import load_artifact
from export.intervals import Z_95

DEFAULT = PROJECT / "data" / "default.csv"
PENGUINS = PROJECT / "data" / "penguins.csv"
FEATURES = ["sex", "bill_length_mm", "body_mass_g"]
FORMULA = "k ~ C(sex) + bill_length_mm + body_mass_g"


@pytest.fixture(scope="module")
def islands(tmp_path_factory):
    """Penguins' island from sex and two measures: ours, and statsmodels' MNLogit of the same data."""
    folder = tmp_path_factory.mktemp("islands")
    trained(folder, "--data", str(PENGUINS), "--target", "island", "--features", ",".join(FEATURES), "--drop-missing")
    data = pd.read_csv(PENGUINS).dropna(subset=["island", *FEATURES])
    data["k"] = data.island.astype("category").cat.codes
    reference = smf.mnlogit(FORMULA, data).fit(method="newton", maxiter=100, tol=1e-12, disp=False)
    return load_artifact(folder / "model.onnx"), data, reference


def test_multinomial_coefficients_are_mnlogits_relative_to_the_first_class(islands):
    artifact, _, reference = islands
    card = artifact.card
    table = card.statistics.coefficients
    assert table.classes == ["Dream"] * 4 + ["Torgersen"] * 4  # against Biscoe, the first class
    assert [patsy_name(t) for t in table.terms[:4]] == list(reference.params.index)
    params, errors = reference.params.to_numpy().T.ravel(), reference.bse.to_numpy().T.ravel()
    np.testing.assert_allclose(table.estimate, params, rtol=1e-6)
    np.testing.assert_allclose(table.std_error, errors, rtol=1e-6)
    np.testing.assert_allclose(table.z, reference.tvalues.to_numpy().T.ravel(), rtol=1e-6)
    np.testing.assert_allclose(table.p_value, reference.pvalues.to_numpy().T.ravel(), rtol=1e-5, atol=1e-300)
    low, high = reference.conf_int().to_numpy().T
    np.testing.assert_allclose(table.ci_low, low, rtol=1e-6)
    np.testing.assert_allclose(table.ci_high, high, rtol=1e-6)
    # MNLogit's covariance is ordered equation by equation, as ours
    np.testing.assert_allclose(card.statistics.covariance, reference.cov_params(), rtol=1e-5, atol=1e-14)
    assert card.format_version == 3 and artifact.intervals
    # the served softmax weights are the fit's, unchanged: their differences are the table's estimates
    weights = np.column_stack([card.intercept, card.weights])
    np.testing.assert_allclose((weights[1:] - weights[0]).ravel(), params, rtol=1e-6)


def test_the_binary_interval_is_statsmodels_glm_get_prediction(tmp_path):
    card = trained(tmp_path, "--data", str(DEFAULT), "--target", "default")
    artifact = load_artifact(tmp_path / "model.onnx")
    data = pd.read_csv(DEFAULT)
    x = pd.DataFrame({"student": (data.student == "Yes") * 1.0, "balance": data.balance, "income": data.income})
    glm = sm.GLM(data.default == "Yes", sm.add_constant(x), family=sm.families.Binomial()).fit(tol=1e-12)
    expected = glm.get_prediction(sm.add_constant(x)).summary_frame(alpha=0.05)
    served = artifact.predict(data[list(card.feature_names)])
    np.testing.assert_allclose(served.probability_low[:, 1], expected.mean_ci_lower, rtol=1e-5)
    np.testing.assert_allclose(served.probability_high[:, 1], expected.mean_ci_upper, rtol=1e-5)
    # class 0's interval is one minus class 1's, reversed
    np.testing.assert_allclose(served.probability_low[:, 0], 1 - expected.mean_ci_upper, rtol=1e-5, atol=1e-7)
    assert (served.probability_low <= served.probabilities).all()
    assert (served.probabilities <= served.probability_high).all()


def log_odds(params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log(p_k / (1 - p_k)) for each class of a multinomial model of ``params`` (m, K-1), class 0 the reference."""
    z = np.column_stack([np.zeros(len(x)), x @ params])
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return np.log(p / (1 - p))


def test_the_multinomial_interval_is_the_delta_method_on_each_class_log_odds(islands):
    """An independent computation: the gradient of each class's log-odds by central differences of
    MNLogit's own estimates, var = J V J', the bounds sigmoid(eta ± 1.96 sd)."""
    artifact, data, reference = islands
    rows = data.iloc[::7]
    x = np.column_stack([np.ones(len(rows)), rows.sex == "male", rows.bill_length_mm, rows.body_mass_g])
    params = reference.params.to_numpy()
    covariance = reference.cov_params().to_numpy()
    eta = log_odds(params, x)
    jacobian = np.zeros((*eta.shape, params.size))
    for q in range(params.size):
        step = np.zeros(params.size)
        step[q] = 1e-6 * max(abs(params.T.ravel()[q]), 1.0)
        forward = log_odds(params + step.reshape(params.T.shape).T, x)
        backward = log_odds(params - step.reshape(params.T.shape).T, x)
        jacobian[:, :, q] = (forward - backward) / (2 * step[q])
    sd = np.sqrt(np.einsum("nkq,qr,nkr->nk", jacobian, covariance, jacobian))
    served = artifact.predict(rows[FEATURES])
    sigmoid = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    np.testing.assert_allclose(served.probability_low, sigmoid(eta - Z_95 * sd), rtol=1e-4)
    np.testing.assert_allclose(served.probability_high, sigmoid(eta + Z_95 * sd), rtol=1e-4)
