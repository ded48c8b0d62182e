"""Suites derived from the reference period, in SQL, and their files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from python_checks import demo
from python_checks.config import ReferenceSpec, parse_config
from python_checks.errors import ConfigError
from python_checks.quality.suites import (
    content_hash,
    derive_suite,
    is_edited,
    load_suite,
    suite_path,
    write_suite,
)
from python_checks.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]


class RecordingWarehouse:
    """A warehouse that records how many rows each query brings back into Python."""

    def __init__(self, inner):
        self.inner = inner
        self.rows_returned: list[int] = []

    def arrow(self, sql, params=None):
        table = self.inner.arrow(sql, params)
        self.rows_returned.append(table.num_rows)
        return table

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def derived(tmp_path_factory, monitor):
    """The demo before and after its schema change, with the suites derived from each."""
    path = tmp_path_factory.mktemp("suites") / "demo.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIFTWATCH_DUCKDB_PATH", str(path))
        data = demo.generate(200_000)
        with connect(ROOT, target="duckdb") as warehouse:
            demo.write(warehouse, data)
            recording = RecordingWarehouse(warehouse)
            v1 = derive_suite(recording, monitor, version="v1")
            v1_again = derive_suite(warehouse, monitor, version="v1")
            demo.apply_schema_change(warehouse, data)
            v2 = derive_suite(warehouse, monitor, version="v2", where_sql='"schema_version" = \'v2\'')
    return {"v1": v1, "v1_again": v1_again, "v2": v2, "rows_returned": recording.rows_returned, "path": path}


def by_type(suite: dict, type_: str) -> dict[str, dict]:
    return {e["kwargs"].get("column"): e for e in suite["expectations"] if e["type"] == type_}


def test_suite_is_ge_format_and_json(derived):
    v1 = derived["v1"]
    assert v1["name"] == "car_loan.v1"
    assert json.loads(json.dumps(v1)) == v1
    for expectation in v1["expectations"]:
        assert set(expectation) == {"type", "kwargs", "meta"}
    import great_expectations as gx

    suite = gx.ExpectationSuite(**json.loads(json.dumps(v1)))  # GE drops what it cannot parse
    assert len(suite.expectations) == len(v1["expectations"])
    assert v1["meta"]["shiftwatch"]["windows"] == 28
    assert v1 == derived["v1_again"], "derivation must be deterministic"


def test_columns_and_types_as_users_write_them(derived):
    v1, v2 = derived["v1"], derived["v2"]
    column_set = by_type(v1, "expect_table_columns_to_match_set")[None]["kwargs"]
    assert column_set["column_set"][:3] == ["id", "ts", "car_value"] and column_set["exact_match"] is True
    types = {c: e["kwargs"]["type_"] for c, e in by_type(v1, "expect_column_values_to_be_of_type").items()}
    assert types["ts"] == "TIMESTAMP" and types["loan_term_months"] == "BIGINT"
    assert types["car_value"] == "DOUBLE" and types["region"] == "VARCHAR"
    assert "channel" not in types
    types_v2 = {c: e["kwargs"]["type_"] for c, e in by_type(v2, "expect_column_values_to_be_of_type").items()}
    assert types_v2["loan_term_months"] == "DOUBLE" and types_v2["channel"] == "VARCHAR"


def test_categories_ranges_and_null_bounds(derived):
    v1 = derived["v1"]
    in_set = by_type(v1, "expect_column_values_to_be_in_set")
    assert in_set["region"]["kwargs"]["value_set"] == ["east", "north", "south", "west"]
    assert set(in_set) == {"salary_range", "region", "employment_type"}
    between = by_type(v1, "expect_column_values_to_be_between")
    assert set(between) == set(demo.NUMERIC)
    age = between["age"]["kwargs"]
    assert age["min_value"] > -1 and age["min_value"] <= 18 and age["max_value"] >= 80
    term = between["loan_term_months"]["kwargs"]
    assert 12 < term["min_value"] <= 36 and term["max_value"] >= 72  # years (3..6) would fail
    not_null = by_type(v1, "expect_column_values_to_not_be_null")
    assert set(not_null) == set(demo.NUMERIC) | set(demo.CATEGORICAL)
    employment = not_null["employment_years"]["kwargs"]["mostly"]
    assert 0.95 < employment < 0.99  # 1% missing in the reference, far from the burst's 40%
    assert not_null["age"]["kwargs"]["mostly"] == pytest.approx(0.999)
    v2_term = by_type(derived["v2"], "expect_column_values_to_be_between")["loan_term_months"]["kwargs"]
    assert v2_term["min_value"] <= 3 and 6 <= v2_term["max_value"] < 36


def test_only_window_aggregates_reach_python(derived):
    # 28 reference windows and a handful of categories: never the 80k reference rows.
    assert derived["rows_returned"] and max(derived["rows_returned"]) <= 28 + 12


def test_timestamp_with_time_zone_and_window_stats(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(tmp_path / "tz.duckdb"))
    config = parse_config({"monitors": [{
        "name": "tz", "relation": "main.events", "id": "id", "timestamp": "ts", "window": {"every": "1 day"},
        "reference": {"from": "2026-01-01", "to": "2026-01-05"}, "features": {"numeric": ["x"]}}]})
    monitor = config.monitor("tz")
    with connect(ROOT, target="duckdb") as warehouse:
        warehouse.execute(
            "create table main.events as select range as id, "
            "timestamptz '2026-01-01 00:00:00+00' + to_minutes(range) as ts, "
            "case when range % 50 = 0 then null else (range % 97) * 1.5 end as x from range(10000)")
        suite = derive_suite(warehouse, monitor, version="v1")
        types = {c: e["kwargs"]["type_"] for c, e in by_type(suite, "expect_column_values_to_be_of_type").items()}
        assert types["ts"] == "TIMESTAMP WITH TIME ZONE"
        assert suite["meta"]["shiftwatch"]["windows"] == 4
        stats = warehouse.arrow(
            "select date_trunc('day', ts) as window_start, 'x' as column_name, count(*) as n, "
            "count(*) - count(x) as n_null, min(x) as min, max(x) as max from main.events "
            "where ts >= timestamptz '2026-01-01 00:00:00+00' and ts < timestamptz '2026-01-05 00:00:00+00' "
            "group by 1 order by 1")
        from_stats = derive_suite(warehouse, monitor, version="v1", window_stats=stats)
    strip = lambda s: [e for e in s["expectations"] if e["type"] != "expect_table_columns_to_match_set"]
    assert strip(from_stats) == strip(suite)


def test_nan_is_a_value_outside_every_range(tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(tmp_path / "nan.duckdb"))
    config = parse_config({"monitors": [{
        "name": "nan", "relation": "main.t", "id": "id", "timestamp": "ts", "window": {"every": "1 day"},
        "reference": {"from": "2026-01-01", "to": "2026-01-08"}, "features": {"numeric": ["x"]}}]})
    with connect(ROOT, target="duckdb") as warehouse:
        warehouse.execute(
            "create table main.t as select range as id, timestamp '2026-01-01' + to_minutes(range) as ts, "
            "case when range % 100 = 0 then cast('NaN' as double) else range % 10 end as x from range(10080)")
        suite = derive_suite(warehouse, config.monitor("nan"), version="v1")
    x = by_type(suite, "expect_column_values_to_be_between")["x"]["kwargs"]
    assert x["min_value"] <= 0 and x["max_value"] >= 9  # the range of the numbers, NaN aside
    assert 0.97 < x["mostly"] < 0.99  # tolerates the reference's 1% NaN
    assert by_type(suite, "expect_column_values_to_not_be_null")["x"]["kwargs"]["mostly"] == pytest.approx(0.999)


def test_rolling_reference_needs_a_predicate(derived, monitor, monkeypatch):
    rolling = dataclasses.replace(monitor, reference=ReferenceSpec(kind="rolling", windows=7))
    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(derived["path"]))
    with connect(ROOT, target="duckdb") as warehouse:
        with pytest.raises(ConfigError, match="fixed reference"):
            derive_suite(warehouse, rolling, version="v1")
        suite = derive_suite(warehouse, rolling, version="v1", where_sql='"ts" < timestamp \'2026-06-08\'')
    assert suite["meta"]["shiftwatch"]["windows"] == 7


def test_suite_files_keep_edits(tmp_path, derived):
    path = suite_path(tmp_path / "expectations", "car_loan", "v1")
    assert path == tmp_path / "expectations" / "car_loan" / "v1.json"
    suite = derived["v1"]
    assert not is_edited(suite) and suite["meta"]["shiftwatch"]["content_hash"] == content_hash(suite)
    assert write_suite(path, suite) == "written"
    assert load_suite(path) == suite
    assert write_suite(path, suite) == "unchanged"

    edited = load_suite(path)
    between = next(e for e in edited["expectations"] if e["kwargs"].get("column") == "age"
                   and e["type"] == "expect_column_values_to_be_between")
    between["kwargs"]["min_value"] = 18
    path.write_text(json.dumps(edited, indent=2))
    assert is_edited(load_suite(path))
    rederived = json.loads(json.dumps(suite))
    rederived["notes"] = "a re-derivation that differs"
    rederived["meta"]["shiftwatch"]["content_hash"] = content_hash(rederived)
    assert write_suite(path, rederived) == "kept"
    assert load_suite(path) == edited
    assert write_suite(path, rederived, force=True) == "written"
    assert load_suite(path) == rederived

    unedited_but_stale = json.loads(json.dumps(suite))
    assert write_suite(path, unedited_but_stale) == "written"  # generated files are refreshed


def test_load_suite_errors_name_the_file(tmp_path):
    with pytest.raises(ConfigError, match="no suite at"):
        load_suite(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="bad.json is not valid JSON"):
        load_suite(bad)
    bad.write_text(json.dumps({"expectations": [{"kwargs": {}}]}))
    with pytest.raises(ConfigError, match=r"expectations\[0\]"):
        load_suite(bad)

