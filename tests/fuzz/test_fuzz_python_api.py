"""Generated DataFrames, options and arrays handed to ``training.fit`` and the estimator: a fitted
model, or one of the kit's one-line errors (a ``KitError``, which is a ``ValueError``), or, for the
estimator, the ``ValueError``/``TypeError`` scikit-learn's own validation raises; never another
exception, and the frame handed in is left as it was."""

import datetime

import numpy as np
import pandas as pd
from fuzz_inputs import NASTY_CELLS, SLOW
from hypothesis import event, given
from hypothesis import strategies as st

from export.errors import KitError
from training import fit
from training.estimator import LogisticRegression

NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**70), 2**70), st.none())
CELLS = st.one_of(NUMBERS, st.sampled_from(NASTY_CELLS), st.booleans(), st.just(datetime.date(2020, 1, 1)))
COLUMNS = st.one_of(
    st.lists(st.floats(-1e6, 1e6), min_size=8, max_size=8),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=8, max_size=8),
    st.lists(CELLS, min_size=8, max_size=8),
)
NAMES = st.one_of(st.sampled_from(["x", "z", "y", "w", " x", "x ", "", "0", "<b>"]), st.integers(0, 3))
OPTIONS = st.dictionaries(
    st.sampled_from(
        [
            "l2",
            "penalty",
            "class_weight",
            "weight_column",
            "features",
            "categorical",
            "drop_missing",
            "valid_fraction",
            "predict",
            "threshold",
            "positive",
            "max_iter",
            "profile",
        ]
    ),
    st.one_of(st.sampled_from(["x", "w", "firth", "balanced", ["x"], {"x": 1}, True, False, 0.5, -1, 0]), NUMBERS),
    max_size=3,
)


@SLOW
@given(columns=st.lists(st.tuples(NAMES, COLUMNS), min_size=1, max_size=4), options=OPTIONS)
def test_a_generated_frame_fits_or_raises_one_kit_error(columns, options):
    frame = pd.DataFrame(dict(enumerate(values for _, values in columns)))
    frame.columns = [name for name, _ in columns]  # names may repeat, or be numbers
    before = frame.copy()
    target = str(columns[-1][0]).strip()
    try:
        model = fit(frame, target, max_iter=30, **{k: v for k, v in options.items() if k != "max_iter"})
    except KitError as e:
        assert isinstance(e, ValueError) and "\n" not in str(e) and str(e)
        event("refused")
        return
    finally:
        pd.testing.assert_frame_equal(frame, before)
    assert model.predict_proba([model.card.example]).shape == (1, model.card.n_classes)
    event("fitted")


@SLOW
@given(
    x=st.lists(st.lists(NUMBERS, min_size=2, max_size=2), min_size=1, max_size=12),
    y=st.lists(st.sampled_from([0, 1, 2, "a", 1.5, None]), min_size=1, max_size=12),
    weights=st.one_of(st.none(), st.lists(NUMBERS, min_size=1, max_size=12)),
    options=st.fixed_dictionaries(
        {}, optional={"l2": NUMBERS, "class_weight": st.sampled_from([None, "balanced", {0: 2}])}
    ),
)
def test_the_estimator_fits_or_raises_a_value_error(x, y, weights, options):
    try:
        model = LogisticRegression(**options).fit(np.array(x, dtype=object), y, sample_weight=weights)
    except (ValueError, TypeError) as e:
        assert str(e)
        event(type(e).__name__)
        return
    probabilities = model.predict_proba(np.array(x, dtype=np.float64))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    event("fitted")
