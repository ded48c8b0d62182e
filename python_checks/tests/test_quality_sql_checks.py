"""The SQL checks that validate suites where GE cannot (Spark) agree with GE's SQL path.

Both run here on one DuckDB demo, so the comparison needs no JVM; test_engines_spark.py
compares the quality results of a Spark run with DuckDB's as well."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from python_checks.quality.sql_checks import skipped_expectations, validate_windows_sql
from python_checks.quality.validate import validate_windows
from python_checks.warehouse import connect

from .test_quality_validate import all_windows, build_demo

ROOT = Path(__file__).resolve().parents[2]
COMPARED = ("suite", "schema_version", "window_start", "window_end", "expectation", "column_name", "success",
            "observed_value", "expected")


@pytest.fixture(scope="module")
def demo_suites(tmp_path_factory, monitor):
    path = tmp_path_factory.mktemp("sql_checks") / "demo.duckdb"
    suites = build_demo(path, monitor, rows=30_000)
    # Edited by people: a uniqueness check that fails everywhere, and a value set that fails
    # in one window only, so both paths meet failing rows of every kind.
    edited = copy.deepcopy(suites)
    for version in edited.values():
        version["expectations"].append({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "region"}})
        version["expectations"].append({"type": "expect_column_values_to_be_between",
                                        "kwargs": {"column": "credit_score", "min_value": 500, "max_value": 900,
                                                   "strict_max": True, "mostly": 0.99}})
    return path, edited


def run_both(path, monitor, suites):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIFTWATCH_DUCKDB_PATH", str(path))
        with connect(ROOT, target="duckdb") as wh:
            ge = validate_windows(wh, monitor, suites, all_windows(), run_id="r")
            sql = validate_windows_sql(wh, monitor, suites, all_windows(), run_id="r")
    return ge, sql


def keyed(table) -> dict[tuple, dict]:
    rows = {}
    for r in table.to_pylist():
        key = (r["window_start"], r["expectation"], r["column_name"], r["expected"])
        assert key not in rows, key
        rows[key] = {c: r[c] for c in COMPARED}
    return rows


def test_sql_checks_equal_great_expectations(demo_suites, monitor):
    path, suites = demo_suites
    ge, sql = run_both(path, monitor, suites)
    a, b = keyed(ge), keyed(sql)
    assert a.keys() == b.keys()
    assert [k for k in a if a[k] != b[k]] == []
    failed = {(k[1], k[2]) for k, r in a.items() if r["success"] is False}
    assert ("expect_column_values_to_be_unique", "region") in failed  # failing rows were compared too
    assert ("expect_column_values_to_not_be_null", "employment_years") in failed


def test_expectations_without_a_sql_check_are_reported_not_dropped(demo_suites, monitor):
    path, suites = demo_suites
    suites = copy.deepcopy(suites)
    for version in suites.values():
        version["expectations"].append({"type": "expect_column_mean_to_be_between",
                                        "kwargs": {"column": "age", "min_value": 0, "max_value": 100}})
        version["expectations"].append({"type": "expect_column_values_to_not_be_null",
                                        "kwargs": {"column": "age", "row_condition": 'region=="north"',
                                                   "condition_parser": "great_expectations"}})
    assert skipped_expectations(suites) == {"expect_column_mean_to_be_between": 2, "expect_column_values_to_not_be_null": 2}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIFTWATCH_DUCKDB_PATH", str(path))
        with connect(ROOT, target="duckdb") as wh:
            table = validate_windows_sql(wh, monitor, suites, all_windows(range(3)), run_id="r")
    skipped = [r for r in table.to_pylist() if r["success"] is None]
    assert len(skipped) == 2 * 3
    assert all("skipped" in r["details"] for r in skipped)
    assert {r["expectation"] for r in skipped} == {"expect_column_mean_to_be_between", "expect_column_values_to_not_be_null"}
