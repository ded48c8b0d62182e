"""The `shiftwatch` command line. Each verb parses its options and calls one function.

Exit codes: 0 all clear; 1 alerts at or above --fail-on (or a breaking schema change);
2 usage or config error; 3 warehouse or runtime error. Errors print one line; --verbose
adds the trace.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One BLAS thread unless the user says otherwise: the run's parallelism is the warehouse's,
# and OpenBLAS threads that spin against a busy scheduler made the MMD step 3-4x slower at
# a load of 5 on 2 cores (docs/benchmarks.md). Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from python_checks.errors import ConfigError, ShiftwatchError  # noqa: E402

SEVERITY_RANK = {"warning": 1, "critical": 2}


class Output:
    """Progress and results for a person (text, to stderr/stdout) or a program (one JSON document)."""

    def __init__(self, fmt: str, verbose: bool):
        self.format = fmt
        self.verbose = verbose
        self.started = time.monotonic()

    def progress(self, message: str) -> None:
        if self.format == "text" and (self.verbose or not message.startswith("  dbt ")):
            click.echo(f"[{time.monotonic() - self.started:6.1f}s] {message}", err=True)

    def document(self, payload: dict[str, Any]) -> None:
        click.echo(json.dumps(payload, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ")
    return str(value)


def common_options(func: Callable) -> Callable:
    options = [
        click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=".",
                     show_default=True, help="The shiftwatch dbt project."),
        click.option("--profiles-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Where profiles.yml lives [default: PROJECT_DIR/profiles]."),
        click.option("--target", default=None, help="The dbt profile target [default: the profile's]."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Monitor config YAML [default: vars.shiftwatch in dbt_project.yml]."),
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
        click.option("--verbose", is_flag=True, help="Show dbt progress and full traces on errors."),
    ]
    for option in reversed(options):
        func = option(func)

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> None:
        out = Output(kwargs["fmt"], kwargs["verbose"])
        try:
            code = func(out=out, **kwargs)
        except ShiftwatchError as exc:
            _fail(out, exc, exc.exit_code)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # anything unexpected is a runtime error, never a silent pass
            _fail(out, exc, 3)
        sys.exit(code or 0)

    return wrapper


def _fail(out: Output, exc: BaseException, code: int) -> None:
    lines = exc.problems if isinstance(exc, ConfigError) else [str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__]
    if out.verbose:
        traceback.print_exception(exc, file=sys.stderr)
    if out.format == "json":
        out.document({"status": "error", "exit_code": code, "errors": lines})
    else:
        for line in lines:
            click.echo(f"error: {line}", err=True)
    sys.exit(code)


def make_context(out: Output, project_dir: Path, profiles_dir: Path | None, target: str | None,
                 config_file: Path | None, **_: Any):
    from python_checks.config import load_config
    from python_checks.run import Context, duckdb_path_default

    project_dir = project_dir.resolve()
    duckdb_path_default(project_dir)
    config = load_config(config_file=config_file, project_dir=project_dir)
    os.environ.setdefault("SHIFTWATCH_MEMORY_LIMIT", config.memory_limit)  # read by the dbt profile
    return Context(project_dir=project_dir, profiles_dir=(profiles_dir or project_dir / "profiles").resolve(),
                   target=target, config=config, progress=out.progress)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shiftwatch")
def main() -> None:
    """shiftwatch: warehouse-native data-quality and drift checks for ML tables."""


@main.command()
@common_options
@click.option("--fail-on", type=click.Choice(["warning", "critical", "never"]), default="warning", show_default=True,
              help="Exit 1 when an alert of at least this severity is raised in this run.")
@click.option("--full-refresh", is_flag=True, help="Rebuild every window from scratch.")
def run(out: Output, fail_on: str, full_refresh: bool, **kw: Any) -> int:
    """Build windows, validate suites, run drift tests, publish results."""
    from python_checks import run as pipeline

    ctx = make_context(out, **kw)
    result = pipeline.execute(ctx, full_refresh=full_refresh)
    return report_run(out, result, fail_on)


def report_run(out: Output, result: Any, fail_on: str) -> int:
    alerts = result.alerts
    threshold = SEVERITY_RANK.get(fail_on, 99)
    failing = [a for a in alerts if SEVERITY_RANK[a["severity"]] >= threshold]
    code = 1 if failing else 0
    if out.format == "json":
        out.document({"status": "alerts" if failing else "ok", "exit_code": code, "run_id": result.run_id,
                      "counts": result.counts, "alerts": alerts, "quality_failures": result.quality_failures,
                      "schema_changes": result.schema_changes, "results_schema": result.results_schema,
                      "warehouse": result.warehouse})
        return code
    click.echo(f"run {result.run_id}: {result.counts['tests']} tests, {result.counts['drifted']} drifted, "
               f"{result.counts['skipped']} skipped; {result.counts['quality_failures']} quality failures; "
               f"{result.counts['schema_changes']} schema changes")
    click.echo(format_alerts(alerts))
    if result.quality_failures:
        click.echo("\nquality failures:")
        for q in result.quality_failures:
            click.echo(f"  {q['monitor']:<12} {str(q['window_start'] or '(relation)'):<20} {q['column_name'] or '':<22} {q['expectation']}")
    if result.schema_changes:
        click.echo("\nschema changes:")
        click.echo(format_schema_changes(result.schema_changes))
    click.echo(f"\nresults: {result.warehouse}, schema {result.results_schema} "
               "(drift_results, label_shift_estimates, quality_results, schema_changes, runs; "
               "views alerts, alert_history, latest_status, drift_timeline, segment_ranking)")
    return code


def format_alerts(alerts: list[dict[str, Any]]) -> str:
    if not alerts:
        return "no alerts"
    header = f"{'monitor':<12} {'kind':<11} {'column':<22} {'segment':<14} {'severity':<9} {'status':<7} {'windows':>7}  first_seen .. last_seen"
    lines = [f"alerts ({len(alerts)}):", header, "-" * len(header)]
    for a in alerts:
        lines.append(f"{a['monitor']:<12} {a['shift_kind']:<11} {a['column_name']:<22} {a['segment']:<14} "
                     f"{a['severity']:<9} {a['status']:<7} {a['windows_in_a_row']:>7}  "
                     f"{a['first_seen']:%Y-%m-%d %H:%M} .. {a['last_seen']:%Y-%m-%d %H:%M}")
    return "\n".join(lines)


def format_schema_changes(changes: list[dict[str, Any]]) -> str:
    lines = []
    for c in changes:
        what = {"added": f"+ {c['column_name']} {c['actual_type']}",
                "removed": f"- {c['column_name']} {c['expected_type']}",
                "type_changed": f"~ {c['column_name']} {c['expected_type']} -> {c['actual_type']}"}[c["change"]]
        lines.append(f"  {c['monitor']} ({c['schema_version']}): {what}")
    return "\n".join(lines)


@main.command()
@common_options
@click.option("--fail-on", type=click.Choice(["warning", "critical", "never"]), default="warning", show_default=True)
def validate(out: Output, fail_on: str, **kw: Any) -> int:
    """Build the windows and validate the GE suites (no drift tests); exit 1 on failures."""
    from python_checks import run as pipeline

    ctx = make_context(out, **kw)
    result = pipeline.execute(ctx, steps=("dbt", "quality"))
    report_run(out, result, "never")
    failed = bool(result.quality_failures or any(c["change"] != "added" for c in result.schema_changes))
    return 1 if failed and fail_on != "never" else 0


@main.command("test-drift")
@common_options
@click.option("--fail-on", type=click.Choice(["warning", "critical", "never"]), default="warning", show_default=True)
def test_drift(out: Output, fail_on: str, **kw: Any) -> int:
    """Run the drift tests on the windows dbt already built, and publish them."""
    from python_checks import run as pipeline

    ctx = make_context(out, **kw)
    return report_run(out, pipeline.execute(ctx, steps=("drift",)), fail_on)


@main.command()
@common_options
@click.option("--rows", type=click.IntRange(min=7000), default=1_000_000, show_default=True,
              help="Rows in the demo feature table (70 daily windows).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--fail-on", type=click.Choice(["warning", "critical", "never"]), default="never", show_default=True)
def demo(out: Output, rows: int, seed: int, fail_on: str, **kw: Any) -> int:
    """Generate the demo data (with injected shifts) and run the whole pipeline on it."""
    from python_checks import demo_pipeline

    ctx = make_context(out, **kw)
    result = demo_pipeline.run_demo(ctx, rows=rows, seed=seed)
    return report_run(out, result, fail_on)


@main.command()
@common_options
@click.option("--force", is_flag=True, help="Overwrite suites even if people edited them.")
def init(out: Output, force: bool, **kw: Any) -> int:
    """Derive each monitor's GE suite for its schema_version from the reference period."""
    from python_checks import quality_step

    ctx = make_context(out, **kw)
    written = quality_step.init_suites(ctx, force=force)
    if out.format == "json":
        out.document({"status": "ok", "suites": written})
    else:
        for item in written:
            click.echo(f"{item['status']:<9} {item['path']}")
    return 0


