"""Models with categorical features, served: the graph encodes text itself (any onnxruntime client
gives raw strings), a level never seen in training is never scored as the reference, and the
reader takes a DataFrame or a mapping by column name."""

import json

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest

from export.artifact import Artifact
from export.card.model_card import CARD_KEY
from export.errors import ArtifactError, InputError
from export.parity import binary_probabilities64, float32_dot_allowance
from export.writer.build import build_artifact
from training.config import TrainConfig
from training.data.columns import Columns
from training.data.dataset import coded
from training.data.tables import load_table
from training.description.describe import describe
from training.solvers.fit import fit

RNG = np.random.default_rng(3)
N = 600
COLOURS = RNG.choice(["red", "green", "blue"], N)
FLAGS = RNG.choice([True, False], N)
X = RNG.normal(size=N)
EFFECT = {"red": 0.0, "green": 1.0, "blue": -1.5}
LOGIT = 0.3 + 1.2 * X + np.array([EFFECT[c] for c in COLOURS]) + 0.8 * FLAGS
Y = (RNG.logistic(size=N) < LOGIT).astype(int)


MLE = TrainConfig(optimizer="lbfgs", standardize=True)


def exported(tmp_path, frame: pd.DataFrame, config: TrainConfig = MLE):
    frame.to_csv(tmp_path / "rows.csv", index=False)
    data = coded(load_table(tmp_path / "rows.csv", Columns("y")), config.penalization.coding)
    result = fit(config, data)
    return build_artifact(result.model.linear, describe(data, None, result))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    frame = pd.DataFrame({"colour": COLOURS, "x": X, "flag": FLAGS, "y": Y})
    return exported(tmp_path_factory.mktemp("mixed"), frame)


def test_the_graph_takes_numbers_and_text_and_any_onnxruntime_client_can_score_it(mixed):
    model = onnx.load_model_from_string(mixed.data)
    inputs = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    assert inputs == {"x": onnx.TensorProto.FLOAT, "categories": onnx.TensorProto.STRING}
    assert {o.domain for o in model.opset_import} == {"", "ai.onnx.ml"}
    session = ort.InferenceSession(mixed.data, providers=["CPUExecutionProvider"])
    categories = np.array([["red", "False"], ["green", "True"], ["blue", "true"]], dtype=object)
    x = np.array([[0.5], [0.5], [-1.0]], dtype=np.float32)
    logit, probabilities, label = session.run(["logit", "probabilities", "label"], {"x": x, "categories": categories})
    card = mixed.card
    codes = np.array([[0.0, 0.5, 0.0], [1.0, 0.5, 1.0], [2.0, -1.0, 1.0]])  # levels sorted: blue, green, red
    codes[:, 0] = [2, 1, 0]
    expected = card.design.expand(codes) @ card.weights[0] + card.intercept[0]
    allowance = float32_dot_allowance(card.design.expand(codes), card.weights, card.intercept)  # float32 graph
    np.testing.assert_allclose(logit, expected, rtol=1e-6, atol=allowance.max())
    np.testing.assert_allclose(probabilities, binary_probabilities64(expected), rtol=1e-6, atol=1e-6)
    assert label.tolist() == (expected > 0).astype(int).tolist()


def test_an_unseen_level_gives_nan_in_the_graph_never_the_reference_levels_answer(mixed):
    session = ort.InferenceSession(mixed.data, providers=["CPUExecutionProvider"])
    categories = np.array([["purple", "True"], ["red", "maybe"], ["blue", "True"]], dtype=object)
    logit, probabilities = session.run(
        ["logit", "probabilities"], {"x": np.zeros((3, 1), np.float32), "categories": categories}
    )
    assert np.isnan(logit[:2]).all() and np.isnan(probabilities[:2]).all()
    assert np.isfinite(logit[2]) and np.isfinite(probabilities[2]).all()


