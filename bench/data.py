"""The benchmark's synthetic monitor: 20 numeric and 5 categorical features over 30 daily
windows (the first 7 are the fixed reference), with a few injected shifts, plus one more
day that the incremental run appends.

Generation is vectorised (numpy) and seeded, one day at a time, loaded into DuckDB through
Arrow, so 10M rows fit comfortably on the benchmark machine.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

START = dt.datetime(2026, 1, 1)
DAYS = 30  # windows in the cold run; day DAYS is appended for the incremental run
REFERENCE_DAYS = 7  # [day 0, day 7) is the fixed reference
TABLE = "bench"
NUMERIC = tuple(f"f{i:02d}" for i in range(1, 21))
CATEGORICAL = ("c1", "c2", "c3", "c4", "c5")
# Columns that are neither features nor keys (an upstream table has some; GE checks their types).
EXTRA = ("batch_id", "source")

LEVELS = {
    "c1": (["a", "b", "c"], [0.5, 0.3, 0.2]),
    "c2": (["north", "south", "east", "west"], [0.3, 0.3, 0.25, 0.15]),
    "c3": ([f"k{i}" for i in range(8)], list(np.full(8, 1 / 8))),
    "c4": (["web", "app", "branch", "phone", "partner"], [0.4, 0.3, 0.15, 0.1, 0.05]),
    "c5": ([f"seg{i:02d}" for i in range(12)], list(np.geomspace(1, 0.2, 12) / np.geomspace(1, 0.2, 12).sum())),
}

# Injected events: day -> what changes (documented in bench/README.md).
MEAN_SHIFT = range(20, 25)  # f03 +0.5 sd, f04 +0.3 sd
SCALE_SHIFT = range(25, 30)  # f07 sd x 1.5
CATEGORY_SHIFT = range(15, 20)  # c2 shares (0.3,0.3,0.25,0.15) -> (0.15,0.45,0.25,0.15)
JOINT_SHIFT = range(10, 14)  # corr(f11, f12) 0 -> 0.8, marginals unchanged
NULL_BURST = (22,)  # 30% of f15 missing (1% otherwise)
EVENTS = {
    "mean_shift": {"days": list(MEAN_SHIFT), "columns": ["f03", "f04"], "what": "+0.5 sd and +0.3 sd"},
    "scale_shift": {"days": list(SCALE_SHIFT), "columns": ["f07"], "what": "sd x 1.5"},
    "category_shift": {"days": list(CATEGORY_SHIFT), "columns": ["c2"], "what": "north 0.30 -> 0.15, south 0.30 -> 0.45"},
    "joint_shift": {"days": list(JOINT_SHIFT), "columns": ["f11", "f12"], "what": "correlation 0 -> 0.8, marginals unchanged"},
    "null_burst": {"days": list(NULL_BURST), "columns": ["f15"], "what": "30% nulls (1% otherwise)"},
}


def day_start(day: int) -> dt.datetime:
    return START + dt.timedelta(days=day)


def rows_per_day(rows: int) -> int:
    return max(rows // DAYS, 100)


def _numeric(rng: np.random.Generator, day: int, n: int) -> dict[str, np.ndarray]:
    z = rng.standard_normal((n, 20))
    if day in MEAN_SHIFT:
        z[:, 2] += 0.5
        z[:, 3] += 0.3
    if day in SCALE_SHIFT:
        z[:, 6] *= 1.5
    if day in JOINT_SHIFT:
        z[:, 11] = 0.8 * z[:, 10] + 0.6 * z[:, 11]
    cols = {
        "f01": 50 + 10 * z[:, 0],  # plain normal
        "f02": np.round(np.exp(10.5 + 0.5 * z[:, 1]), 2),  # income-like, lognormal
        "f03": 0.35 + 0.1 * z[:, 2],
        "f04": 680 + 60 * z[:, 3],
        "f05": np.round(40 + 11 * z[:, 4]),  # age-like integers: many ties
        "f06": np.round(np.exp(1.5 + 0.6 * z[:, 5]), 1),  # heavy ties after rounding
        "f07": 100 + 15 * z[:, 6],
        "f08": np.clip(np.round(4 + 1.5 * z[:, 7]), 0, None),  # small counts
        "f09": -np.log(np.clip(0.5 * (1 + np.tanh(z[:, 8] * 0.8)), 1e-12, 1)),  # exponential-ish
        "f10": 0.5 * (1 + np.tanh(z[:, 9])),  # bounded in (0, 1)
        "f11": 20000 + 6000 * z[:, 10],
        "f12": 25000 + 8000 * z[:, 11],
        "f13": np.round(0.07 + 0.015 * z[:, 12], 5),
        "f14": z[:, 13] ** 3,  # heavy tails
        "f15": np.round(np.exp(2 + 0.8 * z[:, 14]), 2),
        "f16": np.where(z[:, 15] > 1.2, 0.0, 3 + z[:, 15]),  # point mass at zero
        "f17": np.round(z[:, 16] * 5) / 5,
        "f18": 1000 * (1 + 0.05 * z[:, 17]),
        "f19": np.abs(z[:, 18]),
        "f20": 7 * z[:, 19] - 3,
    }
    for name, rate in (("f05", 0.002), ("f15", 0.30 if day in NULL_BURST else 0.01), ("f19", 0.005)):
        cols[name][rng.random(n) < rate] = np.nan
    return cols


def _categorical(rng: np.random.Generator, day: int, n: int) -> dict[str, pa.Array]:
    out = {}
    for name, (levels, shares) in LEVELS.items():
        p = np.asarray(shares, dtype=float)
        if name == "c2" and day in CATEGORY_SHIFT:
            p = np.array([0.15, 0.45, 0.25, 0.15])
        codes = rng.choice(len(levels), size=n, p=p / p.sum())
        # Dictionary-encoded, then plain strings: cheap to build for millions of rows.
        array = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(levels)).cast(pa.string())
        if name == "c4":
            array = pc.if_else(pa.array(rng.random(n) < 0.003), pa.scalar(None, pa.string()), array)
        out[name] = array
    return out


def generate_day(day: int, n: int, seed: int, first_id: int) -> pa.Table:
    """One day's rows (``n`` of them, ids from ``first_id``); the same for the same arguments."""
    rng = np.random.default_rng([seed, day])
    seconds = np.sort(rng.integers(0, 86400, size=n))
    ts = np.datetime64(day_start(day), "s") + seconds.astype("timedelta64[s]")
    numeric = _numeric(rng, day, n)
    columns = {
        "id": pa.array(np.arange(first_id, first_id + n, dtype=np.int64)),
        "ts": pa.array(ts, pa.timestamp("us")),
        # Missing values are SQL NULLs (a NaN would be a value to the warehouse).
        **{c: pa.array(v, mask=np.isnan(v)) for c, v in numeric.items()},
        **_categorical(rng, day, n),
        "batch_id": pa.array(np.full(n, day, dtype=np.int64)),
        "source": pa.array(np.full(n, "upstream")),
    }
    return pa.table(columns)


