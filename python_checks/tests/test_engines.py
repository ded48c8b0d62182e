"""The same models and checks on DuckDB and on a real PostgreSQL server (started by
scripts/with-postgres under `make test`) give the same numbers."""

from __future__ import annotations

import math
import os

import pytest
import yaml

from .conftest import SMALL_SAMPLES, project_config, shiftwatch

ROWS = "120000"
STAT_TABLES = {
    "feature_windows": ("monitor, window_start, column_name", ["n", "n_null", "null_rate", "mean", "stddev", "skewness",
                        "kurtosis", "min", "max", "p01", "p05", "p25", "p50", "p75", "p95", "p99", "n_distinct"]),
    "category_windows": ("monitor, role, column_name, window_start, category", ["n", "share"]),
    "histogram_windows": ("monitor, role, column_name, window_start, bin", ["n", "share", "lower_edge", "upper_edge"]),
    "ks_windows": ("monitor, role, column_name, window_start", ["statistic", "n_current", "n_reference"]),
    "performance_windows": ("monitor, window_start, segment, metric", ["value", "n_labeled", "n_correct", "label_coverage"]),
    "label_windows": ("monitor, window_start", ["n_events", "n_labeled", "label_coverage", "entropy",
                      "latency_p50_hours", "latency_p95_hours"]),
    "confusion_windows": ("monitor, window_start, y_pred, y_true", ["n"]),
    "prediction_windows": ("monitor, window_start, column_name, column_kind, model_version",
                           ["n", "mean", "stddev", "skewness", "kurtosis", "p01", "p50", "p99", "n_distinct", "entropy", "top_share"]),
    "score_bin_windows": ("monitor, window_start, segment, model_version, bin", ["n", "n_labeled", "n_positive"]),
    "class_conditional_windows": ("monitor, window_start, column_name, label_class", ["n", "mean", "stddev"]),
}
DRIFT_COLUMNS = ("monitor, window_start, window_end, column_name, segment, test, statistic, p_value, q_value, effect, "
                 "threshold, drifted, shift_kind, n_reference, n_current, skipped_reason")
DRIFT_KEY = "monitor, window_start, column_name, segment, test"


def close(a, b, rel=1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
    return a == b


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    """Run the demo on both engines; return a reader per engine."""
    from python_checks.warehouse import connect

    assert os.environ.get("PGHOST"), "PGHOST is not set: run the suite with `make test` (scripts/with-postgres)"
    d = tmp_path_factory.mktemp("engines")
    config = d / "shiftwatch.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)}))
    env = {"SHIFTWATCH_DUCKDB_PATH": str(d / "shiftwatch.duckdb")}
    for target in ("duckdb", "postgres"):
        result = shiftwatch("demo", "--rows", ROWS, "--config", str(config), "--target", target, "--format", "json", env=env)
        assert result.code == 0, f"{target}: {result.stderr[-3000:]}"
    os.environ["SHIFTWATCH_DUCKDB_PATH"] = env["SHIFTWATCH_DUCKDB_PATH"]
    duck, pg = connect(".", target="duckdb"), connect(".", target="postgres")
    yield {"duckdb": duck, "postgres": pg}
    duck.close()
    pg.close()


def rows(wh, table: str, key: str, columns: list[str] | str, where: str = "") -> list[dict]:
    cols = columns if isinstance(columns, str) else ", ".join([key, *columns])
    sql = f"select {cols} from {wh.table('shiftwatch_results', table)} {where} order by {key}"
    return wh.arrow(sql).to_pylist()


@pytest.mark.parametrize("table", sorted(STAT_TABLES))
def test_window_statistics_match_across_engines(engines, table):
    key, columns = STAT_TABLES[table]
    a = rows(engines["duckdb"], table, key, columns)
    b = rows(engines["postgres"], table, key, columns)
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        for c in x:
            assert close(x[c], y[c]), (table, c, x, y)


def test_drift_results_match_across_engines(engines):
    latest = ("where run_id = (select max(run_id) from {})")
    a = rows(engines["duckdb"], "drift_results", DRIFT_KEY, DRIFT_COLUMNS,
             latest.format(engines["duckdb"].table("shiftwatch_results", "latest_results")))
    b = rows(engines["postgres"], "drift_results", DRIFT_KEY, DRIFT_COLUMNS,
             latest.format(engines["postgres"].table("shiftwatch_results", "latest_results")))
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        for c in x:
            assert close(x[c], y[c]), (c, x, y)


def test_alert_sets_match_across_engines(engines):
    q = "select monitor, column_name, segment, shift_kind, first_seen, last_seen, windows_in_a_row, severity from {} order by 1, 2, 3, 4, 5"
    a = engines["duckdb"].arrow(q.format(engines["duckdb"].table("shiftwatch_results", "alert_history"))).to_pylist()
    b = engines["postgres"].arrow(q.format(engines["postgres"].table("shiftwatch_results", "alert_history"))).to_pylist()
    assert a == b and len(a) > 0


def test_postgres_ks_equals_scipy(engines):
    """The SQL KS macro on PostgreSQL equals scipy's D on the same arrays to 1e-12."""
    import numpy as np
    import scipy.stats as st

    pg = engines["postgres"]
    ks = {(r["window_start"], r["column_name"]): r for r in pg.arrow(
        f"select window_start, column_name, statistic, n_reference from {pg.table('shiftwatch_results', 'ks_windows')} "
        "where role = 'feature' and column_name in ('car_value', 'credit_score')").to_pylist()}
    values = pg.arrow("select date_trunc('day', ts) as window_start, car_value, credit_score from main.car_loan").to_pandas()
    reference_days = values.window_start < "2026-06-29"
    for column in ("car_value", "credit_score"):
        for window, group in values.groupby("window_start"):
            reference = values.loc[reference_days & (values.window_start != window), column].dropna().to_numpy(float)
            expected = st.ks_2samp(group[column].dropna().to_numpy(float), reference).statistic
            got = ks[(window.to_pydatetime(), column)]
            assert got["n_reference"] == reference.size
            assert abs(got["statistic"] - expected) <= 1e-12, (column, window)
