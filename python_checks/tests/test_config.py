"""Config parsing and validation (pure), and the CLI's exit 2 on bad config."""

from __future__ import annotations

import copy

import pytest
import yaml

from python_checks.config import DEFAULT_MIN_EFFECT, parse_config
from python_checks.errors import ConfigError

from .conftest import project_config, shiftwatch


def demo_document() -> dict:
    return project_config()


def problems_of(document: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(document)
    return info.value.problems


def test_demo_config_normalises_with_defaults():
    config = parse_config(demo_document())
    m = config.monitor("car_loan")
    assert (m.window.every_n, m.window.every_unit) == (1, "day")
    assert (m.reference.kind, m.reference.start, m.reference.end) == ("range", "2026-06-01 00:00:00", "2026-06-29 00:00:00")
    assert len(m.numeric) == 10 and len(m.categorical) == 3
    assert m.predictions.scores == ("y_pred_proba",) and m.labels.column == "repaid"
    assert m.thresholds.min_effect == DEFAULT_MIN_EFFECT
    assert config.to_vars()["shiftwatch"]["monitors"][0]["relation"] == {"schema": "main", "name": "car_loan"}


@pytest.mark.parametrize("mutate, expected", [
    (lambda m: m.update(window={"every": "1 fortnight"}),
     "config: monitors[car_loan].window.every: expected '<N> hour|day|week|month' with N >= 1, got '1 fortnight'"),
    (lambda m: m.update(window={"rows": 1}), "config: monitors[car_loan].window.rows: expected an integer >= 2, got 1"),
    (lambda m: m.update(colour="blue"), "config: monitors[car_loan].colour: unknown key"),
    (lambda m: m.update(reference={"from": "2026-07-01", "to": "2026-06-01"}),
     "config: monitors[car_loan].reference: 'from' (2026-07-01 00:00:00) must be before 'to'"),
    (lambda m: m.update(reference={"previous": 0}), "config: monitors[car_loan].reference.previous: expected an integer >= 1, got 0"),
    (lambda m: m.update(relation="a; drop table x; --"), "config: monitors[car_loan].relation: expected 'schema.table' of identifiers"),
    (lambda m: m["features"].update(numeric=["car_value", "x y"]), "config: monitors[car_loan].features.numeric[1]: expected an identifier"),
    (lambda m: m.update(thresholds={"alpha": 2}), "config: monitors[car_loan].thresholds.alpha: expected a number in (0, 1), got 2"),
    (lambda m: m.update(thresholds={"min_effect": {"kss": 0.1}}), "config: monitors[car_loan].thresholds.min_effect.kss: unknown test"),
    (lambda m: m.update(name="Car-Loan"), "config: monitors[0].name: expected [a-z0-9_]+, got 'Car-Loan'"),
])
def test_bad_monitor_config_names_monitor_and_key(mutate, expected):
    document = demo_document()
    mutate(document["monitors"][0])
    problems = problems_of(document)
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems[0]


def test_every_problem_is_listed_and_duplicates_caught():
    document = demo_document()
    document["monitors"].append(copy.deepcopy(document["monitors"][0]))
    document["monitors"][0]["window"] = {"every": "0 day"}
    document["colour"] = 1
    problems = problems_of(document)
    assert problems == [
        "config: colour: unknown key (expected one of expectations_dir, lock_timeout, memory_limit, monitors, "
        "permutations, reference_sample_size, results_schema, sample_size, seed)",
        "config: monitors[car_loan].window.every: expected '<N> hour|day|week|month' with N >= 1, got '0 day'",
        "config: monitors[car_loan].name: duplicate monitor name",
    ]


@pytest.mark.parametrize("every, n, unit", [("1 hour", 1, "hour"), ("6 hours", 6, "hour"), ("2 week", 2, "week"), ("1 month", 1, "month")])
def test_window_specs(every, n, unit):
    document = demo_document()
    document["monitors"][0]["window"] = {"every": every}
    m = parse_config(document).monitors[0]
    assert (m.window.every_n, m.window.every_unit) == (n, unit)


def write_config(tmp_path, document) -> str:
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump({"shiftwatch": document}))
    return str(path)


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["monitors"][0].update(window={"every": "3 fortnights"}), "monitors[car_loan].window.every"),
    (lambda d: d["monitors"][0].update(unknown_key=1), "monitors[car_loan].unknown_key: unknown key"),
    (lambda d: d["monitors"][0]["features"].update(numeric=["car_value", "no_such_column"]),
     "monitors[car_loan].features.numeric: column 'no_such_column' not found in main.car_loan"),
])
def test_cli_exits_2_with_one_line(tmp_path, mutate, needle, demo_workspace):
    document = project_config(expectations_dir=str(tmp_path / "expectations"))
    mutate(document)
    before = demo_workspace.connect().execute("select count(*) from shiftwatch_results.runs").fetchone()[0]
    result = shiftwatch("run", "--config", write_config(tmp_path, document), env=demo_workspace.env)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: config: ") and needle in lines[0], lines
    after = demo_workspace.connect().execute("select count(*) from shiftwatch_results.runs").fetchone()[0]
    assert after == before  # nothing ran


