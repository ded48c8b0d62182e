"""Micro-benchmarks (each run by bench.run in a measured child process):

- ``mmd``: ``python_checks.stats.mmd_test`` with n = m = 2,000, 10 features, B = 500.
- ``ks``: KS for 20 features x 30 windows: shiftwatch's SQL D (the compiled ``ks_windows``
  model, run directly on DuckDB) + ``ks_pvalue`` per pair, against ``scipy.stats.ks_2samp``
  on the same 600 (feature, window) array pairs (arrays pulled first, not timed). CPU
  seconds are recorded beside the wall times: on a shared machine they are the steadier
  measure, and DuckDB's count includes both of its threads.
- ``windows``: the per-window statistics of shiftwatch's dbt window models
  (stg views, window_changes, numeric_window_stats, feature_windows, category_windows,
  full refresh) against the floor's hand-written queries (bench.floor).
- ``ge``: ``validate_windows`` over the 30 windows with the suite ``shiftwatch init`` derived.

Usage: python -m bench.micro KIND OUT.json [DB CONFIG PROFILES WORK]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def _timed(fn, repeat: int = 1) -> tuple[float, list[float], object]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, value


def _connect(db: str):
    """DuckDB on the file dbt (in this process) may still hold: the same configuration as
    dbt-duckdb's connection, or DuckDB refuses a second one."""
    import duckdb

    return duckdb.connect(db)


def mmd() -> dict:
    from python_checks.stats import mmd_test

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2000, 10)), rng.standard_normal((2000, 10))
    y_shifted = y + np.r_[0.15, np.zeros(9)]
    warm = _timed(lambda: mmd_test(x, y, permutations=500, seed=0))[0]
    _, null_times, res = _timed(lambda: mmd_test(x, y, permutations=500, seed=0), repeat=5)
    _, shift_times, res_shift = _timed(lambda: mmd_test(x, y_shifted, permutations=500, seed=0), repeat=3)
    return {"n": 2000, "m": 2000, "features": 10, "permutations": 500, "first_call_s": warm,
            "null_median_s": statistics.median(null_times), "null_times_s": null_times,
            "shifted_median_s": statistics.median(shift_times), "shifted_times_s": shift_times,
            "null_pvalue": res.pvalue, "null_method": res.pvalue_method,
            "shifted_pvalue": res_shift.pvalue, "shifted_method": res_shift.pvalue_method,
            "shifted_permutations": res_shift.permutations, "target_s": 0.5}


def ks(db: str, config: Path, profiles: Path, work: Path) -> dict:
    import duckdb
    from scipy import stats as sps

    from bench.data import DAYS, NUMERIC, REFERENCE_DAYS, TABLE, day_start
    from bench.driver import dbt_invoke
    from python_checks.stats import ks_pvalue

    # shiftwatch's SQL for the full-window D, as dbt compiles it for a full build.
    dbt_invoke(["compile", "--full-refresh", "--select", "ks_windows"], config=config, profiles=profiles, work=work)
    sql = (work / "dbt-target" / "compiled" / "shiftwatch" / "models" / "drift" / "ks_windows.sql").read_text()
    con = _connect(db)
    con.sql(f"select count(*) from main.{TABLE}").fetchall()  # open the file outside the timing
    cpu0 = time.process_time()  # DuckDB's threads included
    sql_s, _, table = _timed(lambda: con.sql(sql).to_arrow_table())
    sql_cpu_s = time.process_time() - cpu0
    rows = [r for r in table.to_pylist() if r["role"] == "feature" and r["window_start"] < day_start(DAYS)]
    p_s, _, pvalues = _timed(lambda: [ks_pvalue(r["statistic"], r["n_reference"], r["n_current"]) for r in rows])

    end = day_start(DAYS)
    arrays = con.sql(f"select ts, {', '.join(NUMERIC)} from main.{TABLE} where ts < timestamp '{end}' order by ts").to_arrow_table()
    con.close()
    ts = arrays["ts"].to_numpy()
    starts = [day_start(d) for d in range(DAYS)]
    bounds = np.searchsorted(ts, np.array([np.datetime64(s) for s in starts] + [np.datetime64(end)]))
    by_key = {(r["column_name"], r["window_start"]): (r["statistic"], p) for r, p in zip(rows, pvalues)}
    # One column's pairs at a time (all 600 reference copies would take 11 GB at 10M rows);
    # scipy's time is the sum of the ks_2samp calls, as before.
    scipy_s, scipy_cpu_s, d_err, p_err, sizes, reference_rows = 0.0, 0.0, 0.0, 0.0, [], 0
    for c in NUMERIC:
        x = arrays[c].to_numpy(zero_copy_only=False)
        parts = [x[bounds[i]:bounds[i + 1]] for i in range(DAYS)]
        parts = [p[~np.isnan(p)] for p in parts]
        pairs = [(np.concatenate([parts[j] for j in range(REFERENCE_DAYS) if j != i]), parts[i]) for i in range(DAYS)]
        cpu0 = time.process_time()
        elapsed, _, results = _timed(lambda: [sps.ks_2samp(r, cur) for r, cur in pairs])
        scipy_cpu_s += time.process_time() - cpu0
        scipy_s += elapsed
        for i, res in enumerate(results):
            d_err = max(d_err, abs(by_key[(c, starts[i])][0] - res.statistic))
            p_err = max(p_err, abs(by_key[(c, starts[i])][1] - res.pvalue))
        sizes += [len(cur) for _, cur in pairs]
        reference_rows = max(reference_rows, *(len(r) for r, _ in pairs))
        del pairs, parts, x
    shiftwatch_s = sql_s + p_s
    return {"pairs": len(sizes), "sql_pairs": len(rows), "window_rows_median": int(np.median(sizes)),
            "reference_rows": reference_rows,
            "shiftwatch_sql_s": sql_s, "shiftwatch_sql_cpu_s": sql_cpu_s, "shiftwatch_pvalue_s": p_s,
            "shiftwatch_s": shiftwatch_s, "scipy_s": scipy_s, "scipy_cpu_s": scipy_cpu_s,
            "ratio_shiftwatch_over_scipy": shiftwatch_s / scipy_s,
            "max_abs_d_diff": d_err, "max_abs_p_diff": p_err, "target": "shiftwatch_s <= scipy_s"}


