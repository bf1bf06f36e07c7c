"""What training knows that the card should say: data summary, rows to plot, config, history."""

import numpy as np

from training.config import TrainConfig
from training.data import Dataset
from training.fit import FitResult

MAX_PLOT_ROWS = 1000
TUTORIAL_QUERY = {"x": 5.0}  # the tutorial asks for P(y = 1 | x = 5)


def describe(config: TrainConfig, data: Dataset, result: FitResult) -> dict:
    """The card's fields except those export adds (format, coefficients, versions)."""
    return {
        "task": "binary",
        "feature_names": list(data.feature_names),
        "target_name": data.target_name,
        "class_labels": list(data.class_labels),
        "threshold": config.threshold,
        "example": example_input(data),
        "training": {**config.to_dict(), "loss": "mean binary cross-entropy"},
        "summary": {"final_loss": result.final_loss, "epochs_run": config.epochs},
        "history": result.history.to_dict(),
        "data": data_summary(data, config.seed),
    }


def example_input(data: Dataset) -> dict[str, float]:
    """The input the CLI reports and the page starts from: the tutorial's x = 5, else the means."""
    if data.source == "tutorial":
        return dict(TUTORIAL_QUERY)
    return {name: float(v) for name, v in zip(data.feature_names, data.x.mean(axis=0))}


def data_summary(data: Dataset, seed: int) -> dict:
    """Row count, per-feature min/max/mean, and up to ``MAX_PLOT_ROWS`` rows (a seeded sample)."""
    n = len(data.y)
    keep = np.arange(n)
    if n > MAX_PLOT_ROWS:
        keep = np.sort(np.random.default_rng(seed).choice(n, MAX_PLOT_ROWS, replace=False))
    stats = {
        name: {"min": float(col.min()), "max": float(col.max()), "mean": float(col.mean())}
        for name, col in zip(data.feature_names, data.x.T)
    }
    return {
        "source": data.source,
        "n_rows": n,
        "class_counts": np.bincount(data.y, minlength=2).tolist(),
        "features": stats,
        "rows": {"x": data.x[keep].tolist(), "y": data.y[keep].tolist()},
    }
