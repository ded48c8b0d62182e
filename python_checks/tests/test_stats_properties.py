"""Property-based tests of the statistics on random and degenerate input.

test_stats_ks.py and test_stats_categorical.py check agreement with scipy on well-behaved
samples; here the arrays are the ones real windows produce when something is off: empty,
one value, all NaN, constant, ±inf mixed in, huge and tiny (subnormal) magnitudes, ties.
Properties: no function raises; each returns a finite statistic, or None with a
skipped_reason from the documented list; p-values lie in [0, 1]; and where scipy defines
the result, it is scipy's (KS D to 1e-12, p to 1e-9 relative; chi², JS, Wasserstein).
"""

from __future__ import annotations

import decimal
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from scipy import stats

from python_checks.stats import (
    chi2_test,
    histogram_counts,
    js_distance,
    ks_2samp,
    ks_pvalue,
    mmd_test,
    mmd_unbiased,
    psi,
    reference_bin_edges,
    wasserstein_normalized,
)

# scipy warns when its exact KS branch falls back to asymp, and on NaN/inf arithmetic.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, 1e300, -1e300, 1e-300, 5e-324, -5e-324]

values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),  # includes huge, tiny and subnormal
    st.sampled_from(SPECIAL),
    st.integers(-3, 3).map(float),  # ties
)


@st.composite
def arrays(draw, max_size: int = 40) -> np.ndarray:
    """Degenerate by construction as often as random: empty, one value, all NaN, constant,
    ties, or anything at all with ±inf, NaN, huge and tiny values mixed in."""
    kind = draw(st.sampled_from(["any", "any", "empty", "one", "all_nan", "constant", "ties", "scaled"]))
    if kind == "empty":
        return np.empty(0)
    if kind == "one":
        return np.array([draw(values)])
    if kind == "all_nan":
        return np.full(draw(st.integers(1, max_size)), np.nan)
    if kind == "constant":
        return np.full(draw(st.integers(1, max_size)), draw(values))
    if kind == "ties":
        return np.array(draw(st.lists(st.sampled_from([-1.0, 0.0, 2.0]), min_size=1, max_size=max_size)))
    if kind == "scaled":  # ordinary data at an extreme scale
        scale = draw(st.sampled_from([1e-300, 1e-150, 1e150, 1e300]))
        base = draw(st.lists(st.floats(-10, 10), min_size=1, max_size=max_size))
        return np.array(base) * scale
    return np.array(draw(st.lists(values, max_size=max_size)), dtype=np.float64)


def check_skipped_or_finite(result, reasons: set[str]) -> None:
    if result.statistic is None:
        assert result.skipped_reason in reasons, result
    else:
        assert result.skipped_reason is None, result
        assert math.isfinite(result.statistic), result


def check_pvalue(p) -> None:
    assert p is not None and 0.0 <= p <= 1.0, p


# --------------------------------------------------------------------------- KS


@PROPERTY
@given(arrays(), arrays())
def test_ks_never_raises_and_agrees_with_scipy(reference, current):
    result = ks_2samp(reference, current)
    check_skipped_or_finite(result, {"empty", "all_null"})
    event(f"ks: {result.skipped_reason or result.method}")
    ref, cur = reference[~np.isnan(reference)], current[~np.isnan(current)]
    assert (result.n_reference, result.n_current) == (ref.size, cur.size)
    if result.statistic is None:
        assert result.pvalue is None
        assert ref.size == 0 or cur.size == 0
        return
    assert 0.0 <= result.statistic <= 1.0
    check_pvalue(result.pvalue)
    expected = stats.ks_2samp(ref, cur, method="auto")
    assert abs(result.statistic - expected.statistic) <= 1e-12
    assert math.isclose(result.pvalue, expected.pvalue, rel_tol=1e-9, abs_tol=0.0), (result.pvalue, expected.pvalue)


@PROPERTY
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(1, 12_000), st.integers(1, 12_000))
def test_ks_pvalue_is_a_probability_and_falls_as_d_grows(d1, d2, n, m):
    low, high = sorted((d1, d2))
    p_low, p_high = ks_pvalue(low, n, m), ks_pvalue(high, n, m)
    check_pvalue(p_low)
    check_pvalue(p_high)
    assert p_high <= p_low + 1e-12, (low, high, p_low, p_high)


def test_ks_pvalue_of_nan_is_nan_and_bad_sizes_are_rejected():
    assert math.isnan(ks_pvalue(math.nan, 5, 5))
    with pytest.raises(ValueError):
        ks_pvalue(0.5, 0, 5)


# --------------------------------------------------------------------------- categorical

categories = st.one_of(st.sampled_from(list("abcde")), st.none(), st.just(math.nan))
counts = st.one_of(st.integers(0, 50), st.just(0), st.integers(10**12, 10**15))
count_maps = st.dictionaries(categories, counts, max_size=6)


