"""`shiftwatch demo`: write the demo data as its history happened, then run the pipeline.

1. The v1-era tables are written (loan_term_months BIGINT, days 0-65).
2. `init` registers suite v1 from the reference period, as a user would.
3. The upstream change lands: loan_term_months becomes DOUBLE (years) and `channel`
   appears; the v2 rows (days 66-69) arrive. Suite v2 is derived from those rows.
4. `shiftwatch run`.
The truth (demo.truth()) is written next to the DuckDB file as demo_truth.json.
"""

from __future__ import annotations

from pathlib import Path

from python_checks import demo, quality_step
from python_checks.errors import ConfigError
from python_checks.run import Context, RunResult, execute


def run_demo(ctx: Context, *, rows: int, seed: int) -> RunResult:
    names = {m.name for m in ctx.config.monitors}
    if "car_loan" not in names:
        raise ConfigError("demo: the config has no 'car_loan' monitor; run the demo with the project's own config")
    ctx.progress(f"generating {rows:,} demo rows over {demo.DAYS} days")
    data = demo.generate(rows=rows, seed=seed)
    with ctx.warehouse() as wh:
        wh.execute(f"drop schema if exists {wh.quote(ctx.config.results_schema)} cascade")
        demo.write(wh, data)
        truth_path = demo.write_truth(truth_location(ctx, wh))
    ctx.progress("registering suite v1 from the reference period (shiftwatch init)")
    quality_step.init_suites(ctx, force=True)
    ctx.progress("applying the upstream schema change and appending the v2 rows")
    with ctx.warehouse() as wh:
        demo.apply_schema_change(wh, data)
        v2_rows = f"{wh.quote('schema_version')} = 'v2'"
    quality_step.init_suites(ctx, force=True, version="v2", where_sql=v2_rows)
    ctx.progress(f"truth of the injected events: {truth_path}")
    return execute(ctx)


def truth_location(ctx: Context, wh) -> Path:
    """Next to the data: beside the DuckDB file, or in the project's target/ for a server."""
    if getattr(wh, "path", None) is not None:
        return Path(wh.path).with_name("demo_truth.json")
    (ctx.project_dir / "target").mkdir(exist_ok=True)
    return ctx.project_dir / "target" / f"demo_truth_{ctx.target_name}.json"
