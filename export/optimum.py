"""What other coefficients than the served ones answer, computed from the card in float64: a step
of the training history, and the optimum of a run's objective (``summary.optimum``: a run that
stopped short of it), for the page and the command line's report (the static site's design.js
does the same)."""

import numpy as np

from export.card.model_card import ModelCard
from export.parity import probabilities64


def optimum_probabilities(card: ModelCard, codes: np.ndarray) -> np.ndarray | None:
    """(n, K) float64 class probabilities of the optimum for rows of codes (``export.design``), or
    None for a card without an optimum (the run converged, or it is an older card)."""
    optimum = card.summary.optimum if card.summary else None
    if optimum is None:
        return None
    return coefficient_probabilities(card, np.asarray(optimum.weights), np.asarray(optimum.intercept), codes)


def coefficient_probabilities(
    card: ModelCard, weights: np.ndarray, intercept: np.ndarray, codes: np.ndarray
) -> np.ndarray:
    """(n, K) float64 class probabilities of raw-unit coefficients (a history step's, the
    optimum's) for rows of codes."""
    logits = card.design.expand(codes) @ weights.T + intercept
    return probabilities64(logits[:, 0] if card.binary else logits)
