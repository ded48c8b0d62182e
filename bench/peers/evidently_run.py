"""Evidently's DataDriftPreset, the fixed reference against each daily window, end to end:
load from the DuckDB file into pandas, one Report per window, results as dicts.

Run in bench/.venv-peers: python bench/peers/evidently_run.py DB START REF_END END OUT
The per-column tests are KS (numeric) and chi² goodness of fit ('chisquare', categorical),
the closest to shiftwatch's KS and chi²; BENCH_EVIDENTLY_METHOD=default keeps Evidently's
own size-dependent defaults (Wasserstein / Jensen-Shannon above 1,000 rows).
"""

from __future__ import annotations

import os
import time

import _common as common

t_start = time.perf_counter()
a = common.args()
df, load_s = common.load(a["db"], a["end"])

from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.presets import DataDriftPreset  # noqa: E402

t0 = time.perf_counter()
definition = DataDefinition(numerical_columns=common.NUMERIC, categorical_columns=common.CATEGORICAL)
columns = common.NUMERIC + common.CATEGORICAL
kw = {} if os.environ.get("BENCH_EVIDENTLY_METHOD") == "default" else {"num_method": "ks", "cat_method": "chisquare"}
reference = Dataset.from_pandas(df.loc[df["ts"] < a["ref_end"], columns], data_definition=definition)
day = df["ts"].dt.floor("D")
drifted = {}
windows = 0
for start, index in df.groupby(day).groups.items():
    current = Dataset.from_pandas(df.loc[index, columns], data_definition=definition)
    snapshot = Report([DataDriftPreset(**kw)]).run(current_data=current, reference_data=reference)
    result = snapshot.dict()
    drifted[str(start)] = result["metrics"][0]["value"]["count"]
    windows += 1
compute_s = time.perf_counter() - t0
common.write(a["out"], {"load_s": load_s, "compute_s": compute_s, "total_s": time.perf_counter() - t_start,
                        "windows": windows, "rows": len(df), "method": kw or "default",
                        "drifted_columns_by_window": drifted})
