"""Secrets stay secret: the warehouse password of the profile (PGPASSWORD, through env_var in
profiles.yml) appears nowhere the pipeline writes: stdout and stderr (with --verbose, and when
a run fails), the log and target files of the project, GE's temporary directories, the
result tables and the HTML report.

Runs on the PostgreSQL server of scripts/with-postgres (`make test`), as a role of its own
with a distinctive password.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, SMALL_SAMPLES, CliResult, project_config, shiftwatch

pytestmark = pytest.mark.postgres

SECRET = "swsecret" + secrets.token_hex(16)  # letters and digits: the same in a URL, JSON or a log
WRONG_SECRET = "swwrong" + secrets.token_hex(16)
RESULTS = "shiftwatch_results"


def admin():
    import psycopg2

    assert os.environ.get("PGHOST"), "PGHOST is not set: run the suite with `make test` (scripts/with-postgres)"
    con = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "postgres"))
    con.autocommit = True
    return con


@pytest.fixture(scope="module")
def role():
    """A login role with the distinctive password, owning a database of its own."""
    name = "sw_secret_" + secrets.token_hex(4)
    con = admin()
    with con.cursor() as cur:
        cur.execute(f"create role {name} login password %s", [SECRET])
        cur.execute(f"create database {name} owner {name}")
    yield {"PGUSER": name, "PGPASSWORD": SECRET, "PGDATABASE": name}
    with con.cursor() as cur:
        cur.execute(f"drop database if exists {name} with (force)")
        cur.execute(f"drop role if exists {name}")
    con.close()


@pytest.fixture(scope="module")
def runs(role, tmp_path_factory):
    """The demo, a verbose rerun, a JSON run, the report, and four failing runs: a relation
    that does not exist, a column dbt cannot read, a database that does not exist and a
    wrong password. Returns every CLI result and the report's path."""
    d = tmp_path_factory.mktemp("secrets")
    config = d / "shiftwatch.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(expectations_dir=str(d / "expectations"),
                                                                  **SMALL_SAMPLES)}))
    pg = ("--target", "postgres", "--config", str(config))
    results: dict[str, CliResult] = {}
    results["demo"] = shiftwatch("demo", "--rows", "7000", *pg, env=role)
    assert results["demo"].code in (0, 1), results["demo"].stderr[-3000:]
    results["run --verbose"] = shiftwatch("run", *pg, "--verbose", "--fail-on", "never", env=role)
    assert results["run --verbose"].code == 0, results["run --verbose"].stderr[-3000:]
    results["run json"] = shiftwatch("run", *pg, "--format", "json", "--fail-on", "never", env=role)
    assert results["run json"].code == 0
    report = d / "report.html"
    results["report"] = shiftwatch("report", *pg, "--output", str(report), "--verbose", env=role)
    assert results["report"].code == 0, results["report"].stderr[-3000:]

    def bad_config(name: str, **monitor) -> tuple[str, ...]:
        document = project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)
        document["monitors"][0].update(monitor)
        path = d / f"{name}.yml"
        path.write_text(yaml.safe_dump({"shiftwatch": document}))
        return ("--target", "postgres", "--config", str(path))

    results["bad relation"] = shiftwatch("run", *bad_config("relation", relation="main.no_such_table"), "--verbose",
                                         env=role)
    assert results["bad relation"].code == 2, results["bad relation"].stderr[-3000:]
    # A numeric column that fails when dbt reads it (division by zero in a view): the config
    # and the catalogue are fine (a text column would be rejected before any SQL, exit 2), so
    # the failure comes from the warehouse in the middle of dbt.
    import psycopg2

    with psycopg2.connect(dbname=role["PGDATABASE"], user=role["PGUSER"], password=role["PGPASSWORD"]) as con:
        with con.cursor() as cur:
            cur.execute("create view main.car_loan_boom as "
                        "select *, 1.0 / (length(region) - length(region)) as boom from main.car_loan")
    boom = bad_config("boom", relation="main.car_loan_boom", features={"numeric": ["car_value", "boom"], "categorical": []})
    results["dbt failure"] = shiftwatch("run", *boom, "--verbose", env=role)
    assert results["dbt failure"].code == 3 and "Traceback" in results["dbt failure"].stderr
    assert "division by zero" in results["dbt failure"].stderr
    results["no database"] = shiftwatch("run", *pg, "--verbose", env={**role, "PGDATABASE": "sw_no_such_database"})
    assert results["no database"].code == 3 and "Traceback" in results["no database"].stderr
    results["wrong password"] = shiftwatch("run", *pg, "--verbose", env={**role, "PGPASSWORD": WRONG_SECRET})
    assert results["wrong password"].code == 3 and "password authentication failed" in results["wrong password"].stderr
    return {"results": results, "report": report, "dir": d}


def assert_no_secret(text: str, where: str) -> None:
    for secret in (SECRET, WRONG_SECRET):
        assert secret not in text, f"the password appears in {where}"


def test_password_is_never_printed(runs):
    for name, result in runs["results"].items():
        assert_no_secret(result.stdout, f"stdout of {name}")
        assert_no_secret(result.stderr, f"stderr of {name}")


def files_below(*folders: Path) -> list[Path]:
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


def test_password_is_in_no_log_or_target_file(runs):
    # dbt's logs and artefacts (manifest, run results, partial parse state, compiled SQL),
    # the suites and the demo's truth, and the temporary directories GE said it created.
    ge_dirs = {Path(m) for r in runs["results"].values()
               for m in re.findall(r"Created temporary directory '([^']+)'", r.stderr)}
    files = files_below(ROOT / "logs", ROOT / "target", runs["dir"], *ge_dirs)
    assert any(p.name == "dbt.log" for p in files) and any(p.name == "manifest.json" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (SECRET, WRONG_SECRET):
            assert secret.encode() not in data, f"the password appears in {path}"


def test_password_is_in_no_result_table(runs, role):
    import psycopg2

    con = psycopg2.connect(dbname=role["PGDATABASE"])
    try:
        with con.cursor() as cur:
            # Tables only: views hold nothing of their own (and the failed dbt build above
            # left its staging views compiled for the bad config, until the next good run).
            cur.execute("select table_schema, table_name from information_schema.tables "
                        "where table_schema in (%s, 'main') and table_type = 'BASE TABLE' order by 1, 2", [RESULTS])
            relations = cur.fetchall()
            assert ("shiftwatch_results", "runs") in relations and ("shiftwatch_results", "drift_results") in relations
            for schema, table in relations:
                cur.execute(f'select t::text from "{schema}"."{table}" as t')
                for (row,) in cur.fetchall():
                    assert_no_secret(row, f"{schema}.{table}")
            cur.execute(f'select distinct target from "{RESULTS}".runs')
            assert cur.fetchall() == [("postgres",)]  # the target's name, nothing of its settings
    finally:
        con.close()


def test_password_is_not_in_the_report(runs):
    page = runs["report"].read_text()
    assert "<html" in page.lower()
    assert_no_secret(page, "the HTML report")
