"""How the harness drives shiftwatch: the monitor config file, a dbt profile of its own
(target ``bench``, so its run lock never waits on another run of the project's ``duckdb``
target), the CLI command lines, and a direct dbt invocation with per-node timings for the
micro-benchmarks (its target and log folders are kept under bench/work)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from bench.data import config_document

PROJECT = Path(__file__).resolve().parent.parent
BIN = PROJECT / ".venv" / "bin"
TARGET = "bench"


def write_config(work: Path, name: str = "config") -> Path:
    path = work / f"{name}.yml"
    path.write_text(yaml.safe_dump(config_document(work.resolve() / "expectations"), sort_keys=False))
    return path


def write_profiles(work: Path) -> Path:
    """The project's own duckdb output (profiles/profiles.yml), under the target name ``bench``."""
    source = yaml.safe_load((PROJECT / "profiles" / "profiles.yml").read_text())
    output = dict(source["shiftwatch"]["outputs"]["duckdb"])
    folder = work / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    # JSON is YAML, and keeps the env_var('...') templates free of YAML quote escaping
    # (profiles are rendered as Jinja text before they are parsed).
    (folder / "profiles.yml").write_text(json.dumps(
        {"shiftwatch": {"target": TARGET, "outputs": {TARGET: output}}}, indent=2) + "\n")
    return folder


def cli(verb: str, config: Path, profiles: Path, *extra: str, timers: bool = False) -> list[str]:
    """The CLI command line; ``timers`` runs the same entry point through bench.sw_cli."""
    head = [str(BIN / "python"), "-m", "bench.sw_cli"] if timers else [str(BIN / "shiftwatch")]
    return [*head, verb, "--config", str(config), "--project-dir", str(PROJECT),
            "--profiles-dir", str(profiles), "--target", TARGET, *extra]


def run_command(config: Path, profiles: Path) -> list[str]:
    """`shiftwatch run`, text output with --verbose: stderr then carries the timed step lines
    (``[  12.3s] [2/4] ...``) and one line per finished dbt node, and bench.sw_cli adds the
    drift-test timers."""
    return cli("run", config, profiles, "--fail-on", "never", "--verbose", timers=True)


TIMERS = re.compile(r"^BENCH_TIMERS (\{.*\})$", re.M)


def parse_timers(stderr: str) -> dict[str, Any]:
    found = TIMERS.findall(stderr)
    return json.loads(found[-1]) if found else {}


STEP = re.compile(r"^\[\s*([0-9.]+)s\] (.*)$")


def parse_steps(stderr: str) -> dict[str, Any]:
    """Step durations (s) from the CLI's progress lines, and the finish time of each dbt node."""
    marks: list[tuple[float, str]] = []
    nodes: dict[str, float] = {}
    for line in stderr.splitlines():
        m = STEP.match(line.strip())
        if not m:
            continue
        at, text = float(m.group(1)), m.group(2)
        node = re.match(r"dbt (\w+): (\w+)", text.strip())
        if node:
            nodes[node.group(1)] = at
        step = re.match(r"\[(\d+)/(\d+)\] (.*)", text)
        if step:
            marks.append((at, step.group(3)))
    steps = {}
    names = {"dbt": "dbt", "great expectations": "ge", "python_checks": "drift", "publishing": "publish"}
    for i, (at, text) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else None
        key = next((v for k, v in names.items() if text.startswith(k)), text)
        steps[key] = None if end is None else round(end - at, 3)
    keys = [next((v for k, v in names.items() if text.startswith(k)), text) for _, text in marks]
    return {"steps": steps, "marks": [[at, key] for (at, _), key in zip(marks, keys)], "first_step_at": marks[0][0] if marks else None,
            "last_step_at": marks[-1][0] if marks else None, "dbt_nodes_finished_at": nodes}


def dbt_invoke(command: list[str], *, config: Path, profiles: Path, work: Path) -> dict[str, Any]:
    """Run dbt in process (as shiftwatch does) with the bench config as vars; per-node
    execution times from dbt's own results."""
    from dbt.cli.main import dbtRunner

    from python_checks.config import load_config

    dbt_vars = load_config(config_file=config, project_dir=PROJECT).to_vars()
    args = [*command, "--project-dir", str(PROJECT), "--profiles-dir", str(profiles), "--target", TARGET,
            "--vars", json.dumps(dbt_vars), "--quiet", "--no-use-colors",
            "--log-path", str(work / "dbt-logs"), "--target-path", str(work / "dbt-target")]
    result = dbtRunner().invoke(args)
    if result.exception is not None or not result.success:
        raise RuntimeError(f"dbt {command[0]} failed: {result.exception or 'see bench/work/dbt-logs'}")
    return {r.node.name: float(r.execution_time or 0.0) for r in (result.result or [])}
