"""Categorical features on real data with text columns, fitted through the command line and read
back from the artifact's card: treatment coding agrees with statsmodels' formulas (and ISLR's
published table), one-hot coding under --l2 with scikit-learn's ColumnTransformer pipeline, and the
test of each categorical feature as a whole with refits without it (R's drop1)."""

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from paths import PROJECT
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from export.artifact import load_artifact
from export.card.model_card import INTERVAL_FORMAT, ModelCard
from export.errors import InputError
from training.__main__ import main as training_main

DEFAULT = PROJECT / "data" / "default.csv"
PENGUINS = PROJECT / "data" / "penguins.csv"
MEASURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def trained(tmp_path, *args: str) -> ModelCard:
    """The card of a fit run to a gradient of 1e-10, so that the comparisons measure the statistics
    and not where the default stopping rule (1e-8) happens to stop on this CPU."""
    out = tmp_path / "model.onnx"
    assert training_main([*args, "--tol", "1e-10", "--out", str(out)]) == 0
    return load_artifact(out).card


def table_of(card: ModelCard) -> pd.DataFrame:
    table = card.statistics.coefficients
    return pd.DataFrame(table.to_json()).set_index("terms")


def patsy_name(term: str) -> str:
    """``student[Yes]`` -> statsmodels' ``C(student)[T.Yes]``."""
    if "[" not in term:
        return "Intercept" if term == "(intercept)" else term
    feature, level = term[:-1].split("[", 1)
    return f"C({feature})[T.{level}]"


@pytest.fixture(scope="module")
def default_card(tmp_path_factory) -> ModelCard:
    return trained(tmp_path_factory.mktemp("default"), "--data", str(DEFAULT), "--target", "default")


def test_default_student_agrees_with_statsmodels_formula_and_islr_table_4_3(default_card):
    card = default_card
    data = pd.read_csv(DEFAULT).assign(y=lambda d: (d.default == "Yes").astype(int))
    reference = smf.logit("y ~ C(student) + balance + income", data).fit(method="newton", tol=1e-12, disp=False)
    assert card.format_version == INTERVAL_FORMAT and card.terms == ["student[Yes]", "balance", "income"]
    assert card.categories.coding == "treatment" and card.categories.features["student"].levels == ["No", "Yes"]
    table = table_of(card).rename(index=patsy_name).loc[reference.params.index]
    np.testing.assert_allclose(table.estimate, reference.params, rtol=1e-6)
    np.testing.assert_allclose(table.std_error, reference.bse, rtol=1e-5)
    np.testing.assert_allclose(table.z, reference.tvalues, rtol=1e-5)
    np.testing.assert_allclose(table.p_value, reference.pvalues, rtol=1e-4)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], reference.conf_int(), rtol=1e-5)
    stats = card.statistics
    assert stats.log_likelihood == pytest.approx(reference.llf, rel=1e-9)
    assert stats.null_log_likelihood == pytest.approx(reference.llnull, rel=1e-9)
    assert stats.lr_test.statistic == pytest.approx(reference.llr, rel=1e-6) and stats.lr_test.df == 3
    # ISLR (2nd ed.) Table 4.3, as printed to 4 decimals (R's glm: its last digit may differ by one);
    # income per $1,000 there, in dollars here
    printed = {"Intercept": (-10.8690, 0.4923), "balance": (0.0057, 0.0002), "C(student)[T.Yes]": (-0.6468, 0.2362)}
    printed["income"] = (0.0030 / 1000, 0.0082 / 1000)
    for term, (estimate, error) in printed.items():
        scale = 1000 if term == "income" else 1
        assert table.estimate[term] * scale == pytest.approx(estimate * scale, abs=1.01e-4)
        assert table.std_error[term] * scale == pytest.approx(error * scale, abs=1.01e-4)
    # R's summary(glm(default ~ balance + income + student, family = binomial, data = Default)), as
    # printed: "Null deviance: 2920.6 ... Residual deviance: 1571.5 ... AIC: 1579.5"
    assert round(stats.null_deviance, 1) == 2920.6 and round(stats.deviance, 1) == 1571.5
    assert round(stats.aic, 1) == 1579.5
    assert stats.bic == pytest.approx(stats.deviance + 4 * np.log(10_000), rel=1e-12)


def test_a_one_level_feature_test_equals_the_wald_test_it_replaces_closely(default_card):
    test = default_card.statistics.feature_tests["student"]
    z = table_of(default_card).z["student[Yes]"]
    assert test.df == 1 and test.statistic == pytest.approx(z**2, rel=0.05)  # LR and Wald: close, not equal


