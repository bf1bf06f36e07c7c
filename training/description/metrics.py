"""How well a model's probabilities fit a set of rows: the numbers the card and the page show.

All unweighted (each row counts once), so they describe the rows as they are. Everything is a sum
over rows (``MetricSums.add`` a chunk at a time, ``merge`` across processes), so a file streamed in
row groups, or split across the ranks of a job, gives the same numbers as one array in memory.
The one exception is the ROC AUC and the threshold choice, which need the scores in order: they are
exact up to ``EXACT_SCORES`` rows, and beyond that come from a fine histogram of the log-odds
(``SCORE_BINS`` bins over [-40, 40]; rows that share a bin count as ties).
"""

from dataclasses import dataclass, field

import numpy as np

from export.card.sections import CalibrationBin, Metrics

CALIBRATION_BINS = 10
EXACT_SCORES = 200_000
SCORE_BINS = 16_384
LOG_ODDS_RANGE = 40.0


@dataclass
class ScoreCounts:
    """Scores of one class against the rest: exact ``(score, is_positive)`` rows while there are at
    most ``EXACT_SCORES``, else positive and negative counts per log-odds bin."""

    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    positive: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    histogram: np.ndarray | None = None  # (2, SCORE_BINS): negatives, positives

    def add(self, scores: np.ndarray, positive: np.ndarray) -> None:
        merged = self.merge(ScoreCounts(np.asarray(scores, dtype=np.float64), np.asarray(positive, dtype=bool)))
        self.scores, self.positive, self.histogram = merged.scores, merged.positive, merged.histogram

    def merge(self, other: "ScoreCounts") -> "ScoreCounts":
        if self.histogram is None and other.histogram is None and len(self.scores) + len(other.scores) <= EXACT_SCORES:
            return ScoreCounts(
                np.concatenate([self.scores, other.scores]), np.concatenate([self.positive, other.positive])
            )
        return ScoreCounts(histogram=self._binned() + other._binned())

    def _binned(self) -> np.ndarray:
        p = np.clip(self.scores, 1e-300, 1.0)
        log_odds = np.log(p) - np.log1p(-np.minimum(p, 1 - 1e-16))
        index = ((log_odds + LOG_ODDS_RANGE) * (SCORE_BINS / (2 * LOG_ODDS_RANGE))).astype(np.int64)
        index = np.clip(index, 0, SCORE_BINS - 1) + SCORE_BINS * self.positive
        counts = np.bincount(index, minlength=2 * SCORE_BINS).reshape(2, SCORE_BINS).astype(np.float64)
        return counts if self.histogram is None else counts + self.histogram

    def table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distinct scores ascending, negatives at each, positives at each); binned scores are the
        probabilities at the bins' centres, empty bins left out."""
        if self.histogram is None:
            values, inverse = np.unique(self.scores, return_inverse=True)
            negatives = np.bincount(inverse, weights=~self.positive, minlength=len(values))
            return values, negatives, np.bincount(inverse, weights=self.positive, minlength=len(values))
        used = self.histogram.sum(axis=0) > 0
        centres = (np.arange(SCORE_BINS) + 0.5) / SCORE_BINS * 2 * LOG_ODDS_RANGE - LOG_ODDS_RANGE
        return 1 / (1 + np.exp(-centres[used])), self.histogram[0, used], self.histogram[1, used]


