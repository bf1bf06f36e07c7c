import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from training.description.metrics import (
    EXACT_SCORES,
    MetricSums,
    ScoreCounts,
    choose_threshold,
    roc_auc,
)


def classification_metrics(probabilities: np.ndarray, y: np.ndarray, threshold: float | None) -> dict:
    """The metrics of rows held in memory, added in one chunk."""
    sums = MetricSums(probabilities.shape[1], threshold)
    sums.add(probabilities, y)
    return sums.to_section().to_json()


def counts_of(p1: np.ndarray, y: np.ndarray) -> ScoreCounts:
    counts = ScoreCounts()
    counts.add(p1, y == 1)
    return counts


def test_binary_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    p1 = np.round(rng.uniform(size=500), 2)  # rounded: ties in the ranking
    y = (rng.uniform(size=500) < p1).astype(np.int64)
    m = classification_metrics(np.column_stack([1 - p1, p1]), y, threshold=0.5)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p1), abs=1e-12)
    assert m["log_loss"] == pytest.approx(log_loss(y, np.clip(p1, 1e-300, 1 - 1e-16)), rel=1e-6)
    assert m["brier_score"] == pytest.approx(brier_score_loss(y, p1), rel=1e-12)
    assert m["brier"] == pytest.approx(2 * brier_score_loss(y, p1), rel=1e-12)  # the earlier key sums both classes
    assert m["accuracy"] == pytest.approx(((p1 > 0.5) == y).mean())
    assert np.array(m["confusion_matrix"]).sum() == 500
    assert sum(b["count"] for b in m["calibration"]) == 500


def test_multinomial_auc_is_the_one_vs_rest_macro_average():
    rng = np.random.default_rng(1)
    p = rng.dirichlet([1, 1, 1], size=300)
    y = np.array([rng.choice(3, p=row) for row in p])
    m = classification_metrics(p, y, threshold=None)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p, multi_class="ovr", average="macro"), abs=1e-12)
    assert m["accuracy"] == pytest.approx((p.argmax(axis=1) == y).mean())
    assert m["brier_score"] == m["brier"] == pytest.approx(brier_score_loss(y, p), rel=1e-12)


def test_auc_needs_both_classes():
    assert roc_auc(counts_of(np.array([0.1, 0.9]), np.array([1, 1]))) is None


def threshold_score(metric: str, p1: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """The metric computed directly from the labels a threshold gives: the test's own yardstick."""
    predicted, positive = p1 > threshold, y == 1
    tp, fp = (predicted & positive).sum(), (predicted & ~positive).sum()
    fn, tn = (~predicted & positive).sum(), (~predicted & ~positive).sum()
    tpr, tnr = tp / (tp + fn), tn / (tn + fp)
    return {
        "accuracy": (tp + tn) / len(y),
        "f1": 2 * tp / (2 * tp + fp + fn),
        "youden": tpr + tnr - 1,
        "balanced_accuracy": (tpr + tnr) / 2,
    }[metric]


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "f1", "youden"])
def test_chosen_threshold_is_the_best_on_a_fine_grid(metric):
    rng = np.random.default_rng(2)
    p1 = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p1**2).astype(np.int64)
    chosen = choose_threshold(metric, counts_of(p1, y))
    best_on_grid = max(threshold_score(metric, p1, y, t) for t in np.linspace(0.001, 0.999, 2000))
    assert threshold_score(metric, p1, y, chosen) >= best_on_grid - 1e-12


def test_metrics_summed_over_chunks_equal_the_metrics_of_the_whole():
    rng = np.random.default_rng(3)
    p = rng.dirichlet([1, 1, 1], size=900)
    y = np.array([rng.choice(3, p=row) for row in p])
    whole = classification_metrics(p, y, threshold=None)
    parts = [MetricSums(3, None) for _ in range(3)]
    for part, rows in zip(parts, np.array_split(np.arange(900), 3)):
        part.add(p[rows], y[rows])
    merged = parts[0].merge(parts[1]).merge(parts[2]).to_section().to_json()
    assert merged["confusion_matrix"] == whole["confusion_matrix"]
    for ours, theirs in zip(merged["calibration"], whole["calibration"], strict=True):
        assert ours == pytest.approx(theirs, rel=1e-12)
    for key in ("log_loss", "accuracy", "roc_auc", "brier"):
        assert merged[key] == pytest.approx(whole[key], rel=1e-12)


def test_auc_and_threshold_beyond_the_exact_limit_come_from_the_histogram_within_1e_4():
    rng = np.random.default_rng(4)
    n = EXACT_SCORES + 100_000
    z = rng.normal(0, 3, n)
    p1 = 1 / (1 + np.exp(-z))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(z + rng.normal(0, 2, n))))).astype(np.int64)
    counts = ScoreCounts()
    for rows in np.array_split(np.arange(n), 7):
        counts.add(p1[rows], y[rows] == 1)
    assert counts.histogram is not None  # binned, not exact
    assert roc_auc(counts) == pytest.approx(roc_auc_score(y, p1), abs=1e-4)
    chosen = choose_threshold("balanced_accuracy", counts)
    best = max(threshold_score("balanced_accuracy", p1, y, t) for t in np.linspace(0.01, 0.99, 981))
    assert threshold_score("balanced_accuracy", p1, y, chosen) >= best - 1e-4
