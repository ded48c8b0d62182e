"""The statistics behind the shift kinds: black-box shift estimation (label shift before
labels), calibration within score bins (concept shift), the trend test (feedback loops),
P(x | y) mean shifts, and the rule that names an alert's kind."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest
from scipy import stats as scipy_stats

from python_checks import stats
from python_checks.checks import TestRow as Row
from python_checks.checks import classify_kinds


def _confusion(y: np.ndarray, y_hat: np.ndarray) -> dict[tuple[str, str], int]:
    return {(str(a), str(b)): int(((y_hat == a) & (y == b)).sum()) for a in np.unique(y_hat) for b in np.unique(y)}


def _predicted(y_hat: np.ndarray) -> dict[str, int]:
    values, counts = np.unique(y_hat, return_counts=True)
    return {str(v): int(c) for v, c in zip(values, counts)}


def _classifier(rng: np.random.Generator, n: int, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Three classes with class-conditional Gaussians (P(x | y) fixed); ŷ = nearest mean."""
    y = rng.choice(len(prior), size=n, p=prior)
    x = rng.normal(np.array([-1.5, 0.0, 1.5])[y], 1.0)
    return y, np.digitize(x, [-0.75, 0.75])


def test_bbse_recovers_the_prior_exactly_without_sampling_noise():
    """With current predicted shares equal to C q / p (no noise) the estimate is q."""
    joint = {("0", "0"): 300, ("1", "0"): 100, ("0", "1"): 60, ("1", "1"): 540}
    prior_ref = np.array([400, 600]) / 1000
    q = np.array([0.25, 0.75])
    c = np.array([[300, 60], [100, 540]]) / 1000
    shares = c @ (q / prior_ref)
    result = stats.bbse(joint, {"0": shares[0] * 1e6, "1": shares[1] * 1e6})
    assert result.skipped_reason is None
    assert result.classes == ("0", "1")
    np.testing.assert_allclose(result.estimated_prior, q, rtol=0, atol=1e-12)
    np.testing.assert_allclose(result.reference_prior, prior_ref, rtol=0, atol=1e-15)
    assert result.statistic == pytest.approx(0.15, abs=1e-12)


def test_bbse_interval_covers_the_true_prior_at_its_nominal_rate():
    """200 seeded three-class simulations of a real label shift: each class's 95% interval
    holds its true prior in at least 91% of them (a true 95% coverage falls below 91.5%
    over 200 runs with probability 2.5%). BBSE inverts an estimated matrix, so it is
    consistent but not unbiased at finite n; its bias stays below a quarter of its
    run-to-run standard deviation."""
    rng = np.random.default_rng(2026)
    prior_ref, prior_cur = np.array([0.5, 0.3, 0.2]), np.array([0.3, 0.3, 0.4])
    covered, errors = np.zeros(3), []
    for seed in range(200):
        reference = _confusion(*_classifier(rng, 30_000, prior_ref))  # a new reference each run
        _, y_hat_cur = _classifier(rng, 3_000, prior_cur)
        result = stats.bbse(reference, _predicted(y_hat_cur), bootstrap=300, seed=seed)
        covered += (np.array(result.ci_low) <= prior_cur) & (prior_cur <= np.array(result.ci_high))
        errors.append(np.array(result.estimated_prior) - prior_cur)
    errors = np.array(errors)
    assert np.all(covered >= 0.91 * 200), covered
    assert np.all(np.abs(errors.mean(axis=0)) < 0.25 * errors.std(axis=0))


def test_bbse_under_no_shift_is_calibrated():
    """No shift: the Wald p-value rejects at 5% in at most 8% of 200 runs."""
    rng = np.random.default_rng(7)
    prior = np.array([0.5, 0.3, 0.2])
    y, y_hat = _classifier(rng, 30_000, prior)
    reference = _confusion(y, y_hat)
    rejections = sum(stats.bbse(reference, _predicted(_classifier(rng, 3_000, prior)[1]), bootstrap=300,
                                seed=s).pvalue < 0.05 for s in range(200))
    assert rejections <= 16, rejections


