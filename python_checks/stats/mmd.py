"""Maximum mean discrepancy (MMD) two-sample test.

Gaussian kernel k(x, y) = exp(−‖x − y‖² / (2σ²)) on features standardised with
the *reference* mean and standard deviation (ddof=1), σ by the median heuristic
on the pooled sample, and the unbiased estimator MMD²_u of Gretton et al.
(2012), "A Kernel Two-Sample Test", JMLR 13:723–773, eq. (3).

p-values
--------
* ``'permutation'``: p = (1 + #{MMD²_perm ≥ MMD²_obs}) / (B + 1) over B seeded
  relabellings of the pooled sample, all evaluated by one matrix product.
* Floors. The permutation p-value cannot fall below 1/(B + 1), which hides a
  real joint shift once Benjamini–Hochberg divides alpha by hundreds of
  tests. Two remedies, applied only when no permutation reaches the observed
  value: (1) adaptive permutation counts: further seeded batches of B are
  drawn, up to ``max_permutations`` (default 2000), stopping as soon as one
  reaches the observed value (a valid sequential permutation p-value) or the
  fitted tail below is already under ``decisive_pvalue`` (1e-6);
  (2) ``'pearson3_tail'``: if none does, a Pearson type III (shifted gamma)
  curve is fitted to the mean, variance and skewness of all permutation
  statistics (the null of MMD²_u is a weighted sum of centred chi-squares,
  which such curves follow closely; Gretton et al., NIPS 2009, used Pearson
  curves for MMD) and its upper tail at MMD²_obs is reported, capped at the
  floor 1/(B_used + 1). Above that floor the test is exactly the permutation
  test; only p-values below it come from the curve. Calibration is measured
  in tests (docs/statistics.md).
* ``'linear_asymptotic'``: above ``max_exact`` rows in either sample, the
  linear-time block statistic (B-test, a blocked form of Gretton et al.'s
  2012 linear-time MMD) with a Student-t p-value over independent blocks.

Null handling: features with no finite value on one side are dropped (an
all-null column in a window must not void the test of the others); then rows
with NaN or ±inf in any remaining feature are dropped (±inf has no place in a
Gaussian kernel). Features that are constant in the reference (std 0) are
dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist

from .distances import binary_scale

__all__ = [
    "MMDResult",
    "MMDAttribution",
    "mmd_test",
    "mmd_unbiased",
    "mmd_statistic",
    "median_bandwidth",
    "leave_one_feature_out",
]

# Kernel rows are produced in blocks of about this many entries (8 MB), which
# keeps memory bounded for large samples and the element-wise passes in cache.
_BLOCK_ENTRIES = 1_000_000
# Up to this many features the kernel's cross products are summed feature by
# feature rather than by a (thin, badly threaded) BLAS call.
_THIN_FEATURES = 16
# The full kernel matrix is kept across permutation batches up to this size
# (128 MB), i.e. up to 4000 pooled rows.
_CACHE_ENTRIES = 16_000_000

#: σ = DEFAULT_BANDWIDTH_SCALE × median pooled pairwise distance. With σ equal
#: to the full median distance (scale 1) a change of dependence between two of
#: ten features is nearly invisible (see docs/statistics.md for the numbers).
DEFAULT_BANDWIDTH_SCALE = 0.35


@dataclass(frozen=True)
class MMDResult:
    """Result of :func:`mmd_test`.

    ``statistic`` is MMD²_u (or MMD²_l for ``'linear_asymptotic'``), an
    estimate of the same population MMD² and therefore on the same scale for
    the effect gate. ``statistic``/``pvalue``/``bandwidth`` are ``None`` when
    skipped; ``skipped_reason`` is then one of ``'empty'``, ``'all_null'``,
    ``'too_few'``, ``'constant'``, ``'overflow'`` (values so far apart in reference
    sds that squared distances exceed the double range). ``n_reference``/``n_current`` count the rows
    actually used; ``n_features`` the features left after dropping all-null and
    constant ones, and ``features`` their indices among the input columns.
    """

    statistic: float | None
    pvalue: float | None
    bandwidth: float | None
    permutations: int
    pvalue_method: str | None
    n_reference: int
    n_current: int
    skipped_reason: str | None = None
    n_features: int = 0
    features: tuple[int, ...] = ()


@dataclass(frozen=True)
class MMDAttribution:
    """Result of :func:`leave_one_feature_out`.

    ``contributions[j]`` = MMD²_u(all features) − MMD²_u(all but feature j),
    aligned with the input columns; NaN for features dropped as constant.
    """

    statistic: float | None
    contributions: tuple[float, ...]
    skipped_reason: str | None = None


# --------------------------------------------------------------------------- preparation


@dataclass(frozen=True)
class _Prepared:
    reference: np.ndarray  # finite rows, kept features, each divided by a power of two (binary_scale)
    current: np.ndarray
    kept: np.ndarray  # indices of kept input columns
    n_reference: int
    n_current: int
    skipped_reason: str | None


def _as_2d(values: np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D array (rows x features), got shape {arr.shape}")
    return arr


def _prepare(reference: np.ndarray, current: np.ndarray) -> _Prepared:
    ref = _as_2d(reference)
    cur = _as_2d(current)
    if ref.shape[1] != cur.shape[1]:
        raise ValueError(
            f"reference has {ref.shape[1]} features but current has {cur.shape[1]}"
        )
    empty = np.empty((0, 0))
    none_kept = np.empty(0, dtype=np.int64)
    if ref.shape[0] == 0 or cur.shape[0] == 0 or ref.shape[1] == 0:
        return _Prepared(empty, empty, none_kept, ref.shape[0], cur.shape[0], "empty")
    with_values = np.flatnonzero(np.isfinite(ref).any(axis=0) & np.isfinite(cur).any(axis=0))
    if with_values.size == 0:
        return _Prepared(empty, empty, none_kept, ref.shape[0], cur.shape[0], "all_null")
    ref = ref[:, with_values]
    cur = cur[:, with_values]
    ref = ref[np.isfinite(ref).all(axis=1)]
    cur = cur[np.isfinite(cur).all(axis=1)]
    n, m = ref.shape[0], cur.shape[0]
    if n == 0 or m == 0:
        return _Prepared(empty, empty, none_kept, n, m, "all_null")
    if n < 2 or m < 2:
        return _Prepared(empty, empty, none_kept, n, m, "too_few")
    # Exact, and undone by standardisation; keeps the moments of huge or tiny values finite.
    scale = binary_scale(np.vstack([ref, cur]), axis=0)
    ref, cur = ref / scale, cur / scale
    # Equal values, not std > 0: the mean of equal values can be off by an ulp (sd ~1e-17).
    varying = np.flatnonzero((ref.max(axis=0) > ref.min(axis=0)) & (ref.std(axis=0, ddof=1) > 0))
    if varying.size == 0:
        return _Prepared(empty, empty, none_kept, n, m, "constant")
    return _Prepared(ref[:, varying], cur[:, varying], with_values[varying], n, m, None)


def _standardize(
    ref: np.ndarray, cur: np.ndarray, basis: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale both samples with the mean and std (ddof=1) of ``basis``."""
    mean = basis.mean(axis=0)
    std = basis.std(axis=0, ddof=1)
    return (ref - mean) / std, (cur - mean) / std


