"""The same demo on Spark (dbt-spark's session method, local mode), DuckDB and PostgreSQL
gives the same window statistics (1e-9 relative), the same drift results, the same alerts
and the same quality results; a second Spark run is incremental and idempotent.

Every run goes through the real CLI in a process of its own, and the Spark tables are read
back by one more process (spark_export): one JVM at a time holds the Derby metastore, and
the test process never starts one. Needs the spark extra and Java 17; `make test` installs
the extra and starts PostgreSQL (scripts/with-postgres).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
import yaml

from python_checks.quality.validate import FUTURE

from .conftest import ROOT, SMALL_SAMPLES, project_config, shiftwatch
from .spark_export import read
from .test_engines import DRIFT_COLUMNS, STAT_TABLES, close

pytestmark = pytest.mark.spark

ROWS = "12000"
PG_DATABASE = "shiftwatch_spark_engines"  # its own database: test_engines.py owns the default one
ALERT_COLUMNS = "monitor, column_name, segment, shift_kind, first_seen, last_seen, windows_in_a_row, severity"
QUALITY_COLUMNS = "monitor, window_start, expectation, column_name, success, observed_value, expected"
# Artefact models a nightly run must leave alone when nothing changed (window_changes and the
# row-window staging table are rebuilt every run by design).
ARTEFACTS = ("window_index", "numeric_window_stats", "feature_windows", "category_windows", "histogram_windows",
             "prediction_windows", "label_windows", "performance_windows", "confusion_windows",
             "score_bin_windows", "class_conditional_windows", "sample_windows", "reference_bin_edges",
             "reference_ecdf", "ks_windows")
RELATIVE_SCHEMA = "shiftwatch_rows"
UNSTAMPED = ("reference_bin_edges", "reference_ecdf")  # no build_id column
LATEST = "where run_id = (select max(run_id) from {results}.latest_results)"


def queries() -> dict[str, str]:
    """name -> SQL with {results} for the quoted results schema; rows are sorted in Python
    (engines order NULLs differently)."""
    q = {t: f"select {key}, {', '.join(cols)} from {{results}}.{t}" for t, (key, cols) in STAT_TABLES.items()}
    q["drift"] = f"select {DRIFT_COLUMNS} from {{results}}.drift_results {LATEST}"
    q["alerts"] = f"select {ALERT_COLUMNS} from {{results}}.alert_history"
    q["quality"] = f"select {QUALITY_COLUMNS} from {{results}}.quality_results {LATEST}"
    return q


def spark_only_queries() -> dict[str, str]:
    q = {"runs": "select run_id, status, counts, started_at from {results}.runs",
         "all_drift": f"select run_id, {DRIFT_COLUMNS} from {{results}}.drift_results",
         "window_changes": "select count(*) as n from {results}.window_changes"}
    for table in ARTEFACTS:
        builds = "count(distinct build_id)" if table not in UNSTAMPED else "1"
        q[f"builds_{table}"] = f"select count(*) as n, {builds} as builds from {{results}}.{table}"
    return q


def relative_queries() -> dict[str, str]:
    """queries() on the row-window, rolling-reference monitor ({relative} schema)."""
    return {f"relative_{name}": sql.replace("{results}", "{relative}") for name, sql in queries().items()}


def sort_key(row: dict) -> tuple:
    return tuple((v is not None, str(v) if not isinstance(v, (int, float)) else v) for v in row.values())


def sorted_rows(table) -> list[dict]:
    return sorted(table.to_pylist() if hasattr(table, "to_pylist") else table, key=sort_key)


def create_database(name: str) -> None:
    import psycopg2

    con = psycopg2.connect(host=os.environ["PGHOST"], port=os.environ.get("PGPORT", "5432"), user=os.environ.get("PGUSER"),
                           password=os.environ.get("PGPASSWORD"), dbname="postgres")
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", [name])
        if cur.fetchone() is None:
            cur.execute(f'create database "{name}"')
    con.close()


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """The demo on the three engines, a second Spark run, and every engine's answers to
    queries(); Spark's also to spark_only_queries()."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -r requirements-spark.lock)")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH: Spark needs Java 17")
    assert os.environ.get("PGHOST"), "PGHOST is not set: run the suite with `make test` (scripts/with-postgres)"
    from python_checks.warehouse import connect

    d = tmp_path_factory.mktemp("spark_engines")
    config = d / "shiftwatch.yml"
    document = project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)
    config.write_text(yaml.safe_dump({"shiftwatch": document}))
    # The same data monitored through the other macros: row windows, a rolling reference
    # (relative KS, bin edges from the first windows), into a schema of its own.
    relative = d / "relative.yml"
    relative_document = {**document, "results_schema": RELATIVE_SCHEMA,
                         "monitors": [{**document["monitors"][0], "window": {"rows": 2000}, "reference": {"rolling": 3}}]}
    relative.write_text(yaml.safe_dump({"shiftwatch": relative_document}))
    env = {"SHIFTWATCH_DUCKDB_PATH": str(d / "shiftwatch.duckdb"), "SHIFTWATCH_SPARK_DIR": str(d / "spark"),
           "PGDATABASE": PG_DATABASE}
    create_database(PG_DATABASE)
    timings, outputs = {}, {}
    for target in ("duckdb", "postgres", "spark"):
        started = time.monotonic()
        result = shiftwatch("demo", "--rows", ROWS, "--config", str(config), "--target", target, "--format", "json", env=env)
        timings[target] = time.monotonic() - started
        assert result.code == 0, f"{target}: {result.stderr[-3000:]}"
        outputs[target] = result.json
    first_done = time.time()
    time.sleep(1.1)  # file times below have a resolution of a second or better
    started = time.monotonic()
    second = shiftwatch("run", "--config", str(config), "--target", "spark", "--format", "json", "--fail-on", "never", env=env)
    timings["spark_second_run"] = time.monotonic() - started
    assert second.code == 0, second.stderr[-3000:]
    for target in ("duckdb", "spark"):
        started = time.monotonic()
        result = shiftwatch("run", "--config", str(relative), "--target", target, "--format", "json", "--fail-on", "never", env=env)
        timings[f"{target}_row_windows"] = time.monotonic() - started
        assert result.code == 0, f"{target}, row windows: {result.stderr[-3000:]}"

    spec = d / "queries.json"
    spec.write_text(json.dumps({"schemas": {"results": "shiftwatch_results", "relative": RELATIVE_SCHEMA},
                                "queries": {**queries(), **spark_only_queries(), **relative_queries()}}))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "python_checks.tests.spark_export", str(spec), str(d / "spark_answers")],
                          capture_output=True, text=True, timeout=900, cwd=ROOT, env={**os.environ, **env})
    timings["spark_read_back"] = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr[-3000:]
    print("\nseconds:", json.dumps({k: round(v, 1) for k, v in timings.items()}))

    names = {**queries(), **spark_only_queries(), **relative_queries()}
    answers = {"spark": {name: sorted_rows(read(d / "spark_answers", name)) for name in names}}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        for target in ("duckdb", "postgres"):
            with connect(ROOT, target=target) as wh:
                answers[target] = {name: sorted_rows(wh.arrow(sql.format(results=wh.quote("shiftwatch_results"),
                                                                         relative=wh.quote(RELATIVE_SCHEMA))))
                                   for name, sql in (queries() | (relative_queries() if target == "duckdb" else {})).items()}
    return {"answers": answers, "demo": outputs, "second": second.json, "first_done": first_done,
            "spark_dir": d / "spark"}


