"""The reader and the interval outputs (format 3): they are checked against the card's covariance on
the probes, must come with it and only with it, and models without them still load."""

import json

import numpy as np
import pytest
from hostile_models import card_of, edited_card, with_card
from paths import PROJECT

from export.artifact import Artifact, load_bytes
from export.errors import ArtifactError
from export.intervals import probability_interval

ARTIFACTS = PROJECT / "artifacts"


@pytest.fixture(scope="module", params=["default", "penguins"])
def with_intervals(request) -> bytes:
    return load_bytes(ARTIFACTS / f"{request.param}.onnx")


def test_the_served_interval_is_the_cards_and_holds_the_probability(with_intervals):
    artifact = Artifact.from_bytes(with_intervals)
    card = artifact.card
    rows = card.data.stored_x(card.n_features)
    served = artifact.predict_codes(rows)
    x = card.design.expand(rows)
    logits = x @ card.weights.T + card.intercept
    low, high = probability_interval(
        np.asarray(card.statistics.covariance), x, logits[:, 0] if card.binary else logits, card.binary
    )
    np.testing.assert_allclose(served.probability_low, low, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(served.probability_high, high, rtol=1e-5, atol=1e-7)
    assert ((served.probability_low >= 0) & (served.probability_low <= served.probabilities)).all()
    assert ((served.probabilities <= served.probability_high) & (served.probability_high <= 1)).all()
    assert (served.probability_high - served.probability_low > 0).any()


def test_a_large_batch_is_scored_in_runs_with_the_same_answer(with_intervals):
    artifact = Artifact.from_bytes(with_intervals)
    rows = artifact.card.design.cycled(5000).astype(np.float32)
    rows[:, [j for j, f in enumerate(artifact.card.feature_names) if f not in artifact.design.levels]] = 1.0
    whole = artifact.predict_codes(rows)
    artifact.rows_per_run = 777  # as a wide model's would be
    pieces = artifact.predict_codes(rows)
    for name in ("probabilities", "probability_low", "probability_high"):
        np.testing.assert_allclose(getattr(pieces, name), getattr(whole, name), rtol=1e-6)


def test_a_covariance_that_is_not_the_graphs_is_refused(with_intervals):
    card = card_of(with_intervals)
    card["statistics"]["covariance"] = (4 * np.asarray(card["statistics"]["covariance"])).tolist()
    with pytest.raises(ArtifactError, match=r"does not compute what its card says \(probability_(low|high) differs"):
        Artifact.from_bytes(with_card(with_intervals, card), source="m.onnx")


def test_interval_outputs_without_a_covariance_and_the_reverse_are_refused(with_intervals):
    card = card_of(with_intervals)
    del card["statistics"]["covariance"]
    with pytest.raises(ArtifactError, match=r"the graph has the probability_low and probability_high outputs, but its"):
        Artifact.from_bytes(with_card(with_intervals, card), source="m.onnx")
    older = load_bytes(ARTIFACTS / "model.onnx")  # the tutorial: no covariance, no interval outputs
    tutorial = card_of(older)
    tutorial["statistics"]["covariance"] = [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ArtifactError, match=r"covariance or a multinomial coefficient table in a format-1 card"):
        Artifact.from_bytes(edited_card(older, statistics=tutorial["statistics"]), source="m.onnx")
    tutorial["format_version"] = 3
    with pytest.raises(ArtifactError, match=r"the graph lacks the probability_low and probability_high outputs, but"):
        Artifact.from_bytes(with_card(older, json.dumps(tutorial)), source="m.onnx")


def test_a_model_without_a_covariance_serves_no_interval():
    served = Artifact.from_bytes(load_bytes(ARTIFACTS / "iris.onnx")).predict(
        {"sepal_length": [5.0], "sepal_width": [3.0], "petal_length": [1.5], "petal_width": [0.2]}
    )
    assert served.probability_low is None and served.probability_high is None
