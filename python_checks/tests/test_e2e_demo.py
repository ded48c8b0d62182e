"""End to end: `shiftwatch demo` on the embedded DuckDB default, through the real CLI, real
dbt, real GE and the real statistics, against the injected truth (demo_truth.json)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from python_checks.demo import SCHEMA_V2, day_start

RESULT_COLUMNS = {  # docs/DESIGN.md, "Result tables (contract)"
    "feature_windows": ["monitor", "window_start", "window_end", "column_name", "column_kind", "n", "n_null", "null_rate",
                        "mean", "stddev", "skewness", "kurtosis", "min", "max", "p01", "p05", "p25", "p50", "p75",
                        "p95", "p99", "n_distinct", "is_reference"],
    "category_windows": ["monitor", "window_start", "column_name", "category", "n", "share"],
    "performance_windows": ["monitor", "window_start", "segment", "metric", "value", "n_labeled", "label_coverage"],
    "drift_results": ["run_id", "monitor", "window_start", "window_end", "reference", "column_name", "segment", "test",
                      "statistic", "p_value", "q_value", "effect", "threshold", "drifted", "shift_kind", "n_reference",
                      "n_current", "skipped_reason", "computed_at"],
    "quality_results": ["run_id", "monitor", "suite", "schema_version", "window_start", "expectation", "column_name",
                        "success", "observed_value", "expected", "details"],
    "schema_changes": ["run_id", "monitor", "schema_version", "column_name", "change", "expected_type", "actual_type"],
    "runs": ["run_id", "started_at", "finished_at", "status", "target", "counts", "version"],
    "alerts": ["monitor", "column_name", "shift_kind", "test", "severity", "first_seen", "last_seen", "windows_in_a_row",
               "statistic", "threshold"],
    "latest_status": ["monitor", "column_name", "window_start", "status"],
    "drift_timeline": ["monitor", "column_name", "window_start", "drifted"],
}


# The alerts still open at the end of the demo: model v2's scores, in the whole and per region.
OPEN_SEGMENTS = ["*", "region=east", "region=north", "region=south", "region=west"]


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_result_tables_carry_the_contract_columns(demo_workspace):
    con = demo_workspace.connect()
    for table, columns in RESULT_COLUMNS.items():
        present = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'shiftwatch_results' "
            "and table_name = ? order by ordinal_position", [table]).fetchall()]
        missing = [c for c in columns if c not in present]
        assert not missing, f"{table} lacks {missing}"


def test_drifted_pairs_equal_the_injected_truth(demo_workspace):
    """Every injected event alerts in exactly its windows, with its kind; nothing else does."""
    con = demo_workspace.connect()
    found = {(c, w, k, s) for c, w, k, s in con.execute(
        "select column_name, window_start, shift_kind, segment from shiftwatch_results.drift_timeline where drifted").fetchall()}
    expected = {(a["column_name"], ts(a["window_start"]), a["shift_kind"], a["segment"]) for a in demo_workspace.truth["alerts"]}
    assert sorted(found - expected) == [], "false alarms"
    assert sorted(expected - found) == [], "misses"


def test_alert_history_view_lists_the_injected_episodes(demo_workspace):
    con = demo_workspace.connect()
    rows = con.execute("select column_name, shift_kind, segment, first_seen, last_seen, windows_in_a_row "
                       "from shiftwatch_results.alert_history order by 1, 2, 3").fetchall()
    by_key = {}
    for a in demo_workspace.truth["alerts"]:
        by_key.setdefault((a["column_name"], a["shift_kind"], a["segment"]), []).append(ts(a["window_start"]))
    expected = []
    for (column, kind, segment), starts in by_key.items():
        starts.sort()
        runs, current = [], [starts[0]]
        for s in starts[1:]:
            if s - current[-1] == dt.timedelta(days=1):
                current.append(s)
            else:
                runs.append(current)
                current = [s]
        runs.append(current)
        expected += [(column, kind, segment, r[0], r[-1], len(r)) for r in runs]
    assert sorted(rows) == sorted(expected)


def test_schema_mismatch_is_skipped_not_drift(demo_workspace):
    con = demo_workspace.connect()
    rows = con.execute("select window_start, test, skipped_reason, drifted from shiftwatch_results.latest_results "
                       "where column_name = 'loan_term_months'").fetchall()
    v2 = {day_start(d) for d in SCHEMA_V2}
    for window_start, test, reason, drifted in rows:
        assert not drifted
        assert (reason == "schema_mismatch") == (window_start in v2), (window_start, test, reason)
    mmd = con.execute("select window_start, details from shiftwatch_results.latest_results where test = 'mmd'").fetchall()
    for window_start, details in mmd:
        assert ("loan_term_months" in details) == (window_start not in v2), window_start


def test_quality_failures_equal_the_injected_defects(demo_workspace):
    con = demo_workspace.connect()
    found = {(e, c, w) for e, c, w in con.execute(
        "select expectation, column_name, window_start from shiftwatch_results.quality_results q "
        "where not success and window_start is not null "
        "and run_id = (select max(run_id) from shiftwatch_results.latest_results)").fetchall()}
    expected = {(q["expectation"], q["column_name"], ts(q["window_start"])) for q in demo_workspace.truth["quality_failures"]}
    assert found == expected


def test_schema_changes_are_reported(demo_workspace):
    con = demo_workspace.connect()
    rows = con.execute("select column_name, change, expected_type, actual_type from shiftwatch_results.schema_changes "
                       "where run_id = (select max(run_id) from shiftwatch_results.latest_results) order by 1").fetchall()
    expected = [(c["column_name"], c["change"], c["expected_type"], c["actual_type"]) for c in demo_workspace.truth["schema_changes"]]
    assert rows == sorted(expected)


def test_demo_json_summary(demo_workspace):
    doc = demo_workspace.demo.json
    assert doc["status"] == "alerts" and doc["exit_code"] == 1
    kinds = {a["shift_kind"] for a in doc["alerts"]}
    assert kinds == {"covariate", "prediction", "label", "concept"}
    assert doc["results_schema"] == "shiftwatch_results"


@pytest.fixture(scope="module")
def second_run(demo_workspace):
    return demo_workspace.run("run", "--format", "json")


def test_rerun_is_idempotent(demo_workspace, second_run):
    # Nothing changed: the rerun answers only for the alerts still open (model v2's scores,
    # in the whole and in every region).
    assert second_run.code == 1, second_run.stderr[-2000:]
    assert sorted((a["column_name"], a["segment"], a["shift_kind"], a["status"], a["severity"])
                  for a in second_run.json["alerts"]) == [
        ("y_pred_proba", segment, "prediction", "open", "critical") for segment in OPEN_SEGMENTS]
    con = demo_workspace.connect()
    runs = [r[0] for r in con.execute("select run_id from shiftwatch_results.runs order by started_at").fetchall()]
    assert len(runs) >= 2
    key = "monitor, window_start, column_name, segment, test"
    dupes = con.execute(f"select run_id, {key}, count(*) from shiftwatch_results.drift_results group by run_id, {key} having count(*) > 1").fetchall()
    assert dupes == []
    columns = "monitor, window_start, window_end, reference, column_name, segment, test, statistic, p_value, q_value, effect, threshold, drifted, shift_kind, n_reference, n_current, skipped_reason, details"
    first, last = runs[-2], runs[-1]
    a = con.execute(f"select {columns} from shiftwatch_results.drift_results where run_id = ? order by {key}", [first]).fetchall()
    b = con.execute(f"select {columns} from shiftwatch_results.drift_results where run_id = ? order by {key}", [last]).fetchall()
    assert len(a) == len(b) > 0
    assert a == b


@pytest.mark.parametrize("fail_on, code", [("never", 0), ("critical", 1), ("warning", 1)])
def test_status_reads_open_alerts_and_honours_fail_on(demo_workspace, second_run, fail_on, code):
    runs_before = demo_workspace.connect().execute("select count(*) from shiftwatch_results.runs").fetchone()[0]
    result = demo_workspace.run("status", "--format", "json", "--fail-on", fail_on)
    assert result.code == code, result.stderr
    assert sorted((a["column_name"], a["segment"], a["first_seen"][:10], a["windows_in_a_row"])
                  for a in result.json["alerts"]) == [("y_pred_proba", s, "2026-08-06", 4) for s in OPEN_SEGMENTS]
    con = demo_workspace.connect()
    assert con.execute("select count(*) from shiftwatch_results.runs").fetchone()[0] == runs_before  # nothing recomputed


def test_status_text_lists_the_open_alert(demo_workspace, second_run):
    result = demo_workspace.run("status", "--fail-on", "never")
    assert result.code == 0
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"alerts ({len(OPEN_SEGMENTS)}):"
    assert all("y_pred_proba" in line and "open" in line for line in lines[-len(OPEN_SEGMENTS):])


def test_check_schema_reports_the_exact_diff_and_exits_1(demo_workspace):
    result = demo_workspace.run("check-schema", "--format", "json")
    assert result.code == 1, result.stderr
    assert result.json["status"] == "breaking"
    changes = [(c["column_name"], c["change"], c["expected_type"], c["actual_type"]) for c in result.json["schema_changes"]]
    assert changes == [(c["column_name"], c["change"], c["expected_type"], c["actual_type"])
                       for c in demo_workspace.truth["schema_changes"]]
    text = demo_workspace.run("check-schema")
    assert text.code == 1
    assert text.stdout.splitlines() == ["  car_loan (v1): + channel VARCHAR", "  car_loan (v1): ~ loan_term_months BIGINT -> DOUBLE"]


def test_opt_in_dbt_test_fails_the_build_while_a_critical_alert_is_open(demo_workspace, second_run):
    """`dbt test` (the real dbt CLI, as a team gating on dbt would run it): off by default,
    failing on the demo's open critical alert once enabled."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    from python_checks.config import load_config

    from .conftest import ROOT

    config = load_config(config_file=demo_workspace.config).to_vars()
    dbt = str(Path(sys.executable).parent / "dbt")

    def dbt_test(extra_vars: dict) -> subprocess.CompletedProcess:
        return subprocess.run([dbt, "test", "--select", "no_open_critical_alerts", "--project-dir", str(ROOT),
                               "--profiles-dir", str(ROOT / "profiles"), "--vars", json.dumps({**config, **extra_vars})],
                              capture_output=True, text=True, cwd=ROOT, timeout=300,
                              env={**os.environ, **demo_workspace.env})

    off = dbt_test({})
    assert off.returncode == 0 and "Nothing to do" in off.stdout, off.stdout[-2000:]
    on = dbt_test({"shiftwatch_fail_on_critical": True})
    assert on.returncode == 1, on.stdout[-2000:]
    assert f"FAIL {len(OPEN_SEGMENTS)} no_open_critical_alerts" in on.stdout, on.stdout[-2000:]
