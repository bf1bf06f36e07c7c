"""Generated inputs to ``predict``: probabilities for every row, or ``InputError`` in one line, the
same for numeric and categorical models."""

import numpy as np
import pytest
from fuzz_inputs import MODELS, predict_rows
from hypothesis import event, given
from hypothesis import strategies as st

from export.artifact import Artifact
from export.errors import InputError
from export.parity import float32_dot_allowance
from export.reader.inputs import codes_from_feeds

SERVED = {name: Artifact.from_bytes(data, source=name) for name, data in MODELS.items()}


@pytest.mark.parametrize("name", sorted(SERVED))
@given(data=st.data())
def test_predict_answers_or_says_why_in_one_line(name, data):
    artifact = SERVED[name]
    rows = data.draw(predict_rows(artifact.card.feature_names, artifact.design.levels))
    try:
        served = artifact.predict(rows)
    except InputError as e:
        event("refused")
        assert str(e) and "\n" not in str(e), str(e)
        return
    event("scored")
    p = served.probabilities
    assert p.ndim == 2 and p.shape[1] == artifact.card.n_classes and len(served.label) == len(p)
    assert np.isfinite(p).all() and np.allclose(p.sum(axis=1), 1, atol=1e-5)
    if served.probability_low is not None:  # each interval holds its probability, within [0, 1]
        low, high = served.probability_low, served.probability_high
        assert ((low >= 0) & (low <= p + 1e-6) & (high >= p - 1e-6) & (high <= 1)).all()
    # the same rows are explained (same checks), and base + contributions is the served logit
    explained = artifact.explain(rows)
    card = artifact.card
    terms = card.design.expand(codes_from_feeds(artifact.design, artifact.feeds(rows)))
    allowance = float32_dot_allowance(terms, card.weights, card.intercept)
    ours, theirs = explained.logit, served.logit.astype(np.float64)
    finite = np.isfinite(theirs) & (np.abs(theirs) < 1e30)
    assert (np.abs(ours - theirs)[finite] <= allowance[finite] + 1e-6 * np.abs(theirs[finite]) + 1e-6).all()
