"""The typed card (export/card/sections.py): read whole, written back to the same JSON, and its
checks derived from the fields that declare them."""

import json

import onnx
import pytest
from paths import PROJECT

from export.card.model_card import CARD_KEY, REQUIRED_KEYS, ModelCard
from export.card.sections import FitSummary, Metrics, Shape, Statistics, StoredRows

SHIPPED = sorted((PROJECT / "artifacts").glob("*.onnx"))


def stored_card(path) -> dict:
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    return json.loads(props[CARD_KEY])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_shipped_card_reads_whole_and_writes_back_the_same_json(path):
    stored = stored_card(path)
    card = ModelCard.from_json(stored)
    assert isinstance(card.summary, FitSummary) and isinstance(card.statistics, Statistics)
    assert isinstance(card.metrics.train, Metrics)
    assert card.to_json() == stored


def test_absent_optional_sections_read_as_none_and_are_not_written():
    stored = stored_card(PROJECT / "artifacts" / "model.onnx")
    for key in ("statistics", "metrics", "summary"):
        del stored[key]
    card = ModelCard.from_json(stored)
    assert card.statistics is None and card.metrics is None and card.summary is None
    assert not {"statistics", "metrics", "summary"} & set(card.to_json())


def test_nullable_fields_are_written_as_null():
    stored = stored_card(PROJECT / "artifacts" / "iris.onnx")  # multinomial: no threshold
    assert stored["threshold"] is None and ModelCard.from_json(stored).to_json()["threshold"] is None


def test_checks_come_from_the_declared_fields():
    shape = Shape(("x",), 1, 2)
    good = stored_card(PROJECT / "artifacts" / "model.onnx")["metrics"]["train"]
    assert Metrics.spec(shape)(good, "m") is None
    assert Metrics.spec(shape)({k: v for k, v in good.items() if k != "brier"}, "m") == "m lacks brier"
    assert Metrics.spec(shape)({**good, "confusion_matrix": [[1, 2]]}, "m") == "m.confusion_matrix has 1 entries, not 2"
    assert Statistics.spec(shape)({"log_likelihood": 1.0, "null_log_likelihood": 0.0, "notes": [1]}, "s") == (
        "s.notes[0] is 1, not text"
    )


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([[1.5, 2], [0.5, 0]], None),
        ([[1.5, 2], [0.5]], "r.x[1] has 1 entries, not 2"),
        ([[1.5, 2], [True, 0]], "r.x[1][0] is True, not a finite number"),
        ([[1.5, 2], [0.5, 3]], "r.x[1][1] is 3, not a level's index below 3"),
        ([[1.5, 2.5], [0.5, 0]], "r.x[0][1] is 2.5, not a level's index below 3"),
        ([[1.5, 2], "row"], "r.x[1] is 'row', not a list"),
    ],
)
def test_a_stored_row_is_a_number_per_numeric_feature_and_a_level_per_categorical_one(rows, problem):
    shape = Shape(("size", "colour"), 1, 2, levels={"colour": ("red", "green", "blue")})
    assert StoredRows.spec(shape)({"x": rows, "y": [0, 1]}, "r") == problem


def test_the_required_keys_are_the_documented_contract():
    readme = (PROJECT / "README.md").read_text()
    assert all(f"| `{key}` |" in readme for key in REQUIRED_KEYS)
