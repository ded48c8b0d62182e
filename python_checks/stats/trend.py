"""Sustained trends over windows (the feedback-loop signal).

A model whose predictions feed back into its own inputs tends to concentrate: the top
predicted class or item takes a growing share, and the entropy of predictions falls. One
window's jump is a shift; a steady slide over many windows is a trend. The Mann–Kendall
test asks whether the series is monotone, and the Theil–Sen slope says by how much it
moved, so a tiny but steady drift over a long series stays below the effect gate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["TrendResult", "mann_kendall"]


@dataclass(frozen=True)
class TrendResult:
    """``statistic``: the Mann–Kendall S = Σ_{i<j} sign(x_j − x_i); ``pvalue``: two-sided,
    from its normal approximation with the tie correction; ``slope``: the Theil–Sen
    slope per step; ``effect``: |slope| · (n − 1), the change across the series.
    Skipped: ``'too_few'`` (fewer than 4 finite values), ``'constant'``."""

    statistic: float | None
    pvalue: float | None
    slope: float | None
    effect: float | None
    n: int = 0
    skipped_reason: str | None = None


def mann_kendall(values: Sequence[float | None]) -> TrendResult:
    """Mann–Kendall trend test of a series in time order (missing values dropped,
    keeping the positions of the rest). Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18
    over groups of t tied values; z = (S − sign(S)) / sqrt(Var(S)) (continuity
    correction); p = 2 Φ̄(|z|). Mann (1945), Kendall (1975); Sen (1968) for the slope.
    """
    x = np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)
    t = np.arange(x.size, dtype=np.float64)
    keep = np.isfinite(x)
    x, t = x[keep], t[keep]
    n = x.size
    if n < 4:
        return TrendResult(None, None, None, None, n, "too_few")
    if np.all(x == x[0]):
        return TrendResult(None, None, None, None, n, "constant")
    i, j = np.triu_indices(n, k=1)
    s = float(np.sign(x[j] - x[i]).sum())
    _, ties = np.unique(x, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    z = (s - math.copysign(1.0, s)) / math.sqrt(variance) if s != 0 else 0.0
    pvalue = float(2.0 * stats.norm.sf(abs(z)))
    slope = float(np.median((x[j] - x[i]) / (t[j] - t[i])))
    return TrendResult(s, pvalue, slope, abs(slope) * float(t[-1] - t[0]), n)