def test_the_reader_takes_a_dataframe_or_a_mapping_by_column_name(mixed):
    artifact = Artifact.from_bytes(mixed.data)
    frame = pd.DataFrame({"flag": FLAGS[:50], "unused": "z", "x": X[:50], "colour": COLOURS[:50]})
    from_frame = artifact.predict(frame).probabilities
    mapping = {"colour": list(COLOURS[:50]), "x": X[:50].tolist(), "flag": [str(f).lower() for f in FLAGS[:50]]}
    np.testing.assert_array_equal(artifact.predict(mapping).probabilities, from_frame)
    codes = np.column_stack([[["blue", "green", "red"].index(c) for c in COLOURS[:50]], X[:50], FLAGS[:50]])
    np.testing.assert_array_equal(artifact.predict_codes(codes).probabilities, from_frame)
    single = artifact.predict({"colour": "green", "x": 0.0, "flag": True}).probabilities
    assert single.shape == (1, 2)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {"colour": ["red", "purple"], "x": [0.0, 1.0], "flag": [True, True]},
            r"feature 'colour' has 'purple' on row 2, a level the model never saw in training "
            r"\(it knows: blue, green, red\); give one of those",
        ),
        ({"colour": ["red", None], "x": [0.0, 1.0], "flag": [True, True]}, r"feature 'colour' has no value on row 2"),
        ({"colour": ["red"], "flag": [True]}, r"no column for feature\(s\) x; give every feature: colour, x, flag"),
        ({"colour": ["red"], "x": ["five"], "flag": [True]}, r"feature 'x' takes numbers"),
        (np.zeros((2, 3)), r"has categorical features \(colour, flag\); give the rows as a DataFrame, a mapping"),
    ],
)
def test_what_cannot_be_scored_is_refused_in_one_line(mixed, rows, message):
    with pytest.raises(InputError, match=message) as info:
        Artifact.from_bytes(mixed.data).predict(rows)
    assert "\n" not in str(info.value)


def test_a_model_with_categorical_features_only_has_no_numeric_input(tmp_path):
    frame = pd.DataFrame({"colour": COLOURS, "flag": FLAGS, "y": Y})
    built = exported(tmp_path, frame)
    model = onnx.load_model_from_string(built.data)
    assert [i.name for i in model.graph.input] == ["categories"]
    artifact = Artifact.from_bytes(built.data)
    grid = {"colour": ["blue", "green", "red"] * 2, "flag": [False] * 3 + [True] * 3}
    p = artifact.predict(grid).probabilities[:, 1]
    observed = pd.DataFrame({"colour": COLOURS, "flag": FLAGS, "y": Y}).groupby(["flag", "colour"]).y.mean()
    assert np.corrcoef(p, observed.to_numpy())[0, 1] > 0.9  # the additive model follows the cell rates


def test_one_hot_models_and_multinomial_targets_serve_every_level(tmp_path):
    target = np.where(Y == 1, np.where(X > 0, "b", "c"), "a")
    frame = pd.DataFrame({"colour": COLOURS, "x": X, "y": target})
    built = exported(tmp_path, frame, TrainConfig(optimizer="lbfgs", standardize=True, l2=0.1))
    card = built.card
    assert card.categories.coding == "one-hot" and card.terms == ["colour[blue]", "colour[green]", "colour[red]", "x"]
    artifact = Artifact.from_bytes(built.data)
    rows = {"colour": ["blue", "green", "red"], "x": [0.1, 0.1, 0.1]}
    logits = card.design.expand([[0, 0.1], [1, 0.1], [2, 0.1]]) @ card.weights.T + card.intercept
    np.testing.assert_allclose(artifact.predict(rows).logit, logits, rtol=1e-5, atol=1e-6)


def card_edited(served: bytes, changes: dict) -> bytes:
    model = onnx.load_model_from_string(served)
    entry = next(p for p in model.metadata_props if p.key == CARD_KEY)
    card = json.loads(entry.value)
    for key, value in changes.items():
        card[key] = value(card) if callable(value) else value
    entry.value = json.dumps(card)
    return model.SerializeToString()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 1}, r"categories in a format-1 card"),
        ({"terms": lambda c: c["terms"][::-1]}, r"terms do not follow from the features and their levels"),
        (
            {
                "categories": lambda c: {
                    **c["categories"],
                    "features": {"colour": {"levels": ["a", "a", "b"], "shares": [0.3] * 3}},
                }
            },
            r"categories.features does not name|repeats a level",
        ),
        ({"categories": lambda c: {**c["categories"], "coding": "effects"}}, r"coding is 'effects', not one of"),
        (
            {"data": lambda c: {**c["data"], "rows": {"x": [[7, 0.0, 0]], "y": [0]}}},
            r"rows.x\[0\]\[0\] is 7, not a level's index below 3",
        ),
        (
            {"example": lambda c: {**c["example"], "colour": "purple"}},
            r"example.colour is 'purple', not one of its levels",
        ),
    ],
)
def test_an_inconsistent_categorical_card_is_refused(mixed, change, message):
    with pytest.raises(ArtifactError, match=message):
        Artifact.from_bytes(card_edited(mixed.data, change), source="upload.onnx")


def test_a_graph_whose_level_table_disagrees_with_its_card_is_refused(mixed):
    model = onnx.load_model_from_string(mixed.data)
    table = next(t for t in model.graph.initializer if t.name == "table0")
    values = onnx.numpy_helper.to_array(table).copy()
    values[1] += 0.5  # one level's coefficient, changed in the graph only
    table.CopyFrom(onnx.numpy_helper.from_array(values, "table0"))
    with pytest.raises(ArtifactError, match=r"does not compute what its card says"):
        Artifact.from_bytes(model.SerializeToString(), source="upload.onnx")
