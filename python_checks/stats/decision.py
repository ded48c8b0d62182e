"""Turning p-values and effects into drift decisions.

A (column, window, test) counts as drifted when its Benjamini–Hochberg q-value
is below alpha *and* its effect reaches the test's minimum effect; an alert
opens after ``persist`` consecutive drifted windows. See docs/statistics.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = [
    "TwoProportionResult",
    "benjamini_hochberg",
    "decide",
    "consecutive_runs",
    "two_proportion_test",
    "DEFAULT_MIN_EFFECT",
]

#: Minimum effects per test (the effect each test reports; see docs).
DEFAULT_MIN_EFFECT: dict[str, float] = {
    "ks": 0.1,
    "psi": 0.2,
    "js": 0.1,
    "wasserstein": 0.25,
    "mmd": 0.0008,
    "mmd_feature": 0.005,
    "accuracy": 0.05,
    "bbse": 0.1,
    "calibration": 0.05,
    "trend": 0.1,
}


def benjamini_hochberg(pvalues: Iterable[float | None]) -> np.ndarray:
    """Benjamini–Hochberg (1995) adjusted p-values (q-values).

    q_(i) = min_{j ≥ i} min(1, p_(j) · m / j) over the m non-missing p-values
    sorted ascending. NaN or None in → NaN out, and not counted in m. Equal to
    ``scipy.stats.false_discovery_control(p, method='bh')`` on the non-missing
    values. Rejecting every test with q ≤ alpha controls the false discovery
    rate at alpha for independent or positively dependent tests.
    """
    p = np.array([math.nan if v is None else float(v) for v in pvalues], dtype=np.float64)
    q = np.full(p.shape, math.nan)
    present = ~np.isnan(p)
    values = p[present]
    if np.any((values < 0) | (values > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    m = values.size
    if m <= 1:
        q[present] = values
        return q
    order = np.argsort(values)
    ranked = values[order]
    ranked *= m / np.arange(1, m + 1, dtype=np.float64)
    np.minimum.accumulate(ranked[::-1], out=ranked[::-1])
    adjusted = np.empty(m)
    adjusted[order] = ranked
    q[present] = np.clip(adjusted, 0.0, 1.0)
    return q


def decide(
    q: float | None, effect: float | None, alpha: float, min_effect: float
) -> bool:
    """Drifted iff q < alpha and effect ≥ min_effect. Missing (None/NaN) → False.

    The effect gate keeps huge windows, where every negligible shift is
    significant, from alerting; alpha with BH keeps many small windows from
    alerting on noise.
    """
    if q is None or effect is None:
        return False
    q, effect = float(q), float(effect)
    if math.isnan(q) or math.isnan(effect):
        return False
    return q < alpha and effect >= min_effect


def consecutive_runs(flags: Sequence[bool | None]) -> list[int]:
    """Length of the run of consecutive True ending at each position.

    ``[F, T, T, F, T] -> [0, 1, 2, 0, 1]``. None counts as False (a window that
    could not be tested breaks persistence). An alert with ``persist = k`` is
    open at positions where the run length is ≥ k.
    """
    runs: list[int] = []
    current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        runs.append(current)
    return runs


@dataclass(frozen=True)
class TwoProportionResult:
    """Result of :func:`two_proportion_test`; ``effect`` = p_ref − p_cur."""

    statistic: float | None
    pvalue: float | None
    effect: float | None
    skipped_reason: str | None = None


def two_proportion_test(
    successes_ref: int,
    n_ref: int,
    successes_cur: int,
    n_cur: int,
    alternative: str = "greater",
) -> TwoProportionResult:
    """Pooled two-proportion z-test, used for accuracy drops.

    z = (p_ref − p_cur) / sqrt(p̂ (1 − p̂) (1/n_ref + 1/n_cur)) with the pooled
    p̂ = (s_ref + s_cur) / (n_ref + n_cur). ``alternative='greater'`` tests
    H1: p_ref > p_cur (the current proportion is lower), p = Φ̄(z);
    ``'less'``: p = Φ(z); ``'two-sided'``: p = 2 Φ̄(|z|) (then z² equals the
    uncorrected 2×2 chi² statistic). Skipped: ``'empty'`` if a side has n = 0,
    ``'constant'`` if p̂ is 0 or 1 (no variance).
    """
    if alternative not in ("greater", "less", "two-sided"):
        raise ValueError(f"alternative must be greater, less or two-sided, got {alternative!r}")
    if n_ref <= 0 or n_cur <= 0:
        return TwoProportionResult(None, None, None, "empty")
    if not (0 <= successes_ref <= n_ref and 0 <= successes_cur <= n_cur):
        raise ValueError("successes must lie between 0 and n")
    p_ref = successes_ref / n_ref
    p_cur = successes_cur / n_cur
    effect = p_ref - p_cur
    pooled = (successes_ref + successes_cur) / (n_ref + n_cur)
    variance = pooled * (1.0 - pooled) * (1.0 / n_ref + 1.0 / n_cur)
    if not variance > 0:
        return TwoProportionResult(None, None, effect, "constant")
    z = effect / math.sqrt(variance)
    if alternative == "greater":
        pvalue = float(stats.norm.sf(z))
    elif alternative == "less":
        pvalue = float(stats.norm.cdf(z))
    else:
        pvalue = float(2.0 * stats.norm.sf(abs(z)))
    return TwoProportionResult(float(z), pvalue, float(effect))
