"""The model card: the JSON document stored in the ONNX file's metadata under ``model_card``.

This module is the one place that writes (``card_to_json``) and reads (``parse_card``) it; its
sections are defined, field by field with their checks, in ``export.card.sections``. The keys are
a public contract documented in README.md ("The artifact"); bump ``FORMAT_VERSION`` when a key
changes meaning or disappears (adding keys does not need it).

Format 2 (cards of models with categorical features): ``terms`` and ``categories`` say how the
inputs become the coefficients' columns (``export.design``); the coefficients, standardization,
history and coefficient table are per term; ``data.features`` holds the numeric features' ranges;
stored rows hold a level's index for a categorical feature; ``example`` a level. A model with
numeric features only is still written as format 1, unchanged.

Format 3 (cards whose statistics hold a covariance, or a multinomial coefficient table): the graph
has the ``probability_low`` and ``probability_high`` outputs, computed from
``statistics.covariance``; a multinomial table holds each class but the first relative to the first.
Other cards keep formats 1 and 2 and their bytes.

Format 4 (formula models): ``formula`` holds the design (``export.formula``): the formula, its
factors (a spline's knots and basis) and terms; ``terms`` are the columns they make; stored rows
and ``example`` hold the raw inputs; ``statistics.term_tests`` test each outermost term. Cards
without a formula keep their formats and bytes.
"""

import json
from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from export.card.schema import is_number, record, shown
from export.card.sections import Categories, Coefficients, Description, Formula, Shape, entry
from export.design import Design, level_text
from export.errors import ArtifactError, first_line
from export.formula.card import design_of
from export.formula.design import FormulaDesign

FORMAT_VERSION = 4
FORMULA_FORMAT = 4  # what a formula model is written as
INTERVAL_FORMAT = 3  # ... and a model without a formula whose card holds a covariance
NUMERIC_FORMAT = 1  # what a model without categorical features is written as
CATEGORICAL_FORMAT = 2  # ... and a model with them, when neither has what format 3 adds
CARD_KEY = "model_card"
PRODUCER = "logreg-kit"
TASKS = ("binary", "multinomial")
MAX_CLASSES = 100  # beyond this a target is almost surely a measurement, not a class


@dataclass(frozen=True, kw_only=True)
class ModelCard(Description):
    """The whole card: training's ``Description`` plus what export adds. As read, ``feature_names``
    and ``class_labels`` are tuples, and a card without ``example`` or ``warnings`` (another
    tool's) starts the page at the training means, with no warnings."""

    format_version: int = entry()
    producer: str = entry()
    coefficients: Coefficients = entry(section=Coefficients)
    versions: dict = entry(record({}))

    def __post_init__(self) -> None:
        fill = object.__setattr__  # a frozen dataclass: set once, here
        fill(self, "feature_names", tuple(self.feature_names))
        fill(self, "class_labels", tuple(self.class_labels))
        if self.example is None:
            fill(self, "example", {n: self._typical(n) for n in self.feature_names})
        if self.warnings is None:
            fill(self, "warnings", [])

    def _typical(self, name: str) -> float | str:
        """A numeric feature's training mean; a categorical one's most common level."""
        if name in self.design.levels:
            return self.categories.features[name].most_common
        return self.data.features[name].mean

    @cached_property
    def design(self) -> Design | FormulaDesign:
        """How the inputs become the coefficients' columns (``export.design``; a formula model's:
        ``export.formula.design``)."""
        levels = {} if self.categories is None else {n: tuple(f.levels) for n, f in self.categories.features.items()}
        if self.formula is not None:
            return design_of(self.formula, self.feature_names, levels)
        if self.categories is None:
            return Design(self.feature_names)
        return Design(self.feature_names, levels, self.categories.coding)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_terms(self) -> int:
        return len(self.feature_names if self.terms is None else self.terms)

    @property
    def n_classes(self) -> int:
        return len(self.class_labels)

    @property
    def binary(self) -> bool:
        return self.n_classes == 2

    @property
    def weights(self) -> np.ndarray:
        """float64 (L, terms) in raw feature units: one logit for binary, K for multinomial."""
        return np.asarray(self.coefficients.weights, dtype=np.float64)

    @property
    def intercept(self) -> np.ndarray:
        """float64 (L,)."""
        return np.asarray(self.coefficients.intercept, dtype=np.float64)

    @property
    def covariance(self) -> np.ndarray | None:
        """float64, the covariance of the coefficient table's rows (``statistics.covariance``), or
        None for a card without one: its graph serves no interval."""
        stats = self.statistics
        return None if stats is None or stats.covariance is None else np.asarray(stats.covariance, dtype=np.float64)


HEADER = ("format_version", "producer")  # said first when missing: without them nothing else is ours
REQUIRED_KEYS = HEADER + tuple(
    f.name for f in fields(ModelCard) if not f.metadata["card"].optional and f.name not in HEADER
)


def card_to_json(card: ModelCard) -> str:
    """Serialize deterministically (sorted keys, no NaN) so the same model gives the same bytes."""
    return json.dumps(card.to_json(), sort_keys=True, separators=(",", ":"), allow_nan=False)


def build_card(description: Description, weights: np.ndarray, intercept: np.ndarray, versions: dict) -> ModelCard:
    """The full card: training's ``description`` plus the header, coefficients and library versions."""
    coefficients = Coefficients(
        weights=np.asarray(weights, dtype=np.float64).tolist(),
        intercept=np.asarray(intercept, dtype=np.float64).tolist(),
    )
    given = {f.name: getattr(description, f.name) for f in fields(Description)}
    version = NUMERIC_FORMAT if description.categories is None else CATEGORICAL_FORMAT
    if intervals_in(description):
        version = INTERVAL_FORMAT
    if description.formula is not None:
        version = FORMULA_FORMAT
    return ModelCard(**given, format_version=version, producer=PRODUCER, coefficients=coefficients, versions=versions)


