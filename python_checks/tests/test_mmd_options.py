"""MMD beyond the multivariate test over all features: per feature on request
(`mmd_per_feature: true`) and over the score vector when a monitor has several scores,
through the real pipeline on the demo data."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from python_checks import demo
from python_checks.demo import COVARIATE, PREDICTION, SCHEMA_V2, day_start

from .conftest import SMALL_SAMPLES, project_config, shiftwatch


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """`shiftwatch demo` (suites registered before the schema change, as users would) with
    a config that asks for both."""
    d = tmp_path_factory.mktemp("mmd_options")
    path = d / "shiftwatch.duckdb"
    config = project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)
    monitor = config["monitors"][0]
    monitor["mmd_per_feature"] = True
    # Two scores: the probability and the hard prediction, tested together as one vector.
    monitor["predictions"] = {**monitor["predictions"], "score": ["y_pred_proba", "y_pred"]}
    (d / "shiftwatch.yml").write_text(yaml.safe_dump({"shiftwatch": config}))
    run = shiftwatch("demo", "--rows", "150000", "--seed", "5", "--config", str(d / "shiftwatch.yml"),
                     env={"SHIFTWATCH_DUCKDB_PATH": str(path)})
    assert run.code == 0, run.stderr[-3000:]
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_per_feature_mmd_alerts_on_exactly_the_shifted_features(results):
    rows = results.execute("select column_name, window_start, drifted, skipped_reason, threshold "
                           "from shiftwatch_results.latest_results where test = 'mmd' and column_name not like '*%'").fetchall()
    assert {c for c, *_ in rows} == set(demo.NUMERIC)
    assert len(rows) == len(demo.NUMERIC) * demo.DAYS
    assert {t for *_, t in rows} == {0.005}
    drifted = {(c, w) for c, w, d, _, _ in rows if d}
    assert drifted == {(c, day_start(x)) for c in ("car_value", "debt_to_income_ratio") for x in COVARIATE}
    skipped = {(c, w) for c, w, _, reason, _ in rows if reason == "schema_mismatch"}
    assert skipped == {("loan_term_months", day_start(x)) for x in SCHEMA_V2}


def test_score_vector_mmd_finds_the_new_model(results):
    rows = results.execute("select window_start, drifted, shift_kind, details from shiftwatch_results.latest_results "
                           "where test = 'mmd' and column_name = '*scores'").fetchall()
    assert len(rows) == demo.DAYS
    assert {k for _, _, k, _ in rows} == {"prediction"}
    assert all('"features": ["y_pred_proba", "y_pred"]' in details for *_, details in rows if details)
    assert {w for w, d, _, _ in rows if d} == {day_start(x) for x in PREDICTION}
