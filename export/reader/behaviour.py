"""Does a loaded graph compute what its card says? Checked on probe rows before it serves anyone.
(A graph with intervals: they must be the ones ``export.intervals`` computes from the card's
covariance, and hold their probabilities.)

A graph with our signature and a copied card could still answer anything: constant probabilities,
probabilities of 7.5, another model's coefficients. The probes run every path through our graph
(a batch of at most 256 rows takes the MatMul branch, a larger one the Einsum branch, rows near
float32's limit the float64 branch) and compare with the card: the logits must be ``x · Wᵀ + b``
from the card's coefficients in float64, within the float32 dot-product allowance that export's
parity check uses, and the probabilities and labels must follow from those logits as the contract
says (``export.parity``'s functions and tolerances, the same as at export).
"""

from collections.abc import Callable
from functools import partial

import numpy as np

from export.card.model_card import ModelCard
from export.errors import ArtifactError, ParityError
from export.formula.design import FormulaDesign
from export.intervals import probability_interval
from export.limits import FLOAT32_MAX
from export.parity import (
    assert_interval_parity,
    assert_parity,
    assert_tail_accuracy,
    extreme_rows,
    graph_allowance,
)

SMALL_BATCH, LARGE_BATCH = 200, 300  # either side of the graph's switch at 256 rows
QUADRATIC_FORM_LIMIT = 1e150  # a term's square times a covariance entry stays within float64's range


def probe_rows(card: ModelCard) -> list[np.ndarray]:
    """Batches of float32-representable rows (codes: ``export.design``): stored training rows and
        points around the training range (small batch), a wide box (large batch), and float32's limits
        (where logits overflow). A categorical feature runs through its levels in every batch. A formula
    model's are the rows of the first two where its terms are defined; its graph has no float32 branch
    to reach at float32's limits (``export.writer.formula``)."""
    design = card.design
    numeric = [j for j, f in enumerate(design.features) if f not in design.levels]
    low, high, _ = card.data.ranges(design.numeric)
    span = np.maximum(high - low, 1.0)
    rng = np.random.default_rng(0)
    stored = card.data.stored_x(card.n_features)[: SMALL_BATCH // 2]

    def rows(n: int, reach: float) -> np.ndarray:
        batch = design.cycled(n)
        batch[:, numeric] = rng.uniform(low - reach * span, high + reach * span, size=(n, len(numeric)))
        return batch

    batches = [np.concatenate([stored, rows(SMALL_BATCH - len(stored), 1.0)]), rows(LARGE_BATCH, 100.0)]
    if isinstance(design, FormulaDesign):
        # rows where every term is defined (a log takes positive numbers) and the interval's quadratic
        # form x' V x stays finite in float64 (np.exp a hundred spans beyond the data overflows it)
        batches = [b.astype(np.float32) for b in batches]
        return [b[(np.abs(design.expand(b)) < QUADRATIC_FORM_LIMIT).all(axis=1)] for b in batches]
    if numeric:
        batches.append(extreme_rows(design, numeric))
    return [np.clip(b, -FLOAT32_MAX, FLOAT32_MAX).astype(np.float32) for b in batches]


def check_behaviour(predict: Callable, card: ModelCard, source: str) -> None:
    """Raise ``ArtifactError`` unless ``predict`` (the loaded graph) agrees with ``card`` on the probes."""
    for rows in probe_rows(card):
        served = predict(rows)
        n = len(rows)
        expected = {"logit": (n,) if card.binary else (n, card.n_classes), "probabilities": (n, card.n_classes)}
        shapes = {"logit": served.logit.shape, "probabilities": served.probabilities.shape}
        if shapes != expected or served.label.shape != (n,):
            raise ArtifactError(f"{source}: its graph returns outputs of shapes {shapes}, not {expected}; re-export it")
        x = card.design.expand(rows)
        with np.errstate(over="ignore", invalid="ignore"):
            logits = x @ card.weights.T + card.intercept
        logits = logits[:, 0] if card.binary else logits
        allowance = graph_allowance(card.design, x, card.weights, card.intercept)
        try:
            assert_parity(
                logits,
                served.logit,
                served.probabilities,
                served.label,
                card.threshold,
                logit_allowance=allowance,
                reference="the card's coefficients",
            )
            assert_tail_accuracy(served.logit, served.probabilities)
            if served.probability_low is not None:
                interval = partial(probability_interval, card.covariance, x, logits, card.binary)
                served_bounds = (served.probabilities, served.probability_low, served.probability_high)
                assert_interval_parity(logits, interval, served_bounds, allowance)
        except ParityError as e:
            raise ArtifactError(
                f"{source}: its graph does not compute what its card says ({str(e)[:200]}); re-export the model"
            ) from None
