"""How well a model's probabilities fit a set of rows: the numbers the card and the page show.

All unweighted (each row counts once), so they describe the rows as they are.
"""

import numpy as np

CALIBRATION_BINS = 10


def predicted_labels(probabilities: np.ndarray, threshold: float | None) -> np.ndarray:
    """Binary: 1 where P(class 1) > threshold; multinomial: the most probable class."""
    if probabilities.shape[1] == 2 and threshold is not None:
        return (probabilities[:, 1] > threshold).astype(np.int64)
    return probabilities.argmax(axis=1)


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half); None when the
    rows hold only one class."""
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0  # 1-based average rank of each tie group
    ranks[order] = np.repeat(average, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def calibration(p: np.ndarray, hit: np.ndarray) -> list[dict]:
    """Ten equal-width bins of predicted probability: count, mean prediction and observed rate."""
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, CALIBRATION_BINS - 1)
    bins = []
    for b in range(CALIBRATION_BINS):
        rows = index == b
        if rows.any():
            bins.append(
                {
                    "low": float(edges[b]),
                    "high": float(edges[b + 1]),
                    "count": int(rows.sum()),
                    "mean_predicted": float(p[rows].mean()),
                    "observed": float(hit[rows].mean()),
                }
            )
    return bins


def classification_metrics(probabilities: np.ndarray, y: np.ndarray, threshold: float | None) -> dict:
    """``probabilities`` (n, K), ``y`` (n,) class index. Binary calibration is of P(class 1);
    multinomial calibration is of the top class's probability against being right."""
    n, k = probabilities.shape
    p_true = np.clip(probabilities[np.arange(n), y], 1e-300, 1.0)
    labels = predicted_labels(probabilities, threshold)
    onehot = np.eye(k)[y]
    if k == 2:
        auc = roc_auc(probabilities[:, 1], y == 1)
        calibration_data = calibration(probabilities[:, 1], (y == 1).astype(float))
    else:
        per_class = [roc_auc(probabilities[:, c], y == c) for c in range(k)]
        known = [a for a in per_class if a is not None]
        auc = float(np.mean(known)) if known else None
        calibration_data = calibration(probabilities.max(axis=1), (labels == y).astype(float))
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (y, labels), 1)
    return {
        "rows": n,
        "log_loss": float(-np.log(p_true).mean()),
        "accuracy": float((labels == y).mean()),
        "roc_auc": auc,
        "brier": float(((probabilities - onehot) ** 2).sum(axis=1).mean()),
        "confusion_matrix": confusion.tolist(),
        "calibration": calibration_data,
    }


def threshold_score(metric: str, p1: np.ndarray, y: np.ndarray, threshold: float) -> float:
    predicted = p1 > threshold
    positive = y == 1
    tp, fp = int((predicted & positive).sum()), int((predicted & ~positive).sum())
    fn, tn = int((~predicted & positive).sum()), int((~predicted & ~positive).sum())
    tpr = tp / (tp + fn) if tp + fn else 0.0
    tnr = tn / (tn + fp) if tn + fp else 0.0
    if metric == "accuracy":
        return (tp + tn) / len(y)
    if metric == "f1":
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    if metric == "youden":
        return tpr + tnr - 1
    return (tpr + tnr) / 2  # balanced_accuracy


def choose_threshold(metric: str, p1: np.ndarray, y: np.ndarray) -> float:
    """The threshold that maximizes ``metric`` on these rows: candidates halfway between
    consecutive distinct probabilities; ties go to the one nearest 0.5."""
    values = np.unique(p1)
    candidates = np.concatenate([[values[0] / 2], (values[:-1] + values[1:]) / 2, [(values[-1] + 1) / 2]])
    candidates = candidates[(candidates > 0) & (candidates < 1)]
    scores = np.array([threshold_score(metric, p1, y, t) for t in candidates])
    best = np.flatnonzero(scores == scores.max())
    return float(candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]])
