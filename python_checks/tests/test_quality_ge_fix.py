"""The DuckDB fix for GE's SQL execution engine, and the GE internals shiftwatch relies on.

If a GE upgrade changes any of this, these tests fail first, with a message that names the
GE internals to look at (python_checks/quality/ge_duckdb.py and validate.py).
"""

from __future__ import annotations

import inspect

import duckdb
import pytest

from python_checks.quality import ge_duckdb

gx = pytest.importorskip("great_expectations")
from great_expectations.execution_engine import sqlalchemy_execution_engine as see

HINT = "GE changed; revisit python_checks/quality/ge_duckdb.py and validate.py"


def _source(obj) -> str:
    return inspect.getsource(obj)


def test_ge_persisted_connection_hook_is_as_expected():
    """The fix adds 'duckdb' to _PERSISTED_CONNECTION_DIALECTS; that only works while GE
    reads the tuple at call time in both places that decide about a persisted connection."""
    assert isinstance(getattr(see, "_PERSISTED_CONNECTION_DIALECTS", None), tuple), (
        f"sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS is no longer a tuple; {HINT}")
    assert callable(getattr(see, "_dialect_requires_persisted_connection", None)), (
        f"sqlalchemy_execution_engine._dialect_requires_persisted_connection is gone; {HINT}")
    requires = _source(see._dialect_requires_persisted_connection)
    assert "_PERSISTED_CONNECTION_DIALECTS" in requires and ".value" in requires, (
        f"_dialect_requires_persisted_connection no longer matches drivernames against "
        f"_PERSISTED_CONNECTION_DIALECTS[i].value; {HINT}")
    get_connection = _source(see.SqlAlchemyExecutionEngine.get_connection)
    assert "_PERSISTED_CONNECTION_DIALECTS" in get_connection and "self._connection" in get_connection, (
        f"SqlAlchemyExecutionEngine.get_connection no longer keeps self._connection for the dialects in "
        f"_PERSISTED_CONNECTION_DIALECTS; {HINT}")
    setup = _source(see.SqlAlchemyExecutionEngine._setup_engine)
    assert "_dialect_requires_persisted_connection" in setup and "StaticPool" in setup, (
        f"SqlAlchemyExecutionEngine._setup_engine no longer gives persisted dialects a StaticPool; {HINT}")
    execute = _source(see.SqlAlchemyExecutionEngine.execute_query)
    assert "get_connection()" in execute, (
        f"SqlAlchemyExecutionEngine.execute_query no longer runs through get_connection(); {HINT}")


def test_ge_validator_internals_used_by_the_compiled_path_exist():
    from great_expectations.execution_engine.execution_engine import ExecutionEngine
    from great_expectations.execution_engine.sqlalchemy_batch_data import SqlAlchemyBatchData
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.validator.validator import Validator

    for name, params in {
        "process_expectations_for_validation": {"expectation_configurations", "suite_parameters"},
        "_generate_metric_dependency_subgraphs_for_each_expectation_configuration": {
            "expectation_configurations", "processed_configurations", "catch_exceptions", "runtime_configuration"},
        "_generate_suite_level_graph_from_expectation_level_sub_graphs": {"expectation_validation_graphs"},
        "_resolve_suite_level_graph_and_process_metric_evaluation_errors": {
            "graph", "runtime_configuration", "expectation_validation_graphs", "evrs",
            "processed_configurations", "show_progress_bars"},
    }.items():
        method = getattr(Validator, name, None)
        assert method is not None, f"great_expectations Validator.{name} is gone; {HINT}"
        missing = params - set(inspect.signature(method).parameters)
        assert not missing, f"great_expectations Validator.{name} lost parameters {missing}; {HINT}"
    for name, params in {"_validate": {"metrics", "runtime_configuration", "execution_engine"},
                         "get_validation_dependencies": {"execution_engine", "runtime_configuration"}}.items():
        missing = params - set(inspect.signature(getattr(Expectation, name)).parameters)
        assert not missing, f"great_expectations Expectation.{name} lost parameters {missing}; {HINT}"
    assert "load_batch_data" in dir(ExecutionEngine), f"ExecutionEngine.load_batch_data is gone; {HINT}"
    assert "_metric_cache" in _source(ExecutionEngine.__init__), (
        f"ExecutionEngine no longer caches metrics in self._metric_cache (validate.py clears it); {HINT}")
    params = set(inspect.signature(SqlAlchemyBatchData.__init__).parameters)
    assert {"execution_engine", "query", "create_temp_table"} <= params, (
        f"SqlAlchemyBatchData(execution_engine, query, create_temp_table) changed; {HINT}")
    import duckdb_engine

    assert hasattr(duckdb_engine, "ConnectionWrapper"), (
        "duckdb_engine.ConnectionWrapper is gone; validate.py hands GE a cursor of the warehouse's "
        "connection wrapped in it")


