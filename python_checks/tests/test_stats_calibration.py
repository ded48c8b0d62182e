"""Run-level calibration and power of the whole decision rule:
KS (+ chi², MMD) per (feature, window) -> Benjamini–Hochberg across the run ->
effect gate. Seeded simulations; thresholds are stated, never loosened.

Cost-saving devices, each exact (they cannot change a decision):

* KS D from real samples with one sort per sample, searching only the window
  into the sorted reference (``ks_statistic(assume_sorted=True)``).
* BH at level alpha only needs the p-values that are <= alpha: q_k < alpha iff
  some j >= rank(k) has p_(j) <= alpha·j/m, and any p > alpha exceeds every
  such threshold. So in the exact KS branch (slow for large n·m) we find the
  critical lattice point h* = min{h : p(h) <= alpha} by search on the
  monotone exact p(h) and compute exact p only for D >= h*/lcm; the others
  are set to 1. ``test_alpha_relevant_shortcut_gives_identical_decisions``
  checks this against computing every p-value.
* Power: BH q-values are non-decreasing in every other p-value, so setting
  the p-values of MMD tests we do not compute (unshifted windows) to 1 gives
  an upper bound on the q-value of the shifted test: the power reported is a
  lower bound on the power with all tests computed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from python_checks.stats import (
    DEFAULT_MIN_EFFECT,
    MAX_EXACT_N,
    benjamini_hochberg,
    chi2_test,
    decide,
    js_distance,
    ks_pvalue,
    ks_statistic,
    mmd_statistic,
    mmd_test,
    psi,
)

ALPHA = 0.05
N_FEATURES = 12
N_WINDOWS = 30


def alpha_relevant_pvalues(d: np.ndarray, n: int, m: int, alpha: float = ALPHA) -> np.ndarray:
    """Exact KS p-values where p <= alpha, 1.0 elsewhere (see module docstring)."""
    d = np.asarray(d, dtype=float)
    if max(n, m) > MAX_EXACT_N:
        return np.array([ks_pvalue(x, n, m) for x in d.ravel()]).reshape(d.shape)
    lcm = n * m // math.gcd(n, m)
    cache: dict[int, float] = {}

    def p_at(h: int) -> float:
        if h not in cache:
            cache[h] = ks_pvalue(h / lcm, n, m)
        return cache[h]

    # bracket h* around the asymptotic critical value, then bisect
    guess = int(stats.kstwo.isf(alpha, round(n * m / (n + m))) * lcm)
    guess = min(max(guess, 1), lcm)
    lo, hi, step = guess, guess, 1
    while lo > 0 and p_at(lo) <= alpha:
        lo, step = max(lo - step, 0), step * 2
    step = 1
    while hi < lcm and p_at(hi) > alpha:
        hi, step = min(hi + step, lcm), step * 2
    if p_at(hi) > alpha:
        return np.ones_like(d)
    while hi - lo > 1:  # invariant: p(lo) > alpha >= p(hi)
        mid = (lo + hi) // 2
        if p_at(mid) <= alpha:
            hi = mid
        else:
            lo = mid
    h = np.rint(d * lcm).astype(np.int64)
    out = np.ones_like(d)
    for idx in zip(*np.nonzero(h >= hi)):
        out[idx] = p_at(int(h[idx]))
    return out


def any_alert(d: np.ndarray, p: np.ndarray, min_effect: float) -> bool:
    q = benjamini_hochberg(p.ravel())
    return any(decide(qi, di, ALPHA, min_effect) for qi, di in zip(q, d.ravel()))


def null_run(seed: int, window_range=(30, 20_000)) -> tuple[int, bool]:
    """One simulated run under H0: 30 windows x 12 features against a reference
    5x the window size; window size log-uniform per run."""
    rng = np.random.default_rng(seed)
    window = int(round(math.exp(rng.uniform(*np.log(window_range)))))
    reference_size = 5 * window
    d = np.empty((N_FEATURES, N_WINDOWS))
    for feature in range(N_FEATURES):
        reference = np.sort(rng.standard_normal(reference_size))
        windows = np.sort(rng.standard_normal((N_WINDOWS, window)), axis=1)
        for k in range(N_WINDOWS):
            d[feature, k] = ks_statistic(reference, windows[k], assume_sorted=True)
    p = alpha_relevant_pvalues(d, window, reference_size)
    return window, any_alert(d, p, DEFAULT_MIN_EFFECT["ks"])


def test_alpha_relevant_shortcut_gives_identical_decisions():
    rng = np.random.default_rng(0)
    for n, m in [(40, 200), (150, 750), (333, 1000), (64, 64)]:
        d = np.array(
            [ks_statistic(rng.normal(size=m), rng.normal(0.1 * (i % 3), size=n)) for i in range(60)]
        )
        full = np.array([ks_pvalue(x, n, m) for x in d])
        short = alpha_relevant_pvalues(d, n, m)
        np.testing.assert_array_equal(short[full <= ALPHA], full[full <= ALPHA])
        assert np.all(short[full > ALPHA] == 1.0)
        for min_effect in (0.0, 0.1):
            q_full = benjamini_hochberg(full)
            q_short = benjamini_hochberg(short)
            assert [decide(a, e, ALPHA, min_effect) for a, e in zip(q_full, d)] == [
                decide(a, e, ALPHA, min_effect) for a, e in zip(q_short, d)
            ]


@pytest.mark.slow
def test_null_runs_rarely_alert():
    """>= 200 seeded null runs, 30 windows x 12 features (360 KS tests each),
    window sizes log-uniform on [30, 20 000] per run, reference 5x the window
    (150 to 100 000 rows), so both the exact (<= 10 000) and the asymptotic
    KS branch are used. Sizes are capped at 20 000 for run time; larger
    windows cannot pass the 0.1 gate under H0 (next test)."""
    runs = [null_run(50_000 + seed) for seed in range(200)]
    alerted = [window for window, alert in runs if alert]
    share = len(alerted) / len(runs)
    assert share <= 0.05, (share, sorted(alerted))


def test_large_windows_cannot_pass_the_ks_gate_under_the_null():
    rng = np.random.default_rng(1)
    reference = np.sort(rng.standard_normal(1_000_000))
    for _ in range(3):
        window = np.sort(rng.standard_normal(200_000))
        d = ks_statistic(reference, window, assume_sorted=True)
        # D_null ~ 1.36 / sqrt(166 667) = 0.0033 at the 95th percentile
        assert d < 0.02 < DEFAULT_MIN_EFFECT["ks"]


# --------------------------------------------------------------------------- power


WINDOW = 2_000
REFERENCE = 20_000
N_NUMERIC = 10
CATEGORY_SHARES = np.array([0.4, 0.3, 0.2, 0.1])
SHIFTED_SHARES = np.array([0.2, 0.5, 0.2, 0.1])  # 20 points from "a" to "b"
MEAN_SHIFT_WINDOW, CATEGORY_WINDOW, CORRELATION_WINDOW = 5, 12, 20


def correlated(rng: np.random.Generator, n: int, rho: float = 0.7) -> np.ndarray:
    z = rng.standard_normal((n, N_NUMERIC))
    z[:, 1] = rho * z[:, 0] + math.sqrt(1 - rho**2) * z[:, 1]
    return z


def shifted_run(seed: int) -> dict[str, bool]:
    """One run with three injected shifts, each in its own window: a 0.5 sd
    mean shift of numeric feature 3, a category share moving 20 points in
    categorical feature 0, and corr(x0, x1) 0 -> 0.7 with unchanged marginals.
    Family: 30 windows x (10 numeric KS + 2 categorical chi² + 1 MMD) = 390."""
    rng = np.random.default_rng(seed)
    reference = rng.standard_normal((REFERENCE, N_NUMERIC))
    windows = rng.standard_normal((N_WINDOWS, WINDOW, N_NUMERIC))
    windows[MEAN_SHIFT_WINDOW, :, 3] += 0.5
    windows[CORRELATION_WINDOW] = correlated(rng, WINDOW)

    ks_d = np.empty((N_NUMERIC, N_WINDOWS))
    sorted_reference = np.sort(reference, axis=0)
    sorted_windows = np.sort(windows, axis=1)
    for f in range(N_NUMERIC):
        for k in range(N_WINDOWS):
            ks_d[f, k] = ks_statistic(
                sorted_reference[:, f], sorted_windows[k, :, f], assume_sorted=True
            )
    ks_p = np.array([[ks_pvalue(x, REFERENCE, WINDOW) for x in row] for row in ks_d])

    chi2_p = np.empty((2, N_WINDOWS))
    js = np.empty((2, N_WINDOWS))
    psis = np.empty((2, N_WINDOWS))
    ref_counts = [rng.multinomial(REFERENCE, CATEGORY_SHARES) for _ in range(2)]
    for c in range(2):
        for k in range(N_WINDOWS):
            shares = SHIFTED_SHARES if (c, k) == (0, CATEGORY_WINDOW) else CATEGORY_SHARES
            counts = rng.multinomial(WINDOW, shares)
            chi2_p[c, k] = chi2_test(ref_counts[c], counts).pvalue
            js[c, k] = js_distance(ref_counts[c], counts).statistic
            psis[c, k] = psi(ref_counts[c], counts).statistic

    # MMD on a bounded reference sample (2000 rows) against the window;
    # computed for the correlation window only, the others bounded by p = 1.
    mmd_p = np.ones(N_WINDOWS)
    mmd_effect = np.zeros(N_WINDOWS)
    sample = reference[rng.choice(REFERENCE, WINDOW, replace=False)]
    mmd = mmd_test(sample, windows[CORRELATION_WINDOW], seed=seed)
    mmd_p[CORRELATION_WINDOW], mmd_effect[CORRELATION_WINDOW] = mmd.pvalue, mmd.statistic

    q = benjamini_hochberg(np.concatenate([ks_p.ravel(), chi2_p.ravel(), mmd_p]))
    ks_q = q[: ks_p.size].reshape(ks_p.shape)
    chi2_q = q[ks_p.size : ks_p.size + chi2_p.size].reshape(chi2_p.shape)
    mmd_q = q[ks_p.size + chi2_p.size :]
    gate = DEFAULT_MIN_EFFECT
    ks_alerts = {
        (f, k)
        for f in range(N_NUMERIC)
        for k in range(N_WINDOWS)
        if decide(ks_q[f, k], ks_d[f, k], ALPHA, gate["ks"])
    }
    return {
        "mean_shift": (3, MEAN_SHIFT_WINDOW) in ks_alerts,
        "category_shift": decide(
            chi2_q[0, CATEGORY_WINDOW], js[0, CATEGORY_WINDOW], ALPHA, gate["js"]
        ),
        "category_shift_psi": decide(
            chi2_q[0, CATEGORY_WINDOW], psis[0, CATEGORY_WINDOW], ALPHA, gate["psi"]
        ),
        "correlation_shift": decide(
            mmd_q[CORRELATION_WINDOW], mmd_effect[CORRELATION_WINDOW], ALPHA, gate["mmd"]
        ),
        "correlation_seen_by_ks": any(k == CORRELATION_WINDOW for _, k in ks_alerts),
        "other_ks_alert": bool(ks_alerts - {(3, MEAN_SHIFT_WINDOW)}),
    }


@pytest.mark.slow
def test_power_after_bh_and_effect_gate():
    sims = [shifted_run(60_000 + seed) for seed in range(100)]
    rate = {key: np.mean([sim[key] for sim in sims]) for key in sims[0]}
    assert rate["mean_shift"] >= 0.95, rate
    assert rate["category_shift"] >= 0.95, rate
    assert rate["correlation_shift"] >= 0.95, rate
    # the joint shift is the only shift in its window: KS cannot see it
    assert rate["correlation_seen_by_ks"] <= 0.05, rate
    assert rate["other_ks_alert"] <= 0.05, rate


@pytest.mark.slow
def test_mmd_gate_separates_dependence_change_from_noise_and_outliers():
    """At 2000 rows per side and 10 features, the default MMD min_effect is
    passed by corr(x0, x1) 0 -> 0.7 and not by null noise or by 5% of one
    feature replaced by -3.5 sd outliers (a quality defect, not drift)."""
    threshold = DEFAULT_MIN_EFFECT["mmd"]
    passed = {"correlation": 0, "null": 0, "outliers": 0}
    sims = 100
    for seed in range(sims):
        rng = np.random.default_rng(70_000 + seed)
        reference = rng.standard_normal((WINDOW, N_NUMERIC))
        outliers = rng.standard_normal((WINDOW, N_NUMERIC))
        outliers[: WINDOW // 20, 4] = -3.5
        cases = {
            "correlation": correlated(rng, WINDOW),
            "null": rng.standard_normal((WINDOW, N_NUMERIC)),
            "outliers": outliers,
        }
        for name, current in cases.items():
            passed[name] += mmd_statistic(reference, current, seed=seed) >= threshold
    assert passed["correlation"] >= 0.95 * sims, passed
    assert passed["null"] <= 0.05 * sims, passed
    assert passed["outliers"] <= 0.05 * sims, passed
