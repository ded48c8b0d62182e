"""The SQL KS statistic (macros/drift) against scipy.stats.ks_2samp on awkward data, on
DuckDB and on PostgreSQL: ties inside and across windows, ±inf, NaN, a one-row window, a
constant column, a column with no reference values, fixed and relative references. Then a
nightly build (one appended day, looked up in the stored reference ECDF) against a full
build of the same data, to the bit. Only the dbt models up to ks_windows run."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
import scipy.stats as st
import yaml

from .conftest import ROOT

START = dt.datetime(2026, 3, 1)
SIZES = [150, 120, 150, 90, 150, 150, 1, 150, 130, 150]  # rows per day; day 6 has one row
NEW_DAY_SIZE = 140
REFERENCE_DAYS = 4
COLUMNS = ["cont", "tie", "edge", "late", "const"]
MONITORS = {
    "fixed": ({"from": "2026-03-01", "to": "2026-03-05"}, COLUMNS),
    "prev": ({"previous": 1}, ["cont", "tie", "edge"]),
    "roll": ({"rolling": 3}, ["tie", "edge"]),
}


def day_rows(day: int, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    shift = 0.8 if day >= 7 else 0.0
    edge = np.round(rng.standard_normal(n) + shift, 1)
    if n > 10:
        edge[:3] = [np.inf, -np.inf, np.nan] if day % 2 else [np.inf, np.inf, 2.5]
    late = rng.standard_normal(n) if day >= REFERENCE_DAYS else np.full(n, np.nan)
    return {"cont": rng.standard_normal(n) + shift, "tie": rng.integers(0, 6, n).astype(float) + (day == 8),
            "edge": edge, "late": late, "const": np.ones(n)}


def table(days: range, sizes: list[int], first_id: int = 0) -> pa.Table:
    """Rows of ``days``; `late` is SQL NULL where missing, elsewhere NaN stays a value."""
    parts = []
    for day, n in zip(days, sizes):
        rng = np.random.default_rng([7, day])
        seconds = np.sort(rng.integers(0, 86400, n)).astype("timedelta64[s]")
        ts = np.datetime64(START + dt.timedelta(days=day), "s") + seconds
        columns = {c: pa.array(v, mask=np.isnan(v) if c == "late" else None) for c, v in day_rows(day, n, rng).items()}
        parts.append(pa.table({"id": np.arange(first_id, first_id + n), "ts": pa.array(ts, pa.timestamp("us")), **columns}))
        first_id += n
    return pa.concat_tables(parts)


def monitor(name: str, reference: dict, numeric: list[str]) -> dict:
    return {"name": name, "relation": "main.ks_cases", "id": "id", "timestamp": "ts", "window": {"every": "1 day"},
            "reference": reference, "features": {"numeric": numeric, "categorical": []}}


def dbt_run(d, target: str, *extra: str, lookup_runs: int | None = None) -> None:
    """dbt in a subprocess: dbt-duckdb keeps its connection open in the process that ran it.
    ``lookup_runs`` sets how many runs DuckDB's nightly ECDF lookup cuts the reference into."""
    extra_vars = {"shiftwatch_ks_lookup_runs": lookup_runs} if lookup_runs else {}
    code = ("import json, sys; from pathlib import Path; from python_checks.config import load_config; "
            "from python_checks.dbt_runner import run_dbt; "
            f"cfg = load_config(config_file={str(d / 'ks.yml')!r}, project_dir={str(ROOT)!r}); "
            f"run_dbt(['run', '--select', '+ks_windows', *sys.argv[1:]], project_dir=Path({str(ROOT)!r}), "
            f"profiles_dir=Path({str(ROOT / 'profiles')!r}), target={target!r}, "
            f"dbt_vars={{**cfg.to_vars(), **{extra_vars!r}}})")
    proc = subprocess.run([sys.executable, "-c", code, *extra], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "SHIFTWATCH_DUCKDB_PATH": str(d / "ks.duckdb")}, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]


def read_ks(d, target: str) -> dict:
    from python_checks.warehouse import connect

    os.environ["SHIFTWATCH_DUCKDB_PATH"] = str(d / "ks.duckdb")
    with connect(ROOT, ROOT / "profiles", target) as wh:
        rows = wh.arrow(f"select monitor, column_name, window_start, is_reference, n_current, n_reference, statistic, build_id "
                        f"from {wh.table('shiftwatch_results', 'ks_windows')}").to_pylist()
    return {(r["monitor"], r["column_name"], r["window_start"]): r for r in rows}


