"""Shared fixtures: a real demo run through the real CLI, into a temporary DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "shiftwatch"
DEMO_ROWS = int(os.environ.get("SHIFTWATCH_TEST_DEMO_ROWS", "600000"))
# For pipeline tests that do not assert the demo's decisions: MMD's cost grows with the
# square of its sample, and these tests compare engines, builds or statistics instead.
SMALL_SAMPLES = {"sample_size": 300, "reference_sample_size": 600}


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


def project_config(**overrides) -> dict:
    """The demo config from dbt_project.yml, with overrides."""
    config = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]["shiftwatch"]
    config.update(overrides)
    return config


def shiftwatch(*args: str, env: dict | None = None, timeout: float = 900) -> CliResult:
    proc = subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=ROOT)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class Workspace:
    """A DuckDB file and a config file in a temp dir, and the CLI pointed at both."""

    dir: Path
    config: Path
    duckdb: Path
    env: dict

    def run(self, *args: str, env: dict | None = None) -> CliResult:
        return shiftwatch(*args, "--config", str(self.config), env={**self.env, **(env or {})})

    def connect(self) -> ReadOnly:
        return ReadOnly(self.duckdb)

    def insert(self, name: str, rows: object) -> None:
        """Append Arrow ``rows`` to ``main.<name>`` (late data arriving between runs)."""
        import duckdb

        con = duckdb.connect(str(self.duckdb))
        try:
            con.register("_sw_rows", rows)
            con.execute(f'insert into main."{name}" by name select * from _sw_rows')
        finally:
            con.close()


def synthetic_workspace(d: Path, tables: dict[str, object], monitors: list[dict], **config) -> Workspace:
    """A workspace holding ``tables`` (name -> Arrow table, written as ``main.<name>`` with the
    Arrow types: float64 NaN and inf stay values, timestamps with a tz become TIMESTAMPTZ) and
    a config with ``monitors``, results in ``shiftwatch_results``, suites under ``d``."""
    import duckdb

    path = d / "shiftwatch.duckdb"
    con = duckdb.connect(str(path))
    try:
        for name, table in tables.items():
            con.register("_sw_table", table)
            con.execute(f'create table main."{name}" as select * from _sw_table')
            con.unregister("_sw_table")
    finally:
        con.close()
    document = {"results_schema": "shiftwatch_results", "expectations_dir": str(d / "expectations"),
                **config, "monitors": monitors}
    config_path = d / "shiftwatch.yml"
    config_path.write_text(yaml.safe_dump({"shiftwatch": document}))
    return Workspace(dir=d, config=config_path, duckdb=path, env={"SHIFTWATCH_DUCKDB_PATH": str(path)})


@dataclass
class DemoWorkspace(Workspace):
    demo: CliResult | None = None

    @property
    def truth(self) -> dict:
        return json.loads((self.dir / "demo_truth.json").read_text())


class ReadOnly:
    """Queries a DuckDB file read-only, opening and closing it for each query: a connection
    held open in the test process would lock the file against the CLI under test."""

    def __init__(self, path: Path):
        self.path = path

    def execute(self, sql: str, params: list | None = None) -> Rows:
        import duckdb

        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return Rows(con.execute(sql, params or []).fetchall())
        finally:
            con.close()


@dataclass
class Rows:
    rows: list[tuple]

    def fetchall(self) -> list[tuple]:
        return self.rows

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None


@pytest.fixture(scope="module")
def monitor():
    """The demo monitor (car_loan) of the project's own config, as the quality tests use it."""
    from python_checks.config import load_config

    return load_config(project_dir=ROOT).monitor("car_loan")


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> DemoWorkspace:
    """`shiftwatch demo` once per session, with suites and data in a temp dir."""
    d = tmp_path_factory.mktemp("demo")
    config = d / "shiftwatch.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(expectations_dir=str(d / "expectations"))}))
    env = {"SHIFTWATCH_DUCKDB_PATH": str(d / "shiftwatch.duckdb")}
    result = shiftwatch("demo", "--rows", str(DEMO_ROWS), "--config", str(config), "--format", "json",
                        "--fail-on", "warning", env=env)
    assert result.code == 1, f"demo should exit 1 on its injected alerts ({result.code}): {result.stderr[-3000:]}"
    return DemoWorkspace(dir=d, config=config, duckdb=d / "shiftwatch.duckdb", env=env, demo=result)