def write_days(con, days: range, rows: int, seed: int, *, create: bool) -> int:
    """Generate ``days`` and load them into ``main.bench`` through Arrow; returns rows written."""
    n = rows_per_day(rows)
    written = 0
    for day in days:
        batch = generate_day(day, n, seed, first_id=1 + day * n)
        con.register("bench_batch", batch)
        if create and day == days.start:
            con.execute(f"create or replace table main.{TABLE} as select * from bench_batch")
        else:
            con.execute(f"insert into main.{TABLE} select * from bench_batch")
        con.unregister("bench_batch")
        written += batch.num_rows
    return written


def build_database(path: Path, rows: int, seed: int = 11) -> dict:
    """A fresh DuckDB file with the 30 cold-run days (the appended day comes later)."""
    import duckdb

    for suffix in ("", ".wal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        written = write_days(con, range(0, DAYS), rows, seed, create=True)
        con.execute("checkpoint")
    finally:
        con.close()
    return {"rows": written, "rows_per_day": rows_per_day(rows), "days": DAYS}


def append_day(path: Path, rows: int, seed: int = 11) -> int:
    """Append day DAYS (the next day) to the table, as a nightly load would."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        written = write_days(con, range(DAYS, DAYS + 1), rows, seed, create=False)
        con.execute("checkpoint")
    finally:
        con.close()
    return written


def config_document(expectations_dir: Path, *, permutations: int = 500) -> dict:
    """The shiftwatch monitor config for the bench table (the format of docs/DESIGN.md)."""
    return {
        "shiftwatch": {
            "results_schema": "shiftwatch_results",
            "expectations_dir": str(expectations_dir),
            "sample_size": 2000,
            "reference_sample_size": 4000,
            "permutations": permutations,
            "monitors": [{
                "name": "bench",
                "relation": f"main.{TABLE}",
                "id": "id",
                "timestamp": "ts",
                "window": {"every": "1 day"},
                "reference": {"from": day_start(0).date().isoformat(),
                              "to": day_start(REFERENCE_DAYS).date().isoformat()},
                "features": {"numeric": list(NUMERIC), "categorical": list(CATEGORICAL)},
                "schema_version": "v1",
                "thresholds": {"alpha": 0.05, "fdr": True, "persist": 1},
            }],
        }
    }