def test_enable_is_idempotent():
    ge_duckdb.enable_duckdb_persisted_connection()
    ge_duckdb.enable_duckdb_persisted_connection()
    names = [str(getattr(d, "value", d)).lower() for d in see._PERSISTED_CONNECTION_DIALECTS]
    assert names.count("duckdb") == 1
    assert ge_duckdb.duckdb_persisted_connection_enabled()
    assert see._dialect_requires_persisted_connection(url="duckdb:////tmp/x.duckdb")
    assert not see._dialect_requires_persisted_connection(url="postgresql+psycopg2://u@h/db")


@pytest.fixture()
def small_duckdb(tmp_path):
    path = tmp_path / "small.duckdb"
    con = duckdb.connect(str(path))
    # 1000 rows, x is NULL in every tenth row, mean of x over non-null rows known exactly.
    con.execute("create table t as select range as id, case when range % 10 = 0 then null "
                "else cast(range as double) end as x from range(1000)")
    expected_mean = con.execute("select avg(x) from t").fetchone()[0]
    con.close()
    return path, expected_mean


def _validate_small(path, expected_mean):
    import great_expectations.expectations as gxe

    context = gx.get_context(mode="ephemeral")
    datasource = context.data_sources.add_sql(name="small", connection_string=f"duckdb:///{path}")
    batch = datasource.add_table_asset(name="t", table_name="t").add_batch_definition_whole_table("all").get_batch()
    suite = gx.ExpectationSuite(name="small", expectations=[
        gxe.ExpectColumnValuesToNotBeNull(column="x", mostly=0.85),  # 10% are NULL
        gxe.ExpectColumnMeanToBeBetween(column="x", min_value=expected_mean - 1e-9, max_value=expected_mean + 1e-9),
    ])
    try:
        return batch.validate(suite, result_format="SUMMARY")
    finally:
        datasource.get_execution_engine().close()


def test_without_the_fix_duckdb_metrics_are_lost_and_with_it_they_are_right(small_duckdb, monkeypatch):
    path, expected_mean = small_duckdb
    without = tuple(d for d in see._PERSISTED_CONNECTION_DIALECTS
                    if str(getattr(d, "value", d)).lower() != "duckdb")
    monkeypatch.setattr(see, "_PERSISTED_CONNECTION_DIALECTS", without)
    lost = _validate_small(path, expected_mean)
    assert not lost.success
    messages = " ".join(str(r.exception_info) for r in lost.results)
    assert all(not r.success and not r.result for r in lost.results), "metrics were expected to be lost"
    assert "list index out of range" in messages  # GE's symptom of the dropped result (issue 10738)

    monkeypatch.undo()
    ge_duckdb.enable_duckdb_persisted_connection()
    fixed = _validate_small(path, expected_mean)
    by_type = {r.expectation_config.type: r for r in fixed.results}
    assert fixed.success, [r.exception_info for r in fixed.results]
    not_null = by_type["expect_column_values_to_not_be_null"].result
    assert (not_null["element_count"], not_null["unexpected_count"]) == (1000, 100)
    assert by_type["expect_column_mean_to_be_between"].result["observed_value"] == pytest.approx(expected_mean)
