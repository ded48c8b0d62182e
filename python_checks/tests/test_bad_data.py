"""Degenerate data through the real CLI: one named test per case of docs/reliability.md.

Each test builds a small synthetic monitor (a few thousand rows over a week of daily
windows, the first four days the reference) in its own DuckDB file, derives its suite with
`shiftwatch init` and runs `shiftwatch run`. Every test checks the same things: exit 0 or 1
(never 3) and no trace, a defined result in drift_results for every test (a statistic, or
NULL with a skipped_reason), the quality failure where the case is a quality problem, and
that the data and result tables are intact afterwards.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest
import scipy.stats as st

from .conftest import SMALL_SAMPLES, CliResult, Workspace, synthetic_workspace

START = dt.datetime(2026, 3, 1)
DAYS = 7
PER_DAY = 400
REFERENCE = {"from": "2026-03-01", "to": "2026-03-05"}  # days 0-3; days 4-6 are current windows
NOT_NULL = "expect_column_values_to_not_be_null"
BETWEEN = "expect_column_values_to_be_between"
DRIFT_KEY = "run_id, monitor, window_start, column_name, segment, test"


def day(d: int) -> dt.datetime:
    return START + dt.timedelta(days=d)


def events(days: int = DAYS, per_day: int = PER_DAY, seed: int = 0) -> dict[str, np.ndarray]:
    """One event per row: id, a timestamp spread over its day, two numeric features, a
    categorical one, and the model's score and predicted label (in the same relation)."""
    rng = np.random.default_rng(seed)
    n = days * per_day
    offsets = np.repeat(np.arange(days), per_day) * 86_400 + rng.integers(0, 86_400, n)
    return {
        "id": np.arange(n, dtype=np.int64),
        "ts": np.datetime64(START, "us") + offsets.astype("timedelta64[s]"),
        "x": rng.normal(0.0, 1.0, n),
        "y": rng.normal(10.0, 2.0, n),
        "cat": rng.choice(np.array(["a", "b", "c"]), n),
        "score": rng.random(n),
        "y_pred": rng.choice(np.array(["0", "1"]), n),
    }


def on_day(columns: dict[str, np.ndarray], d: int) -> np.ndarray:
    ts = columns["ts"]
    return (ts >= np.datetime64(day(d), "us")) & (ts < np.datetime64(day(d + 1), "us"))


def table(columns: dict[str, np.ndarray], nulls: dict[str, np.ndarray] | None = None, *, tz: str | None = None) -> pa.Table:
    """Arrow table of ``columns``; ``nulls`` marks SQL NULLs per column (NaN stays a value)."""
    nulls = nulls or {}
    arrays = {}
    for name, values in columns.items():
        mask = nulls.get(name)
        if name == "ts":
            arrays[name] = pa.array(values, pa.timestamp("us", tz=tz), mask=mask)
        else:
            arrays[name] = pa.array(values, mask=mask)
    return pa.table(arrays)


def monitor(**overrides) -> dict:
    m = {"name": "bad", "relation": "main.events", "id": "id", "timestamp": "ts", "window": {"every": "1 day"},
         "reference": REFERENCE, "features": {"numeric": ["x", "y"], "categorical": ["cat"]},
         "predictions": {"score": "score", "label": "y_pred"}}
    m.update(overrides)
    return m


def workspace(tmp_path, tables: dict[str, pa.Table], **monitor_overrides) -> Workspace:
    return synthetic_workspace(tmp_path, tables, [monitor(**monitor_overrides)], **SMALL_SAMPLES)


def pipeline(ws: Workspace, *, env: dict | None = None, init: bool = True) -> CliResult:
    """`shiftwatch init` (the suite from the reference) then `shiftwatch run`, checked for soundness."""
    if init:
        derived = ws.run("init", env=env)
        assert derived.code == 0, derived.stderr[-3000:]
    result = ws.run("run", "--format", "json", "--fail-on", "warning", env=env)
    assert_sound(ws, result)
    return result


