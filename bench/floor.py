"""The floor: what a careful engineer would write by hand for the same work as one
`shiftwatch run`, with no framework around it.

- one hand-written DuckDB query for the per-window statistics of the 20 numeric features
  (moments from sums of powers, 7 exact quantiles with quantile_cont, min/max, null
  counts, n_distinct) and one for the category counts of the 5 categorical ones;
- the feature arrays pulled through Arrow (``con.sql(q).to_arrow_table()``) and
  ``scipy.stats.ks_2samp`` per feature x window against the fixed reference (leave-one-out
  for reference windows, as shiftwatch does), chi² (``scipy.stats.chi2_contingency``, no
  continuity correction) per categorical feature x window on the counts;
- the same MMD: ``python_checks.stats.mmd_test`` on the same bounded deterministic samples
  (smallest md5(id) per window, the reference's smallest ``reference_sample_size``).

Run as ``python -m bench.floor DB OUT.json``; prints nothing, writes timings and results.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
from scipy import stats as sps

from bench.data import CATEGORICAL, DAYS, NUMERIC, REFERENCE_DAYS, TABLE, day_start
from python_checks.stats import mmd_test

QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
SAMPLE_SIZE = 2000
REFERENCE_SAMPLE_SIZE = 4000
PERMUTATIONS = 500


def _end() -> str:
    return day_start(DAYS).isoformat(sep=" ")


def stats_query(table: str = TABLE, end: str | None = None) -> str:
    """Per-window statistics of every numeric feature, wide, in one GROUP BY."""
    end = end or _end()
    q = "[" + ", ".join(str(x) for x in QUANTILES) + "]"
    parts = []
    for c in NUMERIC:
        parts += [f"count({c}) as {c}_n", f"sum({c}) as {c}_s1", f"sum({c} * {c}) as {c}_s2",
                  f"sum({c} * {c} * {c}) as {c}_s3", f"sum({c} * {c} * {c} * {c}) as {c}_s4",
                  f"min({c}) as {c}_min", f"max({c}) as {c}_max", f"quantile_cont({c}, {q}) as {c}_q",
                  f"count(distinct {c}) as {c}_nd"]
    return (f"select date_trunc('day', ts) as window_start, count(*) as n, {', '.join(parts)} "
            f"from main.{table} where ts < timestamp '{end}' group by 1 order by 1")


def category_query(table: str = TABLE, end: str | None = None) -> str:
    """Category counts per window of every categorical feature, in one GROUPING SETS query."""
    end = end or _end()
    sets = ", ".join(f"(1, {c})" for c in CATEGORICAL)
    which = " ".join(f"when grouping({c}) = 0 then '{c}'" for c in CATEGORICAL)
    value = "coalesce(" + ", ".join(CATEGORICAL) + ")"
    return (f"select date_trunc('day', ts) as window_start, case {which} end as column_name, {value} as category, "
            f"count(*) as n from main.{table} where ts < timestamp '{end}' "
            f"group by grouping sets ({sets}) order by 1, 2, 3")


def moments(n: np.ndarray, s1, s2, s3, s4) -> dict[str, np.ndarray]:
    """Mean, sample stddev, population skewness and excess kurtosis from sums of powers."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = s1 / n
        m2 = s2 / n - mean**2
        m3 = s3 / n - 3 * mean * s2 / n + 2 * mean**3
        m4 = s4 / n - 4 * mean * s3 / n + 6 * mean**2 * s2 / n - 3 * mean**4
        return {"mean": mean, "stddev": np.sqrt(m2 * n / (n - 1)), "skewness": m3 / m2**1.5,
                "kurtosis": m4 / m2**2 - 3}


