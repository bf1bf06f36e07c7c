"""The card's ``training`` section, typed (issue 21): every key checked for its type, none required
(earlier cards lack the later options), written back as read."""

import pytest
from hostile_models import card_of, edited_card
from paths import PROJECT

from export.artifact import Artifact, load_bytes
from export.card.sections import TrainingSettings
from export.errors import ArtifactError

MODEL = PROJECT / "artifacts" / "default.onnx"


def test_a_cards_training_reads_typed_and_writes_back_the_same_json():
    data = load_bytes(MODEL)
    training = Artifact.from_bytes(data).card.training
    assert isinstance(training, TrainingSettings)
    assert (training.optimizer, training.seed, training.batch_size) == ("lbfgs", 0, None)
    assert training.to_json() == card_of(data)["training"]


def test_an_earlier_cards_shorter_training_loads():
    data = load_bytes(MODEL)
    training = {k: v for k, v in card_of(data)["training"].items() if k not in ("penalty", "class_weight", "tol")}
    card = Artifact.from_bytes(edited_card(data, training=training)).card
    assert card.training.penalty is None and card.training.optimizer == "lbfgs"


@pytest.mark.parametrize(("key", "value"), [("lr", "fast"), ("epochs", -1), ("standardize", "yes"), ("seed", 1.5)])
def test_a_training_value_of_the_wrong_type_is_refused(key, value):
    data = load_bytes(MODEL)
    training = {**card_of(data)["training"], key: value}
    with pytest.raises(ArtifactError, match=rf"card.training.{key} is"):
        Artifact.from_bytes(edited_card(data, training=training), source="m.onnx")