def test_cli_json_error_document(tmp_path):
    document = project_config()
    document["monitors"][0]["window"] = {"every": "soon"}
    result = shiftwatch("run", "--config", write_config(tmp_path, document), "--format", "json")
    assert result.code == 2
    assert result.json["status"] == "error" and result.json["exit_code"] == 2
    assert result.json["errors"] == ["config: monitors[car_loan].window.every: expected '<N> hour|day|week|month' with N >= 1, got 'soon'"]


def test_memory_limit_reaches_duckdb_and_spills_go_beside_the_database(tmp_path, monkeypatch):
    """The config's memory_limit reaches python_checks' DuckDB connection through the same
    profile dbt reads; what does not fit spills to <database file>.tmp beside the file."""
    from python_checks.warehouse import connect

    from .conftest import ROOT

    monkeypatch.setenv("SHIFTWATCH_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("SHIFTWATCH_MEMORY_LIMIT", "1GB")
    with connect(ROOT, ROOT / "profiles") as wh:
        assert wh.con.execute("select current_setting('memory_limit'), current_setting('temp_directory')").fetchone() == (
            "953.6 MiB", str(tmp_path / "w.duckdb.tmp"))


def test_demo_without_its_monitor_is_a_config_error(tmp_path):
    document = project_config()
    document["monitors"][0]["name"] = "not_the_demo"
    result = shiftwatch("demo", "--rows", "7000", "--config", write_config(tmp_path, document),
                        env={"SHIFTWATCH_DUCKDB_PATH": str(tmp_path / "demo.duckdb")})
    assert result.code == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: demo: the config has no 'car_loan' monitor; run the demo with the project's own config"]


class _Catalogue:
    """A warehouse that only answers catalogue lookups (check_relations needs no more)."""

    def __init__(self, tables: dict[str, list[tuple[str, str]]]):
        self.tables = tables

    def columns(self, relation):
        return self.tables.get(relation.dotted, [])


def test_column_types_are_checked_before_any_sql(tmp_path):
    """A text column configured as numeric, or a text timestamp, stops the run with exit 2:
    a cast does not always fail (Spark with ANSI off turns it into NULL)."""
    from python_checks.run import Context, check_relations

    from .conftest import ROOT

    document = demo_document()
    config = parse_config(document)
    m = config.monitors[0]
    features = [(m.id, "BIGINT"), (m.timestamp, "VARCHAR"), *[(c, "DOUBLE") for c in m.numeric],
                *[(c, "VARCHAR") for c in m.categorical], ("schema_version", "VARCHAR")]
    features[2] = (m.numeric[0], "VARCHAR")
    tables = {m.relation.dotted: features,
              m.predictions.relation.dotted: [(m.id, "BIGINT"), ("y_pred_proba", "STRING"), ("y_pred", "BIGINT"),
                                              ("model_version", "VARCHAR")],
              m.labels.relation.dotted: [(m.id, "BIGINT"), ("repaid", "BIGINT"), ("labeled_at", "TIMESTAMP")]}
    ctx = Context(project_dir=ROOT, profiles_dir=ROOT / "profiles", target="duckdb", config=config)
    with pytest.raises(ConfigError) as raised:
        check_relations(ctx, _Catalogue(tables))
    assert raised.value.problems == [
        "config: monitors[car_loan].timestamp: column 'ts' is VARCHAR in main.car_loan; expected a timestamp or date type",
        f"config: monitors[car_loan].features.numeric: column '{m.numeric[0]}' is VARCHAR in main.car_loan; expected a numeric type",
        "config: monitors[car_loan].predictions.score: column 'y_pred_proba' is STRING in main.car_loan_predictions; "
        "expected a numeric type",
    ]
    tables[m.relation.dotted] = [(n, "TIMESTAMP WITH TIME ZONE" if n == m.timestamp else "DECIMAL(18,3)" if n == m.numeric[0] else t)
                                 for n, t in features]
    tables[m.predictions.relation.dotted][1] = ("y_pred_proba", "FLOAT")
    check_relations(ctx, _Catalogue(tables))