def test_three_level_features_agree_with_statsmodels_and_drop1(tmp_path):
    features = ["species", "island", *MEASURES]
    card = trained(
        tmp_path, "--data", str(PENGUINS), "--target", "sex", "--features", ",".join(features), "--drop-missing"
    )
    data = pd.read_csv(PENGUINS).dropna(subset=["sex", *features]).assign(y=lambda d: (d.sex == "male").astype(int))
    formula = " + ".join(["C(species)", "C(island)", *MEASURES])
    full = smf.logit(f"y ~ {formula}", data).fit(method="newton", tol=1e-12, disp=False)
    table = table_of(card).rename(index=patsy_name).loc[full.params.index]
    np.testing.assert_allclose(table.estimate, full.params, rtol=1e-6)
    np.testing.assert_allclose(table.std_error, full.bse, rtol=1e-5)
    assert card.terms[:4] == ["species[Chinstrap]", "species[Gentoo]", "island[Dream]", "island[Torgersen]"]
    shares = card.categories.features["island"].shares
    np.testing.assert_allclose(shares, data.island.value_counts(normalize=True).sort_index(), rtol=1e-12)
    for feature in ("species", "island"):
        without = smf.logit(f"y ~ {formula.replace(f'C({feature}) + ', '')}", data).fit(disp=False, tol=1e-12)
        test = card.statistics.feature_tests[feature]
        assert test.df == 2
        assert test.statistic == pytest.approx(2 * (full.llf - without.llf), rel=1e-6, abs=1e-8)


def test_integer_codes_named_by_categorical_and_a_multinomial_target_agree_with_mnlogit(tmp_path):
    features = ["sex", "year", "bill_length_mm", "body_mass_g"]
    card = trained(
        tmp_path,
        "--data", str(PENGUINS), "--target", "island", "--features", ",".join(features),
        "--categorical", "year", "--drop-missing",
    )  # fmt: skip
    assert card.categories.features["year"].levels == ["2007", "2008", "2009"]
    data = pd.read_csv(PENGUINS).dropna(subset=["island", *features])
    data["k"] = data.island.astype("category").cat.codes
    formula = "C(sex) + C(year) + bill_length_mm + body_mass_g"
    full = smf.mnlogit(f"k ~ {formula}", data).fit(method="newton", maxiter=100, disp=False)
    stats = card.statistics
    assert stats.log_likelihood == pytest.approx(full.llf, rel=1e-8)
    assert stats.lr_test.df == 10  # 5 terms x (3 - 1)
    assert stats.aic == pytest.approx(full.aic, rel=1e-7)  # k = (5 terms + intercept) x 2 logits
    assert stats.bic == pytest.approx(full.bic, rel=1e-7)
    assert stats.deviance == pytest.approx(-2 * full.llf, rel=1e-8)
    assert stats.null_deviance == pytest.approx(-2 * full.llnull, rel=1e-8)
    without_year = smf.mnlogit(f"k ~ {formula.replace('C(year) + ', '')}", data).fit(method="newton", disp=False)
    assert stats.feature_tests["year"].df == 4
    assert stats.feature_tests["year"].statistic == pytest.approx(2 * (full.llf - without_year.llf), rel=1e-6)


def test_l2_one_hot_is_scikit_learns_column_transformer_pipeline(tmp_path):
    features = ["island", "sex", *MEASURES]
    l2 = 0.01
    card = trained(
        tmp_path,
        "--data", str(PENGUINS), "--target", "species", "--features", ",".join(features),
        "--l2", str(l2), "--drop-missing",
    )  # fmt: skip
    assert card.categories.coding == "one-hot"
    assert card.terms[:5] == ["island[Biscoe]", "island[Dream]", "island[Torgersen]", "sex[female]", "sex[male]"]
    data = pd.read_csv(PENGUINS).dropna(subset=["species", *features])
    columns = ColumnTransformer([("numeric", StandardScaler(), MEASURES), ("text", OneHotEncoder(), ["island", "sex"])])
    pipeline = make_pipeline(columns, LogisticRegression(C=1 / (l2 * len(data)), tol=1e-12, max_iter=10_000))
    pipeline.fit(data[features], data.species)
    artifact = load_artifact(tmp_path / "model.onnx")
    ours = artifact.predict(data[features]).probabilities
    np.testing.assert_allclose(ours, pipeline.predict_proba(data[features]), atol=2e-6)
    # the same objective: mean log loss + LAMBDA/2 |w|^2 on the standardized numeric and raw one-hot columns
    scaler, model = columns.named_transformers_["numeric"], pipeline[-1]
    standardized = np.asarray(card.weights)[:, 5:] * scaler.scale_
    ours_w = np.concatenate([standardized, np.asarray(card.weights)[:, :5]], axis=1)
    theirs = model.coef_ - model.coef_.mean(axis=0)  # softmax weights are determined up to a shared shift
    np.testing.assert_allclose(ours_w - ours_w.mean(axis=0), theirs, atol=1e-5)
    assert card.standardization.scale[:5] == [1.0] * 5 and card.standardization.mean[:5] == [0.0] * 5


