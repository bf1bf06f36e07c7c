"""The normal and chi-squared probabilities of the statistics (``description.distributions``) are
scipy's, within the stated tolerances, over the whole range a fit can hand them."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from training.description.distributions import CHI2_95, chi2_above, two_sided_normal


@given(st.lists(st.floats(min_value=-40, max_value=40, allow_nan=False), min_size=1, max_size=30))
@settings(max_examples=300, deadline=None)
def test_the_two_sided_normal_tail_is_scipys(z):
    ours, reference = two_sided_normal(np.array(z)), 2 * special.ndtr(-np.abs(z))
    np.testing.assert_allclose(ours, reference, rtol=1e-11, atol=1e-300)


def test_the_normal_tail_of_no_estimate_is_no_p_value():
    ours = two_sided_normal(np.array([np.nan, 0.0, np.inf, -np.inf]))
    assert math.isnan(ours[0]) and ours[1:].tolist() == [1.0, 0.0, 0.0]


@given(
    st.integers(min_value=1, max_value=20_000),
    st.floats(min_value=0, max_value=1e5, allow_nan=False) | st.floats(min_value=0, max_value=1e-6),
)
@settings(max_examples=500, deadline=None)
def test_the_chi_squared_tail_is_scipys(df, statistic):
    reference = special.chdtrc(df, statistic)
    assert chi2_above(statistic, df) == pytest.approx(reference, rel=2e-9, abs=1e-290)


def test_the_profile_cut_is_the_chi_squared_95_percent_point():
    np.testing.assert_allclose(CHI2_95, special.chdtri(1, 0.05), rtol=1e-14)
    assert chi2_above(CHI2_95, 1) == pytest.approx(0.05, rel=1e-12)
