"""KS test and p-value against scipy.stats.ks_2samp (method='auto', two-sided).

Contract: D to 1e-12 absolute, p to 1e-9 relative (docs/statistics.md).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from python_checks.stats import KSResult, ks_2samp, ks_pvalue, ks_statistic
from python_checks.stats import ks as ks_module

# scipy warns when its exact branch falls back to asymp; we mirror the fallback.
pytestmark = pytest.mark.filterwarnings("ignore:ks_2samp:RuntimeWarning")

D_ABS = 1e-12
P_REL = 1e-9


def assert_p_close(ours: float, theirs: float) -> None:
    assert math.isclose(ours, theirs, rel_tol=P_REL, abs_tol=0.0), (ours, theirs)


def assert_matches_scipy(x: np.ndarray, y: np.ndarray) -> None:
    expected = stats.ks_2samp(x, y, method="auto")
    result = ks_2samp(x, y)
    assert result.skipped_reason is None
    assert abs(result.statistic - expected.statistic) <= D_ABS
    assert_p_close(result.pvalue, expected.pvalue)
    # the p-value from (D, n, m) alone, as used for D computed in SQL
    assert_p_close(ks_pvalue(expected.statistic, x.size, y.size), expected.pvalue)
    assert abs(ks_statistic(x, y) - expected.statistic) <= D_ABS


tied_samples = st.integers(1, 60).flatmap(
    lambda n: st.lists(st.integers(-3, 3), min_size=n, max_size=n)
)
tiny_samples = st.lists(
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=5
)
float_samples = st.lists(
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(tied_samples, tied_samples)
def test_ties_from_small_integer_ranges_match_scipy(x, y):
    assert_matches_scipy(np.array(x, dtype=float), np.array(y, dtype=float))


@settings(max_examples=300, deadline=None)
@given(tiny_samples, tiny_samples)
def test_tiny_samples_match_scipy(x, y):
    assert_matches_scipy(np.array(x), np.array(y))


@settings(max_examples=300, deadline=None)
@given(float_samples, float_samples)
def test_unequal_float_samples_match_scipy(x, y):
    assert_matches_scipy(np.array(x, dtype=float), np.array(y, dtype=float))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 3000),
    m=st.integers(1, 3000),
    shift=st.floats(0, 1),
    seed=st.integers(0, 2**32 - 1),
    rounding=st.sampled_from([None, 0, 1]),
)
def test_random_sizes_exact_branch_match_scipy(n, m, shift, seed, rounding):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = rng.normal(shift, size=m)
    if rounding is not None:  # heavy ties
        x, y = np.round(x, rounding), np.round(y, rounding)
    assert_matches_scipy(x, y)


@pytest.mark.parametrize(
    "n, m, shift",
    [
        (2000, 10000, 0.0),  # exact, unequal, anti-diagonal evaluation
        (1000, 9999, 0.05),
        (9999, 10000, 0.0),  # largest exact case, coprime sizes
        (10000, 10000, 0.02),  # exact, equal sizes (closed form)
        (5000, 5001, 0.3),  # p ~ 1e-36
        (7, 10000, 0.0),
        (10001, 20000, 0.0),  # asymptotic branch from here on
        (20000, 500000, 0.01),
        (500000, 20000, 0.0),
        (20000, 3, 0.0),
        (10001, 1, 0.0),
        (50000, 50000, 0.05),  # p tiny
    ],
)
def test_large_and_boundary_sizes_match_scipy(n, m, shift):
    rng = np.random.default_rng(n * 31 + m)
    assert_matches_scipy(rng.normal(size=n), rng.normal(shift, size=m))


def test_both_exact_evaluation_orders_agree_bitwise():
    # Columns (pure Python) and anti-diagonals (numpy) are two orders of the
    # same per-cell arithmetic; both must give scipy's number exactly.
    rng = np.random.default_rng(3)
    for _ in range(200):
        n, m = sorted(int(v) for v in rng.integers(1, 300, size=2))
        if n == m:
            continue
        g = math.gcd(n, m)
        lcm = n * m // g
        h = int(rng.integers(1, lcm + 1))
        big, small = max(n, m), min(n, m)
        mg, ng = big // g, small // g
        cols = np.arange(big + 1, dtype=np.int64)
        minj = np.minimum(np.maximum((ng * cols - h) // mg + 1, 0), small)
        minj[0] = 0
        maxj = np.minimum(-((-(ng * cols + h)) // mg), small + 1)
        if np.any(maxj[1:] <= minj[1:]):
            continue
        by_columns = ks_module._inside_by_columns(big, small, minj.tolist(), maxj.tolist())
        by_diagonals = ks_module._inside_by_diagonals(big, small, cols, minj, maxj)
        assert by_columns == by_diagonals


@settings(max_examples=200, deadline=None)
@given(
    d=st.floats(0, 1),
    n=st.integers(10001, 2_000_000),
    m=st.integers(1, 2_000_000),
)
def test_asymptotic_pvalue_is_kstwo_at_effective_size(d, n, m):
    # scipy's auto branch for max(n, m) > 10000: kstwo.sf(D, round(n*m/(n+m)))
    big, small = max(float(n), float(m)), min(float(n), float(m))
    expected = stats.kstwo.sf(d, np.round(big * small / (big + small)))
    assert_p_close(ks_pvalue(d, n, m), float(expected))


def test_pvalue_absorbs_float_noise_from_sql():
    # SQL computes D as a difference of count ratios; float noise of a few ulp
    # must not move it off scipy's lattice h / lcm(n, m).
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=700), rng.normal(0.1, size=1300)
    expected = stats.ks_2samp(x, y)
    for noise in (-3e-15, 3e-15):
        assert_p_close(ks_pvalue(expected.statistic + noise, 700, 1300), expected.pvalue)


def test_infinities_are_ordinary_values():
    x = np.array([-np.inf, 0.0, 1.0, 2.0, np.inf, np.inf])
    y = np.array([0.5, 1.5, np.inf, 3.0])
    assert_matches_scipy(x, y)


def test_nan_is_removed_before_testing():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=50), rng.normal(size=40)
    x_nan = np.concatenate([x, [np.nan] * 7])
    result = ks_2samp(x_nan, y)
    expected = stats.ks_2samp(x, y)
    assert result.n_reference == 50
    assert result.statistic == pytest.approx(expected.statistic, abs=D_ABS)
    assert_p_close(result.pvalue, expected.pvalue)


@pytest.mark.parametrize(
    "reference, current, reason",
    [
        ([], [1.0, 2.0], "empty"),
        ([1.0, 2.0], [], "empty"),
        ([np.nan, np.nan], [1.0], "all_null"),
        ([1.0], [np.nan], "all_null"),
    ],
)
def test_degenerate_input_is_skipped_not_raised(reference, current, reason):
    result = ks_2samp(np.array(reference), np.array(current))
    assert isinstance(result, KSResult)
    assert result.statistic is None and result.pvalue is None
    assert result.skipped_reason == reason


def test_exact_branch_falls_back_like_scipy():
    # prob_outside_square(5, 1) rounds to 1 + 2e-16 > 1: scipy declares the
    # exact calculation unsuccessful and uses kstwo; so must we.
    x, y = np.zeros(5), np.array([0.0, 0.0, 0.0, 0.0, 1.0])
    result = ks_2samp(x, y)
    assert result.method == "asymp"
    assert_matches_scipy(x, y)


def test_constant_and_single_values_are_valid_tests():
    assert_matches_scipy(np.array([2.0] * 5), np.array([2.0] * 3))
    assert_matches_scipy(np.array([1.0]), np.array([2.0]))
    assert ks_2samp(np.array([2.0] * 5), np.array([2.0] * 3)).pvalue == 1.0


def test_statistic_on_presorted_arrays():
    rng = np.random.default_rng(8)
    x, y = np.sort(rng.integers(0, 9, 400)), np.sort(rng.integers(0, 10, 333))
    assert ks_statistic(x, y, assume_sorted=True) == pytest.approx(
        stats.ks_2samp(x, y).statistic, abs=D_ABS
    )


def test_pvalue_edges():
    assert ks_pvalue(0.0, 10, 20) == 1.0
    assert ks_pvalue(0.0, 20000, 30000) == 1.0
    assert math.isnan(ks_pvalue(math.nan, 5, 5))
    assert ks_pvalue(1.0, 20000, 30000) == 0.0
    with pytest.raises(ValueError):
        ks_pvalue(0.1, 0, 5)