def median_bandwidth(pooled: np.ndarray, *, max_points: int = 1000, seed: int = 0) -> float:
    """Median heuristic: the median Euclidean distance over pairs i < j of the
    pooled rows. Above ``max_points`` rows the pairs are those among a seeded
    random subset of ``max_points`` rows (deterministic for a given seed).
    Zero distances (ties) are ignored when the median would be 0; returns 0.0
    only if all rows coincide."""
    pooled = _as_2d(pooled)
    if pooled.shape[0] > max_points:
        rng = np.random.default_rng([seed, 0x6D6D64])
        pooled = pooled[np.sort(rng.choice(pooled.shape[0], max_points, replace=False))]
    if pooled.shape[0] < 2:
        return 0.0
    dist = pdist(pooled)
    median = float(np.median(dist))
    if median == 0.0:
        positive = dist[dist > 0]
        median = float(np.median(positive)) if positive.size else 0.0
    return median


# --------------------------------------------------------------------------- statistic


def _sq_norms(x: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", x, x)


def _cross_products(x: np.ndarray, y: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """x @ y.T. With few features this is a thin GEMM, for which a
    multi-threaded BLAS spends more time synchronising threads than computing
    (30x slower when the cores are busy), so sum one outer product per
    feature instead."""
    if x.shape[1] > _THIN_FEATURES:
        return np.dot(x, y.T, out=out)
    if out is None:
        out = np.empty((x.shape[0], y.shape[0]))
    y_columns = np.ascontiguousarray(y.T)
    np.multiply(x[:, :1], y_columns[0], out=out)
    term = np.empty_like(out) if x.shape[1] > 1 else None
    for feature in range(1, x.shape[1]):
        np.multiply(x[:, feature : feature + 1], y_columns[feature], out=term)
        out += term
    return out


def _kernel(
    x: np.ndarray, y: np.ndarray, bandwidth: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Gaussian kernel matrix exp(−‖x_i − y_j‖² / (2σ²)), optionally written
    into ``out`` (reusing memory avoids page-faulting a fresh N×N array)."""
    scale = 1.0 / (2.0 * bandwidth * bandwidth)
    k = _cross_products(x, y, out)
    k *= 2.0 * scale
    k -= (scale * _sq_norms(x))[:, None]
    k -= (scale * _sq_norms(y))[None, :]
    np.minimum(k, 0.0, out=k)  # −‖·‖² ≤ 0; rounding can leave +1e-16
    return np.exp(k, out=k)


def mmd_unbiased(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    """Unbiased MMD²_u with k(a, b) = exp(−‖a − b‖² / (2·bandwidth²)):

    MMD²_u = Σ_{i≠j} k(x_i, x_j)/(n(n−1)) + Σ_{i≠j} k(y_i, y_j)/(m(m−1))
             − 2 Σ_{i,j} k(x_i, y_j)/(nm)

    on the arrays as given (no standardisation, no NaN handling; n, m ≥ 2).
    Gretton et al. (2012), JMLR, eq. (3).
    """
    x = _as_2d(x)
    y = _as_2d(y)
    n, m = x.shape[0], y.shape[0]
    k_xx = _kernel(x, x, bandwidth)
    k_yy = _kernel(y, y, bandwidth)
    k_xy = _kernel(x, y, bandwidth)
    s_xx = k_xx.sum() - np.trace(k_xx)
    s_yy = k_yy.sum() - np.trace(k_yy)
    return float(s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2.0 * k_xy.sum() / (n * m))


def _mmd_from_forms(
    quad: np.ndarray, lin: np.ndarray, total: float, n: int, m: int
) -> np.ndarray:
    """MMD²_u for label vectors a (1 = reference) from a'Ka, a'K1 and 1'K1.

    The Gaussian kernel has k(x, x) = 1, so the diagonal sums are n and m.
    """
    s_xx = quad - n
    s_xy = lin - quad
    s_yy = total - 2.0 * lin + quad - m
    return s_xx / (n * (n - 1)) + s_yy / (m * (m - 1)) - 2.0 * s_xy / (n * m)


def _kernel_blocks(pooled: np.ndarray, bandwidth: float, whole: bool = False):
    """Yield (start, stop, K[start:stop, :]) with an exact unit diagonal.

    K is built in row blocks of about ``_BLOCK_ENTRIES`` entries so that the
    element-wise passes stay in cache. Blocks share one buffer (each is
    overwritten by the next: consume it before advancing); with
    ``whole=True`` the blocks are written into one N×N matrix, yielded once.
    """
    total_rows = pooled.shape[0]
    block = max(1, min(total_rows, _BLOCK_ENTRIES // total_rows))
    buffer = np.empty((total_rows if whole else block, total_rows))
    for start in range(0, total_rows, block):
        stop = min(start + block, total_rows)
        target = buffer[start:stop] if whole else buffer[: stop - start]
        k_block = _kernel(pooled[start:stop], pooled, bandwidth, out=target)
        # k(x, x) = 1 exactly; the expanded squared distance can leave ~1e-16.
        k_block[np.arange(stop - start), np.arange(start, stop)] = 1.0
        if not whole:
            yield start, stop, k_block
    if whole:
        yield 0, total_rows, buffer


def _mmd_pooled(pooled: np.ndarray, n: int, bandwidth: float) -> float:
    """MMD²_u of rows [:n] against rows [n:], kernel evaluated block by block."""
    m = pooled.shape[0] - n
    label = np.zeros(pooled.shape[0])
    label[:n] = 1.0
    quad = lin = total = 0.0
    for start, stop, k_block in _kernel_blocks(pooled, bandwidth):
        row_sums = k_block.sum(axis=1)
        total += float(row_sums.sum())
        lin += float(row_sums @ label[start:stop])
        quad += float(label[start:stop] @ (k_block @ label))
    return float(_mmd_from_forms(np.array(quad), np.array(lin), total, n, m))


def _permutation_labels(
    total_rows: int, n: int, permutations: int, seed: int | list[int]
) -> np.ndarray:
    """(N × (B+1)) 0/1 matrix: column 0 marks rows [:n] (the observed split),
    columns 1..B are independent uniform relabellings with n ones each."""
    rng = np.random.default_rng(seed)
    # the n smallest of N i.i.d. uniform keys form a uniform random n-subset
    keys = rng.random((permutations, total_rows))
    chosen = np.argpartition(keys, n - 1, axis=1)[:, :n] if n < total_rows else None
    labels = np.zeros((total_rows, permutations + 1))
    labels[:n, 0] = 1.0
    if chosen is None:
        labels[:, 1:] = 1.0
    else:
        labels[chosen, np.arange(1, permutations + 1)[:, None]] = 1.0
    return labels


class _PermutationKernel:
    """The pooled kernel matrix as row blocks (with their row sums), kept in
    memory when K has at most ``_CACHE_ENTRIES`` entries (so extra permutation
    batches cost one GEMM each), otherwise recomputed per batch. Everything is
    float64: float32 would halve the GEMM but moves a permutation count by one
    in ~1-2% of tests, which would make stored p-values machine-dependent.
    """

    def __init__(self, pooled: np.ndarray, bandwidth: float):
        self.pooled = pooled
        self.bandwidth = bandwidth
        self.cached = None
        if pooled.shape[0] ** 2 <= _CACHE_ENTRIES:
            self.cached = list(self._compute(whole=True))

    def _compute(self, whole: bool = False):
        for start, stop, k_block in _kernel_blocks(self.pooled, self.bandwidth, whole):
            yield start, stop, k_block.sum(axis=1), k_block

    def blocks(self):
        return self.cached if self.cached is not None else self._compute()


def _permutation_statistics(
    kernel: _PermutationKernel, n: int, permutations: int, seed: int | list[int]
) -> tuple[float, np.ndarray]:
    """Observed MMD²_u and B permuted values from one pass over the kernel.

    Column 0 of the label matrix is the observed split, columns 1..B are
    seeded uniform relabellings; each row block of K is multiplied by all
    labels at once (K_block @ A), so there is no Python loop over permutations.
    """
    total_rows = kernel.pooled.shape[0]
    m = total_rows - n
    labels = _permutation_labels(total_rows, n, permutations, seed)
    quad = np.zeros(permutations + 1)
    lin = np.zeros(permutations + 1)
    total = 0.0
    for start, stop, row_sums, k_block in kernel.blocks():
        total += float(row_sums.sum())
        lin += row_sums @ labels[start:stop]
        quad += np.einsum("ij,ij->j", labels[start:stop], k_block @ labels)
    values = _mmd_from_forms(quad, lin, total, n, m)
    return float(values[0]), values[1:]


def _pearson3_tail(observed: float, null_values: np.ndarray) -> float | None:
    """Upper tail at ``observed`` of a Pearson III curve with the sample mean,
    variance and skewness of ``null_values``; None if the null is degenerate."""
    if null_values.size < 3:
        return None
    sd = float(np.std(null_values, ddof=1))
    if not sd > 0:
        return None
    mean = float(np.mean(null_values))
    skew = float(stats.skew(null_values, bias=False))
    return float(stats.pearson3.sf(observed, skew, loc=mean, scale=sd))


def _block_mmd(
    ref: np.ndarray, cur: np.ndarray, bandwidth: float, block_size: int, seed: int
) -> tuple[float, float, int]:
    """Linear-time block MMD (the B-test; Zaremba, Gretton & Blaschko, NeurIPS
    2013), which generalises Gretton et al.'s (2012, sec. 6) linear statistic
    (block size 2) with far more power at the same O(n) cost for fixed b.

    Both samples are shuffled (seeded); k = max(30, ⌊min(n, m)/b⌋) blocks
    (fewer only if the smaller sample has under 60 rows) of s = ⌊min(n, m)/k⌋
    rows are taken from each, so the larger sample is subsampled to the
    smaller's size. MMD²_u is computed within each block pair; the k values
    are i.i.d. with mean MMD², so their mean is the statistic and
    p = P(t_{k−1} ≥ mean / (sd/√k)). Returns (statistic, p-value, k).
    """
    rng = np.random.default_rng([seed, 0x6C696E])
    n, m = ref.shape[0], cur.shape[0]
    smaller = min(n, m)
    blocks = max(2, min(smaller // 2, max(30, smaller // block_size)))
    size = smaller // blocks
    x = ref[rng.permutation(n)[: blocks * size]].reshape(blocks, size, -1)
    y = cur[rng.permutation(m)[: blocks * size]].reshape(blocks, size, -1)
    values = np.empty(blocks)
    for b in range(blocks):
        values[b] = _mmd_pooled(np.vstack([x[b], y[b]]), size, bandwidth)
    statistic = float(values.mean())
    se = float(values.std(ddof=1) / math.sqrt(blocks))
    if se > 0:
        pvalue = float(stats.t.sf(statistic / se, blocks - 1))
    else:
        pvalue = 1.0 if statistic <= 0 else 0.0
    return statistic, pvalue, blocks


def mmd_test(
    reference: np.ndarray,
    current: np.ndarray,
    *,
    permutations: int = 500,
    seed: int = 0,
    max_exact: int = 5000,
    bandwidth_scale: float = DEFAULT_BANDWIDTH_SCALE,
    bandwidth: float | None = None,
    bandwidth_max_points: int = 1000,
    max_permutations: int = 2000,
    tail_remedy: bool = True,
    tail_min_permutations: int = 200,
    decisive_pvalue: float = 1e-6,
    block_size: int = 250,
) -> MMDResult:
    """Unbiased MMD² with a Gaussian kernel (median-heuristic bandwidth) and a
    permutation p-value (1 + #{perm ≥ obs}) / (B + 1); Gretton et al., JMLR 2012.

    Inputs are (rows × features) arrays (1-D means one feature). Features with
    no finite value on a side are dropped, then rows with NaN or ±inf in any
    remaining feature; features constant in the reference are dropped. σ = ``bandwidth_scale`` × median pooled pairwise distance
    (``bandwidth`` overrides σ directly, in standardised units).

    ``statistic`` is MMD²_u on features standardised with the reference mean
    and std (ddof=1): one scale for every window tested against a reference,
    which the effect gate needs. The permutation p-value is computed on the
    same data standardised with the *pooled* mean and std instead: that
    transform does not depend on the labels, so the relabellings are exactly
    exchangeable under H0 (scaling by the labelled reference would favour the
    observed split, making the test only approximately valid at small n).

    When no permutation reaches the observed value, more seeded batches of B
    are drawn up to ``max_permutations`` (not once the fitted tail is below
    ``decisive_pvalue``, 1e-6: that passes BH in any family of fewer than
    alpha/1e-6 = 50 000 tests); if still none does, ``tail_remedy``
    is on and at least ``tail_min_permutations`` were drawn, the p-value is the
    Pearson III tail described in the module docstring
    (``pvalue_method='pearson3_tail'``), never above 1/(B_used + 1); with
    fewer permutations the fitted skewness is too noisy for the far tail.
    ``permutations`` in the result is the number actually drawn. When either
    sample has more than ``max_exact`` rows, the block linear-time statistic
    (``block_size`` rows per block) and its t p-value are used instead
    (``'linear_asymptotic'``, permutations 0).
    Degenerate input returns ``statistic=None`` with a ``skipped_reason``.
    """
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    prep = _prepare(reference, current)
    n, m = prep.n_reference, prep.n_current
    if prep.skipped_reason is not None:
        return MMDResult(None, None, None, permutations, None, n, m, prep.skipped_reason)
    n_features = int(prep.kept.size)
    features = tuple(int(i) for i in prep.kept)

    ref_z, cur_z = _standardize(prep.reference, prep.current, prep.reference)
    pooled_z = np.vstack([ref_z, cur_z])
    sigma = bandwidth
    if sigma is None:
        median = median_bandwidth(pooled_z, max_points=bandwidth_max_points, seed=seed)
        sigma = bandwidth_scale * median
    overflow = MMDResult(None, None, None, permutations, None, n, m, "overflow", n_features, features)
    if not (np.isfinite(pooled_z).all() and math.isfinite(sigma)):
        return overflow  # a window astronomically many reference sds away: no finite kernel
    if not sigma > 0:
        return MMDResult(None, None, None, permutations, None, n, m, "constant", n_features, features)

    if max(n, m) > max_exact:
        statistic, pvalue, _ = _block_mmd(ref_z, cur_z, sigma, block_size, seed)
        if not (math.isfinite(statistic) and math.isfinite(pvalue)):
            return overflow
        return MMDResult(
            statistic, pvalue, sigma, 0, "linear_asymptotic", n, m, None, n_features, features
        )

    statistic = _mmd_pooled(pooled_z, n, sigma)

    pooled_raw = np.vstack([prep.reference, prep.current])
    test_ref, test_cur = _standardize(prep.reference, prep.current, pooled_raw)
    test_pooled = np.vstack([test_ref, test_cur])
    test_sigma = bandwidth
    if test_sigma is None:
        median = median_bandwidth(test_pooled, max_points=bandwidth_max_points, seed=seed)
        test_sigma = bandwidth_scale * median
    if not (test_sigma > 0 and math.isfinite(test_sigma) and math.isfinite(statistic)):
        return overflow
    kernel = _PermutationKernel(test_pooled, test_sigma)
    observed, null_values = _permutation_statistics(kernel, n, permutations, seed)
    exceed = int(np.count_nonzero(null_values >= observed))
    # Adaptive extension: only when nothing reached the observed value, draw
    # more batches (up to max_permutations). The reported count-based p stays
    # a valid permutation p-value, and the tail fit gets better moments.
    # It stops early once the fitted tail is decisive (below decisive_pvalue),
    # where more permutations could not change any decision.
    use_tail = tail_remedy
    batch = 1
    while exceed == 0 and null_values.size + permutations <= max_permutations:
        if use_tail and null_values.size >= tail_min_permutations:
            tail = _pearson3_tail(observed, null_values)
            if tail is not None and tail < decisive_pvalue:
                break
        _, more = _permutation_statistics(kernel, n, permutations, [seed, batch])
        null_values = np.concatenate([null_values, more])
        exceed = int(np.count_nonzero(more >= observed))
        batch += 1
    used = int(null_values.size)
    pvalue = (1 + exceed) / (used + 1)
    method = "permutation"
    if exceed == 0 and use_tail and used >= tail_min_permutations:
        tail = _pearson3_tail(observed, null_values)
        if tail is not None:
            pvalue = min(pvalue, tail)
            method = "pearson3_tail"
    return MMDResult(statistic, pvalue, sigma, used, method, n, m, None, n_features, features)


def mmd_statistic(
    reference: np.ndarray,
    current: np.ndarray,
    *,
    bandwidth_scale: float = DEFAULT_BANDWIDTH_SCALE,
    seed: int = 0,
    bandwidth_max_points: int = 1000,
) -> float | None:
    """The effect :func:`mmd_test` reports (MMD²_u on reference-standardised
    features, same bandwidth rule and preprocessing), without the test; None
    when the input is degenerate. Cost O((n + m)²)."""
    prep = _prepare(reference, current)
    if prep.skipped_reason is not None:
        return None
    ref_z, cur_z = _standardize(prep.reference, prep.current, prep.reference)
    pooled = np.vstack([ref_z, cur_z])
    median = median_bandwidth(pooled, max_points=bandwidth_max_points, seed=seed)
    if not median > 0:
        return None
    return _mmd_pooled(pooled, prep.n_reference, bandwidth_scale * median)


def leave_one_feature_out(
    reference: np.ndarray,
    current: np.ndarray,
    *,
    bandwidth_scale: float = DEFAULT_BANDWIDTH_SCALE,
    max_rows: int = 5000,
    seed: int = 0,
    bandwidth_max_points: int = 1000,
) -> MMDAttribution:
    """Attribute a multivariate MMD alert to features.

    For each feature j, contribution_j = MMD²_u(all) − MMD²_u(all but j), each
    with its own bandwidth by the same rule as :func:`mmd_test` and the same
    preprocessing (reference standardisation). A large positive contribution
    means the shift is visible only with feature j present (a marginal shift in
    j, or a change in its dependence on others); near zero or negative means
    the feature adds nothing. Samples above ``max_rows`` are subsampled (seeded).
    """
    prep = _prepare(reference, current)
    n_columns = _as_2d(reference).shape[1]
    if prep.skipped_reason is not None:
        return MMDAttribution(None, (math.nan,) * n_columns, prep.skipped_reason)
    rng = np.random.default_rng([seed, 0x6C6F666F])
    ref, cur = _standardize(prep.reference, prep.current, prep.reference)
    if ref.shape[0] > max_rows:
        ref = ref[np.sort(rng.choice(ref.shape[0], max_rows, replace=False))]
    if cur.shape[0] > max_rows:
        cur = cur[np.sort(rng.choice(cur.shape[0], max_rows, replace=False))]
    pooled = np.vstack([ref, cur])
    n = ref.shape[0]

    def statistic(columns: np.ndarray) -> float:
        sub = pooled[:, columns]
        median = median_bandwidth(sub, max_points=bandwidth_max_points, seed=seed)
        if not median > 0:
            return 0.0
        return _mmd_pooled(sub, n, bandwidth_scale * median)

    n_kept = prep.kept.size
    full = statistic(np.arange(n_kept))
    contributions = [math.nan] * n_columns
    for position, column in enumerate(prep.kept.tolist()):
        others = np.delete(np.arange(n_kept), position)
        contributions[column] = full - statistic(others) if others.size else full
    return MMDAttribution(full, tuple(contributions))