def roc_auc(counts: ScoreCounts) -> float | None:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted half); None when the
    rows hold only one class."""
    _, negatives, positives = counts.table()
    n_neg, n_pos = negatives.sum(), positives.sum()
    if n_pos == 0 or n_neg == 0:
        return None
    below = np.cumsum(negatives) - negatives  # negatives scored strictly lower
    return float((positives * (below + negatives / 2)).sum() / (n_pos * n_neg))


def predicted_labels(probabilities: np.ndarray, threshold: float | None) -> np.ndarray:
    """Binary: 1 where P(class 1) > threshold; multinomial: the most probable class."""
    if probabilities.shape[1] == 2 and threshold is not None:
        return (probabilities[:, 1] > threshold).astype(np.int64)
    return probabilities.argmax(axis=1)


@dataclass
class MetricSums:
    """Sums over rows of a model's probabilities (n, K) against class indices (n,)."""

    n_classes: int
    threshold: float | None
    rows: int = 0
    log_loss: float = 0.0
    correct: int = 0
    brier: float = 0.0
    confusion: np.ndarray | None = None
    calibration: np.ndarray | None = None  # (3, CALIBRATION_BINS): count, sum predicted, sum observed
    scores: list[ScoreCounts] = field(default_factory=list)

    def __post_init__(self) -> None:
        k = self.n_classes
        self.confusion = np.zeros((k, k), dtype=np.int64) if self.confusion is None else self.confusion
        self.calibration = np.zeros((3, CALIBRATION_BINS)) if self.calibration is None else self.calibration
        self.scores = self.scores or [ScoreCounts() for _ in range(1 if k == 2 else k)]

    def add(self, probabilities: np.ndarray, y: np.ndarray) -> None:
        n, k = probabilities.shape
        labels = predicted_labels(probabilities, self.threshold)
        self.rows += n
        self.log_loss -= float(np.log(np.clip(probabilities[np.arange(n), y], 1e-300, 1.0)).sum())
        self.correct += int((labels == y).sum())
        self.brier += float(((probabilities - np.eye(k)[y]) ** 2).sum())
        self.confusion += np.bincount(y * k + labels, minlength=k * k).reshape(k, k)
        if k == 2:  # calibration of P(class 1); multinomial: of the top class's probability against being right
            predicted, hit = probabilities[:, 1], y == 1
            self.scores[0].add(predicted, hit)
        else:
            predicted, hit = probabilities.max(axis=1), labels == y
            for c in range(k):
                self.scores[c].add(probabilities[:, c], y == c)
        edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
        index = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, CALIBRATION_BINS - 1)
        for row, values in enumerate([np.ones(n), predicted, hit.astype(float)]):
            self.calibration[row] += np.bincount(index, weights=values, minlength=CALIBRATION_BINS)

    def merge(self, other: "MetricSums") -> "MetricSums":
        return MetricSums(
            self.n_classes,
            self.threshold,
            self.rows + other.rows,
            self.log_loss + other.log_loss,
            self.correct + other.correct,
            self.brier + other.brier,
            self.confusion + other.confusion,
            self.calibration + other.calibration,
            [a.merge(b) for a, b in zip(self.scores, other.scores)],
        )

    def to_section(self) -> Metrics:
        """The card's metrics of these rows."""
        if len(self.scores) == 1:
            auc = roc_auc(self.scores[0])
        else:
            known = [a for a in map(roc_auc, self.scores) if a is not None]
            auc = float(np.mean(known)) if known else None
        edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
        count, predicted, observed = self.calibration
        return Metrics(
            rows=self.rows,
            log_loss=self.log_loss / self.rows,
            accuracy=self.correct / self.rows,
            roc_auc=auc,
            brier=self.brier / self.rows,
            brier_score=self.brier / self.rows / (2 if self.n_classes == 2 else 1),
            confusion_matrix=self.confusion.tolist(),
            calibration=[
                CalibrationBin(
                    low=float(edges[b]),
                    high=float(edges[b + 1]),
                    count=int(count[b]),
                    mean_predicted=float(predicted[b] / count[b]),
                    observed=float(observed[b] / count[b]),
                )
                for b in range(CALIBRATION_BINS)
                if count[b] > 0
            ],
        )


def threshold_scores(metric: str, negatives: np.ndarray, positives: np.ndarray) -> np.ndarray:
    """``metric`` when the rows above each cut are labelled 1: cut i lies between distinct scores
    i - 1 and i (cut 0 below them all); ``negatives``, ``positives`` are the counts at each score."""
    tp = np.concatenate([np.cumsum(positives[::-1])[::-1], [0.0]])
    fp = np.concatenate([np.cumsum(negatives[::-1])[::-1], [0.0]])
    fn, tn = positives.sum() - tp, negatives.sum() - fp
    tpr = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=tp + fn > 0)
    tnr = np.divide(tn, tn + fp, out=np.zeros_like(tn), where=tn + fp > 0)
    if metric == "accuracy":
        return (tp + tn) / (tp + tn + fp + fn)
    if metric == "f1":
        return np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=tp > 0)
    if metric == "youden":
        return tpr + tnr - 1
    return (tpr + tnr) / 2  # balanced_accuracy


def choose_threshold(metric: str, counts: ScoreCounts) -> float:
    """The threshold on P(class 1) that maximizes ``metric``: candidates halfway between consecutive
    distinct probabilities (and below the first, above the last); ties go to the one nearest 0.5."""
    values, negatives, positives = counts.table()
    candidates = np.concatenate([[values[0] / 2], (values[:-1] + values[1:]) / 2, [(values[-1] + 1) / 2]])
    scores = threshold_scores(metric, negatives, positives)
    inside = (candidates > 0) & (candidates < 1)
    candidates, scores = candidates[inside], scores[inside]
    best = np.flatnonzero(scores == scores.max())
    return float(candidates[best[np.argmin(np.abs(candidates[best] - 0.5))]])