def intervals_in(description: Description) -> bool:
    """Whether the card holds what format 3 adds: a covariance (the graph serves intervals) or a
    multinomial coefficient table."""
    stats = description.statistics
    return stats is not None and (
        stats.covariance is not None or (stats.coefficients is not None and stats.coefficients.classes is not None)
    )


def parse_card(text: str | None, source: str) -> ModelCard:
    """Read and check a card; every defect is an ``ArtifactError`` naming ``source``."""
    if text is None:
        raise ArtifactError(
            f"{source} has no model card in its metadata, so it was not exported by this kit; "
            "export it with `python -m training` or `python -m export`"
        )
    try:
        raw = json.loads(text)
    except ValueError as e:  # JSONDecodeError, and an integer of more than 4,300 digits
        problem = first_line(e)
        raise ArtifactError(f"{source}: its model card is not valid JSON ({problem}); re-export the model") from None
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
            f"{source} was made by {shown(raw['producer'])}, not by this kit; export one with `python -m training`"
        )
    version = raw["format_version"]
    if not isinstance(version, int) or version < 1:
        raise ArtifactError(f"{source}: format_version {shown(version)} is not a positive integer; re-export the model")
    if version > FORMAT_VERSION:
        raise ArtifactError(
            f"{source} uses card format {version}, newer than this kit reads ({FORMAT_VERSION}); upgrade the kit"
        )
    if raw["task"] not in TASKS:
        raise ArtifactError(
            f"{source}: task {shown(raw['task'])} is not one this kit serves ({', '.join(TASKS)}); re-export the model"
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
        problems.append(f"threshold {shown(threshold)} outside (0, 1)")
    if not binary and threshold is not None:
        problems.append("a threshold for a multinomial model")
    if not problems:
        shape, problem = _shape(raw, tuple(names), 1 if binary else len(labels), len(labels))
        problems += [problem] if problem else []
    if not problems:
        # the coefficients first: they are what the graph must compute, so theirs is the defect to name
        coefficients = Coefficients.spec(shape)(raw["coefficients"], "card.coefficients")
        problem = coefficients or ModelCard.spec(shape)(raw, "card")
        problems += [problem] if problem else []
    card = None if problems else ModelCard.from_json(raw)
    if card is not None and card.format_version < INTERVAL_FORMAT and intervals_in(card):
        problems.append(f"a covariance or a multinomial coefficient table in a format-{card.format_version} card")
    if problems:
        raise ArtifactError(f"{source}: its model card is inconsistent ({'; '.join(problems)}); re-export the model")
    return card


def _shape(raw: dict, names: tuple[str, ...], n_logits: int, n_classes: int) -> tuple[Shape, str | None]:
    """The model's shape from its features and, in a format-2 card, its categories and terms (checked
    first: every other section is sized by them); in a format-4 card, its formula too."""
    categories, terms = raw.get("categories"), raw.get("terms")
    if "formula" in raw:
        return _formula_shape(raw, names, n_logits, n_classes)
    if categories is None and terms is None:
        return Shape(names, n_logits, n_classes), None
    if raw["format_version"] < CATEGORICAL_FORMAT:
        return Shape(names, n_logits, n_classes), f"categories in a format-{raw['format_version']} card"
    levels, problem = _levels(raw, names, n_logits, n_classes)
    if problem or not levels:
        return Shape(names, n_logits, n_classes), problem or "categories.features does not name some of the features"
    expected = Design(names, levels, categories["coding"]).terms
    if terms != list(expected):
        return Shape(names, n_logits, n_classes), "terms do not follow from the features and their levels"
    return Shape(names, n_logits, n_classes, expected, levels), None


def _levels(raw: dict, names: tuple[str, ...], n_logits: int, n_classes: int) -> tuple[dict, str | None]:
    """The categorical features' levels (checked), from a card's ``categories``."""
    categories = raw.get("categories")
    if categories is None and "formula" in raw:  # a formula model may have no categorical feature
        return {}, None
    named = categories.get("features") if isinstance(categories, dict) else None
    if not isinstance(named, dict) or not named or not set(named) <= set(names):
        return {}, "categories.features does not name some of the features"
    problem = Categories.spec(Shape(names, n_logits, n_classes, levels={n: () for n in named}))(
        categories, "card.categories"
    )
    if problem:
        return {}, problem
    levels = {n: tuple(named[n]["levels"]) for n in names if n in named}
    if any(len(set(v)) != len(v) or list(v) != [level_text(x) for x in v] for v in levels.values()):
        return {}, "a categorical feature repeats a level or writes one unevenly"
    return levels, None


def _formula_shape(raw: dict, names: tuple[str, ...], n_logits: int, n_classes: int) -> tuple[Shape, str | None]:
    """A formula model's shape: its levels, then its formula section made into a design whose
    columns must be the card's ``terms``."""
    plain = Shape(names, n_logits, n_classes)
    if raw["format_version"] < FORMULA_FORMAT:
        return plain, f"a formula in a format-{raw['format_version']} card"
    levels, problem = _levels(raw, names, n_logits, n_classes)
    if problem:
        return plain, problem
    problem = Formula.spec(plain)(raw["formula"], "card.formula")
    if problem:
        return plain, problem
    try:
        design = design_of(Formula.from_json(raw["formula"]), names, levels)
        expected = design.terms
    except ValueError as e:
        return plain, str(e)
    if raw.get("terms") != list(expected):
        return plain, "terms do not follow from the formula"
    return Shape(names, n_logits, n_classes, expected, levels, design.tested_terms), None
