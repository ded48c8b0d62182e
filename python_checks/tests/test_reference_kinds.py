"""Window kinds (every N hours, rows N) and reference kinds (previous k, rolling k) through
the real CLI and dbt, checked against scipy on the same rows."""

from __future__ import annotations

import datetime as dt
import os

import duckdb
import numpy as np
import pytest
import scipy.stats as st
import yaml

from python_checks import demo

from .conftest import SMALL_SAMPLES, project_config, shiftwatch

COLUMNS = ["car_value", "credit_score"]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    from python_checks.warehouse import connect

    d = tmp_path_factory.mktemp("kinds")
    path = d / "source.duckdb"
    os.environ["SHIFTWATCH_DUCKDB_PATH"] = str(path)
    with connect(".") as wh:
        demo.write(wh, demo.generate(rows=30_000, seed=5))
    return d, path


def run_with(source, name, **monitor) -> duckdb.DuckDBPyConnection:
    d, path = source
    db = d / f"{name}.duckdb"
    db.write_bytes(path.read_bytes())
    base = project_config(expectations_dir=str(d / "expectations"), **SMALL_SAMPLES)
    m = base["monitors"][0]
    m.update(features={"numeric": COLUMNS, "categorical": ["region"]}, segments=[], schema_version_column=None,
             predictions=None, labels=None, **monitor)
    config = d / f"{name}.yml"
    config.write_text(yaml.safe_dump({"shiftwatch": base}))
    result = shiftwatch("run", "--config", str(config), "--fail-on", "never", env={"SHIFTWATCH_DUCKDB_PATH": str(db)})
    assert result.code == 0, result.stderr[-3000:]
    return duckdb.connect(str(db), read_only=True)


def values(con, column, start, end):
    return con.execute(f"select {column} from main.car_loan where ts >= ? and ts < ? and {column} is not null",
                       [start, end]).fetchnumpy()[column].astype(float)


@pytest.mark.parametrize("kind, k", [("previous", 7), ("rolling", 3)])
def test_relative_references_match_scipy(source, kind, k):
    con = run_with(source, f"{kind}{k}", reference={kind: k})
    windows = con.execute("select window_start, window_end from shiftwatch_results.window_index order by 1").fetchall()
    assert len(windows) == con.execute("select count(distinct date_trunc('day', ts)) from main.car_loan").fetchone()[0]
    ks = {(c, w): (d, n_ref) for c, w, d, n_ref in con.execute(
        "select column_name, window_start, statistic, n_reference from shiftwatch_results.ks_windows").fetchall()}
    for column in COLUMNS:
        for i, (start, end) in enumerate(windows):
            refs = [windows[i - k]] if kind == "previous" else windows[max(0, i - k):i]
            refs = refs if i >= (k if kind == "previous" else 1) else []
            d, n_ref = ks[(column, start)]
            if not refs:
                assert n_ref == 0 and d is None
                continue
            reference = np.concatenate([values(con, column, s, e) for s, e in refs])
            expected = st.ks_2samp(values(con, column, start, end), reference)
            assert n_ref == reference.size
            assert abs(d - expected.statistic) <= 1e-12, (column, start)
    skipped = con.execute("select count(*) from shiftwatch_results.latest_results where test = 'ks' "
                          "and skipped_reason = 'empty_reference'").fetchone()[0]
    assert skipped == len(COLUMNS) * (k if kind == "previous" else 1)


def test_row_windows_number_rows_by_timestamp_and_id(source):
    con = run_with(source, "rows", window={"rows": 2500})
    n = con.execute("select count(*) from main.car_loan").fetchone()[0]
    windows = con.execute("select window_start, window_end, n_rows from shiftwatch_results.window_index order by 1").fetchall()
    assert len(windows) == -(-n // 2500)
    assert [w[2] for w in windows[:-1]] == [2500] * (len(windows) - 1) and windows[-1][2] == n - 2500 * (len(windows) - 1)
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:]))  # half-open and contiguous
    ordered = con.execute("select ts, car_value from main.car_loan order by ts, id").fetchnumpy()
    # Reference windows are the blocks inside [2026-06-01, 2026-06-29); they are the first rows.
    ref_blocks = [w for w in windows if w[1] <= dt.datetime(2026, 6, 29)]
    assert 0 < len(ref_blocks) < len(windows) - 1
    block = len(windows) - 2  # a current window: compare with scipy on its 2500 rows
    start = windows[block][0]
    d = con.execute("select statistic from shiftwatch_results.ks_windows where column_name = 'car_value' "
                    "and window_start = ?", [start]).fetchone()[0]
    current = ordered["car_value"][block * 2500:(block + 1) * 2500]
    reference = ordered["car_value"][: 2500 * len(ref_blocks)]
    assert abs(d - st.ks_2samp(current, reference).statistic) <= 1e-12


def test_six_hour_windows(source):
    con = run_with(source, "hours", window={"every": "6 hours"})
    windows = con.execute("select window_start, window_end, n_rows from shiftwatch_results.window_index order by 1").fetchall()
    assert len(windows) == 4 * con.execute("select count(distinct date_trunc('day', ts)) from main.car_loan").fetchone()[0]
    assert all((e - s).total_seconds() == 6 * 3600 and s.hour % 6 == 0 for s, e, _ in windows)
    total = con.execute("select count(*) from main.car_loan").fetchone()[0]
    assert sum(w[2] for w in windows) == total
