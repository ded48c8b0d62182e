"""Label shift without labels: black-box shift estimation (BBSE).

Lipton, Wang and Smola, "Detecting and Correcting for Label Shift with Black Box
Predictors", ICML 2018. Under label shift P(x | y) is fixed and only P(y) moves, so the
distribution of a fixed classifier's predictions in the current window is the reference
confusion matrix applied to the current class priors:

    μ_cur(ŷ = i) = Σ_j C[i, j] · w_j,    C[i, j] = P_ref(ŷ = i, y = j),  w_j = q_j / p_j

Solving C w = μ_cur gives the importance weights w and the current priors q_j = w_j p_j,
from the reference's labelled events and the current window's predictions alone, before
any current label arrives.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["LabelShiftEstimate", "bbse"]

#: Bootstrap replicates for the interval and the covariance of the estimate.
DEFAULT_BOOTSTRAP = 1000


@dataclass(frozen=True)
class LabelShiftEstimate:
    """The estimated current class priors with ``confidence`` percentile-bootstrap
    intervals. ``statistic`` is the total-variation distance ½ Σ |q − p| between the
    estimated and the reference priors (for two classes: the move of either prior);
    ``pvalue`` tests q = p with the bootstrap covariance (Wald χ², k − 1 degrees of
    freedom). ``skipped_reason`` is set, and the numbers are empty, when the estimate
    is undefined: ``'empty'`` (no current predictions), ``'empty_reference'`` (no
    labelled reference events), ``'unseen_class'`` (a predicted class the reference
    never predicted nor labelled), ``'one_class'``, ``'singular_confusion'``."""

    classes: tuple[str, ...]
    reference_prior: tuple[float, ...]
    estimated_prior: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    statistic: float | None
    pvalue: float | None
    skipped_reason: str | None = None
    condition_number: float | None = None


def _skipped(reason: str, classes: Sequence[str] = ()) -> LabelShiftEstimate:
    return LabelShiftEstimate(tuple(classes), (), (), (), (), None, None, reason)


def _solve(joint: np.ndarray, predicted_share: np.ndarray) -> np.ndarray:
    """q from one (reference joint, current predicted shares) pair: w = C⁻¹ μ, clipped at
    0 (a negative weight is sampling noise), q = w·p renormalised to sum 1. Works on
    stacked replicates (leading axis) as well."""
    prior = joint.sum(axis=-2)
    w = np.linalg.solve(joint, predicted_share[..., None])[..., 0]
    q = np.clip(w, 0.0, None) * prior
    total = q.sum(axis=-1, keepdims=True)
    return np.divide(q, total, out=np.full_like(q, np.nan), where=total > 0)


def bbse(
    reference_confusion: Mapping[tuple[str, str], int],
    current_predicted: Mapping[str, int],
    *,
    bootstrap: int = DEFAULT_BOOTSTRAP,
    confidence: float = 0.95,
    seed: int = 0,
) -> LabelShiftEstimate:
    """BBSE estimate of the current class priors.

    ``reference_confusion`` maps (predicted class, true class) to the count of
    labelled reference events; ``current_predicted`` maps a predicted class to its
    count in the current window (labelled or not). Classes are the true classes of the
    reference, sorted as strings. The interval is the percentile interval of a
    parametric bootstrap that redraws both sources of noise: the reference confusion
    counts (multinomial over its cells) and the current predictions (multinomial with
    the current shares), ``bootstrap`` seeded replicates.
    """
    classes = sorted({str(y) for (_, y), n in reference_confusion.items() if n > 0})
    if sum(current_predicted.values()) <= 0:
        return _skipped("empty", classes)
    if not classes:
        return _skipped("empty_reference")
    if len(classes) < 2:
        return _skipped("one_class", classes)
    index = {c: i for i, c in enumerate(classes)}
    k = len(classes)
    counts = np.zeros((k, k))
    for (predicted, actual), n in reference_confusion.items():
        predicted, actual = str(predicted), str(actual)
        if n <= 0:
            continue
        if predicted not in index:
            return _skipped("unseen_class", classes)
        counts[index[predicted], index[actual]] += n
    current = np.zeros(k)
    for predicted, n in current_predicted.items():
        if n <= 0:
            continue
        if str(predicted) not in index:
            return _skipped("unseen_class", classes)
        current[index[str(predicted)]] += n

    n_ref, n_cur = counts.sum(), current.sum()
    joint = counts / n_ref
    condition = float(np.linalg.cond(joint))
    if not math.isfinite(condition) or condition > 1e8:
        return _skipped("singular_confusion", classes)
    prior = joint.sum(axis=0)
    estimate = _solve(joint, current / n_cur)

    rng = np.random.default_rng([seed, 0x62627365])
    joint_b = rng.multinomial(int(n_ref), joint.ravel(), size=bootstrap).reshape(bootstrap, k, k) / n_ref
    current_b = rng.multinomial(int(n_cur), current / n_cur, size=bootstrap) / n_cur
    # A replicate whose confusion matrix is singular has no estimate; it is left out.
    invertible = np.abs(np.linalg.det(joint_b)) > 1e-12
    replicates = _solve(joint_b[invertible], current_b[invertible])
    replicates = replicates[np.all(np.isfinite(replicates), axis=1)]
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail], axis=0)

    difference = (estimate - prior)[:-1]  # the priors sum to 1: k − 1 free components
    covariance = np.atleast_2d(np.cov(replicates[:, :-1], rowvar=False))
    wald = float(difference @ np.linalg.pinv(covariance) @ difference)
    pvalue = float(stats.chi2.sf(wald, k - 1))
    return LabelShiftEstimate(
        tuple(classes), tuple(map(float, prior)), tuple(map(float, estimate)),
        tuple(map(float, low)), tuple(map(float, high)),
        float(0.5 * np.abs(estimate - prior).sum()), pvalue, None, condition)
