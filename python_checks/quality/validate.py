"""Validate windows of a monitor's relation against its GE suites, in the warehouse.

Every window's rows (``[window_start, window_end)`` on the monitor's timestamp) are
validated against the suite of the window's schema version through Great Expectations'
SQL execution engine: GE generates the SQL, the warehouse runs it, and only metrics come
back. Relation-level expectations (the column set and the column types) are checked once
per call, against the catalogue, for the suite of the newest window's schema version.

Speed. GE's own per-batch validation (``Batch.validate``) spends about 5 ms of Python per
expectation and batch building the metric graph again, plus one ``LIMIT 20`` scan per
column-map expectation for its sample of unexpected values. For 30 windows x 80
expectations that is 10-20 s before any SQL. So the default ``method="compiled"`` builds the
graph once per suite on one template batch of GE's execution engine and, per window,
loads the window's query as that batch's data and resolves the same graph again: GE still
bundles the metrics into its own SQL and GE's expectations still decide success from them,
but the graph is built once. Metrics come back as counts only (no unexpected-value samples);
the few expectations that fail are validated again through GE's public path with
``SUMMARY`` results, which supply the details. ``method="per_window"`` is GE's public path
for every window, kept as the reference the compiled path is tested against.

DuckDB allows one database instance per file and process, and duckdb-engine opens its own
connection with a configuration (a user agent) that differs from a plain
``duckdb.connect(path)``; a second open of the same file then fails. So on a DuckDB
warehouse GE is handed a cursor of the warehouse's own connection (``con.cursor()``: the same
database instance, its own transaction), and the caller keeps its Warehouse open.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import math
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Self

import pyarrow as pa

from python_checks.config import Monitor
from python_checks.errors import ConfigError, WarehouseError
from python_checks.quality import schema as schema_mod
from python_checks.quality.ge_duckdb import enable_duckdb_persisted_connection
from python_checks.quality.suites import COLUMN_TYPE, TABLE_COLUMNS, timestamp_literal

logger = logging.getLogger(__name__)

RELATION_LEVEL = frozenset({TABLE_COLUMNS, COLUMN_TYPE, "expect_column_to_exist"})
_NOT_EXPECTED = {"column", "batch_id", "result_format", "include_config", "catch_exceptions", "meta"}
_NULL_MAP_METRICS = {"column_values.nonnull", "column_values.null"}

RESULT_SCHEMA = pa.schema([
    ("run_id", pa.string()),
    ("monitor", pa.string()),
    ("suite", pa.string()),
    ("schema_version", pa.string()),
    ("window_start", pa.timestamp("us")),
    ("window_end", pa.timestamp("us")),
    ("expectation", pa.string()),
    ("column_name", pa.string()),
    ("success", pa.bool_()),
    ("observed_value", pa.string()),
    ("expected", pa.string()),
    ("details", pa.string()),
])

QUALITY_SCHEMA = RESULT_SCHEMA  # the name the run step uses

Window = tuple[Any, Any, str | None]  # (window_start, window_end, schema_version)


@dataclass
class ValidationPlan:
    """What every validation path does first (``plan_validation``): the relation-level
    rows, the windows grouped by schema version (only versions with a suite), the live
    columns and the fields every result row carries."""

    rows: list[dict]
    by_version: dict[str, list[tuple[dt.datetime, dt.datetime]]]
    live: list[tuple[str, str]]
    base: dict[str, str]


def plan_validation(warehouse: Any, monitor: Monitor, suites: dict[str, dict], windows: Sequence[Window], *,
                    run_id: str, only: Collection[dt.datetime] | None = None) -> ValidationPlan:
    """Check that there are suites and a relation, validate the relation-level expectations
    against the suite of the newest window's version, and group the windows by version
    (windows of a version without a suite are left out, with a warning). With ``only``,
    just the windows starting there are grouped to be validated (the relation-level rows
    still follow the newest of all ``windows``)."""
    if not suites:
        raise ConfigError(f"expectations: monitor {monitor.name} has no suite (run `shiftwatch init`)")
    windows = [(_as_datetime(s), _as_datetime(e), monitor.schema_version if v is None else str(v))
               for s, e, v in windows]
    base = {"run_id": run_id, "monitor": monitor.name}
    if not windows:
        return ValidationPlan([], {}, [], base)
    live = warehouse.columns(monitor.relation)
    if not live:
        raise WarehouseError(f"monitor {monitor.name}: relation {monitor.relation.dotted} not found")

    # The live relation should match the newest window's version; without a suite for it,
    # the registered version's suite is what it is checked against.
    current = max(windows, key=lambda w: w[0])[2]
    if current not in suites:
        current = monitor.schema_version if monitor.schema_version in suites else max(suites)
    rows = _relation_level_rows(live, suites[current], {**base, "schema_version": current,
                                                         "suite": _suite_name(suites[current], monitor, current)})
    unsuited = sorted({v for _, _, v in windows if v not in suites})
    if unsuited:
        logger.warning("monitor %s: no suite for schema version(s) %s; their windows are not validated "
                       "(run `shiftwatch init --version ...`)", monitor.name, ", ".join(unsuited))
    by_version: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for start, end, version in windows:
        if version in suites and (only is None or start in only):
            by_version.setdefault(version, []).append((start, end))
    return ValidationPlan(rows, by_version, live, base)


def validate_windows(warehouse: Any, monitor: Monitor, suites: dict[str, dict], windows: Sequence[Window], *,
                     run_id: str, progress: Callable[[int, int], None] | None = None,
                     method: str = "compiled", only: Collection[dt.datetime] | None = None) -> pa.Table:
    """Validate each window against the suite of its schema version; one row per expectation
    and window (relation-level expectations: one row each, window_start NULL).

    ``suites`` maps a schema version to a suite dict (``load_suite``); ``windows`` lists
    ``(window_start, window_end, schema_version)``, a version of None meaning the monitor's
    registered ``schema_version``. Windows of a version without a suite are left out (and
    logged); with ``only``, just the windows starting there are validated (``plan_validation``).
    ``progress(done, total)`` is called after each window. Returns a table with
    ``RESULT_SCHEMA`` (the ``quality_results`` contract plus window_end).
    """
    if method not in ("compiled", "per_window"):
        raise ValueError(f"method must be 'compiled' or 'per_window', got {method!r}")
    plan = plan_validation(warehouse, monitor, suites, windows, run_id=run_id, only=only)
    rows, by_version, live, base = plan.rows, plan.by_version, plan.live, plan.base
    if not by_version:
        return _to_table(rows)
    done, total = 0, sum(len(w) for w in by_version.values())
    with _Session(warehouse) as session:
        for version, version_windows in by_version.items():
            suite = suites[version]
            meta = {**base, "suite": _suite_name(suite, monitor, version), "schema_version": version}
            runner = _WindowRunner(session, warehouse, monitor, live, suite, method)
            for start, end in version_windows:
                for result in runner.validate(start, end):
                    rows.append({**meta, "window_start": start, "window_end": end, **result})
                done += 1
                if progress is not None:
                    progress(done, total)
    return _to_table(rows)


FUTURE = "expect_column_max_to_be_between"  # the timestamp's maximum, at most the run's start


def timestamps_not_in_future(monitor: Monitor, windows: Sequence[tuple[Any, Any, str | None, Any]], *, now: dt.datetime,
                             run_id: str) -> pa.Table:
    """One row per window: its latest event time (``window_index.last_event_ts``) is not after
    ``now``, the run's start (naive UTC, as window timestamps are). An event from the future is
    clock skew, a wrong unit or a wrong time zone upstream; the bound moves with every run, so
    it is checked here rather than written into a suite. ``windows`` lists
    ``(window_start, window_end, schema_version, last_event_ts)``."""
    rows = []
    for start, end, version, last in windows:
        version = monitor.schema_version if version is None else str(version)
        last = _as_datetime(last) if last is not None else None
        success = last is None or last <= now
        rows.append({"run_id": run_id, "monitor": monitor.name, "suite": f"{monitor.name}.{version}",
                     "schema_version": version, "window_start": _as_datetime(start), "window_end": _as_datetime(end),
                     **_row(FUTURE, monitor.timestamp, success, last, {"max_value": now},
                            None if success else {"error": "events later than the run's start (UTC)"})})
    return _to_table(rows)


# -- relation level -----------------------------------------------------------------------
def _relation_level_rows(live: list[tuple[str, str]], suite: dict, meta: dict) -> list[dict]:
    """Column set and types against the catalogue: GE reflects SQL types through SQLAlchemy,
    which cannot tell TIMESTAMP from TIMESTAMP WITH TIME ZONE on every dialect."""
    live_names = [n for n, _ in live]
    live_types = {n.lower(): t for n, t in live}
    changes = schema_mod.compare_schema(live, suite)
    rows = []
    for expectation in suite.get("expectations", []):
        type_, kwargs = expectation.get("type"), expectation.get("kwargs", {})
        if type_ == TABLE_COLUMNS:
            expected_set = list(kwargs.get("column_set") or [])
            exact = kwargs.get("exact_match", True) is not False
            lower = {c.lower() for c in expected_set}
            added = [n for n in live_names if n.lower() not in lower]
            removed = [c for c in expected_set if c.lower() not in live_types]
            success = not removed and (not added or not exact)
            rows.append(_row(type_, None, success, live_names, _expected(kwargs),
                             None if success else {"added": added, "removed": removed}))
        elif type_ == COLUMN_TYPE:
            column = kwargs.get("column")
            actual = live_types.get(str(column).lower())
            expected_type = kwargs.get("type_")
            success = actual is not None and (expected_type is None or
                                              schema_mod.normalize_type(expected_type) == schema_mod.normalize_type(actual))
            change = next((c.change for c in changes if c.column_name.lower() == str(column).lower()), None)
            rows.append(_row(type_, column, success, actual, _expected(kwargs),
                             None if success else {"change": change or "removed", "expected_type": expected_type,
                                                   "actual_type": actual}))
        elif type_ == "expect_column_to_exist":
            column = kwargs.get("column")
            success = str(column).lower() in live_types
            rows.append(_row(type_, column, success, success, _expected(kwargs),
                             None if success else {"change": "removed"}))
    for row in rows:
        row.update(meta, window_start=None, window_end=None)
    return rows


# -- GE session ---------------------------------------------------------------------------
class _Session:
    """One ephemeral GE context and one SQL datasource on the warehouse, for one call."""

    def __init__(self, warehouse: Any):
        enable_duckdb_persisted_connection()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        kwargs: dict[str, Any] = {}
        con = getattr(warehouse, "con", None) if warehouse.dialect == "duckdb" else None
        if con is not None:
            import duckdb_engine

            # The warehouse's own database instance: a second duckdb.connect of the same file
            # with duckdb-engine's configuration would fail while the warehouse holds it.
            kwargs["creator"] = lambda: duckdb_engine.ConnectionWrapper(con.cursor())
        try:
            with warnings.catch_warnings():
                # The generic SQL datasource is deliberate: one code path for every dialect.
                warnings.filterwarnings("ignore", message="You are using a generic SQLDatasource")
                self.datasource = self.context.data_sources.add_sql(
                    name="shiftwatch", connection_string=warehouse.sqlalchemy_url(), kwargs=kwargs)
        except Exception as exc:  # GE wraps driver errors in many types of its own
            raise WarehouseError(f"great_expectations: cannot connect to the warehouse: {_first_line(exc)}") from exc
        self._assets = 0

    def batch(self, query: str):
        """A GE batch of a query asset (GE's public path)."""
        self._assets += 1
        asset = self.datasource.add_query_asset(name=f"window_{self._assets}", query=query)
        return asset.add_batch_definition_whole_table("batch").get_batch()

    def validator(self, query: str):
        """A GE validator (GE's own ``Validator``) on a query batch, for the compiled path."""
        self._assets += 1
        asset = self.datasource.add_query_asset(name=f"template_{self._assets}", query=query)
        request = asset.add_batch_definition_whole_table("batch").build_batch_request()
        return self.context.get_validator(batch_request=request)

    def close(self) -> None:
        """Close GE's connections (on DuckDB: the cursors of the warehouse's connection)."""
        for close in (lambda: self.datasource.get_execution_engine().close(),
                      lambda: self.datasource.get_engine().dispose()):
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - closing must never hide the result or an error
                logger.debug("closing GE's connections failed: %s", exc)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _WindowRunner:
    """Validates windows against one suite's row-level expectations."""

    def __init__(self, session: _Session, warehouse: Any, monitor: Monitor, live: list[tuple[str, str]],
                 suite: dict, method: str):
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        self.session = session
        self.method = method
        self.select = self._select_sql(warehouse, monitor, live)
        self.timestamp = warehouse.quote(monitor.timestamp)
        self.timestamp_type = {n.lower(): t for n, t in live}.get(monitor.timestamp.lower(), "TIMESTAMP")
        live_lower = {n.lower() for n, _ in live}
        self.configs: list[Any] = []  # GE ExpectationConfigurations, in suite order
        self.static: list[dict] = []  # expectations that cannot run: the same failed row every window
        for expectation in suite.get("expectations", []):
            type_, kwargs = expectation.get("type"), dict(expectation.get("kwargs") or {})
            if type_ in RELATION_LEVEL:
                continue
            absent = [c for c in _columns_of(kwargs) if c.lower() not in live_lower]
            if absent:
                self.static.append(_row(type_, kwargs.get("column"), False, None, _expected(kwargs),
                                        {"error": f"column(s) {', '.join(absent)} not in {monitor.relation.dotted}"}))
                continue
            try:
                config = ExpectationConfiguration(type=type_, kwargs=copy.deepcopy(kwargs),
                                                  meta=copy.deepcopy(expectation.get("meta") or {}))
                config.to_domain_obj()  # validates the configuration
            except Exception as exc:  # noqa: BLE001 - GE raises several types; the row reports it
                self.static.append(_row(type_, kwargs.get("column"), False, None, _expected(kwargs),
                                        {"error": f"invalid expectation: {_first_line(exc)}"}))
                continue
            self.configs.append(config)
        self._compiled: _CompiledSuite | None = None

    @staticmethod
    def _select_sql(warehouse: Any, monitor: Monitor, live: list[tuple[str, str]]) -> str:
        columns = ", ".join(warehouse.quote(n) for n, _ in live)
        return f"select {columns} from {warehouse.relation(monitor.relation)} where {{predicate}}"

    def query(self, start: dt.datetime, end: dt.datetime) -> str:
        start_sql = timestamp_literal(start, self.timestamp_type)
        end_sql = timestamp_literal(end, self.timestamp_type)
        predicate = f"{self.timestamp} >= {start_sql} and {self.timestamp} < {end_sql}"
        return self.select.replace("{predicate}", predicate)

    def validate(self, start: dt.datetime, end: dt.datetime) -> list[dict]:
        query = self.query(start, end)
        results = [dict(r) for r in self.static]
        if not self.configs:
            return results
        if self.method == "per_window":
            return results + self._public(query, self.configs)
        if self._compiled is None:
            self._compiled = _CompiledSuite(self.session, query, self.configs)
        outcomes = self._compiled.run(query)  # [(config, row)]
        failed = [c for c, o in outcomes if not o["success"]]
        detailed = {id(c): r for c, r in zip(failed, self._public(query, failed))} if failed else {}
        for config, outcome in outcomes:
            if id(config) in detailed:
                row = detailed[id(config)]
                if row["success"] != outcome["success"]:
                    logger.warning("GE's compiled and public paths disagree on %s(%s): %s vs %s",
                                   config.type, config.kwargs.get("column"), outcome["success"], row["success"])
                results.append(row)
            else:
                results.append(outcome)
        return results

    def _public(self, query: str, configs: list[Any]) -> list[dict]:
        """GE's public path: one batch, one ``Batch.validate`` of a suite, SUMMARY results."""
        from great_expectations.core import ExpectationSuite

        suite = ExpectationSuite(name="shiftwatch_window", expectations=[_fresh(c) for c in configs])
        try:
            batch = self.session.batch(query)
            result = batch.validate(suite, result_format="SUMMARY")
        except Exception as exc:
            raise WarehouseError(f"great_expectations: validating a window failed: {_first_line(exc)}") from exc
        by_key = {}
        for evr in result.results:
            by_key.setdefault(_config_key(evr.expectation_config), []).append(evr)
        rows = []
        for config in configs:
            matches = by_key.get(_config_key(config))
            if matches:
                rows.append(_row_from_evr(config, matches.pop(0)))
            else:
                rows.append(_row(config.type, config.kwargs.get("column"), False, None, _expected(config.kwargs),
                                 {"error": "great_expectations returned no result for this expectation"}))
        return rows


class _CompiledSuite:
    """GE's metric graph for a suite, built once on a template batch and resolved per window.

    Uses GE's ``Validator`` internals (graph building and resolution, ``Expectation._validate``);
    ``python_checks/tests/test_quality_ge_fix.py`` fails if those change, and the tests compare
    this path with GE's public ``Batch.validate`` on the demo.
    """

    RESULT_FORMAT = "BOOLEAN_ONLY"  # counts only: no LIMIT-20 scan per column-map expectation

    def __init__(self, session: _Session, template_query: str, configs: list[Any]):
        self.validator = session.validator(template_query)
        self.engine = self.validator.execution_engine
        self.batch_id = self.validator.active_batch_id
        self.runtime = {"result_format": self.RESULT_FORMAT}
        fresh = [_fresh(c) for c in configs]
        original = {id(f): c for f, c in zip(fresh, configs)}
        # Substitutes suite parameters in place and regroups by column: same objects, new order.
        processed_input = self.validator.process_expectations_for_validation(fresh, None)
        self.graphs, errors, self.processed = \
            self.validator._generate_metric_dependency_subgraphs_for_each_expectation_configuration(
                expectation_configurations=processed_input, processed_configurations=[], catch_exceptions=True,
                runtime_configuration=copy.deepcopy(self.runtime))
        self.graph = self.validator._generate_suite_level_graph_from_expectation_level_sub_graphs(
            expectation_validation_graphs=self.graphs)
        self.build_errors = {_config_key(evr.expectation_config): evr for evr in errors}
        # GE keeps the order of the configurations and leaves out those whose graph failed.
        self.slots: list[tuple[Any, Any, Any, Any]] = []  # (config, evaluated config, expectation, deps)
        remaining = list(self.processed)
        for processed_config in processed_input:
            config = original[id(processed_config)]
            evaluated = None
            if remaining and _config_key(remaining[0]) == _config_key(processed_config):
                evaluated = remaining.pop(0)
            expectation = deps = None
            if evaluated is not None:
                expectation = evaluated.to_domain_obj()
                deps = expectation.get_validation_dependencies(
                    execution_engine=self.engine, runtime_configuration=copy.deepcopy(self.runtime))
            self.slots.append((config, evaluated, expectation, deps))

    def run(self, query: str) -> list[tuple[Any, dict]]:
        """(input configuration, result row) for every expectation, in GE's evaluation order."""
        from great_expectations.execution_engine.sqlalchemy_batch_data import SqlAlchemyBatchData

        self.engine.load_batch_data(self.batch_id, SqlAlchemyBatchData(
            execution_engine=self.engine, query=query, create_temp_table=False))
        cache = self.engine._metric_cache  # metric ids name the batch, not its data: forget them
        if isinstance(cache, dict):
            cache.clear()
        resolved, aborted_evrs, still_ok = self.validator._resolve_suite_level_graph_and_process_metric_evaluation_errors(
            graph=self.graph, runtime_configuration=copy.deepcopy(self.runtime),
            expectation_validation_graphs=self.graphs, evrs=[], processed_configurations=list(self.processed),
            show_progress_bars=False)
        aborted = {_config_key(evr.expectation_config): evr for evr in aborted_evrs}
        ok_ids = {id(c) for c in still_ok}
        outcomes = []
        for config, evaluated, expectation, deps in self.slots:
            if evaluated is None or id(evaluated) not in ok_ids:
                evr = aborted.get(_config_key(evaluated if evaluated is not None else config)) \
                    or self.build_errors.get(_config_key(config))
                info = evr.exception_info if evr is not None else "the expectation could not be prepared"
                outcomes.append((config, _row(config.type, config.kwargs.get("column"), False, None,
                                              _expected(config.kwargs), {"error": _exception_text(info)})))
                continue
            try:
                metrics = {name: resolved[mc.id] for name, mc in deps.metric_configurations.items()}
                raw = expectation._validate(metrics=metrics, runtime_configuration=copy.deepcopy(self.runtime),
                                            execution_engine=self.engine)
                success = bool(raw["success"] if isinstance(raw, dict) else raw.success)
                result = (raw.get("result") if isinstance(raw, dict) else raw.result) or {}
                observed = _observed_from_metrics(expectation, metrics, result)
                outcomes.append((config, _row(config.type, config.kwargs.get("column"), success, observed,
                                              _expected(config.kwargs), None)))
            except Exception as exc:  # noqa: BLE001 - like GE's catch_exceptions: one row fails
                outcomes.append((config, _row(config.type, config.kwargs.get("column"), False, None,
                                              _expected(config.kwargs), {"error": _first_line(exc)})))
        return outcomes


# -- results ------------------------------------------------------------------------------
def _observed_from_metrics(expectation: Any, metrics: dict, result: dict) -> Any:
    """What GE's BASIC result reports, computed from the metrics GE resolved."""
    map_metric = getattr(expectation, "map_metric", None)
    if isinstance(map_metric, str) and "table.row_count" in metrics:
        element = int(metrics["table.row_count"])
        unexpected = int(metrics.get(f"{map_metric}.unexpected_count") or 0)
        if map_metric in _NULL_MAP_METRICS:
            return _map_observed(element, None, unexpected, element)
        missing = int(metrics.get("column_values.nonnull.unexpected_count") or 0)
        return _map_observed(element, missing, unexpected, element - missing)
    if "observed_value" in result:
        return result["observed_value"]
    return {name: value for name, value in metrics.items()}


def _map_observed(element: int, missing: int | None, unexpected: int, base: int) -> dict:
    observed = {"element_count": element}
    if missing is not None:
        observed["missing_count"] = missing
    observed["unexpected_count"] = unexpected
    observed["unexpected_percent"] = 100.0 * unexpected / base if base else None
    return observed


def _row_from_evr(config: Any, evr: Any) -> dict:
    result = dict(evr.result or {})
    if _raised(evr.exception_info):
        return _row(config.type, config.kwargs.get("column"), False, None, _expected(config.kwargs),
                    {"error": _exception_text(evr.exception_info)})
    if "element_count" in result and "unexpected_count" in result:
        element = int(result["element_count"])
        unexpected = int(result["unexpected_count"] or 0)
        if "missing_count" in result:
            missing = int(result["missing_count"] or 0)
            observed: Any = _map_observed(element, missing, unexpected, element - missing)
        else:
            observed = _map_observed(element, None, unexpected, element)
    else:
        observed = result.get("observed_value")
    keep = {k: v for k, v in result.items()
            if k not in {"element_count", "unexpected_count", "missing_count", "observed_value", "unexpected_percent"}}
    return _row(config.type, config.kwargs.get("column"), bool(evr.success), observed, _expected(config.kwargs),
                None if evr.success or not keep else keep)


def _row(expectation: str, column: str | None, success: bool, observed: Any, expected: Any, details: Any) -> dict:
    return {"expectation": expectation, "column_name": column, "success": bool(success),
            "observed_value": _json(observed), "expected": _json(expected),
            "details": None if details is None else _json(details)}


def _expected(kwargs: dict) -> dict:
    return {k: v for k, v in kwargs.items() if k not in _NOT_EXPECTED}


def _json(value: Any) -> str | None:
    """Strict JSON text (NaN and infinities become null, as JSON has no such numbers)."""
    if value is None:
        return None
    return json.dumps(_plain(value), sort_keys=True, allow_nan=False)


def _plain(value: Any) -> Any:
    if hasattr(value, "to_json_dict"):
        value = value.to_json_dict()
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str, bytes)):
        value = value.item()  # numpy scalars
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _to_table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