def assert_sound(ws: Workspace, result: CliResult) -> None:
    """Exit 0/1 without a trace; the run recorded as a success; every drift row defined."""
    assert result.code in (0, 1), f"exit {result.code}: {result.stderr[-3000:]}"
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    document = result.json
    assert document["exit_code"] == result.code and document["status"] in ("ok", "alerts")
    con = ws.connect()
    run_id = document["run_id"]
    assert con.execute("select status from shiftwatch_results.runs where run_id = ?", [run_id]).fetchall() == [("success",)]
    assert con.execute("select count(*) from shiftwatch_results.runs where status <> 'success'").fetchone()[0] == 0
    rows = drift_rows(ws, run_id)
    assert rows, "no drift results"
    for r in rows:
        where = (r["column_name"], r["test"], r["window_start"], r["segment"])
        # A statistic, or NULL with the reason why; never both, never neither.
        assert (r["statistic"] is None) == (r["skipped_reason"] is not None), (where, r)
        if r["statistic"] is not None:
            assert math.isfinite(r["statistic"]), (where, r)
        for column in ("p_value", "q_value"):
            assert r[column] is None or 0.0 <= r[column] <= 1.0, (where, column, r)
        assert not (r["drifted"] and r["skipped_reason"]), (where, r)
    dupes = con.execute(f"select {DRIFT_KEY}, count(*) from shiftwatch_results.drift_results "
                        f"group by {DRIFT_KEY} having count(*) > 1").fetchall()
    assert dupes == []
    # The views over the results still read (nothing half-written, nothing dropped).
    for view in ("alerts", "latest_status", "drift_timeline", "latest_results"):
        con.execute(f"select count(*) from shiftwatch_results.{view}").fetchone()


def drift_rows(ws: Workspace, run_id: str) -> list[dict]:
    con = ws.connect()
    columns = ["window_start", "column_name", "segment", "test", "statistic", "p_value", "q_value", "effect",
               "drifted", "n_reference", "n_current", "skipped_reason", "details"]
    rows = con.execute(f"select {', '.join(columns)} from shiftwatch_results.drift_results where run_id = ? "
                       "order by window_start, column_name, test, segment", [run_id]).fetchall()
    return [dict(zip(columns, r)) for r in rows]


def result_of(ws: Workspace, run: CliResult, column: str, test: str, d: int, segment: str = "*") -> dict:
    found = [r for r in drift_rows(ws, run.json["run_id"])
             if r["column_name"] == column and r["test"] == test and r["window_start"] == day(d) and r["segment"] == segment]
    assert len(found) == 1, f"{len(found)} drift_results rows for {column}/{test} on day {d}"
    return found[0]


def quality_failures(run: CliResult) -> set[tuple]:
    """(expectation, column, day index or None) of every failed expectation of the run."""
    out = set()
    for q in run.json["quality_failures"]:
        start = q["window_start"]
        index = None if start is None else (dt.datetime.fromisoformat(start) - START).days
        out.add((q["expectation"], q["column_name"], index))
    return out


def assert_rows_intact(ws: Workspace, name: str, expected: int) -> None:
    assert ws.connect().execute(f'select count(*) from main."{name}"').fetchone()[0] == expected


# --------------------------------------------------------------------------- cases


def test_all_null_column(tmp_path):
    """x is NULL on every row of day 4, cat on every row of day 5: the tests of those
    columns and windows are skipped as all_null, the not-null expectation fails there, and
    everything else in those windows is still tested (MMD on the columns that have values)."""
    columns = events()
    nulls = {"x": on_day(columns, 4), "cat": on_day(columns, 5)}
    ws = workspace(tmp_path, {"events": table(columns, nulls)})
    run = pipeline(ws)

    for test in ("ks", "psi", "js", "wasserstein"):
        r = result_of(ws, run, "x", test, 4)
        assert r["statistic"] is None and r["skipped_reason"] == "all_null", (test, r)
    for test in ("chi2", "psi", "js"):
        r = result_of(ws, run, "cat", test, 5)
        assert r["statistic"] is None and r["skipped_reason"] == "all_null", (test, r)
    for column, test in (("y", "ks"), ("y", "wasserstein"), ("cat", "chi2")):
        assert result_of(ws, run, column, test, 4)["statistic"] is not None, (column, test)
    mmd = result_of(ws, run, "*", "mmd", 4)
    assert mmd["statistic"] is not None and '"features": ["y"]' in mmd["details"], mmd
    assert {(NOT_NULL, "x", 4), (NOT_NULL, "cat", 5)} <= quality_failures(run)
    assert_rows_intact(ws, "events", DAYS * PER_DAY)


