"""The estimator inside scikit-learn's tools, against scikit-learn's LogisticRegression, and on to
the kit's artifact."""

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression as ScikitLogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from export.artifact import load_artifact
from export.errors import KitError
from training.estimator import LogisticRegression

PROBABILITY_TOLERANCE = 1e-6  # the issue's: probabilities against scikit-learn's at the same objective


def penguins() -> tuple[pd.DataFrame, pd.Series]:
    frame = pd.read_csv(PROJECT / "data" / "penguins.csv").dropna()
    return frame.drop(columns="species"), frame.species


def preprocessing(x: pd.DataFrame) -> ColumnTransformer:
    numeric = [c for c in x if x[c].dtype.kind == "f"]
    return ColumnTransformer(
        [("numbers", StandardScaler(), numeric), ("levels", OneHotEncoder(), [c for c in x if c not in numeric])]
    )


@pytest.mark.parametrize("c", [0.05, 1.0, 20.0])
def test_in_a_pipeline_it_equals_scikit_learn_at_l2_one_over_c_n(c: float) -> None:
    x, y = penguins()
    theirs = make_pipeline(preprocessing(x), ScikitLogisticRegression(C=c, tol=1e-12, max_iter=10_000)).fit(x, y)
    ours = make_pipeline(preprocessing(x), LogisticRegression(l2=1 / (c * len(y)))).fit(x, y)
    assert list(ours.classes_) == list(theirs.classes_)
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), rtol=0, atol=PROBABILITY_TOLERANCE)
    assert (ours.predict(x) == theirs.predict(x)).mean() > 0.99


def test_weighted_binary_fit_equals_scikit_learn_with_c_over_the_weight_total() -> None:
    frame = pd.read_csv(PROJECT / "data" / "default.csv")
    x = StandardScaler().fit_transform(frame[["balance", "income"]])
    weights = np.random.default_rng(0).integers(0, 4, len(frame)).astype(float)
    c = 0.5
    theirs = ScikitLogisticRegression(C=c, tol=1e-12, max_iter=10_000).fit(x, frame.default, sample_weight=weights)
    ours = LogisticRegression(l2=1 / (c * weights.sum())).fit(x, frame.default, sample_weight=weights)
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), rtol=0, atol=PROBABILITY_TOLERANCE)
    np.testing.assert_allclose(ours.decision_function(x), theirs.decision_function(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize("options", [{}, {"l2": 0.01}, {"penalty": "firth"}, {"class_weight": "balanced"}])
def test_a_sample_weight_of_two_equals_the_row_twice(options: dict) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3)) * [1.0, 50.0, 0.01] + [0.0, 1000.0, 0.0]
    y = (x @ [1.0, 0.02, 100.0] - 20.0 + rng.logistic(size=200) > 0).astype(int)
    weights = np.ones(200)
    weights[:40] = 2.0
    twice = np.concatenate([x, x[:40]]), np.concatenate([y, y[:40]])
    weighted = LogisticRegression(**options).fit(x, y, sample_weight=weights)
    repeated = LogisticRegression(**options).fit(*twice)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(weighted.predict_proba(x), repeated.predict_proba(x), rtol=0, atol=1e-9)


def test_unpenalized_fit_is_the_maximum_likelihood_estimate_on_badly_scaled_columns() -> None:
    import statsmodels.api as sm

    frame = pd.read_csv(PROJECT / "data" / "default.csv")
    x = frame[["balance", "income"]].assign(student=(frame.student == "Yes").astype(float))
    y = (frame.default == "Yes").astype(int)
    reference = sm.Logit(y, sm.add_constant(x)).fit(disp=0, method="newton", tol=1e-12)
    ours = LogisticRegression().fit(x, y)
    np.testing.assert_allclose(ours.intercept_, [reference.params["const"]], rtol=1e-6)
    np.testing.assert_allclose(ours.coef_[0], reference.params[x.columns].to_numpy(), rtol=1e-5)
    summary = ours.summary()
    np.testing.assert_allclose(summary["std. error"].to_numpy()[1:], reference.bse[x.columns].to_numpy(), rtol=1e-4)
    assert list(summary.index) == ["(intercept)", "balance", "income", "student"]


def test_cross_validation_and_a_grid_search_over_the_kits_parameters() -> None:
    x, y = penguins()
    scores = cross_val_score(make_pipeline(preprocessing(x), LogisticRegression(l2=0.01)), x, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9
    search = GridSearchCV(
        make_pipeline(preprocessing(x), LogisticRegression()),
        {"logisticregression__l2": [1e-3, 10.0]},
        cv=3,
    ).fit(x, y)
    assert search.best_params_ == {"logisticregression__l2": 1e-3}  # 10 flattens every coefficient
    assert search.best_estimator_.predict(x.head(5)).shape == (5,)


def test_parameters_clone_and_fitted_attributes() -> None:
    model = LogisticRegression(l2=0.5, class_weight={"Adelie": 2.0}, max_iter=200)
    assert clone(model).get_params() == model.get_params()
    assert model.set_params(l2=0.25).l2 == 0.25
    x, y = penguins()
    numbers = x[["bill_length_mm", "bill_depth_mm"]]
    model.fit(numbers, y)
    assert list(model.feature_names_in_) == ["bill_length_mm", "bill_depth_mm"]
    assert model.n_features_in_ == 2 and model.coef_.shape == (3, 2) and model.intercept_.shape == (3,)
    assert list(model.classes_) == sorted(y.unique())
    assert model.decision_function(numbers).shape == (len(y), 3)
    assert 0.8 < model.score(numbers, y) <= 1.0
    assert "unpenalized maximum likelihood" in LogisticRegression.__doc__


def test_bad_parameters_are_one_line_kit_errors_that_are_value_errors() -> None:
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 2
    for options, message in [
        ({"l2": -1.0}, "--l2 must be a finite number of at least 0"),
        ({"penalty": "lasso"}, "--penalty must be one of none, firth"),
        ({"class_weight": "even"}, "class_weight must be None, 'balanced' or a dict"),
        ({"class_weight": {7: 1.0}}, "class_weight names '7', not a class of y"),
        ({"class_weight": {1: -1.0}}, "class_weight of '1' must be a finite number >= 0"),
        ({"penalty": "firth", "l2": 1.0}, "two different penalties"),
    ]:
        with pytest.raises(KitError, match=message) as caught:
            LogisticRegression(**options).fit(x, y)
        assert isinstance(caught.value, ValueError) and "\n" not in str(caught.value)


def test_a_fitted_estimator_exports_the_artifact_the_reader_serves(tmp_path) -> None:
    frame = pd.read_csv(PROJECT / "data" / "default.csv")
    x, y = frame[["balance", "income"]], frame.default
    model = LogisticRegression().fit(x, y)
    out = model.export(tmp_path / "estimator.onnx")
    served = load_artifact(out)
    assert list(served.card.feature_names) == ["balance", "income"]
    assert list(served.card.class_labels) == ["No", "Yes"]
    np.testing.assert_allclose(served.predict(x).probabilities, model.predict_proba(x), rtol=0, atol=2e-6)
    assert (tmp_path / "estimator.pt").exists() and (tmp_path / "estimator.model_card.md").exists()
    unnamed = LogisticRegression().fit(x.to_numpy(), y.to_numpy())
    assert list(unnamed.model().card.feature_names) == ["x0", "x1"]
