"""The model card: the JSON document stored in the ONNX file's metadata under ``model_card``.

This module is the one place that writes (``card_to_json``) and reads (``parse_card``) it.
The keys are a public contract documented in README.md ("The artifact"); bump
``FORMAT_VERSION`` when a key changes meaning or disappears (adding keys does not need it).
"""

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

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
    try:
        names = tuple(str(n) for n in raw["feature_names"])
        weights = np.asarray(raw["coefficients"]["weights"], dtype=np.float64)
        intercept = np.asarray(raw["coefficients"]["intercept"], dtype=np.float64)
        threshold = None if raw["threshold"] is None else float(raw["threshold"])
        labels = tuple(raw["class_labels"])
        features = raw["data"]["features"]
    except (KeyError, TypeError, ValueError) as e:
        raise ArtifactError(f"{source}: its model card is malformed ({e!r}); re-export the model") from None
    binary = raw["task"] == "binary"
    logits = 1 if binary else len(labels)
    problems = []
    if not names:
        problems.append("no feature names")
    if (binary and len(labels) != 2) or (not binary and len(labels) < 3):
        problems.append(f"{len(labels)} class labels for a {raw['task']} model")
    if weights.shape != (logits, len(names)) or intercept.shape != (logits,):
        problems.append(f"coefficients of shape {weights.shape}/{intercept.shape} for {len(names)} features")
    if binary and (threshold is None or not 0.0 < threshold < 1.0):
        problems.append(f"threshold {threshold} outside (0, 1)")
    if any(n not in features for n in names):
        problems.append("feature statistics missing")
    if problems:
        raise ArtifactError(f"{source}: its model card is inconsistent ({'; '.join(problems)}); re-export the model")
    return ModelCard(names, str(raw["target_name"]), labels, threshold, weights, intercept, raw)


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