def test_constant_column(tmp_path):
    """c is 5.0 on every row: KS gives D = 0 (p = 1), the histogram distances 0, Wasserstein
    is skipped as constant (reference sd 0) and MMD leaves c out. y constant only on day 5
    is a shift (KS D = 1 against a varying reference), not a quality failure."""
    columns = events()
    columns["c"] = np.full(columns["x"].size, 5.0)
    columns["y"][on_day(columns, 5)] = 10.0
    ws = workspace(tmp_path, {"events": table(columns)}, features={"numeric": ["x", "y", "c"], "categorical": ["cat"]})
    run = pipeline(ws)

    for d in (4, 5, 6):
        ks = result_of(ws, run, "c", "ks", d)
        assert (ks["statistic"], ks["p_value"]) == (0.0, 1.0), ks
        for test in ("psi", "js"):
            assert result_of(ws, run, "c", test, d)["statistic"] == pytest.approx(0.0, abs=1e-12)
        assert result_of(ws, run, "c", "wasserstein", d)["skipped_reason"] == "constant"
        mmd = result_of(ws, run, "*", "mmd", d)
        assert mmd["statistic"] is not None and '"features": ["x", "y"]' in mmd["details"], mmd
    ks = result_of(ws, run, "y", "ks", 5)
    assert ks["statistic"] == pytest.approx(st.ks_2samp(np.full(PER_DAY, 10.0), reference_values(columns, "y")).statistic, abs=1e-12)
    assert ks["drifted"]
    assert quality_failures(run) == set()
    assert_rows_intact(ws, "events", DAYS * PER_DAY)


def reference_values(columns: dict[str, np.ndarray], name: str) -> np.ndarray:
    mask = np.zeros(columns["ts"].size, dtype=bool)
    for d in range(4):
        mask |= on_day(columns, d)
    values = columns[name][mask]
    return values[~np.isnan(values)]


