"""NannyML's UnivariateDriftCalculator with daily chunks, end to end: load from the DuckDB
file into pandas, fit on the fixed reference, calculate over all windows.

Run in bench/.venv-peers: python bench/peers/nannyml_run.py DB START REF_END END OUT
Methods: Kolmogorov-Smirnov (continuous) and chi² (categorical), as shiftwatch's KS and chi².
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")

import _common as common  # noqa: E402

t_start = time.perf_counter()
a = common.args()
df, load_s = common.load(a["db"], a["end"])

import nannyml as nml  # noqa: E402

t0 = time.perf_counter()
calc = nml.UnivariateDriftCalculator(
    column_names=common.NUMERIC + common.CATEGORICAL, treat_as_categorical=common.CATEGORICAL,
    timestamp_column_name="ts", continuous_methods=["kolmogorov_smirnov"], categorical_methods=["chi2"],
    chunk_period="D")
calc.fit(df[df["ts"] < a["ref_end"]])
result = calc.calculate(df).to_df()
compute_s = time.perf_counter() - t0
alerts = result.xs("alert", axis=1, level=2)
common.write(a["out"], {"load_s": load_s, "compute_s": compute_s, "total_s": time.perf_counter() - t_start,
                        "chunks": int(len(result)), "rows": len(df),
                        "alerts": int(alerts.sum().sum())})
