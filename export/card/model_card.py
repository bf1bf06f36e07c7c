"""The model card: the JSON document stored in the ONNX file's metadata under ``model_card``.

This module is the one place that writes (``card_to_json``) and reads (``parse_card``) it.
The keys are a public contract documented in README.md ("The artifact"); bump
``FORMAT_VERSION`` when a key changes meaning or disappears (adding keys does not need it).
"""

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from export.card.schema import card_spec, is_number
from export.errors import ArtifactError

FORMAT_VERSION = 1
CARD_KEY = "model_card"
PRODUCER = "logreg-kit"
REQUIRED_KEYS = (
    "format_version",
    "producer",
    "task",
    "feature_names",
    "target_name",
    "class_labels",
    "threshold",
    "coefficients",
    "training",
    "history",
    "data",
    "versions",
)


TASKS = ("binary", "multinomial")
MAX_CLASSES = 100  # beyond this a target is almost surely a measurement, not a class


@dataclass(frozen=True)
class ModelCard:
    """The parsed card. ``weights`` is float64 ``(n_logits, n_features)`` in raw feature units
    (one logit for binary, K for multinomial), ``intercept`` float64 ``(n_logits,)``; ``threshold``
    is None for multinomial models; ``raw`` is the whole card as stored."""

    feature_names: tuple[str, ...]
    target_name: str
    class_labels: tuple[Any, ...]
    threshold: float | None
    weights: np.ndarray
    intercept: np.ndarray
    raw: dict

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_classes(self) -> int:
        return len(self.class_labels)

    @property
    def binary(self) -> bool:
        return self.n_classes == 2

    @property
    def warnings(self) -> list[str]:
        return self.raw.get("warnings", [])

    @property
    def history(self) -> dict:
        return self.raw["history"]

    # Optional sections (see export/card_schema.py): None when the card does not have them.
    @property
    def statistics(self) -> dict | None:
        return self.raw.get("statistics")

    @property
    def metrics(self) -> dict | None:
        return self.raw.get("metrics")

    @property
    def summary(self) -> dict | None:
        return self.raw.get("summary")

    @property
    def data(self) -> dict:
        return self.raw["data"]

    @property
    def example(self) -> dict[str, float]:
        """A sensible input to start from: the tutorial's x = 5, else the training means."""
        stats = self.data["features"]
        return self.raw.get("example") or {n: stats[n]["mean"] for n in self.feature_names}


def card_to_json(card: dict) -> str:
    """Serialize deterministically (sorted keys, no NaN) so the same model gives the same bytes."""
    return json.dumps(card, sort_keys=True, separators=(",", ":"), allow_nan=False)


def parse_card(text: str | None, source: str) -> ModelCard:
    """Read and check a card; every defect is an ``ArtifactError`` naming ``source``."""
    if text is None:
        raise ArtifactError(
            f"{source} has no model card in its metadata, so it was not exported by this kit; "
            "export it with `python -m training` or `python -m export`"
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ArtifactError(f"{source}: its model card is not valid JSON ({e}); re-export the model") from None
    except RecursionError:
        raise ArtifactError(
            f"{source}: its model card nests too deeply to be one of ours; re-export the model"
        ) from None
    if not isinstance(raw, dict):
        raise ArtifactError(f"{source}: its model card is not a JSON object; re-export the model")
    missing = [k for k in REQUIRED_KEYS if k not in raw]
    if missing:
        raise ArtifactError(f"{source}: its model card lacks {', '.join(missing)}; re-export the model")
    _check_header(raw, source)
    return _card_from_raw(raw, source)


def _check_header(raw: dict, source: str) -> None:
    if raw["producer"] != PRODUCER:
        raise ArtifactError(
            f"{source} was made by {raw['producer']!r}, not by this kit; export one with `python -m training`"
        )
    version = raw["format_version"]
    if not isinstance(version, int) or version < 1:
        raise ArtifactError(f"{source}: format_version {version!r} is not a positive integer; re-export the model")
    if version > FORMAT_VERSION:
        raise ArtifactError(
            f"{source} uses card format {version}, newer than this kit reads ({FORMAT_VERSION}); upgrade the kit"
        )
    if raw["task"] not in TASKS:
        raise ArtifactError(
            f"{source}: task {raw['task']!r} is not one this kit serves ({', '.join(TASKS)}); re-export the model"
        )


def _card_from_raw(raw: dict, source: str) -> ModelCard:
    names, labels = raw["feature_names"], raw["class_labels"]
    problems = []
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        problems.append("feature_names is not a non-empty list of names")
    elif len(set(names)) != len(names):
        problems.append("feature_names names a feature twice")
    binary = raw["task"] == "binary"
    if not isinstance(labels, list) or not all(isinstance(c, str | int | float) for c in labels):
        problems.append("class_labels is not a list of values")
    elif not (len(labels) == 2 if binary else 3 <= len(labels) <= MAX_CLASSES):
        problems.append(f"{len(labels)} class labels for a {raw['task']} model")
    elif len({repr(c) for c in labels}) != len(labels):
        problems.append("class_labels repeats a class")
    threshold = raw["threshold"]
    if binary and not (is_number(threshold) and 0.0 < threshold < 1.0):
        problems.append(f"threshold {threshold!r} outside (0, 1)")
    if not binary and threshold is not None:
        problems.append("a threshold for a multinomial model")
    if not problems:
        n_logits = 1 if binary else len(labels)
        problem = card_spec(tuple(names), n_logits, len(labels))(raw, "card")
        problems += [problem] if problem else []
    if problems:
        raise ArtifactError(f"{source}: its model card is inconsistent ({'; '.join(problems)}); re-export the model")
    weights = np.asarray(raw["coefficients"]["weights"], dtype=np.float64)
    intercept = np.asarray(raw["coefficients"]["intercept"], dtype=np.float64)
    threshold = None if threshold is None else float(threshold)
    return ModelCard(tuple(names), raw["target_name"], tuple(labels), threshold, weights, intercept, raw)


def build_card(fields: dict, weights: np.ndarray, intercept: np.ndarray, versions: dict[str, str]) -> dict:
    """The full card: training's ``fields`` plus the header, coefficients and library versions."""
    return {
        **fields,
        "format_version": FORMAT_VERSION,
        "producer": PRODUCER,
        "coefficients": {
            "weights": np.asarray(weights, dtype=np.float64).tolist(),
            "intercept": np.asarray(intercept, dtype=np.float64).tolist(),
        },
        "versions": versions,
    }