def test_nan_and_inf_values(tmp_path):
    """Stored as DOUBLE NaN and ±inf, not NULL. NaN counts as NULL (n_null, and y all NaN on
    day 5 is all_null); ±inf are values for KS and the histograms, left out of MMD and
    Wasserstein. NaN and ±inf fail the range expectation."""
    columns = events()
    rng = np.random.default_rng(1)
    rows = np.flatnonzero(on_day(columns, 4))
    picked = rng.choice(rows, 36, replace=False)
    nan_rows, pos_rows, neg_rows = picked[:20], picked[20:28], picked[28:]
    columns["x"][nan_rows] = np.nan
    columns["x"][pos_rows] = np.inf
    columns["x"][neg_rows] = -np.inf
    columns["y"][on_day(columns, 5)] = np.nan
    ws = workspace(tmp_path, {"events": table(columns)})
    assert ws.connect().execute("select count(*) from main.events where x is null or y is null").fetchone()[0] == 0
    run = pipeline(ws)

    current = columns["x"][on_day(columns, 4)]
    current = current[~np.isnan(current)]
    expected = st.ks_2samp(current, reference_values(columns, "x"))
    ks = result_of(ws, run, "x", "ks", 4)
    assert ks["n_current"] == PER_DAY - 20
    assert abs(ks["statistic"] - expected.statistic) <= 1e-12
    assert ks["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    for test in ("psi", "js"):
        assert result_of(ws, run, "x", test, 4)["n_current"] == PER_DAY - 20
    wasserstein = result_of(ws, run, "x", "wasserstein", 4)
    mmd = result_of(ws, run, "*", "mmd", 4)
    for r in (wasserstein, mmd):
        assert r["statistic"] is not None and 0 < r["n_current"] < SMALL_SAMPLES["sample_size"], r
    for test in ("ks", "psi", "js", "wasserstein"):
        r = result_of(ws, run, "y", test, 5)
        assert r["statistic"] is None and r["skipped_reason"] == "all_null", (test, r)
    n, n_null = ws.connect().execute("select n, n_null from shiftwatch_results.feature_windows "
                                     "where column_name = 'x' and window_start = ?", [day(4)]).fetchone()
    assert (n, n_null) == (PER_DAY, 20)
    assert {(BETWEEN, "x", 4), (BETWEEN, "y", 5)} <= quality_failures(run)
    assert_rows_intact(ws, "events", DAYS * PER_DAY)


def test_empty_window_in_the_middle(tmp_path):
    """Day 5 has no rows: there is no window for it (windows come from the rows), so no
    results; the windows around it are tested as usual."""
    columns = events()
    keep = ~on_day(columns, 5)
    columns = {k: v[keep] for k, v in columns.items()}
    ws = workspace(tmp_path, {"events": table(columns)})
    run = pipeline(ws)

    windows = [w for (w,) in ws.connect().execute("select window_start from shiftwatch_results.window_index order by 1").fetchall()]
    assert windows == [day(d) for d in (0, 1, 2, 3, 4, 6)]
    assert not [r for r in drift_rows(ws, run.json["run_id"]) if r["window_start"] == day(5)]
    for column, test in (("x", "ks"), ("cat", "chi2"), ("*", "mmd"), ("y", "wasserstein")):
        r = result_of(ws, run, column, test, 6)
        assert r["statistic"] is not None and r["n_reference"] > 0, r
    assert quality_failures(run) == set()
    assert_rows_intact(ws, "events", (DAYS - 1) * PER_DAY)


def test_one_row_window(tmp_path):
    """Day 5 holds a single row: KS, the histogram distances, Wasserstein and chi² are
    defined for one value (KS as scipy's); MMD needs two rows a side (too_few)."""
    columns = events()
    day5 = np.flatnonzero(on_day(columns, 5))
    keep = np.ones(columns["id"].size, dtype=bool)
    keep[day5[1:]] = False
    columns = {k: v[keep] for k, v in columns.items()}
    ws = workspace(tmp_path, {"events": table(columns)})
    run = pipeline(ws)

    single = columns["x"][on_day(columns, 5)]
    assert single.size == 1
    expected = st.ks_2samp(single, reference_values(columns, "x"))
    ks = result_of(ws, run, "x", "ks", 5)
    assert ks["n_current"] == 1 and abs(ks["statistic"] - expected.statistic) <= 1e-12
    assert ks["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    for column, test in (("x", "psi"), ("x", "js"), ("x", "wasserstein"), ("cat", "chi2"), ("cat", "psi")):
        r = result_of(ws, run, column, test, 5)
        assert r["statistic"] is not None and r["n_current"] == 1, (column, test, r)
    mmd = result_of(ws, run, "*", "mmd", 5)
    assert mmd["skipped_reason"] == "too_few" and mmd["n_current"] == 1, mmd
    assert quality_failures(run) == set()
    assert_rows_intact(ws, "events", (DAYS - 1) * PER_DAY + 1)


def test_duplicate_ids(tmp_path):
    """30 events of day 4 arrive twice and 10 other events reuse ids already taken. Every row
    is an event to the window statistics (KS, histograms, categories); the sample keeps one
    row per id; the uniqueness expectation `init` derives from the (clean) reference fails."""
    columns = events()
    day4 = np.flatnonzero(on_day(columns, 4))
    twins = {k: v[day4[:30]] for k, v in columns.items()}  # the same events again
    clashes = {k: v[day4[30:40]].copy() for k, v in columns.items()}  # other events, an id already used
    clashes["id"] = columns["id"][day4[40:50]]
    columns = {k: np.concatenate([columns[k], twins[k], clashes[k]]) for k in columns}
    ws = workspace(tmp_path, {"events": table(columns)})
    run = pipeline(ws)

    current = columns["x"][on_day(columns, 4)]
    assert current.size == PER_DAY + 40
    ks = result_of(ws, run, "x", "ks", 4)
    assert ks["n_current"] == PER_DAY + 40
    assert abs(ks["statistic"] - st.ks_2samp(current, reference_values(columns, "x")).statistic) <= 1e-12
    assert result_of(ws, run, "cat", "chi2", 4)["n_current"] == PER_DAY + 40
    mmd = result_of(ws, run, "*", "mmd", 4)
    assert mmd["statistic"] is not None and mmd["n_current"] == SMALL_SAMPLES["sample_size"]
    sampled = ws.connect().execute("select count(*), count(distinct row_id) from shiftwatch_results.sample_windows "
                                   "where window_start = ? and column_name = 'x'", [day(4)]).fetchone()
    assert sampled == (SMALL_SAMPLES["sample_size"],) * 2
    assert quality_failures(run) == {("expect_column_values_to_be_unique", "id", 4)}
    assert run.code == 0  # a quality failure is reported, not an alert
    assert_rows_intact(ws, "events", DAYS * PER_DAY + 40)


def test_timezone_aware_timestamps(tmp_path):
    """A TIMESTAMP WITH TIME ZONE column is windowed in UTC, whatever the machine's time
    zone: x is NULL on exactly the rows of UTC day 4, and only that window sees it."""
    columns = events()
    ws = workspace(tmp_path, {"events": table(columns, {"x": on_day(columns, 4)}, tz="UTC")})
    assert ws.connect().execute("select data_type from information_schema.columns where table_name = 'events' "
                                "and column_name = 'ts'").fetchone()[0] == "TIMESTAMP WITH TIME ZONE"
    run = pipeline(ws, env={"TZ": "America/New_York"})
    assert_windows_are_days(ws, run)


def test_naive_timestamps(tmp_path):
    """A naive TIMESTAMP is windowed as it is, whatever the machine's time zone."""
    columns = events()
    ws = workspace(tmp_path, {"events": table(columns, {"x": on_day(columns, 4)})})
    run = pipeline(ws, env={"TZ": "Asia/Tokyo"})
    assert_windows_are_days(ws, run)


def assert_windows_are_days(ws: Workspace, run: CliResult) -> None:
    windows = ws.connect().execute("select window_start, window_end, n_rows from shiftwatch_results.window_index "
                                   "order by 1").fetchall()
    assert windows == [(day(d), day(d + 1), PER_DAY) for d in range(DAYS)]
    assert result_of(ws, run, "x", "ks", 4)["skipped_reason"] == "all_null"
    for d in (3, 5):
        assert result_of(ws, run, "x", "ks", d)["n_current"] == PER_DAY
    assert quality_failures(run) == {(NOT_NULL, "x", 4)}
    assert_rows_intact(ws, "events", DAYS * PER_DAY)


def test_future_timestamps(tmp_path):
    """25 events stamped 2099-01-01: they make a window of their own, tested like any other,
    and that window fails the check that no event is later than the run's start."""
    columns = events()
    future = {k: v[:25].copy() for k, v in columns.items()}
    future["id"] = future["id"] + 100_000
    future["ts"] = np.full(25, np.datetime64("2099-01-01T12:00:00", "us"))
    columns = {k: np.concatenate([columns[k], future[k]]) for k in columns}
    ws = workspace(tmp_path, {"events": table(columns)})
    run = pipeline(ws)

    future_day = (dt.datetime(2099, 1, 1) - START).days
    windows = ws.connect().execute("select window_start, n_rows from shiftwatch_results.window_index order by 1").fetchall()
    assert windows == [*((day(d), PER_DAY) for d in range(DAYS)), (day(future_day), 25)]
    for column, test in (("x", "ks"), ("cat", "chi2"), ("*", "mmd")):
        r = result_of(ws, run, column, test, future_day)
        assert r["statistic"] is not None and r["n_current"] == 25, r
    assert quality_failures(run) == {("expect_column_max_to_be_between", "ts", future_day)}
    assert_rows_intact(ws, "events", DAYS * PER_DAY + 25)


def labels_of(columns: dict[str, np.ndarray], delay_hours: int = 30) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2)
    return {"id": columns["id"], "repaid": rng.integers(0, 2, columns["id"].size),
            "labeled_at": columns["ts"] + np.timedelta64(delay_hours, "h")}


def test_late_rows_and_late_labels(tmp_path):
    """After a first run, 100 rows of day 5 arrive late (never labelled) and so do the labels
    of day 4: the next run recomputes exactly those two windows, and their results count the
    late data."""
    columns = events()
    labels = labels_of(columns)
    late_rows = np.flatnonzero(on_day(columns, 5))[:100]
    on_time = np.ones(columns["id"].size, dtype=bool)
    on_time[late_rows] = False
    labelled = on_time & ~on_day(columns, 4)
    late_labels = on_day(columns, 4)
    ws = synthetic_workspace(
        tmp_path, {"events": table({k: v[on_time] for k, v in columns.items()}),
                   "labels": table({k: v[labelled] for k, v in labels.items()})},
        [monitor(labels={"relation": "main.labels", "column": "repaid", "timestamp": "labeled_at"})], **SMALL_SAMPLES)
    first = pipeline(ws)
    assert result_of(ws, first, "x", "ks", 5)["n_current"] == PER_DAY - 100
    accuracy = result_of(ws, first, "accuracy", "accuracy", 4)
    assert accuracy["skipped_reason"] == "too_few_labels" and accuracy["n_current"] == 0
    assert result_of(ws, first, "repaid", "chi2", 4)["skipped_reason"] == "too_few_labels"

    ws.insert("events", table({k: v[~on_time] for k, v in columns.items()}))
    ws.insert("labels", table({k: v[late_labels] for k, v in labels.items()}))
    second = pipeline(ws, init=False)
    changes = dict(ws.connect().execute("select window_start, reason from shiftwatch_results.window_changes").fetchall())
    assert changes == {day(4): "labels_changed", day(5): "rows_changed"}
    late = result_of(ws, second, "x", "ks", 5)
    assert late["n_current"] == PER_DAY and late["statistic"] is not None
    accuracy = result_of(ws, second, "accuracy", "accuracy", 4)
    assert accuracy["statistic"] is not None and accuracy["n_current"] == PER_DAY, accuracy
    assert result_of(ws, second, "repaid", "chi2", 4)["statistic"] is not None
    assert quality_failures(second) == set()
    assert_rows_intact(ws, "events", DAYS * PER_DAY)
    assert_rows_intact(ws, "labels", DAYS * PER_DAY - 100)