def without_run_bounds(rows: list[dict]) -> list[dict]:
    """Quality rows without the bound that moves with every run (events not after its start)."""
    return [{**r, "expected": None} if r["expectation"] == FUTURE else r for r in rows]


def alert_keys(output: dict) -> list[tuple]:
    """The alerts a CLI run reported (its JSON), without their floating-point statistics."""
    return [tuple(a[k] for k in ("monitor", "shift_kind", "column_name", "segment", "severity", "status",
                                 "first_seen", "last_seen", "windows_in_a_row")) for a in output["alerts"]]


def assert_rows_close(a: list[dict], b: list[dict], what: str) -> None:
    assert len(a) == len(b) > 0, (what, len(a), len(b))
    for x, y in zip(a, b):
        for c in x:
            assert close(x[c], y[c]), (what, c, x, y)


@pytest.mark.parametrize("table", sorted(STAT_TABLES))
@pytest.mark.parametrize("engine", ["spark", "postgres"])
def test_window_statistics_match_duckdb(engines, engine, table):
    assert_rows_close(engines["answers"][engine][table], engines["answers"]["duckdb"][table], f"{engine} {table}")


@pytest.mark.parametrize("engine", ["spark", "postgres"])
def test_drift_results_match_duckdb(engines, engine):
    assert_rows_close(engines["answers"][engine]["drift"], engines["answers"]["duckdb"]["drift"], f"{engine} drift")