def expected(data: pa.Table, name: str, column: str, days: int) -> dict:
    """scipy on the same arrays: every window against its reference (leave-one-out for
    reference windows of the fixed reference)."""
    reference, _ = MONITORS[name]
    ts = data["ts"].to_numpy()
    values = data[column].to_numpy(zero_copy_only=False)
    per_day = []
    for day in range(days):
        start = np.datetime64(START + dt.timedelta(days=day))
        x = values[(ts >= start) & (ts < start + np.timedelta64(1, "D"))]
        per_day.append(x[~np.isnan(x)])
    out = {}
    for day in range(days):
        if "from" in reference:
            refs = [j for j in range(REFERENCE_DAYS) if j != day]
        elif "previous" in reference:
            refs = [day - reference["previous"]] if day >= reference["previous"] else []
        else:
            refs = list(range(max(0, day - reference["rolling"]), day))
        ref = np.concatenate([per_day[j] for j in refs]) if refs else np.array([])
        if per_day[day].size == 0:
            continue
        d = st.ks_2samp(per_day[day], ref).statistic if ref.size else None
        out[START + dt.timedelta(days=day)] = (d, per_day[day].size, ref.size)
    return out


def assert_matches_scipy(ks: dict, data: pa.Table, days: int) -> None:
    for name, (_, columns) in MONITORS.items():
        for column in columns:
            for window, (d, n, m) in expected(data, name, column, days).items():
                got = ks[(name, column, window)]
                assert (got["n_current"], got["n_reference"]) == (n, m), (name, column, window, got)
                if d is None:
                    assert got["statistic"] is None, (name, column, window, got)
                else:
                    assert abs(got["statistic"] - d) <= 1e-12, (name, column, window, got["statistic"], d)


# On DuckDB the nightly lookup bounds the gap per run of reference values and looks up only
# the runs that can hold the maximum; with 3 runs each holds dozens of points and ties sit
# across the runs' ends, so most of the pruning is exercised (the default of 16384 gives
# these small references one point per run).
@pytest.mark.parametrize(("target", "lookup_runs"), [("duckdb", None), ("duckdb", 3), ("postgres", None)])
def test_sql_ks_matches_scipy_and_nightly_equals_full_build(tmp_path, target, lookup_runs):
    from python_checks.warehouse import connect

    if target == "postgres" and not os.environ.get("PGHOST"):
        pytest.fail("PGHOST is not set: run the suite with `make test` (scripts/with-postgres)")
    days = len(SIZES)
    data = table(range(days), SIZES)
    os.environ["SHIFTWATCH_DUCKDB_PATH"] = str(tmp_path / "ks.duckdb")
    with connect(ROOT, ROOT / "profiles", target) as wh:
        wh.load_arrow("main", "ks_cases", data)
    document = {"results_schema": "shiftwatch_results", "expectations_dir": str(tmp_path / "expectations"),
                "monitors": [monitor(name, ref, cols) for name, (ref, cols) in MONITORS.items()]}
    (tmp_path / "ks.yml").write_text(yaml.safe_dump({"shiftwatch": document}))

    dbt_run(tmp_path, target, "--full-refresh")
    first = read_ks(tmp_path, target)
    assert_matches_scipy(first, data, days)

    new_day = table(range(days, days + 1), [NEW_DAY_SIZE], first_id=sum(SIZES))
    with connect(ROOT, ROOT / "profiles", target) as wh:
        wh.load_arrow("main", "ks_cases", new_day, replace=False)
    dbt_run(tmp_path, target, lookup_runs=lookup_runs)
    nightly = read_ks(tmp_path, target)
    assert_matches_scipy(nightly, pa.concat_tables([data, new_day]), days + 1)
    new_window = START + dt.timedelta(days=days)
    # Incremental: the fixed reference's old windows were kept, the new one was looked up in
    # the stored reference ECDF.
    first_builds = {r["build_id"] for r in first.values()}
    assert all(nightly[k]["build_id"] == first[k]["build_id"] for k in first if k[0] == "fixed")
    assert all(nightly[k]["build_id"] not in first_builds for k in nightly if k[2] == new_window)
    dbt_run(tmp_path, target, "--full-refresh")
    full = read_ks(tmp_path, target)
    assert nightly.keys() == full.keys()
    result = lambda r: (r["n_current"], r["n_reference"], r["statistic"])  # noqa: E731
    for key in full:
        if key[0] == "fixed" and key[2] == new_window:  # sorted in the full build
            assert result(nightly[key]) == result(full[key]), key  # the same double, not merely close