@pytest.mark.parametrize("reference, current, reason", [
    ({("0", "0"): 10, ("1", "1"): 10}, {}, "empty"),
    ({}, {"0": 5}, "empty_reference"),
    ({("0", "0"): 10, ("1", "0"): 4}, {"0": 5}, "one_class"),
    ({("0", "0"): 10, ("1", "1"): 10}, {"2": 5}, "unseen_class"),
    ({("0", "0"): 10, ("0", "1"): 10}, {"0": 5}, "singular_confusion"),  # never predicts 1
])
def test_bbse_degenerate_inputs_are_skipped(reference, current, reason):
    result = stats.bbse(reference, current)
    assert result.skipped_reason == reason
    assert result.statistic is None and result.pvalue is None


def _binned(rng: np.random.Generator, n: int, keep_negative: float = 1.0, flip: float = 0.0):
    """Scores of a calibrated model in ten bins, with labels. Label shift: negatives are
    kept with probability ``keep_negative`` (P(x | y) fixed, P(y) moves, as in the demo).
    Concept shift: P(y | x) flips for a share ``flip`` of the events."""
    signal = rng.normal(0.0, 1.5, 4 * n)
    score = 1 / (1 + np.exp(-(1 + signal)))
    flipped = rng.random(4 * n) < flip
    logit = np.where(flipped, 1 - signal, 1 + signal)
    y = rng.random(4 * n) < 1 / (1 + np.exp(-logit))
    kept = np.flatnonzero(y | (rng.random(4 * n) < keep_negative))[:n]
    score, y = score[kept], y[kept]
    bins = np.minimum((score * 10).astype(int), 9)
    return np.bincount(bins, minlength=10), np.bincount(bins, weights=y, minlength=10).astype(int)


def test_calibration_shift_equals_its_definition():
    m, m_pos = np.array([50, 200, 400, 350]), np.array([5, 60, 250, 300])
    n, k = np.array([20, 80, 150, 100]), np.array([3, 30, 90, 80])
    result = stats.calibration_shift(m, m_pos, n, k)
    p, q = m_pos.sum() / m.sum(), k.sum() / n.sum()
    r = m_pos / m
    expected = (q / p) * r / ((q / p) * r + (1 - q) / (1 - p) * (1 - r))
    z = (k - n * expected) / np.sqrt(n * expected * (1 - expected) * (1 + n / m))
    assert result.statistic == pytest.approx(float(np.sum(z**2)), rel=1e-12)
    assert result.pvalue == pytest.approx(float(scipy_stats.chi2.sf(np.sum(z**2), 4)), rel=1e-9)
    assert result.effect == pytest.approx(float(np.sum(np.abs(k / n - expected) * n) / n.sum()), rel=1e-12)
    assert result.bins == 4


def test_calibration_ignores_a_pure_label_shift_and_finds_a_concept_shift():
    """Label shift (P(y) up, P(x | y) fixed) is explained by the prior correction: p-values
    stay calibrated. A flip of P(y | x) in 30% of events is found in every run, with an
    effect far above the 0.05 gate."""
    rng = np.random.default_rng(11)
    ref_n, ref_k = _binned(rng, 200_000)
    label_shift = [stats.calibration_shift(ref_n, ref_k, *_binned(rng, 5_000, keep_negative=0.47)) for _ in range(100)]
    assert sum(r.pvalue < 0.05 for r in label_shift) <= 10
    assert max(r.effect for r in label_shift) < 0.05
    concept = [stats.calibration_shift(ref_n, ref_k, *_binned(rng, 5_000, flip=0.3)) for _ in range(50)]
    assert all(r.pvalue < 1e-6 and r.effect > 0.08 for r in concept)


