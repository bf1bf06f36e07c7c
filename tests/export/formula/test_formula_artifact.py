"""A formula model's artifact: served from raw columns by the one graph (its terms computed inside
it, in float64), out-of-domain input said in one line, and a card whose formula section was
tampered with refused in one line before onnxruntime runs any of it."""

import copy

import numpy as np
import pandas as pd
import pytest
from hostile_models import card_of, with_card

from export.artifact import Artifact, load_artifact
from export.errors import ArtifactError, InputError
from training.__main__ import main as training_main

FORMULA = "y ~ np.log(x) * g + bs(z, df=3) + I(z ** 2)"


@pytest.fixture(scope="module")
def formula_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("formula_artifact")
    rng = np.random.default_rng(3)
    n = 300
    rows = pd.DataFrame({"x": rng.uniform(0.5, 20, n), "z": rng.normal(0, 2, n), "g": rng.choice(["u", "v", "w"], n)})
    logit = 0.8 * np.log(rows.x) - 1 + (rows.g == "v") * 0.5 + np.sin(rows.z)
    rows["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    rows.to_csv(path / "rows.csv", index=False)
    out = path / "model.onnx"
    assert training_main(["--data", str(path / "rows.csv"), "--formula", FORMULA, "--out", str(out)]) == 0
    return out, rows


def test_the_graph_computes_the_terms_the_card_describes_from_raw_columns(formula_model):
    out, rows = formula_model
    artifact = load_artifact(out)
    card = artifact.card
    assert card.feature_names == ("x", "g", "z") and card.formula.text == FORMULA
    assert card.terms[:3] == ["np.log(x)", "g[T.v]", "g[T.w]"]
    served = artifact.predict(rows[["x", "g", "z"]])
    codes = np.column_stack([rows.x, rows.g.map({"u": 0, "v": 1, "w": 2}), rows.z]).astype(np.float32)
    logits = card.design.expand(codes) @ card.weights[0] + card.intercept[0]
    np.testing.assert_allclose(served.logit, logits, rtol=1e-6, atol=1e-6)
    assert served.probability_low is not None and (served.probability_low <= served.probabilities).all()


def test_a_log_of_a_number_at_most_zero_is_said_naming_the_term_and_row(formula_model):
    artifact = load_artifact(formula_model[0])
    rows = [{"x": 2.0, "g": "u", "z": 0.0}, {"x": -1.0, "g": "v", "z": 0.0}]
    with pytest.raises(InputError, match=r"^np\.log\(x\) is not defined for row 2 \(x = -1\); give values where it is"):
        artifact.predict(rows)


def test_a_value_beyond_a_splines_boundary_knots_is_named(formula_model):
    artifact = load_artifact(formula_model[0])
    low, high = artifact.design.factors[2].pieces.breaks[[0, -1]]
    said = artifact.design.beyond(np.array([[1.0, 0.0, high + 5.0]]))
    assert said == [f"z = {high + 5:g} in bs(z, df=3) (boundary knots [{low:g}, {high:g}])"]


def _tampered(data: bytes, change) -> bytes:
    card = copy.deepcopy(card_of(data))
    change(card["formula"])
    return with_card(data, card)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["factors"][0].update(source="__import__('os').system('id')"), r"is not supported"),
        (
            lambda f: f["factors"][0].update(source="secret", tree=["column", "secret"]),
            r"reads 'secret', not a numeric",
        ),
        (lambda f: f["factors"][0].update(tree=["log", ["column", "z"]]), r"tree is not the expression 'np.log\(x\)'"),
        (lambda f: f["factors"][0].update(kind="python"), r"kind is 'python', not one of"),
        (lambda f: f["terms"][0].update(products=[[[99, False]]]), r"names factor 99, which does not exist"),
        (lambda f: f["terms"][0].update(products=[[[0, True]]]), r"reduces factor 0, which has no levels"),
        (lambda f: f["factors"][2].update(breaks=[1.0, 0.0]), r"breaks are not at most 1000 increasing finite"),
        (lambda f: f["factors"][2].update(pieces=[[[1.0]]]), r"pieces are not one table per piece"),
        (lambda f: f["factors"][0].update(label="log(x)"), r"terms do not follow from the formula"),
        (lambda f: f["terms"].pop(), r"formula.means holds 9 numbers for 7 columns"),
        (lambda f: f["factors"][1].update(source="x"), r"takes the levels of 'x', not a categorical feature"),
    ],
)
def test_a_tampered_formula_section_is_refused_in_one_line(formula_model, change, message):
    data = formula_model[0].read_bytes()
    with pytest.raises(ArtifactError, match=message) as refused:
        Artifact.from_bytes(_tampered(data, change), source="upload.onnx")
    assert "\n" not in str(refused.value) and str(refused.value).startswith("upload.onnx")


def test_an_exponential_term_exports_though_its_square_overflows_far_beyond_the_data(tmp_path):
    rng = np.random.default_rng(0)
    c = rng.normal(-1, 0.5, 2_000)  # the reader's probes reach 100 spans beyond: exp(c) there squares past 1e308
    rows = pd.DataFrame({"c": c, "y": (rng.random(2_000) < 1 / (1 + np.exp(-(c + 0.5)))).astype(int)})
    rows.to_csv(tmp_path / "rows.csv", index=False)
    out = tmp_path / "exp.onnx"
    assert training_main(["--data", str(tmp_path / "rows.csv"), "--formula", "y ~ np.exp(c)", "--out", str(out)]) == 0
    served = load_artifact(out).predict(rows[["c"]])
    assert np.isfinite(served.probability_low).all() and (served.probability_low <= served.probabilities).all()
