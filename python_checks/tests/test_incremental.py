"""Incremental builds: a nightly run recomputes only new windows and the windows touched by
late rows or late labels, and its results equal a full refresh's."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil

import duckdb
import pytest
import yaml

from python_checks import demo

from .conftest import SMALL_SAMPLES, project_config, shiftwatch

NEW_DAY = 69
LATE_LABEL_DAYS = (60, 61, 62)
ARTEFACTS = {
    "feature_windows": "monitor, window_start, column_name",
    "category_windows": "monitor, role, column_name, window_start, category",
    "histogram_windows": "monitor, role, column_name, window_start, bin",
    "ks_windows": "monitor, role, column_name, window_start",
    "sample_windows": "monitor, window_start, row_id, column_name",
    "performance_windows": "monitor, window_start, segment, metric",
    "label_windows": "monitor, window_start",
    "prediction_windows": "monitor, window_start, column_name, column_kind, model_version",
    "confusion_windows": "monitor, window_start, y_pred, y_true",
    "score_bin_windows": "monitor, window_start, segment, model_version, bin",
    "class_conditional_windows": "monitor, window_start, column_name, label_class",
}


def day(d: int) -> dt.datetime:
    return demo.day_start(d)


@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    """Build once without the last day and without the late labels, then add them and
    run again (incremental) and, on a copy, with --full-refresh."""
    from python_checks.warehouse import connect

    d = tmp_path_factory.mktemp("incremental")
    path = d / "shiftwatch.duckdb"
    config = d / "shiftwatch.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)}))
    env = {"SHIFTWATCH_DUCKDB_PATH": str(path)}
    data = demo.generate(rows=150_000, seed=11)
    import os

    os.environ["SHIFTWATCH_DUCKDB_PATH"] = str(path)
    with connect(".") as wh:
        demo.write(wh, data)
        demo.apply_schema_change(wh, data)
        late = " or ".join(f"(f.ts >= '{day(x)}' and f.ts < '{day(x + 1)}')" for x in LATE_LABEL_DAYS)
        wh.execute(f"create table main.held_rows as select * from main.car_loan where ts >= '{day(NEW_DAY)}'")
        wh.execute(f"delete from main.car_loan where ts >= '{day(NEW_DAY)}'")
        wh.execute("create table main.held_labels as select * from main.car_loan_labels "
                   f"where id in (select f.id from main.car_loan as f where {late})")
        wh.execute("delete from main.car_loan_labels where id in (select id from main.held_labels)")

    init = shiftwatch("init", "--config", str(config), env=env)
    assert init.code == 0, init.stderr[-3000:]
    first = shiftwatch("run", "--config", str(config), "--fail-on", "never", env=env)
    assert first.code == 0, first.stderr[-3000:]
    con = duckdb.connect(str(path), read_only=True)
    builds_before = dict(con.execute("select window_start, build_id from shiftwatch_results.window_index").fetchall())
    con.close()

    with connect(".") as wh:
        wh.execute("insert into main.car_loan select * from main.held_rows")
        wh.execute("insert into main.car_loan_labels select * from main.held_labels")
    full_path = d / "full.duckdb"
    shutil.copy(path, full_path)

    nightly_run = shiftwatch("run", "--config", str(config), "--fail-on", "never", "--verbose", env=env)
    assert nightly_run.code == 0, nightly_run.stderr[-3000:]
    full_run = shiftwatch("run", "--config", str(config), "--fail-on", "never", "--full-refresh",
                          env={"SHIFTWATCH_DUCKDB_PATH": str(full_path)})
    assert full_run.code == 0, full_run.stderr[-3000:]
    yield {"incremental": duckdb.connect(str(path), read_only=True), "full": duckdb.connect(str(full_path), read_only=True),
           "builds_before": builds_before, "nightly_stderr": nightly_run.stderr}


def test_only_new_and_late_labelled_windows_are_recomputed(nightly):
    con = nightly["incremental"]
    changes = dict(con.execute("select window_start, reason from shiftwatch_results.window_changes").fetchall())
    assert changes == {day(NEW_DAY): "new", **{day(x): "labels_changed" for x in LATE_LABEL_DAYS}}
    builds_after = dict(con.execute("select window_start, build_id from shiftwatch_results.window_index").fetchall())
    rebuilt = {w for w, b in builds_after.items() if nightly["builds_before"].get(w) != b}
    assert rebuilt == set(changes)
    for table in ARTEFACTS:
        rebuilt_here = {w for (w,) in con.execute(
            f"select distinct window_start from shiftwatch_results.{table} where build_id <> "
            f"(select min(build_id) from shiftwatch_results.{table} where window_start = ?)", [day(0)]).fetchall()}
        assert rebuilt_here <= set(changes), (table, sorted(rebuilt_here - set(changes)))


def test_nightly_run_recomputes_mmd_only_for_changed_windows(nightly):
    """The expensive test (MMD) reruns only where a window's sample or its reference
    changed; the other windows' results come from the last run (and equal a full
    refresh's, below)."""
    assert "; 4 MMD tests computed, 66 unchanged since the last run" in nightly["nightly_stderr"]


