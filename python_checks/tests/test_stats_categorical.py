"""Categorical tests (chi², JS, PSI) and the numeric distances/histograms they
run on, against scipy and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from python_checks.stats import (
    Chi2Result,
    chi2_test,
    histogram_counts,
    js_distance,
    psi,
    reference_bin_edges,
    wasserstein_normalized,
)

count_maps = st.dictionaries(
    st.sampled_from(list("abcdefgh")), st.integers(0, 500), min_size=1, max_size=8
)


@settings(max_examples=300, deadline=None)
@given(count_maps, count_maps)
def test_chi2_matches_chi2_contingency(reference, current):
    result = chi2_test(reference, current)
    keys = sorted(set(reference) | set(current))
    table = np.array([[reference.get(k, 0) for k in keys], [current.get(k, 0) for k in keys]])
    table = table[:, table.sum(axis=0) > 0]
    unseen = sorted(k for k in keys if reference.get(k, 0) == 0 and current.get(k, 0) > 0)
    assert result.unseen_categories == tuple(unseen)
    assert result.unseen_count == sum(current[k] for k in unseen)
    if table.sum(axis=1).min() == 0:
        assert result.skipped_reason == "empty" and result.statistic is None
        return
    if table.shape[1] < 2:
        assert result.skipped_reason == "constant" and result.statistic is None
        return
    expected = stats.chi2_contingency(table, correction=False)
    assert result.dof == expected.dof == table.shape[1] - 1
    assert math.isclose(result.statistic, expected.statistic, rel_tol=1e-9, abs_tol=1e-300)
    assert math.isclose(result.pvalue, expected.pvalue, rel_tol=1e-9, abs_tol=0.0)


def test_chi2_reports_unseen_categories_and_keeps_them_in_the_test():
    reference = {"a": 50, "b": 50}
    current = {"a": 40, "b": 40, "new": 20, "newer": 5}
    result = chi2_test(reference, current)
    assert result.unseen_categories == ("new", "newer")
    assert result.unseen_count == 25
    assert result.dof == 3
    expected = stats.chi2_contingency([[50, 50, 0, 0], [40, 40, 20, 5]], correction=False)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)


def test_chi2_accepts_aligned_arrays_and_drops_zero_total_bins():
    result = chi2_test(np.array([10, 0, 30, 5]), np.array([12, 0, 20, 9]))
    expected = stats.chi2_contingency([[10, 30, 5], [12, 20, 9]], correction=False)
    assert result.dof == 2
    assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-12)


def test_null_keys_are_removed():
    with_nulls = chi2_test({"a": 5, "b": 7, None: 100}, {"a": 9, "b": 3, float("nan"): 4})
    without = chi2_test({"a": 5, "b": 7}, {"a": 9, "b": 3})
    assert with_nulls.statistic == without.statistic
    assert chi2_test({None: 5}, {"a": 1}).skipped_reason == "all_null"


@pytest.mark.parametrize(
    "reference, current, reason",
    [
        ({}, {}, "empty"),
        ({"a": 0}, {"a": 3}, "empty"),
        ({"a": 4}, {}, "empty"),
        ({None: 4}, {None: 2}, "all_null"),
        ({"a": 4}, {"a": 9}, "constant"),
    ],
)
def test_degenerate_counts_are_skipped(reference, current, reason):
    result = chi2_test(reference, current)
    assert isinstance(result, Chi2Result)
    assert result.statistic is None and result.skipped_reason == reason
    if reason != "constant":
        assert js_distance(reference, current).skipped_reason == reason
        assert psi(reference, current).skipped_reason == reason


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 1000), min_size=1, max_size=12).flatmap(
        lambda p: st.tuples(
            st.just(p), st.lists(st.integers(0, 1000), min_size=len(p), max_size=len(p))
        )
    )
)
def test_js_distance_matches_scipy(pair):
    p, q = (np.array(v, dtype=float) for v in pair)
    result = js_distance(p, q)
    if p.sum() == 0 or q.sum() == 0:
        assert result.statistic is None
        return
    expected = jensenshannon(p, q, base=2)
    assert result.statistic == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert 0.0 <= result.statistic <= 1.0 + 1e-12


def test_js_on_mappings_uses_union_of_categories():
    result = js_distance({"a": 1, "b": 1}, {"b": 1, "c": 1})
    assert result.statistic == pytest.approx(jensenshannon([1, 1, 0], [0, 1, 1], base=2))


def test_psi_closed_form_and_epsilon_floor():
    reference = {"a": 60, "b": 40}
    current = {"a": 30, "b": 70}
    expected = (0.3 - 0.6) * math.log(0.3 / 0.6) + (0.7 - 0.4) * math.log(0.7 / 0.4)
    assert psi(reference, current).statistic == pytest.approx(expected, rel=1e-14)
    # an empty reference bin is floored at epsilon (shares are not renormalised)
    floored = psi({"a": 100}, {"a": 90, "new": 10}, epsilon=1e-4).statistic
    assert floored == pytest.approx(
        (0.9 - 1.0) * math.log(0.9 / 1.0) + (0.1 - 1e-4) * math.log(0.1 / 1e-4), rel=1e-14
    )
    assert psi([5, 5], [5, 5]).statistic == 0.0


def test_psi_is_symmetric_and_nonnegative():
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = rng.integers(0, 100, 6), rng.integers(0, 100, 6)
        if a.sum() == 0 or b.sum() == 0:
            continue
        assert psi(a, b).statistic >= 0
        assert psi(a, b).statistic == pytest.approx(psi(b, a).statistic, rel=1e-12)


# --------------------------------------------------------------------------- numeric


def test_wasserstein_normalized_matches_scipy():
    rng = np.random.default_rng(1)
    ref, cur = rng.normal(3, 2, 500), rng.normal(3.5, 2, 300)
    expected = stats.wasserstein_distance(ref, cur) / np.std(ref, ddof=1)
    assert wasserstein_normalized(ref, cur).statistic == pytest.approx(expected, rel=1e-12)


def test_wasserstein_excludes_nan_and_inf():
    rng = np.random.default_rng(2)
    ref, cur = rng.normal(size=100), rng.normal(size=80)
    dirty = wasserstein_normalized(
        np.concatenate([ref, [np.nan, np.inf]]), np.concatenate([cur, [-np.inf]])
    )
    clean = wasserstein_normalized(ref, cur)
    assert dirty.statistic == clean.statistic
    assert (dirty.n_reference, dirty.n_current) == (100, 80)


@pytest.mark.parametrize(
    "reference, current, reason",
    [
        ([], [1.0], "empty"),
        ([1.0, 2.0], [], "empty"),
        ([np.nan, np.inf], [1.0], "all_null"),
        ([1.0], [1.0, 2.0], "too_few"),
        ([3.0, 3.0, 3.0], [1.0, 2.0], "constant"),
    ],
)
def test_wasserstein_degenerate_input(reference, current, reason):
    result = wasserstein_normalized(np.array(reference), np.array(current))
    assert result.statistic is None and result.skipped_reason == reason


def test_bin_edges_are_type7_reference_quantiles():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=1001)
    edges = reference_bin_edges(ref, n_bins=10)
    assert edges.size == 9
    np.testing.assert_array_equal(edges, np.quantile(ref, np.arange(1, 10) / 10))
    # ties merge bins; NaN and inf are ignored
    tied = np.array([1, 1, 1, 1, 1, 2, 3, 4, np.nan, np.inf], dtype=float)
    # quantiles .25/.5/.75 of the 8 finite values: 1, 1, 2.25 -> edges 1, 2.25
    np.testing.assert_array_equal(reference_bin_edges(tied, n_bins=4), [1.0, 2.25])
    assert reference_bin_edges(np.array([np.nan]), 10).size == 0
    np.testing.assert_array_equal(reference_bin_edges(np.full(5, 7.0), 10), [7.0])


def test_histogram_bins_are_right_closed():
    edges = np.array([0.0, 1.0, 2.0])
    values = np.array([-np.inf, -5, 0.0, 0.5, 1.0, 1.0000001, 2.0, 2.5, np.inf, np.nan])
    # bins: (-inf, 0], (0, 1], (1, 2], (2, inf)
    np.testing.assert_array_equal(histogram_counts(values, edges), [3, 2, 2, 2])
    np.testing.assert_array_equal(histogram_counts(np.array([]), edges), [0, 0, 0, 0])
    with pytest.raises(ValueError):
        histogram_counts(values, np.array([1.0, 1.0]))


def test_numeric_psi_and_js_on_reference_bins():
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=20_000), rng.normal(size=20_000)
    edges = reference_bin_edges(ref, 10)
    ref_counts, cur_counts = histogram_counts(ref, edges), histogram_counts(cur, edges)
    assert ref_counts.sum() == 20_000
    assert psi(ref_counts, cur_counts).statistic < 0.01
    assert js_distance(ref_counts, cur_counts).statistic < 0.03
    shifted = histogram_counts(cur + 0.5, edges)
    assert psi(ref_counts, shifted).statistic > 0.2
