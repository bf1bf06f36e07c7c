"""Tables the page shows: the log loss row by row, coefficients, metrics and confusion matrices."""

import numpy as np
import pandas as pd

from export.artifact import Artifact, Prediction
from export.card.markdown import coefficient_rows
from export.card.model_card import ModelCard
from export.card.sections import Metrics, brier_score

METRIC_NAMES = {
    "log_loss": "log loss",
    "accuracy": "accuracy",
    "roc_auc": "ROC AUC",
    "brier": "Brier score",
    "rows": "rows",
}


def row_losses(logit: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each row's log loss -log P(y_i), from the logit so it stays finite where P rounds to 0:
    binary log(1 + e^z) - y z; multinomial logsumexp(z) - z_y."""
    z = np.asarray(logit, dtype=np.float64)
    if z.ndim == 1:
        return np.logaddexp(0.0, z) - np.asarray(y, dtype=np.float64) * z
    top = z.max(axis=1)
    return top + np.log(np.exp(z - top[:, None]).sum(axis=1)) - z[np.arange(len(y)), y]


def loss_table(artifact: Artifact) -> pd.DataFrame:
    """The stored training rows with their class, the served probability of that class, and the loss."""
    card = artifact.card
    x = card.data.stored_x(card.n_features)
    y = np.asarray(card.data.rows.y, dtype=np.int64)
    served = artifact.predict_codes(x)
    table = pd.DataFrame(x, columns=list(card.feature_names))
    for name, levels in card.design.levels.items():  # codes shown as the levels they stand for
        table[name] = [levels[int(k)] for k in table[name]]
    table["y"] = y if card.binary else [card.class_labels[i] for i in y]
    if card.binary:
        table["p = P(y = 1)"] = served.probabilities[:, 1].astype(np.float64)
    else:
        table["p = P(y)"] = served.probabilities[np.arange(len(y)), y].astype(np.float64)
    table["loss"] = row_losses(served.logit, y)
    return table


def class_table(card: ModelCard, served: Prediction) -> pd.DataFrame:
    """Every class's probability for one scored row, with its 95% interval where the model serves
    one (and its logit, multinomial models)."""
    table = {"class": [str(c) for c in card.class_labels], "P": served.probabilities[0].astype(np.float64)}
    if served.probability_low is not None:
        table["95% low"] = served.probability_low[0].astype(np.float64)
        table["95% high"] = served.probability_high[0].astype(np.float64)
    if not card.binary:
        table["logit"] = served.logit[0].astype(np.float64)
    return pd.DataFrame(table)


def coefficient_table(card: ModelCard) -> pd.DataFrame:
    header, rows = coefficient_rows(card)
    return pd.DataFrame(rows, columns=header)


def feature_table(card: ModelCard) -> pd.DataFrame:
    """Each numeric feature's range and mean; each categorical one's levels and their shares."""
    rows = {name: {**card.data.features[name].to_json(), "levels": ""} for name in card.design.numeric}
    for name in card.design.categorical:
        feature = card.categories.features[name]
        shares = ", ".join(f"{level} {100 * share:.1f}%" for level, share in zip(feature.levels, feature.shares))
        rows[name] = {"min": None, "max": None, "mean": None, "levels": shares}
    table = pd.DataFrame.from_dict({n: rows[n] for n in card.feature_names}, orient="index")
    return table[["min", "max", "mean"] + ["levels"] * bool(card.design.categorical)]


def metrics_table(card: ModelCard) -> pd.DataFrame:
    def shown(m: Metrics, key: str) -> float | None:
        return brier_score(m, card.binary) if key == "brier" else getattr(m, key)

    splits = card.metrics.splits()
    return pd.DataFrame(
        {split: {label: shown(m, key) for key, label in METRIC_NAMES.items()} for split, m in splits.items()}
    )


def confusion_table(card: ModelCard, split: str) -> pd.DataFrame:
    labels = [str(c) for c in card.class_labels]
    matrix = card.metrics.splits()[split].confusion_matrix
    return pd.DataFrame(matrix, index=[f"true {c}" for c in labels], columns=[f"predicted {c}" for c in labels])
