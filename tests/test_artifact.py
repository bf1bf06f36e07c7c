"""The artifact reader: what it exposes, and one clear error for each way a file can be wrong."""

import json

import numpy as np
import onnx
import pytest

from export.artifact import Artifact, load_artifact
from export.card import CARD_KEY, FORMAT_VERSION, REQUIRED_KEYS
from export.errors import ArtifactError


def with_card(data: bytes, card: str | None) -> bytes:
    """The same graph with its model card replaced (or removed when ``card`` is None)."""
    model = onnx.load_from_string(data)
    del model.metadata_props[:]
    if card is not None:
        onnx.helper.set_model_props(model, {CARD_KEY: card})
    return model.SerializeToString()


def edited_card(data: bytes, **changes) -> bytes:
    card = json.loads(Artifact.from_bytes(data).session.get_modelmeta().custom_metadata_map[CARD_KEY])
    card.update(changes)
    return with_card(data, json.dumps(card))


def test_card_exposes_the_public_contract(tutorial_built, tutorial_fit):
    card = Artifact.from_bytes(tutorial_built.data).card
    assert set(REQUIRED_KEYS) <= set(card.raw)
    assert card.raw["format_version"] == FORMAT_VERSION and card.raw["task"] == "binary"
    assert card.feature_names == ("x",) and card.target_name == "y" and card.class_labels == (0, 1)
    assert card.weights[0, 0] == pytest.approx(tutorial_fit.model.linear.weight.item())
    expected = {"optimizer": "sgd", "lr": 0.01, "epochs": 1000, "batch_size": None, "seed": 0}
    assert card.raw["training"].items() >= expected.items()
    assert set(card.history) == {"epoch", "loss", "weights", "intercept"} and card.history["epoch"][0] == 0
    assert card.data["n_rows"] == 4 and card.data["features"]["x"] == {"min": 1.0, "max": 4.0, "mean": 2.5}
    assert card.data["rows"] == {"x": [[1.0], [2.0], [3.0], [4.0]], "y": [0, 1, 1, 0]}
    assert {"torch", "onnxruntime", "onnx", "numpy", "python"} <= set(card.raw["versions"])
    assert card.example == {"x": 5.0}


def test_predict_matches_the_card_coefficients(tutorial_built):
    artifact = Artifact.from_bytes(tutorial_built.data)
    x = np.array([[5.0], [-2.0]])
    expected = 1 / (1 + np.exp(-(x @ artifact.card.weights.T + artifact.card.intercept)))[:, 0]
    assert artifact.predict(x).probabilities[:, 1] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match=r"expected rows of 1 features, got shape \(2, 3\)"):
        artifact.predict(np.zeros((2, 3)))


def test_missing_file_says_how_to_rebuild(tmp_path):
    with pytest.raises(ArtifactError, match=r"no model at .*model.onnx; rebuild it with `python -m training`"):
        load_artifact(tmp_path / "model.onnx")


def other_graph() -> bytes:
    node = onnx.helper.make_node("Identity", ["z"], ["out"])
    graph = onnx.helper.make_graph(
        [node],
        "g",
        [onnx.helper.make_tensor_value_info("z", onnx.TensorProto.FLOAT, [1])],
        [onnx.helper.make_tensor_value_info("out", onnx.TensorProto.FLOAT, [1])],
    )
    return onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 20)]).SerializeToString()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda good: b"just some text", r"is not a loadable ONNX model \(.*\); rebuild it with `python -m training`"),
        (lambda good: good[: len(good) // 2], r"is not a loadable ONNX model"),
        (
            lambda good: other_graph(),
            r"is an ONNX model but not one of ours \(expected input x: float32 \[batch, "
            r"n_features\] .*found inputs z: tensor\(float\)",
        ),
        (lambda good: with_card(good, None), r"has no model card in its metadata, so it was not exported by this kit"),
        (lambda good: with_card(good, "{not json"), r"its model card is not valid JSON"),
        (lambda good: with_card(good, "[1, 2]"), r"its model card is not a JSON object"),
        (lambda good: with_card(good, json.dumps({"format_version": 1})), r"its model card lacks producer, task"),
        (lambda good: edited_card(good, producer="someone"), r"was made by 'someone', not by this kit"),
        (
            lambda good: edited_card(good, format_version=99),
            r"uses card format 99, newer than this kit reads "
            r"\(1\); upgrade the kit",
        ),
        (
            lambda good: edited_card(good, feature_names=["a", "b"]),
            r"its model card is inconsistent \(coefficients "
            r"of shape \(1, 1\)/\(1,\) for 2 features",
        ),
        (lambda good: edited_card(good, threshold=2), r"threshold 2.0 outside \(0, 1\)"),
    ],
)
def test_each_defect_gets_one_clear_line(tutorial_built, make, message):
    with pytest.raises(ArtifactError, match=message) as info:
        Artifact.from_bytes(make(tutorial_built.data), source="upload.onnx")
    assert str(info.value).startswith("upload.onnx") and "\n" not in str(info.value)
