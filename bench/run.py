"""`make bench`: shiftwatch against the hand-written floor, Evidently and NannyML on one
synthetic monitor, plus the micro-benchmarks; writes docs/benchmarks.md and .json.

Environment:
  BENCH_ROWS=1000000        rows over the 30 daily windows (10000000 is the full size)
  BENCH_SKIP=a,b            skip runs: floor, evidently, nannyml, incremental, micro, fixed
  BENCH_PEER_TIMEOUT=1800   seconds before a peer run is killed (recorded as failed)
  BENCH_KEEP_OPENBLAS_ENV=1 keep OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (unset by default: they
                            pin an old OpenBLAS kernel that slows current numpy; every
                            measured process gets the same environment either way)
  BENCH_DOCS=0              do not write docs/benchmarks.{md,json} (e.g. for trial runs);
                            a size other than the default writes docs/benchmarks-10m.{md,json} etc.
  BENCH_REUSE_PEERS=1       take Evidently's and NannyML's runs from this size's last report (same
                            data and peer versions; the report marks them as reused)
  BENCH_REPORT_ONLY=1       only re-render docs/benchmarks.md (of BENCH_ROWS' size) from its JSON
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from bench import data, peers_env
from bench.driver import BIN, PROJECT, cli, parse_steps, parse_timers, run_command, write_config, write_profiles
from bench.measure import Measurement, environ, failed, measure, peak_between

WORK = PROJECT / "bench" / "work"
LOGS = WORK / "logs"
DOCS = PROJECT / "docs"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- machine ---------------------------------------------------------------------------
def machine(env: dict[str, str]) -> dict[str, Any]:
    import psutil

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version_of(python: Path, code: str) -> str | None:
        try:
            done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=env, timeout=120)
            return done.stdout.strip().splitlines()[-1] if done.returncode == 0 and done.stdout.strip() else None
        except (OSError, subprocess.TimeoutExpired):
            return None

    py = BIN / "python"
    blas = version_of(py, "import numpy; b = numpy.show_config(mode='dicts')['Build Dependencies']['blas']; "
                          "print(b.get('name'), b.get('version'))")
    kernel = None
    if peers_env.PYTHON.exists():
        kernel = version_of(peers_env.PYTHON, "import numpy, threadpoolctl; "
                                              "print(','.join(str(i.get('architecture')) for i in threadpoolctl.threadpool_info()))")
    try:
        commit = subprocess.run(["git", "-C", str(PROJECT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "-C", str(PROJECT), "status", "--porcelain"], capture_output=True,
                                    text=True).stdout.strip())
    except OSError:
        commit, dirty = None, None
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": version_of(py, "from importlib.metadata import version; print(version('dbt-core'))"),
        "dbt_duckdb": version_of(py, "from importlib.metadata import version; print(version('dbt-duckdb'))"),
        "great_expectations": version_of(py, "from importlib.metadata import version; print(version('great_expectations'))"),
        "numpy": version_of(py, "import numpy; print(numpy.__version__)"),
        "scipy": version_of(py, "import scipy; print(scipy.__version__)"),
        "blas": (blas or "").strip('"') or None,
        "openblas_kernel": kernel,
        "openblas_env": "unset" if "OPENBLAS_CORETYPE" not in env else f"OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}",
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "git_commit": commit,
        "git_dirty": dirty,
    }


# -- runs ------------------------------------------------------------------------------
def sw_env(base: dict[str, str], db: Path) -> dict[str, str]:
    return {**base, "SHIFTWATCH_DUCKDB_PATH": str(db)}


def shiftwatch_run(name: str, config: Path, profiles: Path, db: Path, env: dict[str, str]) -> Measurement:
    m = measure(name, run_command(config, profiles), log_dir=LOGS, env=sw_env(env, db), cwd=PROJECT,
                ok_codes=(0, 1))
    err = Path(m.stderr_path).read_text(errors="replace")
    out = Path(m.stdout_path).read_text(errors="replace")
    m.extra.update(parse_steps(err))
    m.extra["timers"] = parse_timers(err)
    m.extra["mmd_s"] = m.extra["timers"].get("mmd_test", {}).get("s")
    steps = m.extra["steps"]
    if steps and steps.get("publish") is None:
        # The last step runs until the process exits: publishing plus the process's start-up
        # (imports, config, relation checks) and exit is what the timed steps leave of the wall.
        steps["publish"] = round(max(m.wall_s - sum(v for v in steps.values() if v is not None), 0.0), 3)
    marks = m.extra.get("marks", [])
    samples = getattr(m, "samples", [])
    m.extra["peak_rss_mb_by_step"] = {
        key: peak_between(samples, at, marks[i + 1][0] if i + 1 < len(marks) else None)
        for i, (at, key) in enumerate(marks)}
    summary = re.search(r"run \S+: (\d+) tests, (\d+) drifted, (\d+) skipped; (\d+) quality failures", out)
    if summary:
        m.extra["tests"], m.extra["drifted"], m.extra["skipped"], m.extra["quality_failures"] = map(int, summary.groups())
    m.extra["ge_skipped"] = "quality checks skipped" in err
    return m


def peer_run(name: str, script: str, db: Path, env: dict[str, str], status: dict, timeout: float) -> Measurement:
    if not status["ok"]:
        return failed(name, f"{status['pinned']} not installed: {status['reason']}")
    out = WORK / f"{name}.json"
    out.unlink(missing_ok=True)
    args = [data.day_start(0), data.day_start(data.REFERENCE_DAYS), data.day_start(data.DAYS)]
    m = measure(name, [str(peers_env.PYTHON), str(PROJECT / "bench" / "peers" / script), str(db),
                       *[a.isoformat(sep=" ") for a in args], str(out)],
                log_dir=LOGS, env=env, cwd=PROJECT, timeout=timeout)
    if m.ok and out.exists():
        m.extra.update(json.loads(out.read_text()))
    elif m.ok:
        m.ok, m.reason = False, "no result file written"
    return m


def python_run(name: str, module: str, args: list[str], env: dict[str, str], timeout: float | None = None) -> Measurement:
    out = WORK / f"{name}.json"
    out.unlink(missing_ok=True)
    m = measure(name, [str(BIN / "python"), "-m", module, args[0], str(out), *args[1:]] if module == "bench.micro"
                else [str(BIN / "python"), "-m", module, *args, str(out)],
                log_dir=LOGS, env=env, cwd=PROJECT, timeout=timeout)
    if m.ok and out.exists():
        m.extra.update(json.loads(out.read_text()))
    return m


def agreement(db: Path, floor: Measurement) -> dict[str, Any]:
    """Same work? The floor's KS, chi² and MMD results against the cold run's drift_results."""
    if not floor.ok or "ks" not in floor.extra:
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        cold_run = con.sql("select min(run_id) from shiftwatch_results.runs").fetchall()[0][0]
        rows = con.sql("select test, column_name, cast(window_start as varchar), statistic, p_value "
                       "from shiftwatch_results.drift_results where run_id = ? and test in ('ks', 'chi2', 'mmd')",
                       params=[cold_run]).fetchall()
    finally:
        con.close()
    out: dict[str, Any] = {}
    for test in ("ks", "chi2", "mmd"):
        ours = floor.extra[test]
        pairs = []
        for t, column, start, stat, p in rows:
            if t != test:
                continue
            key = start if test == "mmd" else f"{column}|{start}"
            if key in ours and stat is not None:
                pairs.append((stat, p, *ours[key]))
        out[test] = {"compared": len(pairs), "of": len(ours),
                     "max_abs_statistic_diff": max((abs(a - c) for a, _, c, _ in pairs), default=None),
                     "max_abs_p_diff": max((abs(b - d) for _, b, _, d in pairs if b is not None), default=None)}
    return out


# -- report ----------------------------------------------------------------------------
def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)) or b == 0:
        return None
    return a / b


def fmt(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def summarize(results: dict[str, Measurement], fixed: dict[str, Any]) -> dict[str, Any]:
    cold, inc, floor = results.get("shiftwatch_cold"), results.get("shiftwatch_incremental"), results.get("floor")
    evid, nanny = results.get("evidently"), results.get("nannyml")

    def wall(m: Measurement | None) -> float | None:
        return m.wall_s if m is not None and m.ok else None

    def rss(m: Measurement | None) -> float | None:
        return m.peak_rss_mb if m is not None and m.ok else None

    ratios = {
        "shiftwatch/floor": ratio(wall(cold), wall(floor)),
        "evidently/shiftwatch": ratio(wall(evid), wall(cold)),
        "nannyml/shiftwatch": ratio(wall(nanny), wall(cold)),
        "incremental/cold": ratio(wall(inc), wall(cold)),
        "cpu shiftwatch/floor": ratio(cold.cpu_s if cold and cold.ok else None, floor.cpu_s if floor and floor.ok else None),
        "rss shiftwatch/evidently": ratio(rss(cold), rss(evid)),
        "rss shiftwatch/nannyml": ratio(rss(cold), rss(nanny)),
    }
    # Like for like: the peers compute no MMD; take the measured MMD time out of both sides.
    def excl(m: Measurement | None) -> float | None:
        if m is None or not m.ok:
            return None
        mmd = m.extra.get("mmd_s")
        if mmd is None and "timings" in m.extra:
            mmd = m.extra["timings"].get("mmd")
        return m.wall_s - mmd if mmd is not None else None

    like = {
        "shiftwatch cold excl. MMD (s)": excl(cold),
        "shiftwatch incremental excl. MMD (s)": excl(inc),
        "floor excl. MMD (s)": excl(floor),
        "shiftwatch/floor excl. MMD": ratio(excl(cold), excl(floor)),
        "evidently/shiftwatch excl. MMD": ratio(wall(evid), excl(cold)),
        "nannyml/shiftwatch excl. MMD": ratio(wall(nanny), excl(cold)),
        "incremental/cold excl. MMD": ratio(excl(inc), excl(cold)),
    }
    fixed_cost = fixed.get("dbt_step_s")
    budget = 1.5 * wall(floor) + fixed_cost if wall(floor) is not None and fixed_cost is not None else None

    def goal(value: float | None, target: float, kind: str) -> dict[str, Any]:
        if value is None:
            return {"met": None, "value": None, "target": target, "margin": None}
        met = value <= target if kind == "max" else value >= target
        margin = (target / value if kind == "max" else value / target) if value else None
        return {"met": met, "value": value, "target": target, "margin": margin}

    sw_rss = rss(cold)
    peer_rss = [x for x in (rss(evid), rss(nanny)) if x is not None]
    goals = {
        "cold <= 1.5 x floor + dbt fixed cost (s)": goal(wall(cold), budget, "max") if budget else goal(None, 0, "max"),
        "evidently/shiftwatch >= 10": goal(ratios["evidently/shiftwatch"], 10, "min"),
        "nannyml/shiftwatch >= 3": goal(ratios["nannyml/shiftwatch"], 3, "min"),
        "shiftwatch peak RSS <= 1/3 of evidently's": goal(ratios["rss shiftwatch/evidently"], 1 / 3, "max"),
        "shiftwatch peak RSS <= 1/3 of nannyml's": goal(ratios["rss shiftwatch/nannyml"], 1 / 3, "max"),
        "shiftwatch peak RSS < 2 GB (MB)": goal(sw_rss, 2048, "max"),
        "incremental/cold <= 0.10": goal(ratios["incremental/cold"], 0.10, "max"),
    }
    budget_excl = (1.5 * like["floor excl. MMD (s)"] + fixed_cost
                   if like["floor excl. MMD (s)"] is not None and fixed_cost is not None else None)
    for key, value, target in (
            ("cold <= 1.5 x floor + dbt fixed cost (s)", like["shiftwatch cold excl. MMD (s)"], budget_excl),
            ("evidently/shiftwatch >= 10", like["evidently/shiftwatch excl. MMD"], None),
            ("nannyml/shiftwatch >= 3", like["nannyml/shiftwatch excl. MMD"], None),
            ("incremental/cold <= 0.10", like["incremental/cold excl. MMD"], None)):
        g = goals[key]
        t = target if target is not None else g["target"]
        kind = "min" if ">=" in key else "max"
        other = goal(value, t, kind) if t is not None else goal(None, 0, kind)
        g["excl_mmd"] = {"value": other["value"], "target": t, "met": other["met"], "margin": other["margin"]}
    if not peer_rss:
        goals["shiftwatch peak RSS <= 1/3 of evidently's"]["note"] = "no peer measured"
    return {"ratios": ratios, "like_for_like_excl_mmd": like, "goals": goals, "fixed_cost": fixed, "budget_s": budget}


ROWS_ORDER = [
    ("shiftwatch_cold", "shiftwatch cold", "`shiftwatch run` from nothing (init done before)"),
    ("shiftwatch_incremental", "shiftwatch incremental", "one day appended, `shiftwatch run`"),
    ("floor", "floor (hand-written)", "DuckDB query + Arrow + scipy KS/chi² + same MMD"),
    ("evidently", "Evidently", "DataDriftPreset, reference vs each window"),
    ("nannyml", "NannyML", "UnivariateDriftCalculator, daily chunks"),
    ("shiftwatch_init", "shiftwatch init", "derive the GE suite (once per schema version)"),
    ("fixed_tiny_run", "shiftwatch run, tiny table", f"{data.DAYS} windows x 100 rows: fixed cost"),
]


def findings(report: dict[str, Any]) -> list[str]:
    """Plain statements about where the time and memory go, from this run's numbers."""
    r, micro, out = report["runs"], report.get("micro", {}), []
    cold, inc, floor = r.get("shiftwatch_cold", {}), r.get("shiftwatch_incremental", {}), r.get("floor", {})
    if not cold.get("ok"):
        return out
    ce = cold["extra"]
    mmd = ce.get("timers", {}).get("mmd_test")
    if mmd and mmd["s"] > 0.5 * cold["wall_s"]:
        floor_mmd = floor.get("extra", {}).get("timings", {}).get("mmd") if floor.get("ok") else None
        out.append(f"MMD dominates: {fmt(mmd['s'], 1)} s of the cold run's {fmt(cold['wall_s'], 1)} s "
                   f"({mmd['calls']} `mmd_test` calls: 2,000-row window samples against a 4,000-row reference, 20 "
                   f"features, B = 500, more permutations where none reaches the observed value)"
                   + (f"; the same calls take {fmt(floor_mmd, 1)} s in the floor" if floor_mmd else "")
                   + ". Its cost does not grow with the rows, so it weighs most at small sizes; a faster "
                   "`mmd_test` (micro (a)) moves every end-to-end ratio.")
    ie = inc.get("extra", {}) if inc.get("ok") else {}
    cs, is_ = ce.get("steps", {}), ie.get("steps", {})
    if is_.get("drift") and cs.get("drift") and is_["drift"] > 0.5 * cs["drift"]:
        out.append(f"Only the dbt step is incremental ({fmt(cs.get('dbt'), 1)} s cold, {fmt(is_.get('dbt'), 1)} s "
                   f"incremental); the drift step tests every window again on each run ({ie.get('tests')} tests, "
                   f"{fmt(is_['drift'], 1)} s), so incremental/cold is "
                   f"{fmt(report['summary']['ratios'].get('incremental/cold'))}. Testing only the windows that "
                   "`window_changes` lists (and re-running BH over the stored p-values) would close it.")
    floor_mmd = floor.get("extra", {}).get("timings", {}).get("mmd") if floor.get("ok") else None
    if mmd and floor_mmd and not 0.67 < mmd["s"] / floor_mmd < 1.5:
        out.append(f"Noise: the same {mmd['calls']} MMD tests (bit-identical results) took {fmt(mmd['s'], 1)} s inside "
                   f"shiftwatch and {fmt(floor_mmd, 1)} s in the floor. `mmd_test` is BLAS-bound, and multi-threaded "
                   "BLAS slows down several-fold when the 2 cores are busy (load average "
                   f"{report['machine'].get('load_average_start')} at the start, "
                   f"{report['machine'].get('load_average_end')} at the end); the excl.-MMD ratios are the steadier ones.")
    ks = micro.get("ks", {})
    if ks.get("ok") and ks["extra"]["ratio_shiftwatch_over_scipy"] > 1:
        e = ks["extra"]
        cpu = (f" (CPU: SQL {fmt(e['shiftwatch_sql_cpu_s'], 1)} s over DuckDB's threads, scipy {fmt(e['scipy_cpu_s'], 1)} s)"
               if "scipy_cpu_s" in e else "")
        out.append(f"KS: shiftwatch's SQL D is exact (max |D - scipy D| = {e['max_abs_d_diff']:.1e}) but takes "
                   f"{fmt(e['ratio_shiftwatch_over_scipy'], 1)}x scipy's time on the same pairs{cpu}. The SQL "
                   "(macros/drift/sw_ks_windows.sql) sorts the reference once, looks every window value up in it "
                   "and sorts once by window and value; DuckDB's sorts are what remains.")
    rss = ce.get("peak_rss_mb_by_step", {})
    if rss:
        step, peak = max(((k, v) for k, v in rss.items() if v is not None), key=lambda kv: kv[1], default=(None, None))
        if step:
            out.append(f"shiftwatch's peak RSS ({fmt(cold['peak_rss_mb'], 0)} MB) is reached in the {step} step "
                       f"(per step: {', '.join(f'{k} {fmt(v, 0)} MB' for k, v in rss.items())}).")
    return out


