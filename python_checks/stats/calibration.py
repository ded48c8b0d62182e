"""Concept shift seen through the score: has P(y = 1 | score bin) moved?

A fixed model's score bins partition x-space. If P(y | x) is unchanged, each bin's
positive rate stays the reference's, except for what a change of the class prior
explains: under pure label shift the posterior odds scale by the prior ratio. The test
therefore compares each bin's current positive rate with the reference rate *corrected
to the current window's observed prior*, so a label shift (P(y) moved, P(x | y) fixed)
does not read as a concept shift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["CalibrationShift", "calibration_shift", "MIN_REFERENCE_PER_BIN"]

#: A bin enters the test only with at least this many labelled reference events.
MIN_REFERENCE_PER_BIN = 5


@dataclass(frozen=True)
class CalibrationShift:
    """``statistic``: Σ z_b² over the bins used (χ² with ``bins`` degrees of freedom);
    ``effect``: the mean absolute gap |rate_cur − rate_expected| weighted by the current
    bin counts. Skipped: ``'empty'``, ``'empty_reference'``, ``'constant'`` (no bin with
    a reference rate strictly between 0 and 1)."""

    statistic: float | None
    pvalue: float | None
    effect: float | None
    bins: int = 0
    skipped_reason: str | None = None


def prior_corrected_rates(reference_rate: np.ndarray, reference_prior: float, current_prior: float) -> np.ndarray:
    """P(y = 1 | bin) after the prior moves from p to q with P(x | y) fixed (Bayes):
    r' = w₁ r / (w₁ r + w₀ (1 − r)), w₁ = q / p, w₀ = (1 − q) / (1 − p)."""
    w1 = current_prior / reference_prior
    w0 = (1.0 - current_prior) / (1.0 - reference_prior)
    return w1 * reference_rate / (w1 * reference_rate + w0 * (1.0 - reference_rate))


def calibration_shift(
    reference_n: Sequence[int],
    reference_positive: Sequence[int],
    current_n: Sequence[int],
    current_positive: Sequence[int],
) -> CalibrationShift:
    """Test P(y = 1 | score bin) against the reference, per bin b of a fixed binning.

    Inputs are the labelled events and positives per bin, the same bins on both sides.
    The expected current rate is the reference rate r_b corrected to the current
    prior (:func:`prior_corrected_rates`, priors from the labelled events of each side),
    and z_b = (k_b − n_b r'_b) / sqrt(n_b r'_b (1 − r'_b) (1 + n_b / m_b)): the binomial
    variance of the current count plus that of the reference rate it is compared with
    (m_b reference events). Bins with m_b < MIN_REFERENCE_PER_BIN, n_b = 0 or r'_b in
    {0, 1} are left out. p = χ²_sf(Σ z_b², bins).
    """
    m = np.asarray(reference_n, dtype=np.float64)
    m_pos = np.asarray(reference_positive, dtype=np.float64)
    n = np.asarray(current_n, dtype=np.float64)
    k = np.asarray(current_positive, dtype=np.float64)
    if n.sum() <= 0:
        return CalibrationShift(None, None, None, 0, "empty")
    if m.sum() <= 0:
        return CalibrationShift(None, None, None, 0, "empty_reference")
    p, q = m_pos.sum() / m.sum(), k.sum() / n.sum()
    if not (0.0 < p < 1.0 and 0.0 < q < 1.0):
        return CalibrationShift(None, None, None, 0, "constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = m_pos / m
        expected = prior_corrected_rates(rate, p, q)
        usable = (m >= MIN_REFERENCE_PER_BIN) & (n > 0) & (expected > 0) & (expected < 1)
    if not usable.any():
        return CalibrationShift(None, None, None, 0, "constant")
    m, n, k, expected = m[usable], n[usable], k[usable], expected[usable]
    z = (k - n * expected) / np.sqrt(n * expected * (1.0 - expected) * (1.0 + n / m))
    statistic = float(np.sum(z * z))
    bins = int(usable.sum())
    effect = float(np.sum(np.abs(k / n - expected) * n) / n.sum())
    pvalue = float(stats.chi2.sf(statistic, bins))
    return CalibrationShift(statistic, pvalue if math.isfinite(pvalue) else None, effect, bins)
