"""Schema versions: precise diffs of live columns against a suite's registered schema."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from python_checks import demo
from python_checks.config import load_config
from python_checks.quality.schema import (
    SchemaChange,
    compare_schema,
    is_breaking,
    normalize_type,
    registered_columns,
    schema_changes_table,
)
from python_checks.quality.suites import derive_suite
from python_checks.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]


def suite_of(columns: list[tuple[str, str]]) -> dict:
    return {"name": "m.v1", "expectations": [
        {"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": [n for n, _ in columns]}},
        *({"type": "expect_column_values_to_be_of_type", "kwargs": {"column": n, "type_": t}} for n, t in columns),
    ], "meta": {}}


@pytest.mark.parametrize("spelling, canonical", [
    ("double precision", "DOUBLE"), ("FLOAT8", "DOUBLE"), ("Double", "DOUBLE"),
    ("int8", "BIGINT"), ("bigint", "BIGINT"), ("int4", "INTEGER"), ("int", "INTEGER"),
    ("text", "VARCHAR"), ("character varying", "VARCHAR"), ("varchar(255)", "VARCHAR"), ("String", "VARCHAR"),
    ("timestamptz", "TIMESTAMP WITH TIME ZONE"), ("timestamp with time zone", "TIMESTAMP WITH TIME ZONE"),
    ("timestamp(6) with time zone", "TIMESTAMP WITH TIME ZONE"),
    ("timestamp without time zone", "TIMESTAMP"), ("TIMESTAMP", "TIMESTAMP"),
    ("numeric(10, 2)", "DECIMAL(10,2)"), ("bool", "BOOLEAN"),
])
def test_normalize_type_maps_synonyms_and_case(spelling, canonical):
    assert normalize_type(spelling) == canonical


def test_time_zone_and_precision_are_part_of_the_type():
    assert normalize_type("TIMESTAMP") != normalize_type("TIMESTAMP WITH TIME ZONE")
    assert normalize_type("DECIMAL(18,3)") != normalize_type("DECIMAL(10,2)")
    assert normalize_type("REAL") != normalize_type("DOUBLE")


def test_compare_schema_reports_added_removed_and_retyped_columns():
    suite = suite_of([("id", "BIGINT"), ("ts", "TIMESTAMP"), ("amount", "DOUBLE"), ("gone", "VARCHAR")])
    live = [("id", "int8"), ("ts", "timestamptz"), ("amount", "double precision"), ("new", "text")]
    changes = compare_schema(live, suite)
    assert changes == [
        SchemaChange("gone", "removed", "VARCHAR", None),
        SchemaChange("new", "added", None, "VARCHAR"),
        SchemaChange("ts", "type_changed", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"),
    ]
    assert is_breaking(changes)


def test_synonyms_and_case_are_no_change_and_added_is_not_breaking():
    suite = suite_of([("id", "bigint"), ("Amount", "FLOAT8"), ("label", "TEXT")])
    live = [("id", "BIGINT"), ("amount", "DOUBLE"), ("label", "VARCHAR")]
    assert compare_schema(live, suite) == []
    added = compare_schema([*live, ("extra", "INTEGER")], suite)
    assert added == [SchemaChange("extra", "added", None, "INTEGER")]
    assert not is_breaking(added)
    assert not is_breaking([])


def test_registered_columns_fall_back_to_meta_and_untyped_columns_never_retype():
    suite = {"expectations": [], "meta": {"shiftwatch": {"columns": [{"name": "a", "type": "BIGINT"},
                                                                      {"name": "b", "type": "VARCHAR"}]}}}
    assert registered_columns(suite) == [("a", "BIGINT"), ("b", "VARCHAR")]
    untyped = {"expectations": [{"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a"]}}]}
    assert compare_schema([("a", "DOUBLE")], untyped) == []


def test_schema_changes_table_has_the_contract_columns():
    table = schema_changes_table([SchemaChange("c", "added", None, "VARCHAR")], run_id="r", monitor="m",
                                 schema_version="v1")
    assert table.column_names == ["run_id", "monitor", "schema_version", "column_name", "change",
                                  "expected_type", "actual_type"]
    assert table.to_pylist()[0]["change"] == "added"


def test_demo_schema_change_against_the_registered_v1_suite(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(tmp_path / "demo.duckdb"))
    monitor = load_config(project_dir=ROOT).monitor("car_loan")
    data = demo.generate(20_000)
    with connect(ROOT, target="duckdb") as warehouse:
        demo.write(warehouse, data)
        v1 = derive_suite(warehouse, monitor, version="v1")
        assert compare_schema(warehouse.columns(monitor.relation), v1) == []
        demo.apply_schema_change(warehouse, data)
        changes = compare_schema(warehouse.columns(monitor.relation), v1)
    assert [asdict(c) for c in changes] == demo.truth()["schema_changes"]
    assert is_breaking(changes)