DEFAULT_ROWS = 1_000_000


def docs_name(rows: int) -> str:
    """docs/benchmarks for the default size; another size keeps its own files
    (benchmarks-10m for BENCH_ROWS=10000000), so both sizes stay in the docs."""
    if rows == DEFAULT_ROWS:
        return "benchmarks"
    return f"benchmarks-{rows // 1_000_000}m" if rows % 1_000_000 == 0 else f"benchmarks-{rows}"


def write_docs(report: dict[str, Any]) -> None:
    r, m, s = report["runs"], report["machine"], report["summary"]
    cold = r.get("shiftwatch_cold", {})
    peer_versions = ", ".join(f"{k} {v['version'] or 'NOT INSTALLED'}" for k, v in report["peers"].items())
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`python -m bench.run`, see `bench/README.md`) on {m['date']}, "
        f"**{report['rows']:,} rows** ({report['rows_per_day']:,} per daily window), "
        f"20 numeric + 5 categorical features, {data.DAYS} daily windows, fixed reference = the first "
        f"{data.REFERENCE_DAYS} days (reference windows are tested leave-one-out), injected shifts in "
        "`bench/data.py`. `BENCH_ROWS=10000000` runs the full size and writes `docs/benchmarks-10m.md` "
        "and `.json`.",
        "",
        f"Machine: {m['cores']} cores, {m['memory_gb']} GB RAM, {m['cpu_model']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, dbt-core {m['dbt_core']} / dbt-duckdb {m['dbt_duckdb']}, "
        f"Great Expectations {m['great_expectations']}, numpy {m['numpy']}, scipy {m['scipy']}; "
        f"OpenBLAS env {m['openblas_env']} (kernel {m['openblas_kernel']}); load average at start "
        f"{m['load_average_start']} (the machine was shared); commit {m['git_commit']}{' + local changes' if m['git_dirty'] else ''}.",
        f"Peers: {peer_versions} "
        "in `bench/.venv-peers` (pins: `bench/requirements-peers.txt`).",
        "",
        "## End to end",
        "",
        "Each run is one child process tree: wall time, CPU time (user + system of the tree) and peak RSS "
        "(the tree's summed RSS, polled every 50 ms; not the child's ru_maxrss, which on Linux includes the harness's own high-water RSS at the fork).",
        "",
        "| run | wall s | CPU s | peak RSS MB | wall vs shiftwatch cold | what |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, label, what in ROWS_ORDER:
        x = r.get(key)
        if x is None:
            continue
        if not x["ok"]:
            lines.append(f"| {label} | failed | | | | {what}: **{x['reason']}** |")
            continue
        vs = ratio(x["wall_s"], cold.get("wall_s")) if cold.get("ok") else None
        lines.append(f"| {label} | {fmt(x['wall_s'], 1)} | {fmt(x['cpu_s'], 1)} | {fmt(x['peak_rss_mb'], 0)} | "
                     f"{fmt(vs)}x | {what} |")
    lines += ["", "## Ratios", "", "| ratio | value |", "| --- | ---: |"]
    for k, v in s["ratios"].items():
        lines.append(f"| {k} | {fmt(v)} |")
    like = s.get("like_for_like_excl_mmd", {})
    if any(v is not None for v in like.values()):
        lines += ["", "Like for like: Evidently and NannyML run no multivariate test, so the MMD time measured inside "
                  "each run (shiftwatch: timers around `mmd_test` in the same process, `bench/sw_cli.py`; floor: its "
                  "own MMD timing) is taken out of shiftwatch and the floor:", "",
                  "| without MMD | value |", "| --- | ---: |"]
        for k, v in like.items():
            lines.append(f"| {k} | {fmt(v)} |")
    lines += ["", f"## Goals (stated for 10M rows; measured here at {report['rows']:,} rows)", "",
              "| goal | measured | target | met | margin | excl. MMD: measured | target | met |",
              "| --- | ---: | ---: | :---: | ---: | ---: | ---: | :---: |"]

    def yes(met: bool | None) -> str:
        return "n/a" if met is None else ("yes" if met else "**no**")

    for k, g in s["goals"].items():
        e = g.get("excl_mmd")
        tail = f"{fmt(e['value'])} | {fmt(e['target'])} | {yes(e['met'])}" if e else " | | "
        lines.append(f"| {k} | {fmt(g['value'])} | {fmt(g['target'])} | {yes(g['met'])} | {fmt(g['margin'])}x | {tail} |")
    fx = s["fixed_cost"]
    lines += ["", f"Fixed cost: `shiftwatch run` on a tiny table ({data.DAYS} windows x 100 rows) takes "
              f"{fmt(fx.get('wall_s'), 1)} s wall, of which the dbt step is {fmt(fx.get('dbt_step_s'), 1)} s "
              f"(parse + {fx.get('dbt_nodes', 'n/a')} nodes); the goal's budget is 1.5 x floor + the dbt step = "
              f"{fmt(s['budget_s'], 1)} s. A margin above 1 means the goal is met with that factor to spare."]
    steps = cold.get("extra", {}).get("steps", {})
    if steps:
        inc = r.get("shiftwatch_incremental", {}).get("extra", {})
        cold_rss = cold["extra"].get("peak_rss_mb_by_step", {})
        lines += ["", "## Where shiftwatch's runs spend time and memory", "",
                  "| step | cold s | cold peak RSS MB | incremental s | incremental peak RSS MB |",
                  "| --- | ---: | ---: | ---: | ---: |"]
        labels = {"dbt": "dbt build", "ge": "GE validation", "drift": "drift tests",
                  "publish": "publish + process start-up and exit"}
        for k in ("dbt", "ge", "drift", "publish"):
            c_s, i_s = steps.get(k), inc.get("steps", {}).get(k)
            lines.append(f"| {labels[k]} | {fmt(c_s, 1)} | {fmt(cold_rss.get(k), 0)} | {fmt(i_s, 1)} | "
                         f"{fmt(inc.get('peak_rss_mb_by_step', {}).get(k), 0)} |")
        timers = cold["extra"].get("timers") or {}
        if timers:
            lines.append("\nInside the cold run's drift step (s): " + ", ".join(
                f"{k.replace('checks.', '')} {fmt(v['s'], 1)}" + (f" ({v['calls']} calls)" if k == "mmd_test" else "")
                for k, v in timers.items()) + " (multivariate includes the MMD tests and Wasserstein).")
        drift_share = ratio(steps.get("drift"), cold["wall_s"])
        lines.append(f"\nCold run: {cold['extra'].get('tests')} drift tests, {cold['extra'].get('drifted')} drifted, "
                     f"{cold['extra'].get('quality_failures')} quality failures (GE {'skipped' if cold['extra'].get('ge_skipped') else 'ran'}); "
                     f"the drift step is {fmt(100 * drift_share if drift_share else None, 0)}% of the wall time.")
    fl = r.get("floor", {})
    if fl.get("ok"):
        t = fl["extra"]["timings"]
        mmd_share = ratio(t.get("mmd"), t.get("total"))
        agree = fl["extra"].get("agreement_with_shiftwatch") or {}
        if agree:
            lines += ["", "Same work: the floor's results against the cold run's `drift_results`: " + "; ".join(
                f"{k} {v['compared']}/{v['of']} tests, max |diff| statistic {v['max_abs_statistic_diff'] or 0:.1e}, "
                f"p {v['max_abs_p_diff'] or 0:.1e}" for k, v in agree.items()) + "."]
        lines += ["", "Floor breakdown (s): " + ", ".join(f"{k} {fmt(v, 1)}" for k, v in t.items())
                  + f"; MMD is {fmt(100 * mmd_share if mmd_share else None, 0)}% of it (its cost does not grow with "
                  "the rows: bounded samples, 30 tests, more permutations for drifted windows)."]
    for key in ("evidently", "nannyml"):
        x = r.get(key, {})
        if x.get("ok"):
            reused = x["extra"].get("reused_from")
            lines.append(f"{key}: load into pandas {fmt(x['extra'].get('load_s'), 1)} s, compute "
                         f"{fmt(x['extra'].get('compute_s'), 1)} s"
                         + (f" (measured in the run of {reused}, same data and version: BENCH_REUSE_PEERS=1)." if reused else "."))
    micro = report.get("micro", {})
    lines += ["", "## Micro-benchmarks", "", "| benchmark | result | target |", "| --- | --- | --- |"]
    a = micro.get("mmd", {})
    if a.get("ok"):
        e = a["extra"]
        lines.append(f"| (a) `mmd_test` n = m = 2,000, 10 features, B = 500 | median {fmt(e['null_median_s'], 3)} s "
                     f"(no shift; first call {fmt(e['first_call_s'], 3)} s), {fmt(e['shifted_median_s'], 3)} s with a shift "
                     f"({e['shifted_permutations']} permutations, {e['shifted_method']}) | <= 0.5 s: "
                     f"{'met' if e['null_median_s'] <= 0.5 else '**not met**'} |")
    b = micro.get("ks", {})
    if b.get("ok"):
        e = b["extra"]
        lines.append(f"| (b) KS, 20 features x {data.DAYS} windows ({e['window_rows_median']:,} rows per window, "
                     f"reference {e['reference_rows']:,}) | shiftwatch SQL D {fmt(e['shiftwatch_sql_s'], 2)} s + "
                     f"`ks_pvalue` {fmt(e['shiftwatch_pvalue_s'], 3)} s = {fmt(e['shiftwatch_s'], 2)} s vs "
                     f"`scipy.stats.ks_2samp` {fmt(e['scipy_s'], 2)} s (ratio {fmt(e['ratio_shiftwatch_over_scipy'])}"
                     + (f"; CPU s: SQL {fmt(e['shiftwatch_sql_cpu_s'], 1)}, scipy {fmt(e['scipy_cpu_s'], 1)}" if "scipy_cpu_s" in e else "")
                     + "); "
                     f"max abs diff D {e['max_abs_d_diff']:.1e}, p {e['max_abs_p_diff']:.1e} | no slower than scipy: "
                     f"{'met' if e['ratio_shiftwatch_over_scipy'] <= 1 else '**not met**'} |")
    c = micro.get("windows", {})
    if c.get("ok"):
        e = c["extra"]
        lines.append(f"| (c) per-window statistics, {report['rows']:,} rows x 20 + 5 features x {data.DAYS} windows | "
                     f"dbt window models {fmt(e['window_models_s'], 2)} s (SQL; whole dbt invocation "
                     f"{fmt(e['dbt_invocation_wall_s'], 1)} s) vs hand-written queries {fmt(e['floor_s'], 2)} s: "
                     f"ratio {fmt(e['ratio_models_over_floor'])} | report the ratio |")
    d = micro.get("ge", {})
    if d.get("ok"):
        e = d["extra"]
        lines.append(f"| (d) GE `validate_windows`, {e['windows']} windows x {e['expectations']} expectations | "
                     f"{fmt(e['validate_s'], 2)} s ({fmt(e['per_window_s'], 3)} s per window, {e['results']} results) | timed |")
    for k, x in micro.items():
        if not x.get("ok"):
            lines.append(f"| {k} | failed: {x.get('reason')} | |")
    found = findings(report)
    if found:
        lines += ["", "## Findings (generated from the numbers above)", "", *[f"- {f}" for f in found]]
    failures = [f"- {label}: {r[key]['reason']}" for key, label, _ in ROWS_ORDER if key in r and not r[key]["ok"]]
    if failures:
        lines += ["", "## Failed measurements", "", *failures]
    lines += ["", "## Notes", "",
              "- The same data and windows everywhere: peers and floor read the same DuckDB file and stop at the "
              "end of the 30th window. Evidently and NannyML are timed end to end, including loading the table "
              "into pandas (`duckdb ... .df()`), as users do.",
              "- Evidently runs `DataDriftPreset(num_method='ks', cat_method='chisquare')` (its KS and chi² "
              "goodness of fit), reference against each window, the closest to shiftwatch's tests; NannyML runs "
              "`kolmogorov_smirnov` and `chi2` with `chunk_period='D'`. Neither computes MMD, histograms "
              "distances or GE validation, which shiftwatch's run includes.",
              "- Evidently and NannyML compare reference windows with the whole reference (shiftwatch and the floor: "
              "leave-one-out).",
              "- The floor does KS, chi² and the same MMD (`python_checks.stats.mmd_test`, same samples) plus the "
              "per-window statistics; it writes nothing back and validates nothing.",
              "- Single measurements on a shared 2-core machine: expect +-10-20% run to run.",
              ""]
    name = docs_name(report.get("requested_rows", DEFAULT_ROWS))
    (DOCS / f"{name}.md").write_text("\n".join(lines))
    (DOCS / f"{name}.json").write_text(json.dumps(report, indent=1, default=str) + "\n")


