"""An exact explanation of each prediction: how far each feature (a formula model: each formula
term) moves the logit from the model's answer for an average training row.

A feature's contribution is its coefficient times its value minus its training mean; a categorical
feature's is the sum over its terms of the term's coefficient times its indicator minus the level's
training share; a formula term's, the sum over its columns of the coefficient times the column's value
minus its training mean (``formula.means``). ``base`` is the logit at the training means (the intercept plus each term's
coefficient times its mean), so ``base + contributions.sum(axis=1)`` is the logit, exactly: what
SHAP's linear explainer gives with the training rows as background, without sampling. Computed in
float64 from the card's coefficients (the served float32 logit agrees within its rounding).
"""

from typing import NamedTuple

import numpy as np

from export.card.model_card import ModelCard


class Explanation(NamedTuple):
    """``base``: a float (binary) or (K,) (one per served logit); ``contributions`` (n, d) binary or
    (n, d, K) multinomial, one per feature in ``feature_names`` order (a formula model: one per
    formula term, ``feature_names`` naming the terms)."""

    base: float | np.ndarray
    contributions: np.ndarray
    feature_names: tuple[str, ...]

    @property
    def logit(self) -> np.ndarray:
        """base + the contributions: the logit of each row, (n,) binary or (n, K)."""
        return self.base + self.contributions.sum(axis=1)


def term_means(card: ModelCard) -> np.ndarray:
    """Each term's mean over the training rows: a numeric feature's mean, a level's share (a
    formula model's, as its card stores them)."""
    design = card.design
    if card.formula is not None:
        return np.asarray(card.formula.means, dtype=np.float64)
    means = np.empty(len(design.terms))
    for feature in design.features:
        terms = design.term_indices(feature)
        if feature in design.levels:
            shares = dict(zip(design.levels[feature], card.categories.features[feature].shares))
            means[terms] = [shares[level] for level in design.level_terms(feature)]
        else:
            means[terms] = card.data.features[feature].mean
    return means


def explain_codes(card: ModelCard, codes: np.ndarray) -> Explanation:
    """The explanation of rows of codes (``export.design``: a categorical feature's level index;
    an unknown level gives NaN contributions for its feature, as it gives NaN logits), the numbers
    read as float32, as the graph reads them."""
    design = card.design
    codes = np.asarray(codes, dtype=np.float32)
    weights, intercept = card.weights, card.intercept  # (L, terms), (L,)
    means = term_means(card)
    centred = design.expand(codes) - means  # (n, terms)
    parts = design.parts()
    contributions = np.empty((len(centred), len(parts), len(weights)))
    for j, terms in enumerate(parts.values()):
        contributions[:, j] = centred[:, list(terms)] @ weights[:, list(terms)].T
    base = intercept + weights @ means
    names = tuple(parts)
    if card.binary:
        return Explanation(float(base[0]), contributions[:, :, 0], names)
    return Explanation(base, contributions, names)
