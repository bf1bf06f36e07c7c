"""What training knows that the card should say: data summary, rows to plot, config, history,
metrics, statistics and warnings. Export adds the header, coefficients and versions.

It works from sums over the rows (``RowSummary``, ``RowEvaluation``), so rows in memory, a
streamed file and a torchrun job's shards describe themselves the same way.
"""

import numpy as np

from export.card.sections import (
    CategoricalFeature,
    Categories,
    DataSummary,
    Description,
    FeatureRange,
    FitSummary,
    SplitMetrics,
    StoredRows,
    TrainingSettings,
)
from export.design import Design
from export.errors import ConfigError
from export.formula.card import formula_section
from export.formula.design import FormulaDesign
from training.config import TrainConfig
from training.data.categories import codes_level_counts
from training.data.dataset import Dataset
from training.data.randomness import SAMPLE_KEYS, row_draws
from training.description.diagnostics import fit_warnings
from training.description.evaluation import evaluate_rows
from training.description.metrics import choose_threshold
from training.description.optimum import optimum_of
from training.description.separation import Separation, check_separation, small_enough
from training.description.statistics import statistics, why_no_standard_errors
from training.solvers.fit import FitResult
from training.streaming.reduce import LOCAL, Reducer
from training.streaming.rows import Rows
from training.streaming.summary import InputsSummary, RowSummary

TUTORIAL_QUERY = {"x": 5.0}  # the tutorial asks for P(y = 1 | x = 5)


def summarize(data: Dataset, seed: int, x: np.ndarray | None = None) -> RowSummary:
    """The summary of rows in memory (a stream's comes from its first pass); ``x``: of these
    columns instead of the terms (the same rows sampled)."""
    keys = row_draws(seed, SAMPLE_KEYS, np.arange(len(data.y)))
    x = data.x if x is None else x
    return RowSummary.of(x, data.y, data.weights, data.n_classes, keys, np.arange(len(data.y)))


def inputs_summary(train: Rows, summary: RowSummary, seed: int) -> InputsSummary:
    """From the rows' codes where they are kept (categorical features, formulas); else the
    features are the terms, and their summary is the inputs'."""
    design = train.inputs
    if isinstance(train, Dataset) and train.codes is not None:
        codes = summarize(train, seed, train.codes)
        counts = {f: codes_level_counts(design, train.codes, f) for f in design.categorical}
        return InputsSummary(codes, {n: design.features.index(n) for n in design.numeric}, counts, codes.sample_x)
    return InputsSummary(summary, {n: j for j, n in enumerate(design.features)}, {}, summary.sample_x)


def describe(
    train: Rows,
    valid: Rows | None,
    result: FitResult,
    query: dict[str, float] | None = None,
    weight_column: str | None = None,
    summary: RowSummary | None = None,
    reducer: Reducer = LOCAL,
    profile: bool = True,
    inputs: InputsSummary | None = None,
) -> Description:
    """The card except what export adds (format, coefficients, versions). ``summary`` is needed
    for streamed rows (computed here for a ``Dataset``); ``profile``: compute profile-likelihood
    intervals (``training.description.profile``); ``inputs``: the raw inputs' summary of streamed
    rows read as codes, with categorical features or a formula (from the stream's first pass; else
    made here)."""
    config = result.config
    summary = summary or summarize(train, config.seed)
    binary = train.n_classes == 2
    separation = Separation("not checked", 0, None)
    if config.penalization.maximum_likelihood:
        separation = separation_of(train, result)
    threshold = decision_threshold(config, valid, result, reducer) if binary else None
    wants_errors = why_no_standard_errors(config, train, result, separation) is None
    on_train = evaluate_rows(train, result, threshold, wants_errors, reducer)
    on_valid = None if valid is None else evaluate_rows(valid, result, threshold, reducer=reducer)
    stats = statistics(config, train, result, on_train, summary, separation, reducer, profile)
    n_valid_rows = 0 if on_valid is None else on_valid.metrics.rows
    weighted = train.weights_given or result.class_factors is not None
    design = train.inputs
    inputs = inputs or inputs_summary(train, summary, config.seed)
    categories = categories_of(design, inputs) if design.has_categories else None
    formula = isinstance(design, FormulaDesign)
    return Description(
        task="binary" if binary else "multinomial",
        feature_names=list(design.features),
        terms=list(design.terms) if design.has_categories or formula else None,
        categories=categories,
        formula=formula_section(design, summary.mean) if formula else None,
        target_name=train.target_name,
        class_labels=list(train.class_labels),
        threshold=threshold,
        example=checked_query(query, design) or example_input(train, inputs, categories),
        training=TrainingSettings(**config.to_dict(), loss="mean log loss" + (" (weighted)" if weighted else "")),
        summary=FitSummary(
            final_loss=result.final_loss,
            separation=separation.kind,
            **result.convergence.to_dict(),
            optimum=optimum_of(train, result, summary, reducer),
        ),
        standardization=result.standardizer.to_section(),
        statistics=stats,
        warnings=fit_warnings(config, train, result, separation, stats, summary),
        metrics=SplitMetrics(
            train=on_train.metrics.to_section(), valid=None if on_valid is None else on_valid.metrics.to_section()
        ),
        history=result.history.to_section(),
        data=data_summary(train, inputs, n_valid_rows, weight_column),
    )