def last_line(report: dict[str, Any]) -> str:
    s, r = report["summary"]["ratios"], report["runs"]

    def val(key: str, run: str) -> str:
        if run in r and not r[run]["ok"]:
            return f"failed ({r[run]['reason'][:80]})"
        return fmt(s.get(key))

    rss = " ".join(f"{k}={fmt(r[k]['peak_rss_mb'], 0) if r[k]['ok'] else 'failed'}MB"
                   for k in ("shiftwatch_cold", "shiftwatch_incremental", "floor", "evidently", "nannyml") if k in r)
    return (f"bench {report['rows']:,} rows: shiftwatch/floor={val('shiftwatch/floor', 'floor')} "
            f"evidently/shiftwatch={val('evidently/shiftwatch', 'evidently')} "
            f"nannyml/shiftwatch={val('nannyml/shiftwatch', 'nannyml')} "
            f"incremental/cold={val('incremental/cold', 'shiftwatch_incremental')} | peak RSS {rss}")


def reusable_peers(rows: int, peers: dict[str, Any]) -> dict[str, Measurement]:
    """BENCH_REUSE_PEERS=1: the peers' measurements from this size's last report, when it
    was taken on the same data (same requested rows; the generator is seeded) with the same
    peer versions. A peer's cost does not depend on shiftwatch's code, and Evidently alone
    takes 25 minutes at 10M rows; the report says which runs were reused and from when."""
    path = DOCS / f"{docs_name(rows)}.json"
    if not path.exists():
        return {}
    old = json.loads(path.read_text())
    if old.get("requested_rows") != rows:
        return {}
    out = {}
    for peer in ("evidently", "nannyml"):
        run = old.get("runs", {}).get(peer)
        same_version = old.get("peers", {}).get(peer, {}).get("version") == peers.get(peer, {}).get("version")
        if run and run.get("ok") and same_version:
            run = dict(run)
            run["extra"] = {**run.get("extra", {}), "reused_from": run.get("extra", {}).get("reused_from")
                            or old["machine"]["date"]}
            out[peer] = Measurement(**run)
    return out