def non_null(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if not (k is None or (isinstance(k, float) and math.isnan(k)))}


def exact_js(table: np.ndarray) -> float:
    """The base-2 Jensen–Shannon distance of the two rows of counts, in 50-digit decimals."""
    context = decimal.Context(prec=50)
    totals = [Fraction(int(x)) for x in table.sum(axis=1)]
    half_kl = decimal.Decimal(0)
    for a, b in table.T:
        p, q = Fraction(int(a)) / totals[0], Fraction(int(b)) / totals[1]
        m = (p + q) / 2
        for x in (p, q):
            if x:
                share = context.divide(x.numerator, x.denominator)
                ratio = context.divide((x / m).numerator, (x / m).denominator)
                half_kl += context.multiply(share, context.ln(ratio))
    return float(context.sqrt(context.divide(half_kl, context.multiply(2, context.ln(2)))))


@PROPERTY
@given(count_maps, count_maps)
@example({"c": 1}, {"a": 1, "c": 10**12})  # found by hypothesis: scipy's JS is off by 8e-5 relative
@example({"a": 10**12}, {"a": 1774992463244, "b": 1, "c": 1})
def test_categorical_tests_never_raise_and_agree_with_scipy(reference, current):
    chi2 = chi2_test(reference, current)
    js = js_distance(reference, current)
    index = psi(reference, current)
    ref, cur = non_null(reference), non_null(current)
    keys = sorted(set(ref) | set(cur))
    table = np.array([[ref.get(k, 0) for k in keys], [cur.get(k, 0) for k in keys]], dtype=float).reshape(2, len(keys))
    empty = table.sum(axis=1).min() == 0
    check_skipped_or_finite(chi2, {"empty", "all_null", "constant"})
    for result in (js, index):
        check_skipped_or_finite(result, {"empty", "all_null"})
        assert (result.statistic is None) == bool(empty)
    if empty:
        assert chi2.statistic is None
        return
    # JS against its value in 50-digit arithmetic, not scipy's: at counts near 1e12 scipy's
    # difference of two nearly equal logarithms is off by up to 1e-4 relative (hypothesis
    # found {'c': 1} against {'a': 1, 'c': 10**12}); with small counts
    # test_stats_categorical compares with scipy to 1e-12.
    assert js.statistic == pytest.approx(exact_js(table), rel=1e-9, abs=1e-12)
    assert 0.0 <= js.statistic <= 1.0 + 1e-12
    assert index.statistic >= 0.0
    kept = table[:, table.sum(axis=0) > 0]
    if kept.shape[1] < 2:
        assert chi2.skipped_reason == "constant"
        return
    check_pvalue(chi2.pvalue)
    expected = stats.chi2_contingency(kept, correction=False)
    assert math.isclose(chi2.statistic, expected.statistic, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(chi2.pvalue, expected.pvalue, rel_tol=1e-9, abs_tol=1e-300)


# --------------------------------------------------------------------------- numeric distances


@PROPERTY
@given(arrays(), arrays())
def test_histogram_distances_on_reference_bins_never_raise(reference, current):
    """The numeric PSI/JS path: bin edges from the reference's finite values, counts of both
    sides (±inf in the outer bins, NaN not counted), then the distances."""
    edges = reference_bin_edges(reference)
    assert edges.size <= 9 and np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)
    ref_counts, cur_counts = histogram_counts(reference, edges), histogram_counts(current, edges)
    assert ref_counts.sum() == np.count_nonzero(~np.isnan(reference))
    assert cur_counts.sum() == np.count_nonzero(~np.isnan(current))
    for distance in (psi, js_distance):
        result = distance(ref_counts, cur_counts)
        check_skipped_or_finite(result, {"empty", "all_null"})
        assert (result.statistic is None) == (ref_counts.sum() == 0 or cur_counts.sum() == 0)
        if result.statistic is not None:
            assert result.statistic >= 0.0


@PROPERTY
@given(arrays(), arrays())
def test_wasserstein_never_raises_and_agrees_with_scipy(reference, current):
    result = wasserstein_normalized(reference, current)
    check_skipped_or_finite(result, {"empty", "all_null", "too_few", "constant", "overflow"})
    event(f"wasserstein: {result.skipped_reason or 'computed'}")
    ref, cur = reference[np.isfinite(reference)], current[np.isfinite(current)]
    assert (result.n_reference, result.n_current) == (ref.size, cur.size)
    if ref.size >= 2 and cur.size and ref.min() == ref.max():
        assert result.skipped_reason == "constant", result
    if result.statistic is None:
        return
    assert result.statistic >= 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sd = np.std(ref, ddof=1)
        expected = stats.wasserstein_distance(ref, cur) / sd
    if math.isfinite(expected) and sd > 0 and math.isfinite(sd):  # where plain arithmetic does not overflow
        assert result.statistic == pytest.approx(expected, rel=1e-9, abs=1e-300)


