"""Tests and distances on category counts (or aligned histogram bin counts).

Inputs are either two mappings ``category -> count`` (reference, current) or
two aligned 1-D arrays of counts (histogram bins from
:func:`python_checks.stats.distances.histogram_counts`). With mappings the
category set is the union of both; a category missing from one side has
count 0 there. Keys ``None`` and float NaN are the null category: nulls are
removed before testing (null rates are monitored separately).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .distances import DistanceResult

__all__ = ["Chi2Result", "chi2_test", "js_distance", "psi", "PSI_EPSILON"]

Counts = Mapping[object, float] | np.ndarray | list | tuple

#: Floor for a bin's share in PSI (an empty bin would make ln(c/r) infinite).
PSI_EPSILON = 1e-4


@dataclass(frozen=True)
class Chi2Result:
    """Result of :func:`chi2_test`.

    ``unseen_categories`` are categories with current count > 0 and reference
    count 0 (sorted by ``str``); ``unseen_count`` is their total current count.
    They stay in the test (as columns with reference count 0) and are reported
    here so they are never lost silently. ``statistic``/``pvalue``/``dof`` are
    ``None`` when skipped (``'empty'``, ``'all_null'``, ``'constant'``).
    """

    statistic: float | None
    pvalue: float | None
    dof: int | None
    unseen_categories: tuple[str, ...]
    unseen_count: int
    skipped_reason: str | None = None
    n_reference: int = 0
    n_current: int = 0


def _is_null_key(key: object) -> bool:
    return key is None or (isinstance(key, float) and math.isnan(key))


def _align(reference: Counts, current: Counts) -> tuple[list[str], np.ndarray, np.ndarray, bool]:
    """Return (category labels, reference counts, current counts, had_nulls)."""
    if isinstance(reference, Mapping) or isinstance(current, Mapping):
        if not (isinstance(reference, Mapping) and isinstance(current, Mapping)):
            raise TypeError("pass two mappings or two aligned arrays, not a mix")
        had_nulls = any(
            _is_null_key(k) and v for k, v in list(reference.items()) + list(current.items())
        )
        keys: list[object] = [k for k in reference if not _is_null_key(k)]
        seen = set(keys)
        keys += [k for k in current if not _is_null_key(k) and k not in seen]
        ref = np.array([float(reference.get(k, 0) or 0) for k in keys], dtype=np.float64)
        cur = np.array([float(current.get(k, 0) or 0) for k in keys], dtype=np.float64)
        labels = [str(k) for k in keys]
    else:
        ref = np.asarray(reference, dtype=np.float64).ravel()
        cur = np.asarray(current, dtype=np.float64).ravel()
        if ref.shape != cur.shape:
            raise ValueError(f"count arrays differ in length: {ref.shape} vs {cur.shape}")
        had_nulls = bool(np.isnan(ref).any() or np.isnan(cur).any())
        ref = np.nan_to_num(ref, nan=0.0)
        cur = np.nan_to_num(cur, nan=0.0)
        labels = [str(i) for i in range(ref.size)]
    if np.any(ref < 0) or np.any(cur < 0):
        raise ValueError("counts must be non-negative")
    return labels, ref, cur, had_nulls


def _empty_reason(ref_total: float, cur_total: float, had_nulls: bool) -> str | None:
    if ref_total > 0 and cur_total > 0:
        return None
    return "all_null" if had_nulls else "empty"


def chi2_test(reference_counts: Counts, current_counts: Counts) -> Chi2Result:
    """Pearson chi² test of homogeneity on the 2×K table (reference, current).

    Equal to ``scipy.stats.chi2_contingency(table, correction=False)`` after
    dropping categories whose total count is 0: statistic Σ (O − E)²/E with
    E = row total × column total / N, dof = K − 1, p from the chi² upper tail.
    Categories seen only in the current window are kept and also reported in
    ``unseen_categories``/``unseen_count``. Skipped: ``'empty'`` (a side has no
    counts), ``'all_null'`` (only null counts), ``'constant'`` (fewer than two
    categories with counts, so nothing can differ).
    """
    labels, ref, cur, had_nulls = _align(reference_counts, current_counts)
    unseen_mask = (ref == 0) & (cur > 0)
    unseen = tuple(sorted(labels[i] for i in np.flatnonzero(unseen_mask)))
    unseen_count = int(cur[unseen_mask].sum())
    ref_total, cur_total = float(ref.sum()), float(cur.sum())
    reason = _empty_reason(ref_total, cur_total, had_nulls)
    keep = (ref + cur) > 0
    if reason is None and int(keep.sum()) < 2:
        reason = "constant"
    if reason is not None:
        return Chi2Result(
            None, None, None, unseen, unseen_count, reason, int(ref_total), int(cur_total)
        )
    table = np.vstack([ref[keep], cur[keep]])
    result = stats.chi2_contingency(table, correction=False)
    return Chi2Result(
        float(result.statistic),
        float(result.pvalue),
        int(result.dof),
        unseen,
        unseen_count,
        None,
        int(ref_total),
        int(cur_total),
    )


def js_distance(reference_counts: Counts, current_counts: Counts) -> DistanceResult:
    """Jensen–Shannon distance, base 2, between the two count vectors.

    Counts are normalised to shares p, q; with M = (p + q)/2,
    JS = sqrt((KL(p‖M) + KL(q‖M)) / 2) in bits, in [0, 1]: the value of
    ``scipy.spatial.distance.jensenshannon(p, q, base=2)``, computed without its
    cancellation. Per category, with s = p + q and d = (p − q)/s, the two KL terms
    sum to (s/2)·f(d), f(d) = (1+d)·ln(1+d) + (1−d)·ln(1−d) = Σ_k d^(2k)/(k(2k−1)).
    d comes from the counts as an exact ratio, and f from its series when |d| < 1/2,
    so a category whose shares differ by 1e-12 adds ~d² exactly, where scipy's
    difference of two nearly equal logarithms can be off by 1e-4 relative (found by
    the property tests at counts near 1e12). Empty bins need no epsilon (0·log 0 =
    0). Skipped: ``'empty'``/``'all_null'``.
    """
    _, ref, cur, had_nulls = _align(reference_counts, current_counts)
    ref_total, cur_total = float(ref.sum()), float(cur.sum())
    reason = _empty_reason(ref_total, cur_total, had_nulls)
    if reason is not None:
        return DistanceResult(None, reason, int(ref_total), int(cur_total))
    a_total, b_total = Fraction(ref_total), Fraction(cur_total)
    total = 0.0
    for a, b in zip(ref.tolist(), cur.tolist()):
        if a == 0 and b == 0:
            continue
        cross_a, cross_b = Fraction(a) * b_total, Fraction(b) * a_total  # p, q scaled by both totals
        d = float((cross_a - cross_b) / (cross_a + cross_b))
        s = float((cross_a + cross_b) / (a_total * b_total))
        total += s / 2 * _js_f(d)
    value = min(math.sqrt(max(total, 0.0) / (2 * math.log(2))), 1.0)
    return DistanceResult(value, None, int(ref_total), int(cur_total))


def _js_f(d: float) -> float:
    """(1+d)·ln(1+d) + (1−d)·ln(1−d) for d in [−1, 1]; its series below |d| = 1/2."""
    if abs(d) >= 0.5:
        return sum(x * math.log(x) for x in (1 + d, 1 - d) if x > 0)
    d2, power, total = d * d, d * d, 0.0
    for k in range(1, 200):
        term = power / (k * (2 * k - 1))
        total += term
        if term <= total * 1e-17:
            break
        power *= d2
    return total


def psi(
    reference_counts: Counts, current_counts: Counts, epsilon: float = PSI_EPSILON
) -> DistanceResult:
    """Population stability index PSI = Σ (c_i − r_i)·ln(c_i / r_i).

    r_i, c_i are the reference and current shares of bin/category i; a share
    below ``epsilon`` (default 1e-4) is raised to ``epsilon`` before the sum,
    without renormalising, so empty bins and categories unseen in the
    reference contribute a large but finite term. Skipped: ``'empty'``/
    ``'all_null'``.
    """
    _, ref, cur, had_nulls = _align(reference_counts, current_counts)
    ref_total, cur_total = float(ref.sum()), float(cur.sum())
    reason = _empty_reason(ref_total, cur_total, had_nulls)
    if reason is not None:
        return DistanceResult(None, reason, int(ref_total), int(cur_total))
    r = np.maximum(ref / ref_total, epsilon)
    c = np.maximum(cur / cur_total, epsilon)
    value = float(np.sum((c - r) * np.log(c / r)))
    return DistanceResult(value, None, int(ref_total), int(cur_total))