@pytest.mark.parametrize("engine", ["spark", "postgres"])
def test_alert_sets_match_duckdb(engines, engine):
    alerts = engines["answers"][engine]["alerts"]
    assert alerts == engines["answers"]["duckdb"]["alerts"] and len(alerts) > 0
    assert alert_keys(engines["demo"][engine]) == alert_keys(engines["demo"]["duckdb"])


@pytest.mark.parametrize("name", [*sorted(STAT_TABLES), "drift", "alerts", "quality"])
def test_row_windows_and_rolling_reference_match_duckdb(engines, name):
    """stg_row_windows, sw_ks_relative and the bin edges of a relative reference on Spark."""
    spark, duck = (engines["answers"][e][f"relative_{name}"] for e in ("spark", "duckdb"))
    if name == "quality":
        spark, duck = without_run_bounds(spark), without_run_bounds(duck)
    assert_rows_close(spark, duck, f"row windows {name}")


def test_spark_quality_checks_match_great_expectations_on_duckdb(engines):
    """Spark's SQL checks and GE on DuckDB: the same outcome and observed values everywhere,
    the injected defects among the failures."""
    spark, duck = (without_run_bounds(engines["answers"][e]["quality"]) for e in ("spark", "duckdb"))
    assert spark == duck and len(spark) > 0
    assert engines["demo"]["spark"]["counts"] == engines["demo"]["duckdb"]["counts"]
    failed = {(r["expectation"], r["column_name"]) for r in spark if r["success"] is False}
    assert ("expect_column_values_to_be_between", "age") in failed


def test_second_spark_run_is_incremental_and_idempotent(engines):
    spark = engines["answers"]["spark"]
    # Nothing changed, so the build recomputed no window ...
    assert spark["window_changes"] == [{"n": 0}]
    for table in ARTEFACTS:
        assert spark[f"builds_{table}"][0]["builds"] == 1 and spark[f"builds_{table}"][0]["n"] > 0, table
    # ... and rewrote no file of any artefact table (insert_overwrite touched no partition).
    warehouse = engines["spark_dir"] / "warehouse" / "shiftwatch_results.db"
    for table in ARTEFACTS:
        files = [p for p in (warehouse / table).rglob("*") if p.is_file()]
        assert files, table
        rewritten = [str(p) for p in files if p.stat().st_mtime > engines["first_done"]]
        assert rewritten == [], table
    # The second run's results are the first's, run for run.
    runs = [r for r in spark["runs"] if r["status"] == "success"]
    assert len(runs) == 2 and len({json.dumps(json.loads(r["counts"]), sort_keys=True) for r in runs}) == 1
    by_run: dict[str, list[dict]] = {}
    for row in spark["all_drift"]:
        by_run.setdefault(row.pop("run_id"), []).append(row)
    first, second = (sorted(rows, key=sort_key) for _, rows in sorted(by_run.items()))
    assert_rows_close(second, first, "second run vs first")
    # A run reports the alerts still open and those in windows it computed: none here.
    still_open = [a for a in alert_keys(engines["demo"]["spark"]) if a[5] == "open"]
    assert alert_keys(engines["second"]) == still_open and still_open
    assert engines["second"]["counts"] == engines["demo"]["spark"]["counts"]


def test_spark_state_stays_under_its_folder(engines):
    """The warehouse, the Derby metastore and derby.log under SHIFTWATCH_SPARK_DIR; nothing
    of Spark's in the project (the CLI's working directory)."""
    state = engines["spark_dir"]
    assert {"warehouse", "metastore_db", "derby.log"} <= {p.name for p in state.iterdir()}
    for stray in ("derby.log", "metastore_db", "spark-warehouse"):
        assert not (ROOT / stray).exists(), stray
    assert all(isinstance(r["started_at"], dt.datetime) for r in engines["answers"]["spark"]["runs"])