# --------------------------------------------------------------------------- MMD


@st.composite
def matrices(draw, features: int) -> np.ndarray:
    columns = [draw(arrays(max_size=12)) for _ in range(features)]
    rows = draw(st.integers(0, 12))
    return np.column_stack([np.resize(c, rows) if c.size else np.full(rows, np.nan) for c in columns]) \
        if rows else np.empty((0, features))


@st.composite
def mmd_inputs(draw):
    features = draw(st.integers(1, 3))
    return draw(matrices(features)), draw(matrices(features))


def reference_standardised(reference: np.ndarray, current: np.ndarray, kept: tuple[int, ...]):
    """The documented preprocessing, done by hand: rows finite in every feature that has a
    finite value on both sides, then the kept features, standardised with the reference's
    mean and sd (a scale-free result, computed here on values divided by their largest
    magnitude so that 1e±300 do not overflow)."""
    with_values = np.isfinite(reference).any(axis=0) & np.isfinite(current).any(axis=0)
    ref = reference[np.isfinite(reference[:, with_values]).all(axis=1)][:, list(kept)]
    cur = current[np.isfinite(current[:, with_values]).all(axis=1)][:, list(kept)]
    largest = np.abs(np.vstack([ref, cur])).max(axis=0)
    ref, cur = ref / largest, cur / largest
    mean, sd = ref.mean(axis=0), ref.std(axis=0, ddof=1)
    return (ref - mean) / sd, (cur - mean) / sd


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mmd_inputs(), st.integers(1, 20))
def test_mmd_with_tiny_permutations_never_raises(pair, permutations):
    reference, current = pair
    result = mmd_test(reference, current, permutations=permutations, max_permutations=3 * permutations,
                      tail_min_permutations=permutations)
    check_skipped_or_finite(result, {"empty", "all_null", "too_few", "constant", "overflow"})
    event(f"mmd: {result.skipped_reason or result.pvalue_method}")
    if result.statistic is None:
        assert result.pvalue is None
        return
    check_pvalue(result.pvalue)
    assert math.isfinite(result.bandwidth) and result.bandwidth > 0
    with_values = np.isfinite(reference).any(axis=0) & np.isfinite(current).any(axis=0)
    finite_rows = reference[np.isfinite(reference[:, with_values]).all(axis=1)]
    for j in result.features:  # a feature constant in the reference is left out
        assert finite_rows[:, j].min() < finite_rows[:, j].max(), (j, reference)
    assert 1 <= result.n_features == len(result.features) <= reference.shape[1]
    assert 2 <= result.n_reference <= reference.shape[0] and 2 <= result.n_current <= current.shape[0]
    assert permutations <= result.permutations <= 3 * permutations
    if result.pvalue_method == "permutation":
        assert result.pvalue >= 1 / (result.permutations + 1)
    # The statistic is MMD²_u of the documented preprocessing, at the reported bandwidth.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref_z, cur_z = reference_standardised(reference, current, result.features)
    largest = max(1.0, float(np.abs(np.vstack([ref_z, cur_z])).max()))
    # The kernel expands |x - y|² = |x|² + |y|² - 2x·y, which loses distances far below the
    # norms: compare where the bandwidth is not down at that rounding noise.
    if result.bandwidth >= 1e-3 * largest:
        expected = mmd_unbiased(ref_z, cur_z, result.bandwidth)
        assert result.statistic == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_mmd_leaves_out_a_feature_with_no_values_on_one_side():
    rng = np.random.default_rng(0)
    reference, current = rng.normal(size=(40, 3)), rng.normal(size=(30, 3))
    current[:, 1] = np.nan  # all null in this window
    result = mmd_test(reference, current, permutations=20)
    assert result.skipped_reason is None and result.features == (0, 2)
    assert result.statistic == mmd_test(reference[:, [0, 2]], current[:, [0, 2]], permutations=20).statistic


@pytest.mark.parametrize("value, n", [(0.1, 3), (0.1, 7), (0.3, 10), (0.7, 3), (1 / 3, 10)])
def test_equal_values_are_constant_even_when_numpy_std_is_not_zero(value, n):
    """np.std of n equal values is ~1e-17, not 0, for about a third of values (the mean is off
    by an ulp); the reference is constant all the same."""
    reference = np.full(n, value)
    rng = np.random.default_rng(0)
    assert wasserstein_normalized(reference, np.full(5, value + 0.1)).skipped_reason == "constant"
    both = mmd_test(np.column_stack([rng.normal(size=n), reference]),
                    np.column_stack([rng.normal(size=5), np.full(5, value + 0.1)]), permutations=10)
    assert both.features == (0,), both
