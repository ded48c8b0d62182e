"""The quality step of a run, and the `init` and `check-schema` verbs: glue between the
config, the warehouse and the GE layer in python_checks.quality.

Schema mismatch is not drift: a window whose rows carry another schema version than the
registered one has the columns that differ between the two versions skipped by the drift
tests (skipped_reason 'schema_mismatch'), and the difference is reported as a schema change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from python_checks import __version__
from python_checks.config import Monitor, Relation
from python_checks.quality.schema import compare_schema, is_breaking
from python_checks.quality.suites import derive_suite, load_suite, suite_path, write_suite

if TYPE_CHECKING:
    from python_checks.run import Context

SCHEMA_CHANGES_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("monitor", pa.string()), ("schema_version", pa.string()), ("column_name", pa.string()),
    ("change", pa.string()), ("expected_type", pa.string()), ("actual_type", pa.string())])


@dataclass
class QualityOutcome:
    results: pa.Table
    schema_changes: pa.Table
    skip_columns: dict[str, dict[dt.datetime, set[str]]]

    @classmethod
    def empty(cls) -> QualityOutcome:
        return cls(results=_empty_quality(), schema_changes=SCHEMA_CHANGES_SCHEMA.empty_table(), skip_columns={})


def expectations_dir(ctx: Context) -> Path:
    path = Path(ctx.config.expectations_dir)
    return path if path.is_absolute() else ctx.project_dir / path


def suites_of(ctx: Context, monitor: Monitor) -> dict[str, dict]:
    """Every registered suite of a monitor, by schema version."""
    folder = expectations_dir(ctx) / monitor.name
    return {p.stem: load_suite(p) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def suite_columns(suite: dict) -> list[tuple[str, str]]:
    return [(c["name"], c["type"]) for c in suite.get("meta", {}).get("shiftwatch", {}).get("columns", [])]


def init_suites(ctx: Context, *, force: bool = False, version: str | None = None,
                where_sql: str | None = None) -> list[dict[str, Any]]:
    """Derive each monitor's suite for its schema_version (or ``version``) from the
    reference period (or from the rows matching ``where_sql``)."""
    written = []
    with ctx.warehouse() as wh:
        for monitor in ctx.config.monitors:
            v = version or monitor.schema_version
            suite = derive_suite(wh, monitor, version=v, where_sql=where_sql)
            path = suite_path(expectations_dir(ctx), monitor.name, v)
            status = write_suite(path, suite, force=force)
            ctx.progress(f"  suite {monitor.name}/{v}: {status} ({path})")
            written.append({"monitor": monitor.name, "version": v, "path": str(path), "status": status})
    return written


def schema_change_rows(ctx: Context, wh: Any, monitor: Monitor, run_id: str) -> list[dict[str, Any]]:
    suites = suites_of(ctx, monitor)
    registered = suites.get(monitor.schema_version)
    if registered is None:
        return []
    changes = compare_schema(wh.columns(monitor.relation), registered)
    return [{"run_id": run_id, "monitor": monitor.name, "schema_version": monitor.schema_version,
             "column_name": c.column_name, "change": c.change, "expected_type": c.expected_type,
             "actual_type": c.actual_type} for c in changes]


def check_schema(ctx: Context, *, monitor: str | None = None) -> tuple[list[dict[str, Any]], bool]:
    """Compare live relations with their registered schema versions; write schema_changes."""
    from python_checks.run import new_run_id

    monitors = [ctx.config.monitor(monitor)] if monitor else list(ctx.config.monitors)
    run_id = "check-schema-" + new_run_id(dt.datetime.now(dt.UTC))
    rows: list[dict[str, Any]] = []
    missing = []
    with ctx.warehouse() as wh:
        for m in monitors:
            if m.schema_version not in suites_of(ctx, m):
                missing.append(f"{m.name}/{m.schema_version}")
                continue
            rows += schema_change_rows(ctx, wh, m, run_id)
        if rows:
            wh.write_rows({"schema_changes": pa.Table.from_pylist(rows, schema=SCHEMA_CHANGES_SCHEMA)},
                          ctx.config.results_schema)
    if missing:
        from python_checks.errors import ConfigError

        raise ConfigError(f"check-schema: no registered suite for {', '.join(missing)}; run `shiftwatch init` first")
    changes = [{k: r[k] for k in ("monitor", "schema_version", "column_name", "change", "expected_type", "actual_type")} for r in rows]
    from python_checks.quality.schema import SchemaChange

    breaking = is_breaking([SchemaChange(r["column_name"], r["change"], r["expected_type"], r["actual_type"]) for r in rows])
    return changes, breaking


def mismatched_columns(ctx: Context, wh: Any, monitor: Monitor, windows: list[dict[str, Any]]) -> dict[dt.datetime, set[str]]:
    """Columns to skip per window: those that differ between the window's schema version
    and the registered one (added, removed or retyped)."""
    suites = suites_of(ctx, monitor)
    registered = suites.get(monitor.schema_version)
    if registered is None:
        return {}
    live_diff = {c.column_name for c in compare_schema(wh.columns(monitor.relation), registered)}
    skip: dict[dt.datetime, set[str]] = {}
    for w in windows:
        version = w["schema_version"]
        if version is None or version == monitor.schema_version:
            continue
        other = suites.get(version)
        # A version without a suite of its own: everything that differs from the live relation.
        columns = ({c.column_name for c in compare_schema(suite_columns(other), registered)}
                   if other is not None else live_diff)
        if columns:
            skip[w["window_start"]] = columns
    return skip


def schema_only(ctx: Context, *, run_id: str) -> QualityOutcome:
    """Schema changes and schema-mismatch skips, without validating the suites."""
    return run(ctx, run_id=run_id, validate=False)


def run(ctx: Context, *, run_id: str, validate: bool = True, now: dt.datetime | None = None) -> QualityOutcome:
    """Schema changes, per-window GE validation and the schema-mismatch skips of one run.
    With ``now`` (the run's start, naive UTC), windows holding later events fail a check."""
    from python_checks.quality.sql_checks import skipped_expectations, validate_windows_sql
    from python_checks.quality.validate import timestamps_not_in_future, validate_windows

    results: list[pa.Table] = []
    changes: list[dict[str, Any]] = []
    skip: dict[str, dict[dt.datetime, set[str]]] = {}
    with ctx.warehouse() as wh:
        for monitor in ctx.config.monitors:
            suites = suites_of(ctx, monitor)
            if monitor.schema_version not in suites:
                ctx.progress(f"  no suite {monitor.name}/{monitor.schema_version}: quality checks skipped "
                             "(run `shiftwatch init` to derive one)")
                continue
            windows = wh.arrow(f"select window_start, window_end, schema_version, last_event_ts, build_id from "
                               f"{wh.table(ctx.config.results_schema, 'window_index')} where monitor = ? "
                               "order by window_start", [monitor.name]).to_pylist()
            changes += schema_change_rows(ctx, wh, monitor, run_id)
            skip[monitor.name] = mismatched_columns(ctx, wh, monitor, windows)
            if not validate:
                continue
            bounds = [(w["window_start"], w["window_end"], w["schema_version"]) for w in windows]
            inputs = {w["window_start"]: validation_inputs(monitor, suites, w) for w in windows}
            kept = previous_validations(wh, ctx.config.results_schema, monitor, inputs, run_id)
            reused = set(kept["window_start"].to_pylist())
            only = {w["window_start"] for w in windows
                    if w["window_start"] not in reused and (w["schema_version"] or monitor.schema_version) in suites}
            unchanged = f", {len(reused)} unchanged since the last run" if reused else ""
            if wh.ge_validates:
                ctx.progress(f"  validating {len(only)} windows of {monitor.name}{unchanged}")
                validated = validate_windows(wh, monitor, suites, bounds, run_id=run_id, only=only)
            else:
                ctx.progress(f"  validating {len(only)} windows of {monitor.name}{unchanged} with SQL checks "
                             f"(Great Expectations does not run on {wh.dialect})")
                skipped = skipped_expectations(suites)
                if skipped:
                    ctx.progress("  not checked on this warehouse (success NULL in quality_results): "
                                 + ", ".join(f"{n} x {t}" for t, n in sorted(skipped.items())))
                validated = validate_windows_sql(wh, monitor, suites, bounds, run_id=run_id, only=only)
            results += [stamp_inputs(validated, inputs), kept]
            if now is not None:
                results.append(timestamps_not_in_future(
                    monitor, [(w["window_start"], w["window_end"], w["schema_version"], w["last_event_ts"]) for w in windows],
                    now=now, run_id=run_id))
    table = pa.concat_tables(results) if results else _empty_quality()
    return QualityOutcome(results=table, schema_changes=pa.Table.from_pylist(changes, schema=SCHEMA_CHANGES_SCHEMA),
                          skip_columns=skip)


def validation_inputs(monitor: Monitor, suites: dict[str, dict], window: dict[str, Any]) -> str:
    """What a window's quality results depend on: its rows (dbt gives the window a new
    build_id whenever window_changes sees them change), the suite of its schema version and
    the version of shiftwatch."""
    version = window["schema_version"] or monitor.schema_version
    parts = [window["build_id"], version, json.dumps(suites.get(version), sort_keys=True, default=str),
             monitor.relation.dotted, monitor.timestamp, __version__]
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]


