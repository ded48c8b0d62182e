"""Faults and overlaps: a run killed at any point leaves no partial results and the next
run equals a clean one; two runs at once on one DuckDB file do not corrupt it."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import duckdb
import pytest
import yaml

from .conftest import CLI, ROOT, SMALL_SAMPLES, project_config, shiftwatch

RESULT_COLUMNS = ("monitor, window_start, column_name, segment, test, statistic, p_value, q_value, effect, "
                  "threshold, drifted, shift_kind, n_reference, n_current, skipped_reason")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    d = tmp_path_factory.mktemp("reliability")
    config = d / "shiftwatch.yml"
    # Small samples keep each run short; the decisions are not what is under test here.
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(
        expectations_dir=str(d / "expectations"), lock_timeout=1, **SMALL_SAMPLES)}))
    env = {"SHIFTWATCH_DUCKDB_PATH": str(d / "shiftwatch.duckdb")}
    demo = shiftwatch("demo", "--rows", "60000", "--config", str(config), env=env)
    assert demo.code == 0, demo.stderr[-3000:]
    return {"dir": d, "config": str(config), "env": env, "db": d / "shiftwatch.duckdb"}


def latest(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(f"select {RESULT_COLUMNS} from shiftwatch_results.latest_results order by 1, 2, 3, 4, 5").fetchall()
    finally:
        con.close()


def query(db, sql):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def start_run(ws) -> subprocess.Popen:
    return subprocess.Popen([str(CLI), "run", "--config", ws["config"], "--fail-on", "never"], cwd=ROOT,
                            env={**os.environ, **ws["env"]}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_stderr(proc: subprocess.Popen, marker: str, timeout: float = 300) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"never saw {marker!r}: {seen[-2000:]}")


@pytest.mark.parametrize("marker", ["[1/4] dbt", "[2/4] great expectations", "[3/4] python_checks", "[4/4] publishing"])
def test_sigkill_leaves_no_partial_results(workspace, marker):
    clean = latest(workspace["db"])
    runs_before = query(workspace["db"], "select count(*) from shiftwatch_results.drift_results")[0][0]
    proc = start_run(workspace)
    wait_for_stderr(proc, marker)
    if "dbt" in marker:
        time.sleep(1.5)  # inside dbt's build, not before it
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # Nothing of the killed run is visible: either all of its rows or none (it was killed
    # before its one transaction committed, or just after).
    killed_rows = query(workspace["db"], "select count(*) from shiftwatch_results.drift_results")[0][0] - runs_before
    assert killed_rows in (0, len(clean))
    assert latest(workspace["db"]) == clean

    rerun = shiftwatch("run", "--config", workspace["config"], "--fail-on", "never", env=workspace["env"])
    assert rerun.code == 0, rerun.stderr[-3000:]
    assert latest(workspace["db"]) == clean
    statuses = dict(query(workspace["db"], "select status, count(*) from shiftwatch_results.runs group by 1"))
    assert "running" not in statuses  # the killed run was found and marked by the rerun
    dupes = query(workspace["db"], "select run_id, monitor, window_start, column_name, segment, test, count(*) "
                                   "from shiftwatch_results.drift_results group by all having count(*) > 1")
    assert dupes == []


def test_killed_run_is_recorded_as_killed(workspace):
    proc = start_run(workspace)
    wait_for_stderr(proc, "[2/4] great expectations")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert query(workspace["db"], "select count(*) from shiftwatch_results.runs where status = 'running'")[0][0] == 1
    rerun = shiftwatch("run", "--config", workspace["config"], "--fail-on", "never", env=workspace["env"])
    assert rerun.code == 0, rerun.stderr[-3000:]
    killed = query(workspace["db"], "select message from shiftwatch_results.runs where status = 'killed'")
    assert killed and all("killed or crashed" in m for (m,) in killed)


def test_concurrent_runs_wait_then_exit_3(workspace):
    clean = latest(workspace["db"])
    first = start_run(workspace)
    wait_for_stderr(first, "[1/4] dbt")
    second = shiftwatch("run", "--config", workspace["config"], "--fail-on", "never", env=workspace["env"])
    assert second.code == 3, second.stderr
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: locked by run ") and "waited 1 s" in lines[0], lines
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, err[-3000:]
    assert latest(workspace["db"]) == clean
