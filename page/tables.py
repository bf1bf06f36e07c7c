"""Tables the page shows: binary cross-entropy row by row, and the model's facts from its card."""

import numpy as np
import pandas as pd

from export.artifact import Artifact


def row_losses(logit: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each row's binary cross-entropy -[y log p + (1 - y) log(1 - p)], computed from the logit
    (log(1 + e^z) - y z) so that it stays finite where p rounds to 0 or 1."""
    z = np.asarray(logit, dtype=np.float64)
    return np.logaddexp(0.0, z) - np.asarray(y, dtype=np.float64) * z


def loss_table(artifact: Artifact) -> pd.DataFrame:
    """The stored training rows with y, the served p = P(class 1), and each row's loss."""
    card = artifact.card
    x = np.asarray(card.data["rows"]["x"], dtype=np.float64)
    y = np.asarray(card.data["rows"]["y"], dtype=np.int64)
    served = artifact.predict(x)
    table = pd.DataFrame(x, columns=list(card.feature_names))
    table["y"] = y
    table["p = P(y = 1)"] = served.probabilities[:, 1].astype(np.float64)
    table["loss"] = row_losses(served.logit, y)
    return table


def coefficient_table(artifact: Artifact) -> pd.DataFrame:
    card = artifact.card
    return pd.DataFrame(
        {
            "term": [f"w ({name})" for name in card.feature_names] + ["b (intercept)"],
            "value": [*card.weights[0].tolist(), float(card.intercept[0])],
        }
    )


def feature_table(artifact: Artifact) -> pd.DataFrame:
    stats = artifact.card.data["features"]
    return pd.DataFrame.from_dict(stats, orient="index")[["min", "max", "mean"]]
