"""Run dbt in process through its Python entry point (dbtRunner)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from python_checks.errors import WarehouseError


def run_dbt(command: Sequence[str], *, project_dir: Path, profiles_dir: Path, target: str | None,
            dbt_vars: dict[str, Any], on_node: Callable[[str, str], None] | None = None) -> list[tuple[str, str]]:
    """Run one dbt command (e.g. ``["build", "--select", "windows"]``) and return
    (node, status) pairs. Raises WarehouseError naming the failed nodes."""
    from dbt.cli.main import dbtRunner

    args = [*command, "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir),
            "--vars", json.dumps(dbt_vars), "--log-level", "none", "--log-level-file", "debug", "--no-use-colors",
            "--log-path", str(project_dir / "logs"), "--target-path", str(project_dir / "target")]
    if target:
        args += ["--target", target]

    def callback(event: Any) -> None:
        if on_node and event.info.name == "NodeFinished":
            node = event.data.node_info
            on_node(node.node_name, node.node_status)

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # Casting TIMESTAMPTZ to TIMESTAMP (window assignment) follows the session time zone:
    # UTC on every engine. DuckDB takes it from the profile's settings; dbt-postgres has no
    # session option, so libpq's PGTZ sets it (PostgresWarehouse does the same).
    os.environ["PGTZ"] = "UTC"
    result = dbtRunner(callbacks=[callback]).invoke(args)
    if result.exception is not None:
        raise WarehouseError(f"dbt {command[0]} failed: {str(result.exception).strip().splitlines()[0]}") from result.exception
    statuses = [(r.node.name, str(r.status)) for r in (result.result or [])] if hasattr(result.result, "__iter__") else []
    failed = [f"{name} ({status})" for name, status in statuses if status in ("error", "fail", "runtime error")]
    if failed or not result.success:
        detail = "; ".join(_first_line(r) for r in (result.result or []) if str(r.status) in ("error", "fail"))
        raise WarehouseError(f"dbt {command[0]} failed: {', '.join(failed) or 'see logs/dbt.log'}: {detail}")
    return statuses


def _first_line(run_result: Any) -> str:
    """The database's own error line ("Parser Error: ..."), not dbt's "Runtime Error in model" header."""
    lines = [line.strip() for line in (getattr(run_result, "message", None) or "").strip().splitlines() if line.strip()]
    headers = ("Runtime Error in", "Database Error in", "Compilation Error in")
    bare = ("Runtime Error", "Database Error", "Compilation Error")  # dbt-spark's header line
    detail = next((line for line in lines if not line.startswith(headers) and line not in bare),
                  lines[0] if lines else str(run_result.status))
    return f"{run_result.node.name}: {detail}"
