"""Window validation through GE's SQL engine, against the demo's known quality defects."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from python_checks import demo
from python_checks.errors import ConfigError
from python_checks.quality.suites import derive_suite
from python_checks.quality.validate import RESULT_SCHEMA, validate_windows
from python_checks.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]
V2_WHERE = '"schema_version" = \'v2\''


def build_demo(path: Path, monitor, *, rows: int = 200_000, seed: int = 7) -> dict[str, dict]:
    """The demo as users meet it: v1 registered before the upstream change, v2 after it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIFTWATCH_DUCKDB_PATH", str(path))
        data = demo.generate(rows, seed=seed)
        with connect(ROOT, target="duckdb") as warehouse:
            demo.write(warehouse, data)
            v1 = derive_suite(warehouse, monitor, version="v1")
            demo.apply_schema_change(warehouse, data)
            v2 = derive_suite(warehouse, monitor, version="v2", where_sql=V2_WHERE)
    return {"v1": v1, "v2": v2}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, monitor):
    path = tmp_path_factory.mktemp("validate") / "demo.duckdb"
    return path, build_demo(path, monitor)


@pytest.fixture()
def warehouse(demo_db, monkeypatch):
    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(demo_db[0]))
    with connect(ROOT, target="duckdb") as wh:
        yield wh


def all_windows(days=range(demo.DAYS)) -> list[tuple[dt.datetime, dt.datetime, str]]:
    return [(demo.day_start(d), demo.day_start(d + 1), "v2" if d in demo.SCHEMA_V2 else "v1") for d in days]


def failures(table) -> set[tuple]:
    return {(r["expectation"], r["column_name"], r["window_start"].isoformat(sep=" ") if r["window_start"] else None)
            for r in table.to_pylist() if not r["success"]}


@pytest.fixture(scope="module")
def demo_results(demo_db, monitor):
    path, suites = demo_db
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIFTWATCH_DUCKDB_PATH", str(path))
        with connect(ROOT, target="duckdb") as wh:
            calls = []
            table = validate_windows(wh, monitor, suites, all_windows(), run_id="run-1",
                                     progress=lambda done, total: calls.append((done, total)))
            # The warehouse stays usable: GE ran on cursors of its connection, now closed.
            wh.execute("create table main.after_validation as select 1 as x")
            assert wh.arrow("select count(*) as n from main.car_loan").to_pylist() == [{"n": 200_000}]
    return table, calls


def test_demo_quality_failures_are_exactly_the_injected_defects(demo_results):
    table, _ = demo_results
    truth = {(f["expectation"], f["column_name"], f["window_start"]) for f in demo.truth()["quality_failures"]}
    assert failures(table) == truth  # nothing else: not the covariate-shift days, not the v2 windows


def test_result_table_contract(demo_results, demo_db):
    table, calls = demo_results
    assert table.schema == RESULT_SCHEMA
    assert table.column_names == ["run_id", "monitor", "suite", "schema_version", "window_start", "window_end",
                                  "expectation", "column_name", "success", "observed_value", "expected", "details"]
    rows = table.to_pylist()
    suites = demo_db[1]
    relation_level = [r for r in rows if r["window_start"] is None]
    # Column set and types: once, for the current schema version (v2), and they hold.
    assert {r["suite"] for r in relation_level} == {"car_loan.v2"}
    v2_columns = [c["name"] for c in suites["v2"]["meta"]["shiftwatch"]["columns"]]
    assert len(relation_level) == 1 + len(v2_columns)  # the column set, then one type per column
    assert all(r["success"] and r["window_end"] is None for r in relation_level)
    per_window = {v: sum(1 for e in suites[v]["expectations"] if e["type"] not in
                         ("expect_table_columns_to_match_set", "expect_column_values_to_be_of_type"))
                  for v in suites}
    assert len(rows) - len(relation_level) == 66 * per_window["v1"] + 4 * per_window["v2"]
    assert {(r["schema_version"], r["suite"]) for r in rows if r["window_start"]} == {
        ("v1", "car_loan.v1"), ("v2", "car_loan.v2")}
    assert all(r["run_id"] == "run-1" and r["monitor"] == "car_loan" for r in rows)
    assert calls[-1] == (70, 70) and len(calls) == 70

    burst = next(r for r in rows if not r["success"] and r["column_name"] == "employment_years")
    observed = json.loads(burst["observed_value"])
    assert observed["element_count"] > 3000 and 0.35 < observed["unexpected_count"] / observed["element_count"] < 0.45
    assert "mostly" in json.loads(burst["expected"]) and "column" not in json.loads(burst["expected"])
    age = next(r for r in rows if not r["success"] and r["column_name"] == "age")
    assert set(json.loads(age["details"])["partial_unexpected_list"]) == {-1}
    ok = next(r for r in rows if r["success"] and r["column_name"] == "region" and r["window_start"])
    assert ok["details"] is None and json.loads(ok["observed_value"])["unexpected_count"] == 0


def test_compiled_path_matches_ge_public_path(warehouse, monitor, demo_db):
    suites = demo_db[1]
    windows = all_windows([36, 38, 40, 41, 42, 47, 66, 67])
    compiled = validate_windows(warehouse, monitor, suites, windows, run_id="r")
    public = validate_windows(warehouse, monitor, suites, windows, run_id="r", method="per_window")
    key = lambda r: (str(r["window_start"]), r["expectation"], r["column_name"] or "")
    assert sorted(compiled.to_pylist(), key=key) == sorted(public.to_pylist(), key=key)