@main.command("check-schema")
@common_options
@click.option("--monitor", default=None, help="Only this monitor.")
def check_schema(out: Output, monitor: str | None, **kw: Any) -> int:
    """Compare live relations with the registered schema version; exit 1 on a breaking change."""
    from python_checks import quality_step

    ctx = make_context(out, **kw)
    changes, breaking = quality_step.check_schema(ctx, monitor=monitor)
    if out.format == "json":
        out.document({"status": "breaking" if breaking else "ok", "exit_code": 1 if breaking else 0,
                      "schema_changes": changes})
    else:
        click.echo(format_schema_changes(changes) if changes else "schema matches the registered versions")
    return 1 if breaking else 0


@main.command()
@common_options
@click.option("--fail-on", type=click.Choice(["warning", "critical", "never"]), default="warning", show_default=True)
def status(out: Output, fail_on: str, **kw: Any) -> int:
    """Print the open alerts from the warehouse, without recomputing anything."""
    from python_checks.run import read_alerts

    ctx = make_context(out, **kw)
    with ctx.warehouse() as wh:
        alerts = read_alerts(wh, ctx.config.results_schema)
    failing = [a for a in alerts if SEVERITY_RANK[a["severity"]] >= SEVERITY_RANK.get(fail_on, 99)]
    if out.format == "json":
        out.document({"status": "alerts" if failing else "ok", "exit_code": 1 if failing else 0, "alerts": alerts})
    else:
        click.echo(format_alerts(alerts))
    return 1 if failing else 0


@main.command()
@common_options
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"), show_default=True)
def report(out: Output, output: Path, **kw: Any) -> int:
    """Write a self-contained static HTML report from the result tables."""
    from python_checks.report import load_report_tables, render_report

    ctx = make_context(out, **kw)
    with ctx.warehouse() as wh:
        tables = load_report_tables(wh, ctx.config.results_schema)
    output.write_text(render_report(tables))
    if out.format == "json":
        out.document({"status": "ok", "output": str(output.resolve())})
    else:
        click.echo(f"report written to {output.resolve()}")
    return 0


if __name__ == "__main__":
    main()
