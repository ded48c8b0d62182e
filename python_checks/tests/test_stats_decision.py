"""Benjamini–Hochberg, the effect gate, persistence and the proportion test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from python_checks.stats import (
    benjamini_hochberg,
    consecutive_runs,
    decide,
    two_proportion_test,
)

probabilities = st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 0.05, 1e-300]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(probabilities, st.just(math.nan)), min_size=0, max_size=60))
def test_bh_matches_scipy_and_is_nan_safe(pvalues):
    p = np.array(pvalues, dtype=float)
    q = benjamini_hochberg(p)
    present = ~np.isnan(p)
    assert q.shape == p.shape
    assert np.all(np.isnan(q[~present]))
    if present.any():
        expected = stats.false_discovery_control(p[present], method="bh")
        np.testing.assert_allclose(q[present], expected, rtol=1e-12, atol=0)
        assert np.all(q[present] >= p[present])


def test_bh_known_values_and_none():
    q = benjamini_hochberg([0.01, None, 0.04, 0.03, 0.2])
    # m = 4: sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.0533, 0.0533, 0.2
    np.testing.assert_allclose(q[[0, 2, 3, 4]], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert math.isnan(q[1])
    assert benjamini_hochberg([]).size == 0
    assert benjamini_hochberg([0.3])[0] == 0.3
    with pytest.raises(ValueError):
        benjamini_hochberg([1.5])


@pytest.mark.parametrize(
    "q, effect, expected",
    [
        (0.01, 0.2, True),
        (0.01, 0.1, True),  # effect gate is inclusive
        (0.05, 0.2, False),  # q must be strictly below alpha
        (0.01, 0.05, False),
        (None, 0.2, False),
        (0.01, None, False),
        (math.nan, 0.2, False),
        (0.01, math.nan, False),
    ],
)
def test_decide(q, effect, expected):
    assert decide(q, effect, alpha=0.05, min_effect=0.1) is expected


def test_consecutive_runs():
    assert consecutive_runs([]) == []
    assert consecutive_runs([False, True, True, False, True]) == [0, 1, 2, 0, 1]
    assert consecutive_runs([True, None, True, True, True]) == [1, 0, 1, 2, 3]
    assert consecutive_runs(np.array([True, True])) == [1, 2]


def test_two_proportion_test_closed_form():
    result = two_proportion_test(900, 1000, 850, 1000)
    pooled = 1750 / 2000
    z = 0.05 / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    assert result.statistic == pytest.approx(z, rel=1e-14)
    assert result.pvalue == pytest.approx(stats.norm.sf(z), rel=1e-12)
    assert result.effect == pytest.approx(0.05)
    less = two_proportion_test(900, 1000, 850, 1000, alternative="less")
    assert less.pvalue == pytest.approx(1 - result.pvalue, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    n_ref=st.integers(1, 5000),
    n_cur=st.integers(1, 5000),
    a=st.floats(0, 1),
    b=st.floats(0, 1),
)
def test_two_sided_z_squared_is_uncorrected_chi2(n_ref, n_cur, a, b):
    s_ref, s_cur = round(a * n_ref), round(b * n_cur)
    result = two_proportion_test(s_ref, n_ref, s_cur, n_cur, alternative="two-sided")
    if s_ref + s_cur in (0, n_ref + n_cur):
        assert result.skipped_reason == "constant" and result.pvalue is None
        return
    table = [[s_ref, n_ref - s_ref], [s_cur, n_cur - s_cur]]
    expected = stats.chi2_contingency(table, correction=False)
    assert result.statistic**2 == pytest.approx(expected.statistic, rel=1e-9, abs=1e-12)
    assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)


def test_two_proportion_degenerate_and_invalid():
    assert two_proportion_test(0, 0, 5, 10).skipped_reason == "empty"
    assert two_proportion_test(10, 10, 7, 7).skipped_reason == "constant"
    with pytest.raises(ValueError):
        two_proportion_test(11, 10, 5, 10)
    with pytest.raises(ValueError):
        two_proportion_test(1, 10, 5, 10, alternative="bigger")
