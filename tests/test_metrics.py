import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

from training.metrics import choose_threshold, classification_metrics, roc_auc


def test_binary_metrics_match_scikit_learn():
    rng = np.random.default_rng(0)
    p1 = np.round(rng.uniform(size=500), 2)  # rounded: ties in the ranking
    y = (rng.uniform(size=500) < p1).astype(np.int64)
    m = classification_metrics(np.column_stack([1 - p1, p1]), y, threshold=0.5)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p1), abs=1e-12)
    assert m["log_loss"] == pytest.approx(log_loss(y, np.clip(p1, 1e-300, 1 - 1e-16)), rel=1e-6)
    assert m["brier"] == pytest.approx(2 * brier_score_loss(y, p1), rel=1e-12)  # ours sums both classes
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


def test_auc_needs_both_classes():
    assert roc_auc(np.array([0.1, 0.9]), np.array([True, True])) is None


@pytest.mark.parametrize("metric", ["accuracy", "balanced_accuracy", "f1", "youden"])
def test_chosen_threshold_is_the_best_on_a_fine_grid(metric):
    from training.metrics import threshold_score

    rng = np.random.default_rng(2)
    p1 = rng.uniform(size=200)
    y = (rng.uniform(size=200) < p1**2).astype(np.int64)
    chosen = choose_threshold(metric, p1, y)
    best_on_grid = max(threshold_score(metric, p1, y, t) for t in np.linspace(0.001, 0.999, 2000))
    assert threshold_score(metric, p1, y, chosen) >= best_on_grid - 1e-12