def separation_of(train: Rows, result: FitResult) -> Separation:
    """Konis' test on every training row, when they are in memory and the linear programme is small
    enough (``MAX_CELLS``); otherwise not checked, and the statistics' notes say so."""
    if isinstance(train, Dataset) and small_enough(train.x, train.weights):  # before standardizing a copy
        return check_separation(result.standardizer.transform(train.x), train.y, train.n_classes, train.weights)
    return Separation("not checked", 0, None)


def decision_threshold(config: TrainConfig, valid: Rows | None, result: FitResult, reducer: Reducer) -> float:
    if config.threshold_metric is None or valid is None:
        return config.threshold
    scores = evaluate_rows(valid, result, None, reducer=reducer).metrics.scores[0]
    return choose_threshold(config.threshold_metric, scores)


def categories_of(design: Design, inputs: InputsSummary) -> Categories:
    """The categorical features' levels and each level's share of the training rows."""
    rows = inputs.summary.rows
    features = {
        f: CategoricalFeature(levels=list(design.levels[f]), shares=(inputs.counts[f] / rows).tolist())
        for f in design.categorical
    }
    return Categories(coding=design.coding, features=features)


def checked_query(query: dict[str, float | str] | None, design: Design) -> dict[str, float | str] | None:
    """``--predict``'s values: a number for a numeric feature, one of the levels for a categorical one."""
    if query is None:
        return None
    checked = {}
    for name in design.features:
        value = query[name]
        if name in design.levels:
            value = str(value if not isinstance(value, float) or not value.is_integer() else int(value))
            if value not in design.levels[name]:
                raise ConfigError(
                    f"--predict gives {name}={value}, not a level of {name!r} ({', '.join(design.levels[name][:12])})"
                )
        elif not isinstance(value, float):
            raise ConfigError(f"--predict gives {name}={value}; {name!r} is numeric: give a number")
        checked[name] = value
    return checked


def example_input(rows: Rows, inputs: InputsSummary, categories: Categories | None = None) -> dict[str, float | str]:
    """The input the CLI reports and the page starts from: the tutorial's x = 5, else the numeric
    features' means and the categorical ones' most common levels."""
    if rows.source == "tutorial":
        return dict(TUTORIAL_QUERY)
    example = {}
    for name in rows.inputs.features:
        if name in rows.inputs.levels:
            example[name] = categories.features[name].most_common
        else:
            example[name] = float(f"{inputs.summary.mean[inputs.column[name]]:.6g}")  # as typed
    return example


def data_summary(train: Rows, inputs: InputsSummary, n_valid_rows: int, weight_column: str | None) -> DataSummary:
    """Row counts, per-feature min/max/mean of the training rows (numeric features), and a seeded
    sample of them (as codes: ``export.design``)."""
    summary = inputs.summary
    return DataSummary(
        source=train.source,
        n_rows=summary.rows,
        n_valid_rows=n_valid_rows,
        dropped_rows=train.dropped_rows,
        weight_column=weight_column,
        class_counts=summary.class_counts.tolist(),
        features={
            name: FeatureRange(
                min=float(summary.minimum[t]), max=float(summary.maximum[t]), mean=float(summary.mean[t])
            )
            for name, t in inputs.column.items()
        },
        rows=StoredRows(x=inputs.sample_codes.tolist(), y=summary.sample_y.tolist()),
    )