def run(db: str) -> dict:
    timings: dict[str, float] = {}
    t = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    end = _end()
    ref_end = day_start(REFERENCE_DAYS)

    # 1. per-window statistics (numeric) and category counts
    t0 = time.perf_counter()
    wide = con.sql(stats_query()).to_arrow_table()
    summaries = {}
    for c in NUMERIC:
        n = wide[f"{c}_n"].to_numpy().astype(float)
        m = moments(n, *(wide[f"{c}_s{k}"].to_numpy(zero_copy_only=False).astype(float) for k in range(1, 5)))
        summaries[c] = {"n_null": (wide["n"].to_numpy() - n).astype(int).tolist(), **{k: v.tolist() for k, v in m.items()}}
    timings["stats_query"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    cats = con.sql(category_query()).to_arrow_table().to_pydict()
    timings["category_query"] = time.perf_counter() - t0
    windows = wide["window_start"].to_pylist()

    # 2. arrays through Arrow, KS per feature x window
    t0 = time.perf_counter()
    arrays = con.sql(f"select ts, {', '.join(NUMERIC)} from main.{TABLE} where ts < timestamp '{end}' order by ts").to_arrow_table()
    ts = arrays["ts"].to_numpy()
    bounds = np.searchsorted(ts, np.array([np.datetime64(w) for w in windows] + [np.datetime64(end)]))
    columns = {c: arrays[c].to_numpy(zero_copy_only=False) for c in NUMERIC}
    del arrays, ts
    timings["arrays_pull"] = time.perf_counter() - t0
    is_ref = [w < ref_end for w in windows]

    t0 = time.perf_counter()
    ks = {}
    for c, x in columns.items():
        parts = [x[bounds[i]:bounds[i + 1]] for i in range(len(windows))]
        parts = [p[~np.isnan(p)] for p in parts]
        reference = np.concatenate([p for p, r in zip(parts, is_ref) if r])
        for i, cur in enumerate(parts):
            ref = np.concatenate([p for j, (p, r) in enumerate(zip(parts, is_ref)) if r and j != i]) if is_ref[i] else reference
            res = sps.ks_2samp(ref, cur)
            ks[(c, i)] = (float(res.statistic), float(res.pvalue))
    timings["ks_scipy"] = time.perf_counter() - t0
    del columns

    # 3. chi² per categorical feature x window
    t0 = time.perf_counter()
    counts: dict[str, dict[int, dict[str, int]]] = {c: {} for c in CATEGORICAL}
    index = {w: i for i, w in enumerate(windows)}
    for w, col, cat, n in zip(cats["window_start"], cats["column_name"], cats["category"], cats["n"]):
        if cat is not None:
            counts[col].setdefault(index[w], {})[cat] = n
    chi2 = {}
    for c in CATEGORICAL:
        levels = sorted({k for per in counts[c].values() for k in per})
        table = np.array([[counts[c].get(i, {}).get(k, 0) for k in levels] for i in range(len(windows))], dtype=float)
        ref_total = table[np.array(is_ref)].sum(axis=0)
        for i in range(len(windows)):
            ref = ref_total - table[i] if is_ref[i] else ref_total
            observed = np.vstack([ref, table[i]])
            observed = observed[:, observed.sum(axis=0) > 0]
            res = sps.chi2_contingency(observed, correction=False)
            chi2[(c, i)] = (float(res.statistic), float(res.pvalue))
    timings["chi2"] = time.perf_counter() - t0

    # 4. the same MMD on the same bounded samples
    t0 = time.perf_counter()
    sample = con.sql(
        f"select date_trunc('day', ts) as window_start, md5(cast(id as varchar)) as k, cast(id as varchar) as rid, "
        f"{', '.join(NUMERIC)} from main.{TABLE} where ts < timestamp '{end}' "
        f"qualify row_number() over (partition by date_trunc('day', ts) order by md5(cast(id as varchar)), "
        f"cast(id as varchar)) <= {SAMPLE_SIZE} order by window_start, k, rid").to_arrow_table()
    timings["sample_query"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    starts = sample["window_start"].to_numpy()
    keys = np.array(sample["k"].to_pylist())
    matrix = np.column_stack([sample[c].to_numpy(zero_copy_only=False) for c in NUMERIC])
    by_window = {}
    for i, w in enumerate(windows):
        rows = starts == np.datetime64(w)
        by_window[i] = (keys[rows], matrix[rows])
    mmd = {}
    for i in range(len(windows)):
        pool_keys = np.concatenate([by_window[j][0] for j in range(len(windows)) if is_ref[j] and j != i])
        pool = np.vstack([by_window[j][1] for j in range(len(windows)) if is_ref[j] and j != i])
        order = np.argsort(pool_keys, kind="stable")[:REFERENCE_SAMPLE_SIZE]
        res = mmd_test(pool[order], by_window[i][1], permutations=PERMUTATIONS, seed=0)
        mmd[i] = (float(res.statistic), float(res.pvalue))
    timings["mmd"] = time.perf_counter() - t0
    con.close()
    timings["total"] = time.perf_counter() - t
    return {
        "timings": timings,
        "windows": [str(w) for w in windows],
        "tests": {"ks": len(ks), "chi2": len(chi2), "mmd": len(mmd)},
        "ks": {f"{c}|{windows[i]}": v for (c, i), v in ks.items()},
        "chi2": {f"{c}|{windows[i]}": v for (c, i), v in chi2.items()},
        "mmd": {str(windows[i]): v for i, v in mmd.items()},
        "summaries_sample": {"f03": {k: v[-3:] for k, v in summaries["f03"].items()}},
    }


def main(argv: list[str]) -> int:
    db, out = argv[1], argv[2]
    Path(out).write_text(json.dumps(run(db), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
