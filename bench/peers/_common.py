"""Shared by the peer scripts, which run in bench/.venv-peers (no shiftwatch imports):
load the benchmark table from the DuckDB file into pandas, as a user of these tools does."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

import duckdb
import pandas as pd

NUMERIC = [f"f{i:02d}" for i in range(1, 21)]
CATEGORICAL = ["c1", "c2", "c3", "c4", "c5"]


def args() -> dict:
    """argv: DB START REFERENCE_END END OUT"""
    db, start, ref_end, end, out = sys.argv[1:6]
    return {"db": db, "start": dt.datetime.fromisoformat(start), "ref_end": dt.datetime.fromisoformat(ref_end),
            "end": dt.datetime.fromisoformat(end), "out": out}


def load(db: str, end: dt.datetime) -> tuple[pd.DataFrame, float]:
    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)
    df = con.sql(f"select ts, {', '.join(NUMERIC + CATEGORICAL)} from main.bench "
                 f"where ts < timestamp '{end.isoformat(sep=' ')}' order by ts").df()
    con.close()
    return df, time.perf_counter() - t0


def write(out: str, payload: dict) -> None:
    with open(out, "w") as handle:
        json.dump(payload, handle, default=str)
