"""One `shiftwatch run`: build the windows (dbt), validate the suites (GE), check the
schema, run the drift tests, and publish every result of the run in one transaction.

Steps run one after the other because dbt and GE cannot hold a DuckDB file at once.
The CLI (python_checks.cli) parses options and calls the functions here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from python_checks import __version__
from python_checks.checks import run_drift_checks
from python_checks.config import Config, Relation
from python_checks.dbt_runner import run_dbt
from python_checks.errors import ConfigError, WarehouseError
from python_checks.warehouse import Warehouse, connect, load_target, spark_state_dir

Progress = Callable[[str], None]


@dataclass
class Context:
    """Where a run happens: the project, the profile target and the config."""

    project_dir: Path
    profiles_dir: Path
    target: str | None
    config: Config
    progress: Progress = field(default=lambda message: None)

    def warehouse(self) -> Warehouse:
        return connect(self.project_dir, self.profiles_dir, self.target)

    @property
    def target_type(self) -> str:
        return load_target(self.profiles_dir, self.target).type

    @property
    def target_name(self) -> str:
        return load_target(self.profiles_dir, self.target).name

    def dbt(self, *command: str) -> list[tuple[str, str]]:
        return run_dbt(list(command), project_dir=self.project_dir, profiles_dir=self.profiles_dir,
                       target=self.target, dbt_vars=self.config.to_vars(),
                       on_node=lambda node, status: self.progress(f"  dbt {node}: {status}"))


@dataclass
class RunResult:
    run_id: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime
    counts: dict[str, int]
    alerts: list[dict[str, Any]]
    quality_failures: list[dict[str, Any]]
    schema_changes: list[dict[str, Any]]
    results_schema: str
    warehouse: str


def check_relations(ctx: Context, wh: Warehouse) -> None:
    """Every configured relation and column exists in the warehouse catalogue (exit 2 if not)."""
    problems = []
    catalog = getattr(wh, "catalog", None)
    if catalog is not None and catalog == ctx.config.results_schema:
        # DuckDB cannot bind views in a schema named like its catalog (the file's stem).
        problems.append(f"config: results_schema: {ctx.config.results_schema!r} is also the name of the DuckDB file's "
                        "catalogue; choose another schema name (default 'shiftwatch_results')")
    for m in ctx.config.monitors:
        types = dict(wh.columns(m.relation))
        live = set(types)
        if not live:
            problems.append(f"config: monitors[{m.name}].relation: relation {m.relation.dotted!r} not found in the warehouse")
            continue
        wanted = [("id", m.id), ("timestamp", m.timestamp), *[("features.numeric", c) for c in m.numeric],
                  *[("features.categorical", c) for c in m.categorical], *[("segments", c) for c in m.segments]]
        if m.schema_version_column:
            wanted.append(("schema_version_column", m.schema_version_column))
        for key, column in wanted:
            if column not in live:
                problems.append(f"config: monitors[{m.name}].{key}: column {column!r} not found in {m.relation.dotted}")
        problems += _type_problems(m.name, m.relation, types, [("timestamp", m.timestamp)], _temporal, "a timestamp or date")
        problems += _type_problems(m.name, m.relation, types, [("features.numeric", c) for c in m.numeric], _numeric, "a numeric")
        for key, spec, columns in (("predictions", m.predictions, lambda p: [*p.scores, *filter(None, [p.label, p.model_version])]),
                                   ("labels", m.labels, lambda l: [l.column, *filter(None, [l.timestamp])])):
            if spec is None:
                continue
            other = dict(wh.columns(spec.relation))
            if not other:
                problems.append(f"config: monitors[{m.name}].{key}.relation: relation {spec.relation.dotted!r} not found")
                continue
            for column in [m.id, *columns(spec)]:
                if column not in other:
                    problems.append(f"config: monitors[{m.name}].{key}: column {column!r} not found in {spec.relation.dotted}")
            if key == "predictions":
                problems += _type_problems(m.name, spec.relation, other, [("predictions.score", c) for c in spec.scores],
                                           _numeric, "a numeric")
    if problems:
        raise ConfigError(problems)


def _numeric(type_name: str) -> bool:
    from python_checks.quality.suites import is_numeric_type

    return is_numeric_type(type_name.split("(")[0].strip())


def _temporal(type_name: str) -> bool:
    return type_name.upper().startswith(("TIMESTAMP", "DATE", "DATETIME"))


def _type_problems(monitor: str, relation: Relation, types: dict[str, str], columns: list[tuple[str, str]],
                   accepts: Callable[[str], bool], expected: str) -> list[str]:
    """Columns whose catalogue type cannot be what the config uses them as. Checked before
    any SQL runs because a cast does not always fail: with ANSI mode off (dbt-spark's
    setting) Spark turns a value it cannot cast into NULL, so a text column configured as
    numeric would be monitored as all-null instead of stopping the run."""
    return [f"config: monitors[{monitor}].{key}: column {column!r} is {types[column]} in {relation.dotted}; "
            f"expected {expected} type" for key, column in columns if column in types and not accepts(types[column])]


@contextlib.contextmanager
def run_lock(ctx: Context, run_id: str) -> Iterator[None]:
    """One run at a time per warehouse, waited on for at most ``lock_timeout`` seconds, then
    exit 3 naming the run that holds it. DuckDB: a lock file beside the database file.
    PostgreSQL: a session advisory lock, so runs on different machines exclude each other.
    Spark: a lock file beside the local metastore (SHIFTWATCH_SPARK_DIR)."""
    target = load_target(ctx.profiles_dir, ctx.target)
    if target.type == "postgres":
        with _postgres_lock(ctx, run_id):
            yield
        return
    if target.type == "spark":
        # Beside the local metastore: Derby admits one JVM, so this lock is taken before any
        # session starts and a second run waits instead of failing to boot the metastore.
        path = spark_state_dir(target, ctx.project_dir) / "shiftwatch.lock"
    else:
        path = Path(str(target.settings.get("path")))
        path = (path if path.is_absolute() else ctx.project_dir / path).with_name(path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        deadline = time.monotonic() + ctx.config.lock_timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another run"
                    raise WarehouseError(f"locked by run {holder} (waited {ctx.config.lock_timeout:g} s; see lock_timeout)") from None
                time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(run_id)
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def _postgres_lock(ctx: Context, run_id: str) -> Iterator[None]:
    key = int(hashlib.sha256(f"shiftwatch:{ctx.config.results_schema}".encode()).hexdigest()[:15], 16)
    with ctx.warehouse() as wh:
        deadline = time.monotonic() + ctx.config.lock_timeout
        while not wh.arrow("select pg_try_advisory_lock(?) as ok", [key])["ok"][0].as_py():
            if time.monotonic() >= deadline:
                holder = "another run"
                if wh.columns(Relation(ctx.config.results_schema, "runs")):
                    running = wh.arrow(f"select run_id from {wh.table(ctx.config.results_schema, 'runs')} "
                                       "where status = 'running' order by started_at desc limit 1")["run_id"].to_pylist()
                    holder = running[0] if running else holder
                raise WarehouseError(f"locked by run {holder} (waited {ctx.config.lock_timeout:g} s; see lock_timeout)")
            time.sleep(0.5)
        try:
            yield
        finally:
            wh.execute("select pg_advisory_unlock(?)", [key])


def new_run_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def config_hash(config: Config) -> str:
    return hashlib.sha256(json.dumps(config.to_vars(), sort_keys=True).encode()).hexdigest()[:16]


ALL_STEPS = ("dbt", "quality", "drift")


def execute(ctx: Context, *, full_refresh: bool = False, steps: tuple[str, ...] = ALL_STEPS) -> RunResult:
    """The whole pipeline (see the module docstring), or some of its steps: `validate`
    is dbt + quality, `test-drift` is drift alone on windows already built."""
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run_id = new_run_id(started)
    with run_lock(ctx, run_id):
        with ctx.warehouse() as wh:
            check_relations(ctx, wh)
        try:
            return _execute_locked(ctx, run_id=run_id, started=started, full_refresh=full_refresh, steps=steps)
        except BaseException as exc:
            record_failure(ctx, run_id, started, exc)
            raise


def _execute_locked(ctx: Context, *, run_id: str, started: dt.datetime, full_refresh: bool,
                    steps: tuple[str, ...]) -> RunResult:
    from python_checks import quality_step

    schema = ctx.config.results_schema
    total = len(steps) + 1
    step = iter(range(1, total + 1))
    # The runs table exists once dbt has built the project (on-run-start creates it).
    marked = mark_started(ctx, run_id, started, steps)

    if "dbt" in steps:
        ctx.progress(f"[{next(step)}/{total}] dbt: building window models")
        ctx.dbt("build", "--exclude", "test_type:data", *(["--full-refresh"] if full_refresh else []))
        if not marked:
            mark_started(ctx, run_id, started, steps)

    quality = quality_step.QualityOutcome.empty()
    if "quality" in steps:
        ctx.progress(f"[{next(step)}/{total}] great expectations: schema and quality")
        quality = quality_step.run(ctx, run_id=run_id, now=started)
    elif "drift" in steps:  # schema mismatches still decide which columns are skipped
        quality = quality_step.schema_only(ctx, run_id=run_id)

    drift = None
    if "drift" in steps:
        ctx.progress(f"[{next(step)}/{total}] python_checks: drift tests")
        computed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with ctx.warehouse() as wh:
            drift = run_drift_checks(wh, ctx.config, run_id=run_id, computed_at=computed_at,
                                     skip_columns=quality.skip_columns,
                                     progress=lambda m: ctx.progress(f"  monitor {m}"))

    ctx.progress(f"[{next(step)}/{total}] publishing results")
    with ctx.warehouse() as wh:
        finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        counts = {
            "tests": drift.results.num_rows if drift is not None else 0,
            "drifted": int(sum(drift.results["drifted"].to_pylist())) if drift is not None else 0,
            "skipped": int(sum(1 for r in drift.results["skipped_reason"].to_pylist() if r)) if drift is not None else 0,
            "quality_checks": quality.results.num_rows,
            "quality_failures": int(sum(1 for s in quality.results["success"].to_pylist() if s is False)),
            "schema_changes": quality.schema_changes.num_rows,
        }
        runs = _runs_row(ctx, run_id, started, "success", "steps: " + ",".join(steps), finished)
        runs = runs.set_column(runs.schema.get_field_index("counts"), "counts",
                               pa.array([json.dumps(counts, sort_keys=True)], pa.string()))
        tables = {"quality_results": quality.results, "schema_changes": quality.schema_changes, "runs": runs}
        if drift is not None:
            tables["drift_results"] = drift.results
            tables["label_shift_estimates"] = drift.label_shift
        # The final runs row replaces the 'running' one in the same transaction as the results.
        wh.write_rows(tables, schema, delete={"runs": ("run_id = ?", [run_id])})
        alerts = read_run_alerts(wh, schema) if drift is not None else []
    failures = [r for r in quality.results.to_pylist() if r["success"] is False]
    return RunResult(run_id=run_id, status="success", started_at=started, finished_at=finished, counts=counts,
                     alerts=alerts, quality_failures=failures, schema_changes=quality.schema_changes.to_pylist(),
                     results_schema=schema, warehouse=describe_warehouse(ctx))


RUNS_SCHEMA = pa.schema([("run_id", pa.string()), ("started_at", pa.timestamp("us")), ("finished_at", pa.timestamp("us")),
                         ("status", pa.string()), ("target", pa.string()), ("counts", pa.string()),
                         ("version", pa.string()), ("config_hash", pa.string()), ("message", pa.string())])


def _runs_row(ctx: Context, run_id: str, started: dt.datetime, status: str, message: str | None,
              finished: dt.datetime | None = None) -> pa.Table:
    return pa.Table.from_pylist([{
        "run_id": run_id, "started_at": started, "finished_at": finished, "status": status,
        "target": ctx.target_name, "counts": None, "version": __version__, "config_hash": config_hash(ctx.config),
        "message": message}], schema=RUNS_SCHEMA)


def mark_started(ctx: Context, run_id: str, started: dt.datetime, steps: tuple[str, ...]) -> bool:
    """Record the run as 'running' (committed at once); False if there is no runs table yet.
    A 'running' row left by an earlier run means that run died without ending (we hold the
    lock, so it is not running): it is marked 'killed'."""
    with ctx.warehouse() as wh:
        if not wh.columns(Relation(ctx.config.results_schema, "runs")):
            return False
        runs = wh.table(ctx.config.results_schema, "runs")
        # Rewritten rather than updated in place (Parquet tables on Spark have no UPDATE):
        # the same rows, marked, in the same transaction as this run's own row.
        killed = wh.arrow(f"select * from {runs} where status = 'running'").select(RUNS_SCHEMA.names).cast(RUNS_SCHEMA)
        message = f"ended without recording an outcome (killed or crashed); found by run {run_id}"
        killed = killed.set_column(RUNS_SCHEMA.get_field_index("status"), "status", pa.array(["killed"] * killed.num_rows, pa.string()))
        killed = killed.set_column(RUNS_SCHEMA.get_field_index("message"), "message", pa.array([message] * killed.num_rows, pa.string()))
        row = _runs_row(ctx, run_id, started, "running", "steps: " + ",".join(steps))
        wh.write_rows({"runs": pa.concat_tables([killed, row])}, ctx.config.results_schema,
                      delete={"runs": ("status = 'running'", [])})
    return True


def record_failure(ctx: Context, run_id: str, started: dt.datetime, exc: BaseException) -> None:
    """Best effort: the run's row says it failed, and why. Results are never half written
    (they go in one transaction), so nothing else needs undoing."""
    message = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:500]
    try:
        with ctx.warehouse() as wh:
            finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            wh.write_rows({"runs": _runs_row(ctx, run_id, started, status, message, finished)},
                          ctx.config.results_schema, delete={"runs": ("run_id = ?", [run_id])})
    except Exception:  # the warehouse itself may be what failed; the CLI reports the original error
        pass


def read_alerts(wh: Warehouse, schema: str, *, history: bool = False) -> list[dict[str, Any]]:
    view = "alert_history" if history else "alerts"
    return wh.arrow(f"select * from {wh.table(schema, view)} order by monitor, shift_kind, column_name, segment, first_seen").to_pylist()


def read_run_alerts(wh: Warehouse, schema: str) -> list[dict[str, Any]]:
    """The alerts a run answers for: those still open, and those in windows this build
    computed (so a nightly run does not fail again on an episode that closed long ago)."""
    history, changes = wh.table(schema, "alert_history"), wh.table(schema, "window_changes")
    return wh.arrow(
        f"select a.* from {history} as a where a.status = 'open' or exists ("
        f"select 1 from {changes} as c where c.monitor = a.monitor and c.window_start >= a.first_seen "
        "and c.window_start <= a.last_seen) order by a.monitor, a.shift_kind, a.column_name, a.segment, a.first_seen"
    ).to_pylist()


def describe_warehouse(ctx: Context) -> str:
    target = load_target(ctx.profiles_dir, ctx.target)
    if target.type == "duckdb":
        path = Path(str(target.settings.get("path")))
        return f"duckdb {path if path.is_absolute() else ctx.project_dir / path}"
    if target.type == "spark":
        master = (target.settings.get("server_side_parameters") or {}).get("spark.master", "local")
        return f"spark {master} {spark_state_dir(target, ctx.project_dir)}"
    return f"{target.type} {target.settings.get('host')}:{target.settings.get('port')}/{target.settings.get('dbname')}"


def duckdb_path_default(project_dir: Path) -> None:
    """dbt-duckdb resolves a relative path against the working directory; pin it to the project.
    So does Spark its local state (warehouse, Derby metastore, derby.log): under PROJECT/.spark."""
    os.environ.setdefault("SHIFTWATCH_DUCKDB_PATH", str(project_dir / "shiftwatch.duckdb"))
    os.environ.setdefault("SHIFTWATCH_SPARK_DIR", str(project_dir / ".spark"))