# -- helpers ------------------------------------------------------------------------------
def _suite_name(suite: dict, monitor: Monitor, version: str) -> str:
    return suite.get("name") or f"{monitor.name}.{version}"


def _columns_of(kwargs: dict) -> list[str]:
    names = []
    for key in ("column", "column_A", "column_B"):
        if isinstance(kwargs.get(key), str):
            names.append(kwargs[key])
    for key in ("column_list",):
        if isinstance(kwargs.get(key), list):
            names.extend(str(c) for c in kwargs[key])
    return names


def _fresh(config: Any) -> Any:
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return ExpectationConfiguration(type=config.type, kwargs=copy.deepcopy(dict(config.kwargs)),
                                    meta=copy.deepcopy(config.meta))


def _config_key(config: Any) -> str:
    """Identifies an expectation across GE's copies (GE may turn 15 into 15.0, add batch_id)."""
    def plain(value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set)):
            return [plain(v) for v in value]
        return str(value)

    kwargs = {k: plain(v) for k, v in dict(config.kwargs).items() if k != "batch_id"}
    return config.type + json.dumps(kwargs, sort_keys=True)


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif hasattr(value, "to_pydatetime"):
        moment = value.to_pydatetime()
    else:
        moment = dt.datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _raised(info: Any) -> bool:
    if hasattr(info, "to_json_dict"):
        info = info.to_json_dict()
    if not isinstance(info, dict) or not info:
        return False
    if "raised_exception" in info:
        return bool(info["raised_exception"])
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def _exception_text(info: Any) -> str:
    if hasattr(info, "to_json_dict"):
        info = info.to_json_dict()
    if isinstance(info, dict):
        if "exception_message" in info:
            return str(info.get("exception_message"))
        messages = [str(v.get("exception_message")) for v in info.values() if isinstance(v, dict)]
        if messages:
            return "; ".join(messages)
    return _first_line(info)


def _first_line(value: Any) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__