def previous_validations(wh: Any, schema: str, monitor: Monitor, inputs: dict[dt.datetime, str], run_id: str) -> pa.Table:
    """The window rows of the monitor's latest successful validation whose inputs
    (``validation_inputs``) are still the same, under this run's id: a nightly run
    validates only the windows dbt rebuilt. A window is kept whole or not at all; the rows
    of the future-timestamp check carry no inputs and are computed again each run."""
    from python_checks.quality.validate import QUALITY_SCHEMA

    quality, runs = Relation(schema, "quality_results"), Relation(schema, "runs")
    if not inputs or not wh.columns(quality) or not wh.columns(runs):
        return QUALITY_SCHEMA.empty_table()
    table = wh.arrow(
        f"select {', '.join(QUALITY_SCHEMA.names)} from {wh.table(schema, 'quality_results')} "
        "where monitor = ? and window_start is not null and run_id = ("
        f"select r.run_id from {wh.table(schema, 'runs')} as r where r.status = 'success' and exists ("
        f"select 1 from {wh.table(schema, 'quality_results')} as q where q.run_id = r.run_id and q.monitor = ?) "
        "order by r.started_at desc, r.run_id desc limit 1)", [monitor.name, monitor.name])
    by_window: dict[dt.datetime, list[dict[str, Any]]] = {}
    for r in table.to_pylist():
        if _inputs_of(r["details"]) is not None:
            by_window.setdefault(r["window_start"], []).append(r)
    kept = [{**r, "run_id": run_id} for start, group in by_window.items()
            if all(_inputs_of(r["details"]) == inputs.get(start) for r in group) for r in group]
    return pa.Table.from_pylist(kept, schema=QUALITY_SCHEMA)


def _inputs_of(details: str | None) -> str | None:
    try:
        value = json.loads(details) if details else None
    except ValueError:
        return None
    return value.get("inputs") if isinstance(value, dict) else None


def stamp_inputs(table: pa.Table, inputs: dict[dt.datetime, str]) -> pa.Table:
    """Each window row's details with its ``validation_inputs`` added (relation-level rows,
    window_start NULL, are checked against the catalogue on every run and carry none)."""
    details = []
    for start, text in zip(table["window_start"].to_pylist(), table["details"].to_pylist()):
        if start is None or start not in inputs:
            details.append(text)
            continue
        value = json.loads(text) if text else {}
        value = value if isinstance(value, dict) else {"details": value}
        details.append(json.dumps({**value, "inputs": inputs[start]}, sort_keys=True))
    return table.set_column(table.schema.get_field_index("details"), "details", pa.array(details, pa.string()))


def _empty_quality() -> pa.Table:
    from python_checks.quality.validate import QUALITY_SCHEMA

    return QUALITY_SCHEMA.empty_table()
