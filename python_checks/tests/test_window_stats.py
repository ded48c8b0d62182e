"""Each window statistic dbt computes equals a numpy/scipy computation on the same rows
(a seeded demo, built through the real CLI and dbt on DuckDB)."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest
import scipy.stats as st
import yaml

from .conftest import SMALL_SAMPLES, project_config, shiftwatch

REL = 1e-9


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("windowstats")
    config = d / "shiftwatch.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)}))
    env = {"SHIFTWATCH_DUCKDB_PATH": str(d / "shiftwatch.duckdb")}
    result = shiftwatch("demo", "--rows", "40000", "--seed", "3", "--config", str(config), env=env)
    assert result.code == 0, result.stderr[-3000:]
    con = duckdb.connect(str(d / "shiftwatch.duckdb"), read_only=True)
    rows = con.execute("select *, cast(date_trunc('day', ts) as timestamp) as window_start from main.car_loan").df()
    yield con, rows
    con.close()


def close(a, b, rel=REL, abs_=1e-12):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_numeric_feature_statistics_equal_numpy(built):
    con, rows = built
    stats = con.execute("select * from shiftwatch_results.feature_windows where column_kind = 'numeric'").df()
    assert len(stats) == 70 * 10
    for _, s in stats.iterrows():
        all_values = rows.loc[rows.window_start == s.window_start, s.column_name].to_numpy(dtype=float)
        x = all_values[~np.isnan(all_values)]
        assert s.n == all_values.size and s.n_null == all_values.size - x.size
        assert close(s.null_rate, (all_values.size - x.size) / all_values.size)
        assert close(s["mean"], x.mean()), (s.column_name, s.window_start)
        assert close(s.stddev, x.std(ddof=1))
        assert close(s.skewness, st.skew(x, bias=True), rel=1e-7, abs_=1e-9)
        assert close(s["kurtosis"], st.kurtosis(x, bias=True), rel=1e-7, abs_=1e-9)
        assert s["min"] == x.min() and s["max"] == x.max()
        for q in (1, 5, 25, 50, 75, 95, 99):
            assert close(s[f"p{q:02d}"], np.quantile(x, q / 100)), (s.column_name, q)
        assert s.n_distinct == np.unique(x).size


def test_category_shares_equal_pandas(built):
    con, rows = built
    cats = con.execute("select window_start, column_name, category, n, share from shiftwatch_results.category_windows "
                       "where role = 'feature'").df()
    for column in ("salary_range", "region", "employment_type"):
        expected = rows.groupby(["window_start", column]).size()
        got = cats[cats.column_name == column].set_index(["window_start", "category"])
        assert len(got) == len(expected)
        for (window, category), n in expected.items():
            assert got.loc[(window, category), "n"] == n
            assert close(got.loc[(window, category), "share"], n / expected.loc[window].sum())


def test_histograms_use_reference_decile_edges(built):
    con, rows = built
    reference = rows[rows.window_start < "2026-06-29"]
    hist = con.execute("select window_start, column_name, bin, n from shiftwatch_results.histogram_windows where role = 'feature'").df()
    for column in ("car_value", "credit_score"):
        edges = np.quantile(reference[column].dropna().to_numpy(float), np.arange(1, 10) / 10)
        for window, group in rows.groupby("window_start"):
            x = group[column].dropna().to_numpy(float)
            bins = (x[:, None] > edges[None, :]).sum(axis=1)  # right-closed bins
            expected = {b: int(c) for b, c in zip(*np.unique(bins, return_counts=True))}
            got = dict(hist[(hist.column_name == column) & (hist.window_start == window)][["bin", "n"]].itertuples(index=False))
            assert got == expected, (column, window)


def test_performance_metrics_equal_scipy(built):
    con, rows = built
    joined = con.execute("""
        select cast(date_trunc('day', f.ts) as timestamp) as window_start, p.y_pred_proba, p.y_pred, l.repaid
        from main.car_loan f join main.car_loan_predictions p on p.id = f.id join main.car_loan_labels l on l.id = f.id""").df()
    perf = con.execute("select window_start, metric, value, n_labeled from shiftwatch_results.performance_windows "
                       "where segment = '*'").df().set_index(["window_start", "metric"])
    for window, g in joined.groupby("window_start"):
        y, yhat, p = g.repaid.to_numpy(), g.y_pred.to_numpy(), np.clip(g.y_pred_proba.to_numpy(), 1e-15, 1 - 1e-15)
        tp, fp, fn = int(((y == 1) & (yhat == 1)).sum()), int(((y == 0) & (yhat == 1)).sum()), int(((y == 1) & (yhat == 0)).sum())
        u = st.mannwhitneyu(g.y_pred_proba[y == 1], g.y_pred_proba[y == 0]).statistic
        expected = {"accuracy": (y == yhat).mean(), "precision": tp / (tp + fp), "recall": tp / (tp + fn),
                    "f1": 2 * tp / (2 * tp + fp + fn), "roc_auc": u / ((y == 1).sum() * (y == 0).sum()),
                    "log_loss": -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), "brier": np.mean((p - y) ** 2)}
        for metric, value in expected.items():
            assert close(perf.loc[(window, metric), "value"], value), (window, metric)
        assert perf.loc[(window, "accuracy"), "n_labeled"] == len(g)


def test_sql_ks_equals_scipy_with_leave_one_out(built):
    """ks_windows (one sort per column, running counts) equals scipy.stats.ks_2samp on the
    same arrays to 1e-12, reference windows compared leave-one-out."""
    con, rows = built
    ks = con.execute("select column_name, window_start, statistic, n_current, n_reference from shiftwatch_results.ks_windows "
                     "where role = 'feature'").df().set_index(["column_name", "window_start"])
    reference_days = rows.window_start < "2026-06-29"
    for column in ("car_value", "credit_score", "loan_term_months", "employment_years"):
        for window, group in rows.groupby("window_start"):
            current = group[column].dropna().to_numpy(float)
            in_reference = reference_days & (rows.window_start != window)
            reference = rows.loc[in_reference, column].dropna().to_numpy(float)
            got = ks.loc[(column, window)]
            assert got.n_current == current.size and got.n_reference == reference.size
            assert abs(got.statistic - st.ks_2samp(current, reference).statistic) <= 1e-12, (column, window)


def test_prediction_windows_per_model_version_equal_numpy(built):
    """Scores and predicted-class shares per model version (v1, then v2 from day 66), and
    for all versions together ('*')."""
    con, _ = built
    events = con.execute("""select cast(date_trunc('day', f.ts) as timestamp) as window_start, p.model_version,
        p.y_pred_proba, p.y_pred from main.car_loan f join main.car_loan_predictions p on p.id = f.id""").df()
    stats = con.execute("select * from shiftwatch_results.prediction_windows").df()
    assert set(stats.model_version) == {"*", "v1", "v2"}
    assert len(stats[stats.model_version == "*"]) == 70 * 2 and len(stats[stats.model_version != "*"]) == 70 * 2
    for _, s in stats.iterrows():
        window = events[events.window_start == s.window_start]
        mine = window if s.model_version == "*" else window[window.model_version == s.model_version]
        assert len(mine) == s.n > 0, (s.window_start, s.model_version)
        if s.column_kind == "score":
            x = mine.y_pred_proba.to_numpy(dtype=float)
            assert close(s["mean"], x.mean()) and close(s.stddev, x.std(ddof=1))
            assert close(s.skewness, st.skew(x, bias=True), rel=1e-7, abs_=1e-9)
            for q in (1, 5, 25, 50, 75, 95, 99):
                assert close(s[f"p{q:02d}"], np.quantile(x, q / 100)), (s.model_version, q)
            assert s.n_distinct == np.unique(x).size
        else:
            shares = mine.y_pred.value_counts(normalize=True).to_numpy()
            assert close(s.entropy, float(-(shares * np.log2(shares)).sum()))
            assert close(s.top_share, float(shares.max()))