def windows(db: str, config: Path, profiles: Path, work: Path) -> dict:
    import duckdb

    from bench.data import TABLE
    from bench.driver import dbt_invoke
    from bench.floor import category_query, stats_query

    models = ["stg_numeric_values", "stg_categorical_values", "stg_window_fingerprints", "window_changes",
              "numeric_window_stats", "feature_windows", "category_windows"]
    t0 = time.perf_counter()
    nodes = dbt_invoke(["run", "--full-refresh", "--select", *models], config=config, profiles=profiles, work=work)
    dbt_wall = time.perf_counter() - t0
    stats_models = {k: v for k, v in nodes.items() if k in ("numeric_window_stats", "feature_windows", "category_windows")}
    con = _connect(db)
    # The hand-written query runs as the floor does, without shiftwatch's memory_limit (which
    # the in-process dbt connection set on this database instance): its quantile_cont keeps
    # every value in memory (8 GB at 10M rows).
    con.execute("reset memory_limit")
    con.sql(f"select count(*) from main.{TABLE}").fetchall()
    numeric_s, _, _ = _timed(lambda: con.sql(stats_query()).to_arrow_table())
    category_s, _, _ = _timed(lambda: con.sql(category_query()).to_arrow_table())
    n_rows = con.sql("select count(*) from shiftwatch_results.feature_windows").fetchall()[0][0]
    con.close()
    models_s = sum(stats_models.values())
    floor_s = numeric_s + category_s
    return {"dbt_nodes_s": nodes, "window_models_s": models_s, "dbt_invocation_wall_s": dbt_wall,
            "floor_numeric_query_s": numeric_s, "floor_category_query_s": category_s, "floor_s": floor_s,
            "ratio_models_over_floor": models_s / floor_s, "ratio_invocation_over_floor": dbt_wall / floor_s,
            "feature_windows_rows": n_rows}


def ge(db: str, config: Path, profiles: Path, work: Path) -> dict:
    from bench.data import DAYS, day_start
    from bench.driver import PROJECT, TARGET
    from python_checks.config import load_config
    from python_checks.quality.suites import load_suite, suite_path
    from python_checks.quality.validate import validate_windows
    from python_checks.warehouse import connect

    cfg = load_config(config_file=config, project_dir=PROJECT)
    monitor = cfg.monitors[0]
    suite = load_suite(suite_path(cfg.expectations_dir, monitor.name, monitor.schema_version))
    windows = [(day_start(d), day_start(d + 1), None) for d in range(DAYS)]
    with connect(PROJECT, profiles, TARGET) as wh:
        t0 = time.perf_counter()
        table = validate_windows(wh, monitor, {monitor.schema_version: suite}, windows, run_id="bench")
        elapsed = time.perf_counter() - t0
    results = table.to_pylist()
    return {"expectations": len(suite["expectations"]), "windows": len(windows), "results": len(results),
            "failures": sum(1 for r in results if r["success"] is False), "validate_s": elapsed,
            "per_window_s": elapsed / len(windows)}


def main(argv: list[str]) -> int:
    kind, out = argv[1], Path(argv[2])
    if kind == "mmd":
        payload = mmd()
    else:
        db, config, profiles, work = argv[3], Path(argv[4]), Path(argv[5]), Path(argv[6])
        os.environ["SHIFTWATCH_DUCKDB_PATH"] = db
        payload = {"ks": ks, "windows": windows, "ge": ge}[kind](db, config, profiles, work)
    out.write_text(json.dumps(payload, default=str, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
