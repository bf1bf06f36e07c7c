"""The model card, typed: one dataclass per section, each field declared with the JSON check it
must pass. This is the card's one definition: ``Section.spec`` derives the check of a whole section
from its fields, ``from_json`` reads a checked section, ``to_json`` writes one (keys in field
order, JSON values kept as they are, so the same fit gives the same bytes).

Checks that depend on the model (d features, L logits: 1 binary, K multinomial; K classes) are
given as ``sized=lambda shape: spec``. Fields marked ``optional`` may be absent (cards written by
other tools or older kits) and read as None; a None is written as null only in ``nullable`` fields,
elsewhere the key is left out. Keys the contract does not name are allowed (adding keys does not change
``format_version``).
"""

from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, Self

import numpy as np

from export.card.schema import (
    Spec,
    boolean,
    first_problem,
    index_below,
    integer,
    is_number,
    items_each,
    keyed_by,
    list_of,
    matrix,
    nullable,
    number,
    record,
    same_lengths,
    shown,
    text,
)
from export.design import CODINGS
from export.formula.design import KINDS as FACTOR_KINDS


@dataclass(frozen=True)
class Shape:
    """The model a card describes: its feature names, logit count L and class count K; its terms
    (the columns the coefficients multiply: ``export.design``) and categorical features' levels,
    for a model with categorical features (else the terms are the features)."""

    names: tuple[str, ...]
    n_logits: int
    n_classes: int
    terms: tuple[str, ...] | None = None
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tested_terms: tuple[str, ...] = ()  # a formula model's terms that drop1 tests

    @property
    def d(self) -> int:
        return len(self.names)

    @property
    def n_terms(self) -> int:
        return len(self.names if self.terms is None else self.terms)

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if n in self.levels)

    @property
    def numeric(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if n not in self.levels)


@dataclass(frozen=True)
class Entry:
    """How one field appears in the JSON; see the module docstring."""

    spec: Spec | None = None
    sized: Callable[[Shape], Spec] | None = None
    section: type["Section"] | None = None
    many: bool = False  # a list of ``section``
    keyed: str | None = None  # an object of ``section`` keyed by the names ``Shape.<keyed>`` holds
    optional: bool = False
    nullable: bool = False

    def check(self, shape: Shape) -> Spec:
        if self.section is not None:
            spec = self.section.spec(shape)
            spec = list_of(spec) if self.many else keyed_by(getattr(shape, self.keyed), spec) if self.keyed else spec
        else:
            spec = self.sized(shape) if self.sized else self.spec or _accepted
        return nullable(spec) if self.nullable else spec

    def read(self, value: Any) -> Any:
        if self.section is None or value is None:
            return value
        if self.many:
            return [self.section.from_json(v) for v in value]
        if self.keyed:
            return {k: self.section.from_json(v) for k, v in value.items()}
        return self.section.from_json(value)

    def write(self, value: Any) -> Any:
        if isinstance(value, tuple):  # the reader's tuples (feature names, class labels) are JSON lists
            return list(value)
        if self.section is None or value is None:
            return value
        if self.many:
            return [v.to_json() for v in value]
        if self.keyed:
            return {k: v.to_json() for k, v in value.items()}
        return value.to_json()


def _accepted(value: object, path: str) -> str | None:
    """For fields checked before the rest (the card's header, in ``model_card``)."""
    return None


def entry(spec: Spec | None = None, **how: Any) -> Any:
    """A section field; optional fields default to None."""
    how_ = Entry(spec, **how)
    default = None if how_.optional else MISSING
    return field(default=default, metadata={"card": how_})


class Section:
    """Base of the card's sections (dataclasses whose fields are declared with ``entry``)."""

    parallel: ClassVar[tuple[str, ...]] = ()  # lists that must be as long as each other

    @classmethod
    def spec(cls, shape: Shape) -> Spec:
        required, optional = {}, {}
        for f in fields(cls):  # type: ignore[arg-type]
            how: Entry = f.metadata["card"]
            (optional if how.optional else required)[f.name] = how.check(shape)
        spec = record(required, optional)
        spec = same_lengths(spec, cls.parallel) if cls.parallel else spec
        return lambda value, path: spec(value, path) or cls.consistent(value, path)

    @classmethod
    def consistent(cls, value: dict, path: str) -> str | None:
        """A rule across the section's fields, checked once each field has passed its own."""
        return None

    @classmethod
    def from_json(cls, value: dict) -> Self:
        """The section from its checked JSON object (absent optional keys read as None)."""
        return cls(**{f.name: f.metadata["card"].read(value[f.name]) for f in fields(cls) if f.name in value})  # type: ignore[arg-type]

    def to_json(self) -> dict:
        out = {}
        for f in fields(self):  # type: ignore[arg-type]
            how: Entry = f.metadata["card"]
            value = getattr(self, f.name)
            if value is not None or how.nullable:  # None: null where the contract allows it, else no key
                out[f.name] = how.write(value)
        return out