@pytest.mark.parametrize("args, reason", [
    (([10], [5], [0], [0]), "empty"),
    (([0], [0], [10], [5]), "empty_reference"),
    (([10], [10], [10], [5]), "constant"),
])
def test_calibration_degenerate_inputs_are_skipped(args, reason):
    assert stats.calibration_shift(*args).skipped_reason == reason


def test_mann_kendall_matches_its_definition_and_theil_sen():
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(0, 1, 20) + 0.05 * np.arange(20), 1)  # rounded: ties
    result = stats.mann_kendall(x)
    s = sum(np.sign(x[j] - x[i]) for i, j in itertools.combinations(range(20), 2))
    _, t = np.unique(x, return_counts=True)
    var = (20 * 19 * 45 - np.sum(t * (t - 1) * (2 * t + 5))) / 18
    z = (s - np.sign(s)) / np.sqrt(var)
    assert result.statistic == s
    assert result.pvalue == pytest.approx(2 * scipy_stats.norm.sf(abs(z)), rel=1e-12)
    assert result.slope == pytest.approx(scipy_stats.theilslopes(x).slope, rel=1e-12)
    assert result.effect == pytest.approx(abs(result.slope) * 19, rel=1e-12)


def test_trend_finds_a_steady_concentration_and_not_noise():
    """The top class's share creeping up 1 point per window for 14 windows (13 points in
    all) is found in every run; stationary noise of the same size rejects at most at the
    nominal rate, and its effect stays below the 0.1 gate."""
    rng = np.random.default_rng(9)
    trend = [stats.mann_kendall(0.6 + 0.01 * np.arange(14) + rng.normal(0, 0.01, 14)) for _ in range(100)]
    assert all(r.pvalue < 0.001 and r.effect > 0.1 for r in trend)
    noise = [stats.mann_kendall(0.6 + rng.normal(0, 0.01, 14)) for _ in range(400)]
    assert sum(r.pvalue < 0.05 for r in noise) <= 0.07 * 400
    assert max(r.effect for r in noise) < 0.1


def test_trend_skips_short_and_constant_series():
    assert stats.mann_kendall([0.1, None, 0.2]).skipped_reason == "too_few"
    assert stats.mann_kendall([0.3] * 6).skipped_reason == "constant"


def test_standardized_mean_difference_is_welchs_statistic():
    result = stats.standardized_mean_difference(400, 1.0, 2.0, 150, 1.5, 2.5)
    welch = scipy_stats.ttest_ind_from_stats(1.5, 2.5, 150, 1.0, 2.0, 400, equal_var=False)
    assert result.statistic == pytest.approx(welch.statistic, rel=1e-12)
    assert result.effect == pytest.approx(0.25, rel=1e-12)
    assert stats.standardized_mean_difference(1, 0, 1, 5, 0, 1).skipped_reason == "too_few"
    assert stats.standardized_mean_difference(5, 0, 0, 5, 0, 1).skipped_reason == "constant"


def _row(column: str, test: str, kind: str, window: int, drifted: bool, segment: str = "*") -> Row:
    start = dt.datetime(2026, 1, 1) + dt.timedelta(days=window)
    return Row("m", start, start + dt.timedelta(days=1), column, test, kind, segment=segment, drifted=drifted)


def test_a_performance_alert_is_named_for_the_shift_that_explains_it():
    rows = [
        _row("accuracy", "accuracy", "concept", 1, True),  # alone: concept
        _row("accuracy", "accuracy", "concept", 2, True), _row("x", "ks", "covariate", 2, True),
        _row("calibration", "calibration", "concept", 3, True, "region=a"), _row("y", "bbse", "label", 3, True),
        _row("accuracy", "accuracy", "concept", 4, True), _row("x", "ks", "covariate", 4, False),
    ]
    classify_kinds(rows)
    assert [r.shift_kind for r in rows] == ["concept", "covariate", "covariate", "label", "label", "concept", "covariate"]
    assert "covariate shift" in rows[1].details["kind_reason"] and "label shift" in rows[3].details["kind_reason"]