def test_nightly_run_reuses_ks_pvalues_of_unchanged_statistics(nightly):
    """p is a function of (D, n, m): only the new window's 11 statistics are new (one of
    them equals an earlier window's D with the same sizes, so its p is reused too)."""
    assert "car_loan: 10 KS p-values computed, 760 unchanged since the last run" in nightly["nightly_stderr"]


@pytest.mark.parametrize("table", sorted(ARTEFACTS))
def test_incremental_equals_full_refresh(nightly, table):
    key = ARTEFACTS[table]
    cols = [r[0] for r in nightly["full"].execute(
        "select column_name from information_schema.columns where table_schema = 'shiftwatch_results' and table_name = ? "
        "and column_name <> 'build_id' order by ordinal_position", [table]).fetchall()]
    q = f"select {', '.join(cols)} from shiftwatch_results.{table} order by {key}"
    a, b = nightly["incremental"].execute(q).fetchall(), nightly["full"].execute(q).fetchall()
    assert len(a) == len(b) > 0
    # Counts, categories, bins and KS D are exact; moments are sums that DuckDB's parallel
    # aggregation adds in no fixed order, so two builds of the same window agree to the
    # last few bits: 1e-12 relative, and 1e-12 absolute for skewness and excess kurtosis,
    # which sit near zero where a relative bound means nothing (seen: 9e-14 apart).
    for x, y in zip(a, b):
        for column, u, v in zip(cols, x, y):
            if isinstance(u, float) and isinstance(v, float):
                assert math.isclose(u, v, rel_tol=1e-12, abs_tol=1e-12) or (math.isnan(u) and math.isnan(v)), (table, column, x)
            else:
                assert u == v, (table, column, x, y)


def test_nightly_ks_equals_full_build_to_the_bit(nightly):
    """The new window's KS D comes from the stored reference ECDF (sw_ks_against_ecdf) at
    night and from sw_ks_windows in a full build: the same counts into the same
    expression, so the doubles are identical, not merely close."""
    q = ("select column_name, window_start, statistic, n_current, n_reference from shiftwatch_results.ks_windows "
         "where window_start = ? order by column_name")
    a = nightly["incremental"].execute(q, [day(NEW_DAY)]).fetchall()
    b = nightly["full"].execute(q, [day(NEW_DAY)]).fetchall()
    assert len(a) == len(b) > 0
    assert a == b


def test_incremental_drift_results_equal_full_refresh(nightly):
    cols = ("monitor, window_start, column_name, segment, test, statistic, p_value, q_value, effect, threshold, "
            "drifted, shift_kind, n_reference, n_current, skipped_reason")
    q = f"select {cols} from shiftwatch_results.latest_results order by monitor, window_start, column_name, segment, test"
    a, b = nightly["incremental"].execute(q).fetchall(), nightly["full"].execute(q).fetchall()
    assert len(a) == len(b) > 0
    # Exact, except the P(x | y) rows: they are computed from stored moments, which agree
    # to 1e-12 relative between two builds (see above), so their statistics do too.
    exact = [(x, y) for x, y in zip(a, b) if x[4] != "smd"]
    assert [x for x, _ in exact] == [y for _, y in exact]
    for x, y in zip(a, b):
        if x[4] == "smd":
            assert x[:5] == y[:5] and x[10:] == y[10:], (x, y)
            # p = 2Φ̄(|z|) multiplies z's relative difference by about z² (z reaches ~30 here).
            for u, v, rel in zip(x[5:10], y[5:10], (1e-9, 1e-6, 1e-9, 1e-9, 1e-9)):
                assert (u is None and v is None) or math.isclose(u, v, rel_tol=rel, abs_tol=1e-300), (x, y)


def _latest_quality(con) -> list[tuple]:
    """The latest run's quality results, the window rows' `inputs` marker left out (it names
    dbt builds), and the future-timestamp check's bound (the run's start) too."""
    rows = con.execute(
        "select monitor, suite, schema_version, window_start, window_end, expectation, column_name, success, "
        "observed_value, expected, details from shiftwatch_results.quality_results where run_id = ("
        "select run_id from shiftwatch_results.runs where status = 'success' order by started_at desc limit 1) "
        "order by monitor, window_start nulls first, expectation, column_name").fetchall()
    out = []
    for r in rows:
        details = json.loads(r[10]) if r[10] else None
        if isinstance(details, dict):
            details.pop("inputs", None)
        expected = None if r[5] == "expect_column_max_to_be_between" and r[6] == "ts" else r[9]
        out.append((*r[:9], expected, details or None))
    return out


def test_nightly_run_validates_only_changed_windows(nightly):
    """GE validates the windows dbt rebuilt: the three with late labels (the new day has
    schema version v2, which has no suite, like three earlier days). The results of the
    other 63 are the last run's (their rows and suite did not change), and the whole
    equals a full refresh's."""
    assert "validating 3 windows of car_loan, 63 unchanged since the last run" in nightly["nightly_stderr"]
    a, b = _latest_quality(nightly["incremental"]), _latest_quality(nightly["full"])
    assert len(a) == len(b) > 70
    assert a == b