@dataclass(frozen=True, kw_only=True)
class Coefficients(Section):
    """Raw feature units: ``weights`` (L, terms), ``intercept`` (L,)."""

    weights: list[list[float]] = entry(sized=lambda s: matrix(s.n_logits, s.n_terms))
    intercept: list[float] = entry(sized=lambda s: list_of(number, s.n_logits))


@dataclass(frozen=True, kw_only=True)
class LossHistory(Section):
    """The objective and raw-unit parameters after each recorded step (the page's epoch slider):
    ``epoch[i]`` steps taken (0 is before the first), ``weights[i]`` (L, terms), ``intercept[i]`` (L,)."""

    parallel = ("epoch", "loss", "weights", "intercept")
    epoch: list[int] = entry(list_of(integer, at_least=1))
    loss: list[float] = entry(list_of(number))
    weights: list[list[list[float]]] = entry(sized=lambda s: list_of(matrix(s.n_logits, s.n_terms)))
    intercept: list[list[float]] = entry(sized=lambda s: list_of(list_of(number, s.n_logits)))


def _codes_row(s: Shape) -> Spec:
    """One stored row: a number per numeric feature, a level's index per categorical one."""
    return items_each([_level_index(len(s.levels[n])) if n in s.levels else number for n in s.names])


def _level_index(count: int) -> Spec:
    def check(value: object, path: str) -> str | None:
        whole = is_number(value) and float(value).is_integer()
        return None if whole and 0 <= value < count else f"{path} is {shown(value)}, not a level's index below {count}"

    return check


def _example(s: Shape) -> Spec:
    """The page's starting input: a number per numeric feature, one of the levels per categorical one."""

    def check(value: object, path: str) -> str | None:
        problem = keyed_by(s.names, _accepted)(value, path)
        return problem or first_problem(_input_value(s, n, value[n], f"{path}.{n}") for n in s.names)

    return check


def _input_value(s: Shape, name: str, value: object, path: str) -> str | None:
    if name not in s.levels:
        return number(value, path)
    return None if value in s.levels[name] else f"{path} is {shown(value)}, not one of its levels"


@dataclass(frozen=True, kw_only=True)
class CategoricalFeature(Section):
    """A categorical feature's levels (text, sorted: ``export.design``) and each level's share of
    the training rows (weighted by the sample weights when given)."""

    parallel = ("levels", "shares")
    levels: list[str] = entry(list_of(text, at_least=1))
    shares: list[float] = entry(list_of(number))

    @property
    def most_common(self) -> str:
        return self.levels[int(np.argmax(self.shares))]


@dataclass(frozen=True, kw_only=True)
class Categories(Section):
    """The categorical features and how their levels are coded (``export.design.CODINGS``)."""

    coding: str = entry(lambda v, path: None if v in CODINGS else f"{path} is {shown(v)}, not one of {CODINGS}")
    features: dict[str, CategoricalFeature] = entry(section=CategoricalFeature, keyed="categorical")


def _product(value: object, path: str) -> str | None:
    """One product of a formula term: [factor index, reduced] pairs."""
    pair = list_of(lambda v, p: None, 2)
    problem = list_of(pair, at_least=1)(value, path)
    if problem:
        return problem
    for j, (index, reduced) in enumerate(value):
        problem = integer(index, f"{path}[{j}][0]") or boolean(reduced, f"{path}[{j}][1]")
        if problem:
            return problem
    return None


@dataclass(frozen=True, kw_only=True)
class FormulaFactor(Section):
    """A factor of a formula model (``export.formula.design.Factor``): a spline's ``knots`` as its
    formula library chose them, and its basis as ``breaks`` and ``pieces`` (``export.formula.pieces``)."""

    label: str = entry(text)
    kind: str = entry(lambda v, path: None if v in FACTOR_KINDS else f"{path} is {shown(v)}, not one of {FACTOR_KINDS}")
    source: str = entry(text)
    # a number's or a spline argument's expression as JSON (``export.formula.expression.to_json``)
    tree: list | None = entry(optional=True)
    knots: list[float] | None = entry(list_of(number), optional=True)
    breaks: list[float] | None = entry(list_of(number, at_least=2), optional=True)
    pieces: list[list[list[float]]] | None = entry(list_of(list_of(list_of(number))), optional=True)


