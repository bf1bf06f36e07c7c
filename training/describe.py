"""What training knows that the card should say: data summary, rows to plot, config, history,
metrics, statistics and warnings. Export adds the header, coefficients and versions."""

import numpy as np

from export.parity import probabilities64
from training.config import TrainConfig
from training.data import Dataset
from training.diagnostics import fit_warnings
from training.fit import FitResult
from training.history import parameters
from training.metrics import choose_threshold, classification_metrics
from training.model import LogisticRegression
from training.separation import Separation, check_separation
from training.statistics import statistics

MAX_PLOT_ROWS = 1000
TUTORIAL_QUERY = {"x": 5.0}  # the tutorial asks for P(y = 1 | x = 5)


def predict64(model: LogisticRegression, x: np.ndarray) -> np.ndarray:
    """(n, K) class probabilities in float64 from a raw-unit model."""
    weights, intercept = parameters(model)
    logits = x @ weights.T + intercept
    return probabilities64(logits[:, 0] if model.n_classes == 2 else logits)


def describe(
    config: TrainConfig,
    train: Dataset,
    valid: Dataset | None,
    result: FitResult,
    query: dict[str, float] | None = None,
    weight_column: str | None = None,
) -> dict:
    """The card's fields except those export adds (format, coefficients, versions)."""
    config = config.for_data(train.x.dtype)
    binary = train.n_classes == 2
    p_train = predict64(result.model, train.x)
    p_valid = None if valid is None else predict64(result.model, valid.x)
    threshold = decision_threshold(config, valid, p_valid) if binary else None
    separation = Separation("not checked", 0, None)
    if config.l2 == 0 and config.penalty == "none":
        separation = check_separation(
            result.standardizer.transform(train.x), train.y, train.n_classes, result.row_weights
        )
    stats = statistics(config, train, result, p_train, separation)
    return {
        "task": "binary" if binary else "multinomial",
        "feature_names": list(train.feature_names),
        "target_name": train.target_name,
        "class_labels": list(train.class_labels),
        "threshold": threshold,
        "example": query or example_input(train),
        "training": {
            **config.to_dict(),
            "loss": "mean log loss" + (" (weighted)" if result.row_weights is not None else ""),
        },
        "summary": {"final_loss": result.final_loss, "separation": separation.kind, **result.convergence.to_dict()},
        "standardization": result.standardizer.to_dict(),
        "statistics": stats,
        "warnings": fit_warnings(config, train, result, separation, stats),
        "metrics": {
            "train": classification_metrics(p_train, train.y, threshold),
            "valid": None if valid is None else classification_metrics(p_valid, valid.y, threshold),
        },
        "history": result.history.to_dict(),
        "data": data_summary(train, valid, config.seed, weight_column),
    }


def decision_threshold(config: TrainConfig, valid: Dataset | None, p_valid: np.ndarray | None) -> float:
    if config.threshold_metric is None or valid is None:
        return config.threshold
    return choose_threshold(config.threshold_metric, p_valid[:, 1], valid.y)


def example_input(data: Dataset) -> dict[str, float]:
    """The input the CLI reports and the page starts from: the tutorial's x = 5, else the means."""
    if data.source == "tutorial":
        return dict(TUTORIAL_QUERY)
    return {name: float(f"{v:.6g}") for name, v in zip(data.feature_names, data.x.mean(axis=0))}  # as typed


def data_summary(train: Dataset, valid: Dataset | None, seed: int, weight_column: str | None) -> dict:
    """Row counts, per-feature min/max/mean of the training rows, and up to ``MAX_PLOT_ROWS`` of
    them (a seeded sample)."""
    n = len(train.y)
    keep = np.arange(n)
    if n > MAX_PLOT_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(n, MAX_PLOT_ROWS, replace=False))
    stats = {
        name: {"min": float(col.min()), "max": float(col.max()), "mean": float(col.mean())}
        for name, col in zip(train.feature_names, train.x.T)
    }
    return {
        "source": train.source,
        "n_rows": n,
        "n_valid_rows": 0 if valid is None else len(valid.y),
        "dropped_rows": train.dropped_rows,
        "weight_column": weight_column,
        "class_counts": np.bincount(train.y, minlength=train.n_classes).tolist(),
        "features": stats,
        "rows": {"x": train.x[keep].tolist(), "y": train.y[keep].tolist()},
    }
