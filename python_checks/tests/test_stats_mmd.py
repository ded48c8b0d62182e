"""MMD: estimator against a double loop, permutation mechanics, null calibration
(including the Pearson III floor remedy), power on a pure dependence change,
attribution, the linear-time variant and degenerate input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from python_checks.stats import (
    MMDResult,
    leave_one_feature_out,
    median_bandwidth,
    mmd_statistic,
    mmd_test,
    mmd_unbiased,
)
from python_checks.stats import mmd as mmd_module


def double_loop_mmd(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    def k(a, b):
        return math.exp(-sum((ai - bi) ** 2 for ai, bi in zip(a, b)) / (2 * bandwidth**2))

    n, m = len(x), len(y)
    s_xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j)
    s_yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j)
    s_xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m))
    return s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2 * s_xy / (n * m)


def correlated(rng: np.random.Generator, n: int, d: int = 10, rho: float = 0.7) -> np.ndarray:
    """Standard-normal marginals; features 0 and 1 correlated at rho."""
    z = rng.normal(size=(n, d))
    z[:, 1] = rho * z[:, 0] + math.sqrt(1 - rho**2) * z[:, 1]
    return z


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 12),
    m=st.integers(2, 12),
    d=st.integers(1, 4),
    bandwidth=st.floats(0.2, 5.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_unbiased_estimator_equals_double_loop(n, m, d, bandwidth, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, d)), rng.normal(0.3, 1.5, size=(m, d))
    assert abs(mmd_unbiased(x, y, bandwidth) - double_loop_mmd(x, y, bandwidth)) <= 1e-12


def test_reported_statistic_is_unbiased_mmd_on_reference_standardised_data():
    rng = np.random.default_rng(1)
    ref = rng.normal([1.0, -2.0, 5.0], [1.0, 3.0, 0.5], size=(40, 3))
    cur = rng.normal([1.2, -2.0, 5.0], [1.0, 3.5, 0.5], size=(35, 3))
    result = mmd_test(ref, cur, permutations=50)
    mean, std = ref.mean(axis=0), ref.std(axis=0, ddof=1)
    z_ref, z_cur = (ref - mean) / std, (cur - mean) / std
    expected = double_loop_mmd(z_ref, z_cur, result.bandwidth)
    assert abs(result.statistic - expected) <= 1e-12
    assert result.statistic == pytest.approx(mmd_statistic(ref, cur), abs=1e-15)
    pooled = np.vstack([z_ref, z_cur])
    assert result.bandwidth == pytest.approx(
        mmd_module.DEFAULT_BANDWIDTH_SCALE * median_bandwidth(pooled), rel=1e-15
    )


def test_vectorised_permutations_equal_explicit_relabelling():
    rng = np.random.default_rng(2)
    pooled = rng.normal(size=(300, 2))
    n, permutations = 120, 25
    labels = mmd_module._permutation_labels(300, n, permutations, seed=7)
    assert labels.shape == (300, permutations + 1)
    assert np.all(labels.sum(axis=0) == n)
    kernel = mmd_module._PermutationKernel(pooled, 1.3)
    observed, null_values = mmd_module._permutation_statistics(kernel, n, permutations, 7)
    assert abs(observed - mmd_unbiased(pooled[:n], pooled[n:], 1.3)) <= 1e-12
    for j in range(permutations):
        chosen = labels[:, j + 1] == 1
        explicit = mmd_unbiased(pooled[chosen], pooled[~chosen], 1.3)
        assert abs(null_values[j] - explicit) <= 1e-12


def test_permutation_pvalue_formula():
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(size=(50, 3)), rng.normal(0.2, size=(60, 3))
    result = mmd_test(ref, cur, permutations=99, seed=4, tail_remedy=False)
    assert result.pvalue_method == "permutation"
    used = result.permutations
    exceed = round(result.pvalue * (used + 1)) - 1
    assert result.pvalue == (1 + exceed) / (used + 1)
    assert 0 <= exceed <= used


def test_floor_remedy_goes_below_one_over_b_plus_one():
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=(300, 4)), rng.normal(size=(300, 4))
    cur[:, 0] += 1.0
    floor = mmd_test(ref, cur, permutations=500, max_permutations=500, tail_remedy=False)
    assert floor.pvalue == 1 / 501
    extended = mmd_test(ref, cur, permutations=500, tail_remedy=False)
    assert (extended.permutations, extended.pvalue) == (2000, 1 / 2001)
    remedied = mmd_test(ref, cur, permutations=500)
    assert remedied.pvalue_method == "pearson3_tail"
    assert 0 < remedied.pvalue < 1e-10
    assert remedied.statistic == floor.statistic


@pytest.mark.parametrize(
    "seed, used, pvalue, method",
    [
        (24, 1000, 3 / 1001, "permutation"),  # exceedance in the second batch
        (49, 2000, 2 / 2001, "permutation"),  # exceedance in the last batch
        (8, 2000, None, "pearson3_tail"),  # none in 2000: tail below 1/2001
    ],
)
def test_adaptive_extension_when_the_tail_is_not_decisive(seed, used, pvalue, method):
    rng = np.random.default_rng(seed)
    ref, cur = rng.normal(size=(100, 3)), rng.normal(size=(100, 3))
    cur[:, 0] += 0.45
    result = mmd_test(ref, cur, seed=seed)
    assert (result.permutations, result.pvalue_method) == (used, method)
    if pvalue is not None:
        assert result.pvalue == pvalue
    else:
        assert 1e-6 < result.pvalue < 1 / 2001


def test_floor_remedy_needs_enough_permutations():
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=(100, 2)), rng.normal(2.0, size=(100, 2))
    result = mmd_test(ref, cur, permutations=99, max_permutations=99)
    assert result.pvalue_method == "permutation" and result.pvalue == 1 / 100


def test_null_pvalues_are_uniform():
    # 200 seeded null simulations at the default B = 500.
    pvalues = []
    for sim in range(200):
        rng = np.random.default_rng(10_000 + sim)
        ref, cur = rng.normal(size=(100, 5)), rng.normal(size=(100, 5))
        pvalues.append(mmd_test(ref, cur, seed=sim).pvalue)
    pvalues = np.array(pvalues)
    assert stats.kstest(pvalues, "uniform").pvalue > 0.01
    false_positive_rate = np.mean(pvalues <= 0.05)
    assert false_positive_rate <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 200)


def test_floor_remedy_is_calibrated_below_the_floor():
    # B = 200 extended up to 2000: under H0 p-values below 1/201 come from the
    # extension (exact down to 1/2001) and below that from the Pearson III
    # tail. 4000 seeded small null problems (n = m = 30 is the hard case: the
    # permutation null is lumpy).
    sims = 4000
    pvalues = np.empty(sims)
    for sim in range(sims):
        rng = np.random.default_rng(20_000 + sim)
        ref, cur = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
        pvalues[sim] = mmd_test(ref, cur, permutations=200, seed=sim).pvalue
    for level in (1 / 201, 0.002, 0.001, 0.0005):
        bound = level + 3 * math.sqrt(level * (1 - level) / sims)
        assert np.mean(pvalues <= level) <= bound, level
    assert stats.kstest(pvalues, "uniform").pvalue > 0.01


@pytest.mark.slow
def test_power_dependence_change_only():
    # corr(x0, x1): 0 -> 0.7 among 10 standard-normal features, marginals
    # unchanged, n = m = 1000: p < 1e-4 in at least 95% of 100 seeded sims.
    hits = 0
    for sim in range(100):
        rng = np.random.default_rng(30_000 + sim)
        ref, cur = rng.normal(size=(1000, 10)), correlated(rng, 1000)
        hits += mmd_test(ref, cur, seed=sim).pvalue < 1e-4
    assert hits >= 95


def test_attribution_names_the_two_correlated_features():
    rng = np.random.default_rng(5)
    ref, cur = rng.normal(size=(1500, 10)), correlated(rng, 1500)
    attribution = leave_one_feature_out(ref, cur)
    top_two = set(np.argsort(attribution.contributions)[::-1][:2].tolist())
    assert top_two == {0, 1}
    assert attribution.statistic == pytest.approx(mmd_statistic(ref, cur), rel=1e-12)


def test_attribution_marks_dropped_constant_features():
    rng = np.random.default_rng(6)
    ref, cur = rng.normal(size=(200, 3)), rng.normal(size=(200, 3))
    ref[:, 1] = 4.0
    attribution = leave_one_feature_out(ref, cur)
    assert math.isnan(attribution.contributions[1])
    assert not math.isnan(attribution.contributions[0])


def test_linear_time_variant_above_max_exact():
    rng = np.random.default_rng(7)
    ref, cur = rng.normal(size=(30_000, 4)), rng.normal(size=(20_000, 4))
    cur[:, 2] += 0.3
    result = mmd_test(ref, cur, max_exact=5000)
    assert result.pvalue_method == "linear_asymptotic"
    assert result.permutations == 0
    assert result.pvalue < 1e-6
    # the linear-time estimate targets the same population MMD² as MMD²_u
    sub = mmd_statistic(ref[:4000], cur[:4000])
    assert result.statistic == pytest.approx(sub, rel=0.5)


def test_linear_time_null_false_positive_rate():
    pvalues = []
    for sim in range(300):
        rng = np.random.default_rng(40_000 + sim)
        ref, cur = rng.normal(size=(3000, 3)), rng.normal(size=(2500, 3))
        pvalues.append(mmd_test(ref, cur, max_exact=500, seed=sim, block_size=50).pvalue)
    pvalues = np.array(pvalues)
    assert np.mean(pvalues <= 0.05) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 300)
    assert stats.kstest(pvalues, "uniform").pvalue > 0.01


def test_rows_with_nan_or_inf_are_dropped():
    rng = np.random.default_rng(8)
    ref, cur = rng.normal(size=(80, 3)), rng.normal(size=(70, 3))
    dirty_ref = np.vstack([ref, [[np.nan, 0, 0], [0, np.inf, 0]]])
    dirty_cur = np.vstack([cur, [[0, 0, -np.inf]]])
    clean = mmd_test(ref, cur, permutations=100)
    dirty = mmd_test(dirty_ref, dirty_cur, permutations=100)
    assert (dirty.n_reference, dirty.n_current) == (80, 70)
    assert dirty.statistic == clean.statistic and dirty.pvalue == clean.pvalue


def test_constant_features_are_dropped():
    rng = np.random.default_rng(9)
    ref, cur = rng.normal(size=(80, 3)), rng.normal(size=(70, 3))
    ref[:, 1] = 2.0
    result = mmd_test(ref, cur, permutations=50)
    assert result.n_features == 2
    expected = mmd_test(ref[:, [0, 2]], cur[:, [0, 2]], permutations=50)
    assert result.statistic == expected.statistic


@pytest.mark.parametrize(
    "reference, current, reason",
    [
        (np.empty((0, 2)), np.ones((5, 2)), "empty"),
        (np.ones((5, 2)), np.empty((0, 2)), "empty"),
        (np.full((4, 2), np.nan), np.ones((5, 2)), "all_null"),
        (np.array([[1.0, 2.0]]), np.ones((5, 2)), "too_few"),
        (np.ones((5, 2)), np.array([[np.inf, 1.0], [1.0, 2.0]]), "too_few"),
        (np.ones((5, 2)), np.random.default_rng(0).normal(size=(5, 2)), "constant"),
    ],
)
def test_degenerate_input_is_skipped_not_raised(reference, current, reason):
    result = mmd_test(reference, current, permutations=10)
    assert isinstance(result, MMDResult)
    assert result.statistic is None and result.pvalue is None
    assert result.skipped_reason == reason
    assert leave_one_feature_out(reference, current).skipped_reason == reason
    assert mmd_statistic(reference, current) is None


def test_one_dimensional_input_is_one_feature():
    rng = np.random.default_rng(10)
    x, y = rng.normal(size=60), rng.normal(size=50)
    assert mmd_test(x, y, permutations=20) == mmd_test(x[:, None], y[:, None], permutations=20)


def test_seeded_results_are_deterministic():
    rng = np.random.default_rng(11)
    ref, cur = rng.normal(size=(1500, 4)), rng.normal(size=(1400, 4))
    assert mmd_test(ref, cur, seed=3) == mmd_test(ref, cur, seed=3)


def test_median_bandwidth_subsample_is_deterministic_and_close():
    rng = np.random.default_rng(12)
    pooled = rng.normal(size=(3000, 5))
    sub = median_bandwidth(pooled, max_points=1000, seed=0)
    assert sub == median_bandwidth(pooled, max_points=1000, seed=0)
    full = median_bandwidth(pooled, max_points=3000)
    assert sub == pytest.approx(full, rel=0.02)