@dataclass(frozen=True, kw_only=True)
class FormulaTerm(Section):
    """A formula term: its ``label`` and its products of factors (``export.formula.design.Term``)."""

    label: str = entry(text)
    products: list[list[list]] = entry(list_of(_product, at_least=1))


@dataclass(frozen=True, kw_only=True)
class Formula(Section):
    """A formula model's design (format 4): the formula as written, its factors and terms; the
    card's ``terms`` are the columns they make."""

    text: str = entry(text)
    factors: list[FormulaFactor] = entry(section=FormulaFactor, many=True)
    terms: list[FormulaTerm] = entry(section=FormulaTerm, many=True)
    # each column's mean over the training rows: the explanation's reference point (``export.explain``)
    means: list[float] = entry(list_of(number))


@dataclass(frozen=True, kw_only=True)
class FeatureRange(Section):
    min: float = entry(number)
    max: float = entry(number)
    mean: float = entry(number)

    @classmethod
    def consistent(cls, value: dict, path: str) -> str | None:
        return None if value["min"] <= value["max"] else f"{path}.min is above its max"


@dataclass(frozen=True, kw_only=True)
class StoredRows(Section):
    """A seeded sample of training rows for the page's charts: ``x`` (n, d) raw, a categorical
    feature's column holding its level's index (``export.design``'s codes); ``y`` class indices."""

    parallel = ("x", "y")
    x: list[list[float]] = entry(sized=lambda s: list_of(_codes_row(s)))
    y: list[int] = entry(sized=lambda s: list_of(index_below(s.n_classes)))


