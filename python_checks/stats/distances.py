"""Numeric distances and the histogram convention shared with SQL.

Bins are fixed from the *reference* quantiles and are right-closed:
(-inf, e1], (e1, e2], …, (ek, +inf). SQL reproduces the same counts with
``sum(case when x <= e1 ...)``-style predicates, so the convention is part of
the contract (docs/statistics.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "DistanceResult",
    "wasserstein_normalized",
    "reference_bin_edges",
    "histogram_counts",
    "MeanShift",
    "standardized_mean_difference",
]


@dataclass(frozen=True)
class DistanceResult:
    """A distance with no p-value (PSI, JS, normalised Wasserstein).

    ``statistic`` is ``None`` when skipped; ``skipped_reason`` is then one of
    ``'empty'``, ``'all_null'``, ``'too_few'``, ``'constant'``, ``'overflow'``.
    """

    statistic: float | None
    skipped_reason: str | None = None
    n_reference: int = 0
    n_current: int = 0


def _finite_1d(values: np.ndarray) -> tuple[np.ndarray, str | None]:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size == 0:
        return arr, "empty"
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return arr, "all_null"
    return arr, None


def binary_scale(values: np.ndarray, axis: int | None = None) -> np.ndarray | float:
    """The smallest power of two at least max |value| (1.0 where that is 0), per ``axis``.

    Dividing by it is exact (barring values 2^-1022 below the maximum), so scale-free
    quantities (a ratio to a standard deviation, standardised values) come out bit for bit
    as without it, while squares and sums of values near 1e±300 no longer overflow or
    underflow. ``values`` must be finite.
    """
    largest = np.max(np.abs(values), axis=axis) if np.size(values) else 0.0
    return np.where(largest > 0, np.ldexp(1.0, np.frexp(largest)[1]), 1.0)


def wasserstein_normalized(reference: np.ndarray, current: np.ndarray) -> DistanceResult:
    """W1(reference, current) / std(reference, ddof=1).

    W1 is ``scipy.stats.wasserstein_distance`` (area between the two ECDFs).
    Dividing by the reference standard deviation makes it unit-free: 0.25 means
    the current distribution is, on average, a quarter of a reference sd away.
    NaN and ±inf are excluded first (an infinite value has infinite transport
    cost). Both samples are divided by one power of two first (:func:`binary_scale`),
    which leaves the ratio as it is and keeps huge or tiny values from overflowing.
    Skipped: ``'empty'``/``'all_null'`` when a side has no finite value,
    ``'too_few'`` with a single reference value, ``'constant'`` when the
    reference sd is 0, ``'overflow'`` when the ratio exceeds the double range.
    """
    ref, ref_reason = _finite_1d(reference)
    cur, cur_reason = _finite_1d(current)
    reason = ref_reason or cur_reason
    if reason is None and ref.size < 2:
        reason = "too_few"
    if reason is None:
        scale = float(binary_scale(np.concatenate([ref, cur])))
        ref_scaled, cur_scaled = ref / scale, cur / scale
        sd = float(np.std(ref_scaled, ddof=1))
        # Not sd == 0: the mean of equal values can be off by an ulp, leaving sd ~1e-17.
        if ref.min() == ref.max() or not sd > 0:
            reason = "constant"
    if reason is None:
        distance = float(stats.wasserstein_distance(ref_scaled, cur_scaled)) / sd
        if not np.isfinite(distance):
            reason = "overflow"
    if reason is not None:
        return DistanceResult(None, reason, int(ref.size), int(cur.size))
    return DistanceResult(distance, None, int(ref.size), int(cur.size))


def reference_bin_edges(reference: np.ndarray, n_bins: int = 10) -> np.ndarray:
    """Interior bin edges from reference quantiles.

    Edges are the quantiles at k/n_bins, k = 1..n_bins−1, by linear
    interpolation between order statistics (Hyndman–Fan type 7, numpy's
    default, ``percentile_cont``/``quantile_cont`` in SQL), computed on the
    finite reference values, then de-duplicated (ties in the reference merge
    bins). Returns a sorted, strictly increasing array of at most n_bins−1
    edges (a single edge for a constant reference); empty when the reference
    has no finite value.
    """
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    ref, reason = _finite_1d(reference)
    if reason is not None or n_bins == 1:
        return np.empty(0)
    probs = np.arange(1, n_bins) / n_bins
    edges = np.quantile(ref, probs, method="linear")
    return np.unique(edges)


def histogram_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts in the right-closed bins (-inf, e1], (e1, e2], …, (ek, +inf).

    Returns ``len(edges) + 1`` integers. A value equal to an edge belongs to
    the bin that edge closes (x <= e). NaN is null and not counted; ±inf are
    counted in the two open-ended outer bins.
    """
    edges = np.asarray(edges, dtype=np.float64).ravel()
    if edges.size > 1 and np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be strictly increasing")
    arr = np.asarray(values, dtype=np.float64).ravel()
    arr = arr[~np.isnan(arr)]
    index = np.searchsorted(edges, arr, side="left")
    return np.bincount(index, minlength=edges.size + 1).astype(np.int64)



@dataclass(frozen=True)
class MeanShift:
    """Result of :func:`standardized_mean_difference`: ``effect`` = |Δmean| / sd_ref,
    ``statistic`` = Welch's z, ``pvalue`` two-sided."""

    statistic: float | None
    pvalue: float | None
    effect: float | None
    skipped_reason: str | None = None


def standardized_mean_difference(
    n_ref: int, mean_ref: float, sd_ref: float, n_cur: int, mean_cur: float, sd_cur: float
) -> MeanShift:
    """Shift of a mean from summary statistics (used for P(x | y) per class, where only
    per-window moments are stored). effect = |mean_cur − mean_ref| / sd_ref; Welch's
    z = (mean_cur − mean_ref) / sqrt(sd_cur²/n_cur + sd_ref²/n_ref), p = 2 Φ̄(|z|) (the
    normal limit of Welch's t, which the window sizes this is used at reach). Skipped:
    ``'too_few'`` with fewer than 2 values on a side, ``'constant'`` when sd_ref is 0.
    """
    if n_ref < 2 or n_cur < 2:
        return MeanShift(None, None, None, "too_few")
    if not (sd_ref > 0 and np.isfinite(sd_ref)):
        return MeanShift(None, None, None, "constant")
    difference = mean_cur - mean_ref
    se = float(np.sqrt(sd_cur * sd_cur / n_cur + sd_ref * sd_ref / n_ref))
    z = difference / se
    return MeanShift(float(z), float(2.0 * stats.norm.sf(abs(z))), float(abs(difference) / sd_ref))