def test_a_grouping_of_another_features_levels_is_aliased_and_named(tmp_path, capsys):
    rng = np.random.default_rng(1)
    shop = rng.choice(["north", "south", "east", "west"], 400)
    x = rng.normal(size=400)
    frame = pd.DataFrame({"shop": shop, "region": np.where(np.isin(shop, ["north", "south"]), "NS", "EW"), "x": x})
    frame["y"] = (rng.logistic(size=400) < x + (shop == "east")).astype(int)
    frame.to_csv(tmp_path / "shops.csv", index=False)
    card = trained(tmp_path, "--data", str(tmp_path / "shops.csv"), "--target", "y")
    out = capsys.readouterr().out
    assert card.statistics.aliased == ["region[NS]"]
    assert "'region[NS]' is a linear combination of 'shop[north]' and 'shop[south]' (and the intercept)" in out
    assert card.statistics.feature_tests["region"].to_json() == {"statistic": 0.0, "df": 0, "p_value": 1.0}
    reference = smf.logit("y ~ C(shop) + x", frame).fit(method="newton", tol=1e-12, disp=False)
    table = table_of(card).drop(index="region[NS]").rename(index=patsy_name).loc[reference.params.index]
    np.testing.assert_allclose(table.estimate, reference.params, rtol=1e-6)
    np.testing.assert_allclose(table.std_error, reference.bse, rtol=1e-5)
    # without shop, region is no longer aliased: 4 identified terms against 2, as R's drop1 counts them
    assert re.search(r"^shop as a whole: LR test chi2 [\d.]+ on 2 df, p = ", out, re.MULTILINE)
    # an aliased term is not an estimated coefficient: AIC counts the 5 that statsmodels estimates
    stats = card.statistics
    assert stats.aic == pytest.approx(reference.aic, rel=1e-8) and stats.bic == pytest.approx(reference.bic, rel=1e-8)
    deviances = f"deviance {stats.deviance:.4f} (null {stats.null_deviance:.4f})"
    assert f"{deviances}, AIC {stats.aic:.4f}, BIC {stats.bic:.4f}" in out.splitlines()


def test_codes_keep_their_leading_zeros_and_whole_numbers_are_one_level_however_written(tmp_path):
    rng = np.random.default_rng(5)
    n = 300
    state = rng.choice(["01", "02", "10", "06"], n)  # codes, as FIPS writes them
    grade = rng.choice([1, 2, 10], n)
    frame = pd.DataFrame({"state": state, "grade": [f"{g}.0" if i % 3 else str(g) for i, g in enumerate(grade)]})
    frame["x"] = rng.normal(size=n)
    frame["y"] = (rng.logistic(size=n) < frame["x"] + (state == "10") - 0.2 * grade).astype(int)
    frame.to_csv(tmp_path / "codes.csv", index=False)
    card = trained(tmp_path, "--data", str(tmp_path / "codes.csv"), "--target", "y", "--categorical", "state,grade")
    assert card.categories.features["state"].levels == ["01", "02", "06", "10"]  # by value, as written
    assert card.categories.features["grade"].levels == ["1", "2", "10"]  # 2.0 and 2 are one level
    artifact = load_artifact(tmp_path / "model.onnx")
    p = artifact.predict({"state": ["02", "10"], "grade": ["2.0", 10], "x": [0.0, 0.0]}).probabilities
    np.testing.assert_allclose(
        p, artifact.predict({"state": ["02", "10"], "grade": [2, "10"], "x": [0, 0]}).probabilities
    )
    with pytest.raises(InputError, match=r"feature 'state' has '2' on row 1, a level the model never saw"):
        artifact.predict({"state": ["2"], "grade": [1], "x": [0.0]})