@dataclass(frozen=True, kw_only=True)
class DataSummary(Section):
    """The training data: where from, row counts, each feature's range, and rows to plot."""

    source: str = entry(text)
    n_rows: int = entry(integer)
    n_valid_rows: int | None = entry(integer, optional=True)
    dropped_rows: int | None = entry(integer, optional=True)
    weight_column: str | None = entry(text, optional=True, nullable=True)
    class_counts: list[int] = entry(sized=lambda s: list_of(integer, s.n_classes))
    features: dict[str, FeatureRange] = entry(section=FeatureRange, keyed="numeric")  # numeric features only
    rows: StoredRows = entry(section=StoredRows)

    def ranges(self, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(min, max, mean) of the features ``names``, each float64 (d,)."""
        extents = [self.features[name] for name in names]
        return tuple(np.array([getattr(e, part) for e in extents], dtype=np.float64) for part in ("min", "max", "mean"))

    def stored_x(self, d: int) -> np.ndarray:
        """The stored training rows, float64 (n, d)."""
        return np.asarray(self.rows.x, dtype=np.float64).reshape(-1, d)


@dataclass(frozen=True, kw_only=True)
class Standardization(Section):
    """The terms' mean and scale the fit standardized with (folded into the coefficients)."""

    mean: list[float] = entry(sized=lambda s: list_of(number, s.n_terms))
    scale: list[float] = entry(sized=lambda s: list_of(number, s.n_terms))


@dataclass(frozen=True, kw_only=True)
class Optimum(Section):
    """The optimum of the fit's own objective, where the run stopped short of it (SGD or Adam
    epochs, an iteration limit): raw-unit ``weights`` (L, terms) and ``intercept`` (L,) that the
    exact solver (L-BFGS, to the run's tolerance) reached after the run, and their ``objective``."""

    weights: list[list[float]] = entry(sized=lambda s: matrix(s.n_logits, s.n_terms))
    intercept: list[float] = entry(sized=lambda s: list_of(number, s.n_logits))
    objective: float = entry(number)


@dataclass(frozen=True, kw_only=True)
class FitSummary(Section):
    """How the fit ended; every key optional (older cards lack some). ``optimum``: where the run
    stopped short of its objective's optimum, that optimum (absent otherwise, and from older cards)."""

    final_loss: float | None = entry(number, optional=True, nullable=True)
    separation: str | None = entry(text, optional=True)
    converged: bool | None = entry(boolean, optional=True)
    iterations: int | None = entry(integer, optional=True)
    evaluations: int | None = entry(integer, optional=True)
    gradient_norm: float | None = entry(number, optional=True, nullable=True)
    objective: float | None = entry(number, optional=True, nullable=True)
    tol: float | None = entry(number, optional=True, nullable=True)
    stop: str | None = entry(text, optional=True)  # what ended the run (training.solvers.optimizers.Convergence)
    optimum: Optimum | None = entry(section=Optimum, optional=True)


@dataclass(frozen=True, kw_only=True)
class LRTest(Section):
    """The likelihood-ratio test against the intercept-only model."""

    statistic: float = entry(number)
    df: int = entry(integer)
    p_value: float = entry(number)


def n_coefficient_rows(s: Shape) -> int:
    """The rows of a coefficient table: the intercept and each term, once for a binary model and
    once per class but the first for a multinomial one (each relative to the first class)."""
    return (s.n_terms + 1) * max(s.n_classes - 1, 1)


def _per_term(s: Shape) -> Spec:
    return list_of(nullable(number), n_coefficient_rows(s))


@dataclass(frozen=True, kw_only=True)
class CoefficientTable(Section):
    """Wald inference per raw-unit coefficient, and where computed the profile-likelihood interval:
    the intercept, then one row per term. Multinomial
    (format 3): the rows of each class but the first,
    relative to the first (statsmodels' MNLogit, R's multinom), class by class; ``classes`` names
    each row's class."""

    parallel = ("terms", "estimate", "std_error", "z", "p_value", "ci_low", "ci_high")
    terms: list[str] = entry(sized=lambda s: list_of(text, n_coefficient_rows(s)))
    classes: list[str] | None = entry(sized=lambda s: list_of(text, n_coefficient_rows(s)), optional=True)
    estimate: list[float | None] = entry(sized=_per_term)
    std_error: list[float | None] = entry(sized=_per_term)
    z: list[float | None] = entry(sized=_per_term)
    p_value: list[float | None] = entry(sized=_per_term)
    ci_low: list[float | None] = entry(sized=_per_term)
    ci_high: list[float | None] = entry(sized=_per_term)
    # the 95% profile-likelihood interval (penalized, for Firth fits); null where an end does not exist
    profile_low: list[float | None] | None = entry(sized=_per_term, optional=True)
    profile_high: list[float | None] | None = entry(sized=_per_term, optional=True)


@dataclass(frozen=True, kw_only=True)
class Statistics(Section):
    """Log-likelihoods, and where the fit is a maximum-likelihood one the LR test, McFadden's R^2
    and the model comparison numbers (R's ``glm``: ``deviance`` -2 log L, ``null_deviance`` the
    intercept-only model's, ``aic`` deviance + 2k, ``bic`` deviance + k log n, k the estimated
    coefficients, n the training rows; absent from earlier cards); the coefficient table where
    honest; ``notes`` say what is not shown and why; ``aliased`` the features the data cannot
    determine (left out of the fit, no estimate in the table)."""

    log_likelihood: float = entry(number)
    null_log_likelihood: float = entry(number)
    notes: list[str] = entry(list_of(text))
    lr_test: LRTest | None = entry(section=LRTest, optional=True)
    mcfadden_r2: float | None = entry(number, optional=True)
    deviance: float | None = entry(number, optional=True)
    null_deviance: float | None = entry(number, optional=True)
    aic: float | None = entry(number, optional=True)
    bic: float | None = entry(number, optional=True)
    coefficients: CoefficientTable | None = entry(section=CoefficientTable, optional=True)
    # the covariance of the coefficient table's rows, in their order (raw units; 0 for an aliased term)
    covariance: list[list[float]] | None = entry(
        sized=lambda s: matrix(n_coefficient_rows(s), n_coefficient_rows(s)), optional=True
    )
    aliased: list[str] | None = entry(list_of(text), optional=True)
    # per categorical feature: the LR test of leaving out all its terms (R's drop1)
    feature_tests: dict[str, LRTest] | None = entry(section=LRTest, keyed="categorical", optional=True)
    # a formula model's: per term not inside a larger one, the LR test of leaving out its columns (R's drop1)
    term_tests: dict[str, LRTest] | None = entry(section=LRTest, keyed="tested_terms", optional=True)


@dataclass(frozen=True, kw_only=True)
class CalibrationBin(Section):
    low: float = entry(number)
    high: float = entry(number)
    count: int = entry(integer)
    mean_predicted: float | None = entry(number, optional=True, nullable=True)
    observed: float | None = entry(number, optional=True, nullable=True)


@dataclass(frozen=True, kw_only=True)
class Metrics(Section):
    """Metrics on one set of rows. ``brier_score`` is scikit-learn's ``brier_score_loss``: binary,
    the mean of (P(class 1) - y)²; multinomial, the mean over rows of the sum over classes. ``brier``
    (kept for readers of earlier cards) sums over the classes in both cases, so for a binary model
    it is twice ``brier_score``; cards written before ``brier_score`` existed lack it."""

    rows: int = entry(integer)
    log_loss: float = entry(number)
    accuracy: float = entry(number)
    roc_auc: float | None = entry(number, optional=True, nullable=True)
    brier: float = entry(number)
    brier_score: float | None = entry(number, optional=True)
    confusion_matrix: list[list[int]] = entry(sized=lambda s: matrix(s.n_classes, s.n_classes, integer))
    calibration: list[CalibrationBin] = entry(section=CalibrationBin, many=True)


def brier_score(metrics: Metrics, binary: bool) -> float:
    """scikit-learn's Brier score of ``metrics``, from an earlier card's ``brier`` where it lacks one."""
    if metrics.brier_score is not None:
        return metrics.brier_score
    return metrics.brier / 2 if binary else metrics.brier


@dataclass(frozen=True, kw_only=True)
class SplitMetrics(Section):
    train: Metrics = entry(section=Metrics)
    valid: Metrics | None = entry(section=Metrics, optional=True, nullable=True)

    def splits(self) -> dict[str, Metrics]:
        """The sets of rows measured: train, and valid when there were validation rows."""
        return {name: m for name, m in (("train", self.train), ("valid", self.valid)) if m is not None}


@dataclass(frozen=True, kw_only=True)
class TrainingSettings(Section):
    """How the model was fitted: the command line's fitting options (``training.config.TrainConfig``)
    and the ``loss`` it minimized. Every key is optional: earlier cards lack the later options."""

    optimizer: str | None = entry(text, optional=True)
    lr: float | None = entry(number, optional=True)
    epochs: int | None = entry(integer, optional=True)
    batch_size: int | None = entry(integer, optional=True, nullable=True)  # null: full batch
    seed: int | None = entry(integer, optional=True)
    threshold: float | None = entry(number, optional=True)
    threshold_metric: str | None = entry(text, optional=True, nullable=True)
    tol: float | None = entry(number, optional=True, nullable=True)
    max_iter: int | None = entry(integer, optional=True)
    l2: float | None = entry(number, optional=True)
    penalty: str | None = entry(text, optional=True)
    standardize: bool | None = entry(boolean, optional=True)
    class_weight: str | None = entry(text, optional=True)
    valid_fraction: float | None = entry(number, optional=True)
    loss: str | None = entry(text, optional=True)


@dataclass(frozen=True, kw_only=True)
class Description(Section):
    """What training knows about a fit: everything in the card but the header, coefficients and
    library versions, which export adds (``ModelCard``). The checkpoint stores this part."""

    task: str = entry()  # the header's fields are checked first, in ``model_card``
    feature_names: list[str] = entry(sized=lambda s: list_of(text, s.d))
    # present when some features are categorical (format_version 2): the coefficients' columns
    terms: list[str] | None = entry(sized=lambda s: list_of(text, s.n_terms), optional=True)
    categories: Categories | None = entry(section=Categories, optional=True)
    # a formula model's design (format_version 4)
    formula: Formula | None = entry(section=Formula, optional=True)
    target_name: str = entry(text)
    class_labels: list = entry()
    threshold: float | None = entry(nullable=True)  # null for multinomial models
    # a number per numeric feature, a level per categorical one
    example: dict[str, float | str] | None = entry(sized=_example, optional=True)
    training: TrainingSettings = entry(section=TrainingSettings)
    summary: FitSummary | None = entry(section=FitSummary, optional=True)
    standardization: Standardization | None = entry(section=Standardization, optional=True, nullable=True)
    statistics: Statistics | None = entry(section=Statistics, optional=True)
    warnings: list[str] | None = entry(list_of(text), optional=True)
    metrics: SplitMetrics | None = entry(section=SplitMetrics, optional=True)
    history: LossHistory = entry(section=LossHistory)
    data: DataSummary = entry(section=DataSummary)