def test_relation_level_checks_catch_the_schema_change_under_the_v1_suite(warehouse, monitor, demo_db):
    # Windows up to day 65 make v1 the current version: the live relation no longer matches it.
    table = validate_windows(warehouse, monitor, demo_db[1], all_windows(range(60, 62)), run_id="r")
    relation_failures = {(r["expectation"], r["column_name"]): json.loads(r["details"])
                         for r in table.to_pylist() if r["window_start"] is None and not r["success"]}
    assert relation_failures == {
        ("expect_table_columns_to_match_set", None): {"added": ["channel"], "removed": []},
        ("expect_column_values_to_be_of_type", "loan_term_months"): {
            "change": "type_changed", "expected_type": "BIGINT", "actual_type": "DOUBLE"},
    }


def test_a_clean_suite_raises_no_failure(tmp_path, monitor, demo_db, monkeypatch):
    """Derived on another seed's reference days; validated on 38 event-free windows of this one."""
    other = build_demo(tmp_path / "other.duckdb", monitor, rows=200_000, seed=11)
    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(demo_db[0]))
    with connect(ROOT, target="duckdb") as wh:
        table = validate_windows(wh, monitor, {"v1": other["v1"]}, all_windows(range(38)), run_id="r")
    assert len({r["window_start"] for r in table.to_pylist() if r["window_start"]}) == 38
    assert {f for f in failures(table) if f[2] is not None} == set()


def test_missing_columns_invalid_expectations_and_missing_suites(warehouse, monitor):
    suite = {"name": "car_loan.vx", "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"}, "meta": {}},
        {"type": "expect_column_values_to_be_bogus", "kwargs": {"column": "age"}, "meta": {}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "age", "min_value": 0,
                                                                   "max_value": 200}, "meta": {}},
    ], "meta": {}}
    table = validate_windows(warehouse, monitor, {"vx": suite}, [(demo.day_start(0), demo.day_start(1), "vx")],
                             run_id="r")
    rows = {(r["expectation"], r["column_name"]): r for r in table.to_pylist()}
    assert "no_such_column not in main.car_loan" in rows[("expect_column_values_to_not_be_null",
                                                          "no_such_column")]["details"]
    assert "invalid expectation" in rows[("expect_column_values_to_be_bogus", "age")]["details"]
    assert rows[("expect_column_values_to_be_between", "age")]["success"] is True
    unsuited = validate_windows(warehouse, monitor, {"vx": suite}, [(demo.day_start(0), demo.day_start(1), "v9")],
                                run_id="r")
    assert unsuited.num_rows == 0  # no relation-level expectations in this suite, and v9 has no suite
    with pytest.raises(ConfigError, match="has no suite"):
        validate_windows(warehouse, monitor, {}, [(demo.day_start(0), demo.day_start(1), "v1")], run_id="r")
    empty = validate_windows(warehouse, monitor, {"v1": suite}, [], run_id="r")
    assert empty.num_rows == 0 and empty.schema == RESULT_SCHEMA


def test_a_window_without_a_version_uses_the_registered_one(warehouse, monitor, demo_db):
    table = validate_windows(warehouse, monitor, demo_db[1], [(demo.day_start(3), demo.day_start(4), None)],
                             run_id="r")
    assert {r["schema_version"] for r in table.to_pylist() if r["window_start"]} == {monitor.schema_version}


@pytest.mark.postgres
def test_postgres_gives_the_same_suites_and_failures(demo_db, monitor, monkeypatch):
    """The same derivation and validation on a real PostgreSQL server (scripts/with-postgres)."""
    import os

    from python_checks.config import Relation
    from python_checks.quality.schema import compare_schema

    if not os.environ.get("PGHOST"):
        pytest.skip("PGHOST is not set: run under scripts/with-postgres (make test)")
    schema = "sw_quality_test"  # its own schema: the shared database also holds the demo's tables
    pg_monitor = dataclasses.replace(monitor, relation=Relation(schema=schema, name="car_loan"))
    data = demo.generate(200_000)
    with connect(ROOT, target="postgres") as pg:
        pg.execute(f"drop schema if exists {schema} cascade")
        try:
            demo.write(pg, data, schema=schema)
            v1 = derive_suite(pg, pg_monitor, version="v1")
            demo.apply_schema_change(pg, data, schema=schema)
            v2 = derive_suite(pg, pg_monitor, version="v2", where_sql=V2_WHERE)
            changes = compare_schema(pg.columns(pg_monitor.relation), v1)
            table = validate_windows(pg, pg_monitor, {"v1": v1, "v2": v2}, all_windows(), run_id="pg")
        finally:
            pg.execute(f"drop schema if exists {schema} cascade")
    duck = demo_db[1]
    assert v1["expectations"] == duck["v1"]["expectations"]
    assert v2["expectations"] == duck["v2"]["expectations"]
    assert [dataclasses.asdict(c) for c in changes] == demo.truth()["schema_changes"]
    truth = {(f["expectation"], f["column_name"], f["window_start"]) for f in demo.truth()["quality_failures"]}
    assert failures(table) == truth
