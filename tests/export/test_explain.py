"""``Artifact.explain`` and ``python -m export.score --explain --interval``: contributions against
the definition SHAP's linear explainer uses with the training rows as background (the expected
change of the logit when a feature is set to the row's value instead of drawn from training), and
base + contributions against the served logit."""

import numpy as np
import pandas as pd
import pytest
from paths import PROJECT

from export.artifact import load_artifact
from export.errors import InputError
from export.reader.inputs import codes_from_feeds
from export.score import main as score_main

ARTIFACTS = PROJECT / "artifacts"
DATA = {"default": "default.csv", "penguins": "penguins.csv", "iris": "iris.csv", "cancer": "breast_cancer.csv"}


def rows_of(name: str, artifact) -> pd.DataFrame:
    data = pd.read_csv(PROJECT / "data" / DATA[name]).dropna(subset=list(artifact.card.feature_names))
    return data[list(artifact.card.feature_names)].iloc[::17]


def logits(artifact, codes: np.ndarray) -> np.ndarray:
    card = artifact.card
    return card.design.expand(codes) @ card.weights.T + card.intercept  # (n, L), float64


def interventional(artifact, codes: np.ndarray) -> np.ndarray:
    """Feature j's contribution: the logit of the row, less its mean over the training distribution
    of feature j (its mean, a linear model's expectation; a categorical one's levels at their shares)."""
    card = artifact.card
    design = card.design
    out = np.empty((len(codes), len(design.features), len(card.weights)))
    for j, feature in enumerate(design.features):
        if feature in design.levels:
            shares = card.categories.features[feature].shares
            expected = 0
            for level, share in enumerate(shares):
                moved = codes.copy()
                moved[:, j] = level
                expected = expected + share * logits(artifact, moved)
        else:
            moved = codes.copy()
            moved[:, j] = card.data.features[feature].mean
            expected = logits(artifact, moved)
        out[:, j] = logits(artifact, codes) - expected
    return out


@pytest.mark.parametrize("name", sorted(DATA))
def test_contributions_are_the_interventional_definition_and_add_up_to_the_logit(name):
    artifact = load_artifact(ARTIFACTS / f"{name}.onnx")
    rows = rows_of(name, artifact)
    explained = artifact.explain(rows)
    codes = codes_from_feeds(artifact.design, artifact.feeds(rows))
    expected = interventional(artifact, codes)
    contributions = explained.contributions.reshape(expected.shape)  # binary: (n, d), one logit
    np.testing.assert_allclose(contributions, expected, rtol=1e-9, atol=1e-9)
    served = artifact.predict(rows).logit
    np.testing.assert_allclose(explained.logit, served, rtol=1e-5, atol=1e-5)
    assert explained.feature_names == artifact.card.feature_names
    assert np.shape(explained.base) == (() if artifact.card.binary else (artifact.card.n_classes,))


def test_explain_takes_what_predict_takes_and_refuses_what_it_refuses():
    artifact = load_artifact(ARTIFACTS / "penguins.onnx")
    row = dict(artifact.card.example)
    assert artifact.explain([row]).contributions.shape == (1, artifact.card.n_features)
    with pytest.raises(InputError, match="feature 'island' has 'Atlantis' on row 1, a level the model never saw"):
        artifact.explain([{**row, "island": "Atlantis"}])


def test_score_writes_the_interval_and_the_explanation_columns(tmp_path, capsys):
    artifact = load_artifact(ARTIFACTS / "penguins.onnx")
    data = tmp_path / "penguins.csv"
    rows = pd.read_csv(PROJECT / "data" / "penguins.csv").iloc[:40]
    rows.to_csv(data, index=False)
    out = tmp_path / "scored.csv"
    args = ["--model", str(ARTIFACTS / "penguins.onnx"), "--data", str(data), "--out", str(out), "--complete-rows"]
    assert score_main([*args, "--interval", "--explain"]) == 0
    scored = pd.read_csv(out)
    complete = rows.dropna(subset=list(artifact.card.feature_names))
    served = artifact.predict(complete[list(artifact.card.feature_names)])
    kept = scored.loc[complete.index]
    np.testing.assert_allclose(kept["P(sex = male) 95% low"], served.probability_low[:, 1], rtol=1e-6)
    np.testing.assert_allclose(kept["P(sex = female) 95% high"], served.probability_high[:, 0], rtol=1e-6)
    contributions = kept[[f"contribution of {f}" for f in artifact.card.feature_names]].to_numpy()
    np.testing.assert_allclose(kept["logit base"] + contributions.sum(axis=1), served.logit, atol=1e-5)
    unscored = scored.drop(index=complete.index)
    assert len(unscored) and unscored["logit base"].isna().all() and unscored["P(sex = male) 95% low"].isna().all()
    iris = ["--model", str(ARTIFACTS / "iris.onnx"), "--data", str(data), "--out", str(out), "--interval"]
    assert score_main(iris) == 2
    assert "--interval: iris.onnx serves no interval. No interval:" in capsys.readouterr().err