# -- main ------------------------------------------------------------------------------
def main() -> int:
    rows = int(os.environ.get("BENCH_ROWS", str(DEFAULT_ROWS)))
    if os.environ.get("BENCH_REPORT_ONLY") == "1":  # re-render the docs from their JSON
        report = json.loads((DOCS / f"{docs_name(rows)}.json").read_text())
        write_docs(report)
        print(last_line(report), flush=True)
        return 0
    skip = {s.strip() for s in os.environ.get("BENCH_SKIP", "").split(",") if s.strip()}
    peer_timeout = float(os.environ.get("BENCH_PEER_TIMEOUT", "1800"))
    env = environ(NML_DISABLE_USAGE_LOGGING="1", EVIDENTLY_DISABLE_TELEMETRY="1", DO_NOT_TRACK="1",
                  DBT_SEND_ANONYMOUS_USAGE_STATS="false", PYTHONPATH=str(PROJECT))
    if os.environ.get("BENCH_KEEP_OPENBLAS_ENV") != "1":
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    WORK.mkdir(parents=True, exist_ok=True)
    if LOGS.exists():
        shutil.rmtree(LOGS)
    LOGS.mkdir(parents=True)

    log("peers: checking bench/.venv-peers (installs on first use)")
    peers = peers_env.ensure(LOGS / "peers-pip.log")
    for k, v in peers.items():
        log(f"  {k}: {v['version'] or 'NOT INSTALLED: ' + str(v['reason'])}")
    info = machine(env)
    profiles = write_profiles(WORK)
    results: dict[str, Measurement] = {}
    micro: dict[str, Measurement] = {}
    fixed: dict[str, Any] = {}

    # 1. dbt's fixed cost: the whole run on a tiny table.
    if "fixed" not in skip:
        tiny_dir = WORK / "tiny"
        shutil.rmtree(tiny_dir, ignore_errors=True)
        tiny_dir.mkdir(parents=True)
        tiny_db = tiny_dir / "tiny.duckdb"
        data.build_database(tiny_db, 100 * data.DAYS)
        tiny_config = write_config(tiny_dir)
        log("fixed cost: shiftwatch init + run on a tiny table")
        measure("fixed_tiny_init", cli("init", tiny_config, profiles), log_dir=LOGS, env=sw_env(env, tiny_db), cwd=PROJECT)
        m = shiftwatch_run("fixed_tiny_run", tiny_config, profiles, tiny_db, env)
        results["fixed_tiny_run"] = m
        fixed = {"wall_s": m.wall_s if m.ok else None, "dbt_step_s": m.extra.get("steps", {}).get("dbt") if m.ok else None,
                 "dbt_nodes": len(m.extra.get("dbt_nodes_finished_at", {})), "steps": m.extra.get("steps")}
        log(f"  {m.wall_s:.1f} s wall, dbt step {fixed['dbt_step_s']} s")

    # 2. the data
    main_dir = WORK / "main"
    shutil.rmtree(main_dir, ignore_errors=True)
    main_dir.mkdir(parents=True)
    db = main_dir / "bench.duckdb"
    log(f"data: generating {rows:,} rows into {db.relative_to(PROJECT)}")
    t0 = time.perf_counter()
    built = data.build_database(db, rows)
    log(f"  {built['rows']:,} rows in {time.perf_counter() - t0:.1f} s")
    config = write_config(main_dir)

    # 3. shiftwatch: init, cold, (copy for micro-benchmarks), append + incremental
    log("shiftwatch init")
    results["shiftwatch_init"] = measure("shiftwatch_init", cli("init", config, profiles), log_dir=LOGS,
                                         env=sw_env(env, db), cwd=PROJECT)
    log("shiftwatch cold run")
    results["shiftwatch_cold"] = cold = shiftwatch_run("shiftwatch_cold", config, profiles, db, env)
    log(f"  {cold.wall_s:.1f} s wall, {cold.peak_rss_mb:.0f} MB, steps {cold.extra.get('steps')}"
        + ("" if cold.ok else f" FAILED: {cold.reason}"))
    micro_db = main_dir / "micro.duckdb"
    if "micro" not in skip:
        shutil.copyfile(db, micro_db)
    if "incremental" not in skip:
        appended = data.append_day(db, rows)
        log(f"shiftwatch incremental run ({appended:,} rows appended)")
        results["shiftwatch_incremental"] = inc = shiftwatch_run("shiftwatch_incremental", config, profiles, db, env)
        log(f"  {inc.wall_s:.1f} s wall, {inc.peak_rss_mb:.0f} MB, steps {inc.extra.get('steps')}"
            + ("" if inc.ok else f" FAILED: {inc.reason}"))

    # 4. the floor and the peers (all stop at the end of the 30th window)
    if "floor" not in skip:
        log("floor: hand-written DuckDB + scipy + mmd_test")
        results["floor"] = m = python_run("floor", "bench.floor", [str(db)], env)
        log(f"  {m.wall_s:.1f} s wall, {m.peak_rss_mb:.0f} MB" + ("" if m.ok else f" FAILED: {m.reason}"))
        if m.ok and cold.ok:
            m.extra["agreement_with_shiftwatch"] = agree = agreement(db, m)
            log(f"  same results as shiftwatch? {agree}")
        for key in ("ks", "chi2", "mmd", "summaries_sample"):  # per-test results: compared, not reported
            m.extra.pop(key, None)
    reuse = reusable_peers(rows, peers) if os.environ.get("BENCH_REUSE_PEERS") == "1" else {}
    for peer, script in (("evidently", "evidently_run.py"), ("nannyml", "nannyml_run.py")):
        if peer in skip:
            continue
        if peer in reuse:
            results[peer] = reuse[peer]
            log(f"{peer}: reused from {reuse[peer].extra['reused_from']} (BENCH_REUSE_PEERS=1)")
            continue
        log(f"{peer}")
        results[peer] = m = peer_run(peer, script, db, env, peers[peer], peer_timeout)
        log(f"  {m.wall_s:.1f} s wall, {m.peak_rss_mb:.0f} MB" + ("" if m.ok else f" FAILED: {m.reason}"))

    # 5. micro-benchmarks
    if "micro" not in skip:
        for kind in ("mmd", "ks", "windows", "ge"):
            log(f"micro: {kind}")
            args = [kind] if kind == "mmd" else [kind, str(micro_db), str(config), str(profiles), str(main_dir)]
            micro[kind] = m = python_run(f"micro_{kind}", "bench.micro", args, env)
            log(f"  {m.wall_s:.1f} s wall" + ("" if m.ok else f" FAILED: {m.reason}"))
        micro_db.unlink(missing_ok=True)

    report = {
        "requested_rows": rows,
        "rows": built["rows"],
        "rows_per_day": built["rows_per_day"],
        "windows": data.DAYS,
        "reference_windows": data.REFERENCE_DAYS,
        "features": {"numeric": len(data.NUMERIC), "categorical": len(data.CATEGORICAL)},
        "events": data.EVENTS,
        "machine": {**info, "load_average_end": [round(x, 2) for x in os.getloadavg()]},
        "peers": peers,
        "runs": {k: v.as_dict() for k, v in results.items()},
        "micro": {k: v.as_dict() for k, v in micro.items()},
    }
    report["summary"] = summarize(results, fixed)
    if os.environ.get("BENCH_DOCS", "1") != "0":
        write_docs(report)
        log(f"wrote docs/{docs_name(rows)}.md and docs/{docs_name(rows)}.json")
    else:
        (WORK / "benchmarks.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
        log("wrote bench/work/benchmarks.json (BENCH_DOCS=0)")
    print(last_line(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
