"""Profile-likelihood intervals against independent computations: statsmodels refits with the
coefficient held fixed by an offset (binary, R's confint(glm)), constrained maximizations of
statsmodels' MNLogit log-likelihood (multinomial), and a numpy Firth penalized likelihood maximized
by scipy (logistf's profile penalized likelihood); each end found here by its own root search."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from paths import PROJECT
from scipy import optimize
from test_categorical import trained

from training.config import TrainConfig
from training.data.dataset import Dataset
from training.description.describe import describe
from training.description.profile import CHI2_95, Likelihood, profile_intervals
from training.solvers.fit import fit

SIMPLEX = {"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000}
DEFAULT = PROJECT / "data" / "default.csv"
PENGUINS = PROJECT / "data" / "penguins.csv"


def ends(deviance, estimate: float, error: float) -> tuple[float, float]:
    """The roots of deviance(c) = chi2(1, 0.95) either side of the estimate, by scipy's brentq
    (each bracket widened until the deviance passes the cut)."""
    found = []
    for side in (-1, 1):
        reach = 2 * error
        while deviance(estimate + side * reach) < CHI2_95:
            reach *= 2
        bracket = sorted([estimate, estimate + side * reach])
        found.append(optimize.brentq(lambda c: deviance(c) - CHI2_95, *bracket, xtol=1e-13))
    return found[0], found[1]


def test_binary_profile_intervals_are_statsmodels_refits_with_an_offset(tmp_path):
    card = trained(tmp_path, "--data", str(DEFAULT), "--target", "default")
    table = card.statistics.coefficients
    data = pd.read_csv(DEFAULT)
    x = sm.add_constant(np.column_stack([(data.student == "Yes") * 1.0, data.balance, data.income]))
    y = (data.default == "Yes").to_numpy()
    full = sm.GLM(y, x, family=sm.families.Binomial()).fit(tol=1e-13)

    def deviance(j: int, c: float) -> float:
        others = [k for k in range(x.shape[1]) if k != j]
        held = sm.GLM(y, x[:, others], family=sm.families.Binomial(), offset=c * x[:, j]).fit(tol=1e-13)
        return 2 * (full.llf - held.llf)

    for j in range(x.shape[1]):
        low, high = ends(lambda c, j=j: deviance(j, c), full.params[j], full.bse[j])
        assert table.profile_low[j] == pytest.approx(low, abs=1e-7 * full.bse[j])
        assert table.profile_high[j] == pytest.approx(high, abs=1e-7 * full.bse[j])
    assert not any("profile" in note for note in card.statistics.notes)


def test_multinomial_profile_intervals_are_constrained_mnlogit_maxima(tmp_path):
    features = ["bill_length_mm", "body_mass_g"]
    card = trained(
        tmp_path, "--data", str(PENGUINS), "--target", "island", "--features", ",".join(features), "--drop-missing"
    )
    table = card.statistics.coefficients
    data = pd.read_csv(PENGUINS).dropna(subset=["island", *features])
    scale = data[features].std(ddof=0).to_numpy()  # the reference works on standardized columns: slopes times scale
    columns = sm.add_constant((data[features] - data[features].mean()) / scale)
    model = sm.MNLogit(data.island.astype("category").cat.codes, columns)
    full = model.fit(method="newton", tol=1e-12, disp=False)
    params = full.params.to_numpy().T.ravel()  # equation by equation, as the table

    def deviance(q: int, c: float) -> float:
        free = [k for k in range(len(params)) if k != q]

        def minus(values: np.ndarray) -> float:
            theta = params.copy()
            theta[free], theta[q] = values, c * scale[0]  # c: bill_length_mm's raw slope
            return -model.loglike(theta.reshape(-1, 3).T)  # statsmodels: (terms, equations)

        with np.errstate(all="ignore"):
            best = optimize.minimize(minus, params[free], method="BFGS", options={"gtol": 1e-10})
        return 2 * (full.llf + best.fun)

    for q in (1, 4):  # bill_length_mm's slope for each class against Biscoe
        errors = table.std_error[q]
        low, high = ends(lambda c, q=q: deviance(q, c), table.estimate[q], errors)
        assert table.profile_low[q] == pytest.approx(low, abs=1e-5 * errors)
        assert table.profile_high[q] == pytest.approx(high, abs=1e-5 * errors)


def firth_loglikelihood(design: np.ndarray, y: np.ndarray, beta: np.ndarray) -> float:
    """l(beta) + log det(X' W X) / 2, written out on its own."""
    eta = design @ beta
    p = 1 / (1 + np.exp(-eta))
    loglik = np.sum(y * eta - np.logaddexp(0, eta))
    return loglik + 0.5 * np.linalg.slogdet(design.T @ (design * (p * (1 - p))[:, None]))[1]


def test_firth_profile_intervals_are_the_profile_penalized_likelihoods_under_separation():
    rng = np.random.default_rng(4)
    x = np.column_stack([np.linspace(1, 6, 30), rng.normal(size=30)])
    y = (x[:, 0] > 3.4).astype(np.int64)  # separated by the first feature: the MLE does not exist
    data = Dataset(x, y, ("dose", "age"), "y", (0, 1), "sep")
    result = fit(TrainConfig(optimizer="lbfgs", penalty="firth", standardize=True, tol=1e-10), data)
    table = describe(data, None, result).statistics.coefficients
    design = np.column_stack([np.ones(30), x])
    with np.errstate(all="ignore"):
        top = optimize.minimize(lambda b: -firth_loglikelihood(design, y, b), np.zeros(3), method="BFGS", tol=1e-12)

    def deviance(j: int, c: float) -> float:
        free = [k for k in range(3) if k != j]

        def minus(values: np.ndarray) -> float:
            beta = np.empty(3)
            beta[free], beta[j] = values, c
            return -firth_loglikelihood(design, y, beta)

        # the penalized likelihood is not concave: a simplex search first, then BFGS to polish
        with np.errstate(all="ignore"):
            rough = optimize.minimize(minus, top.x[free], method="Nelder-Mead", options=SIMPLEX)
            best = optimize.minimize(minus, rough.x, method="BFGS", options={"gtol": 1e-10})
        return 2 * (-top.fun + min(best.fun, rough.fun))

    for j in range(3):
        low, high = ends(lambda c, j=j: deviance(j, c), top.x[j], table.std_error[j])
        assert table.profile_low[j] == pytest.approx(low, abs=1e-4 * table.std_error[j])
        assert table.profile_high[j] == pytest.approx(high, abs=1e-4 * table.std_error[j])


def test_an_end_the_likelihood_never_reaches_is_none():
    """Quasi-separated rows: the likelihood rises toward a limit as the slope grows, so the upper
    end of the slope's interval does not exist."""
    z = np.array([-2.0, -1.0, 0.0, 0.0, 1.0, 2.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    design = np.column_stack([np.ones(6), z])
    likelihood = Likelihood(design, y, np.ones(6), 1)
    low, high = profile_intervals(likelihood, np.array([0.0, 5.0]), np.eye(2), np.array([1.0, 1.0]))
    assert high[1] is None and low[1] is not None and low[1] > 0


def test_no_profile_skips_them_and_says_so(tmp_path):
    card = trained(tmp_path, "--data", str(DEFAULT), "--target", "default", "--no-profile")
    assert card.statistics.coefficients.profile_low is None
    skipped = "profile-likelihood intervals were not computed: they were not asked for (--no-profile); the Wald "
    assert skipped + "intervals are shown" in card.statistics.notes
    x = np.random.default_rng(0).normal(size=(400, 60))
    data = Dataset(x, np.arange(400) % 2, tuple(f"f{i}" for i in range(60)), "y", (0, 1), "w")
    result = fit(TrainConfig(optimizer="lbfgs", standardize=True), data)
    notes = describe(data, None, result).statistics.notes
    assert any("the model has 61 coefficients, and they are computed for at most 50" in note for note in notes)
