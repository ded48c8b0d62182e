"""Read the result tables the report draws from, as Arrow, through the Warehouse interface."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from python_checks.config import Relation
from python_checks.warehouse import Warehouse

# Table -> the columns the report reads. A table or column the warehouse lacks is left out
# (the report says "no data" there) rather than failing the whole report.
REPORT_TABLES: dict[str, tuple[str, ...]] = {
    "runs": ("run_id", "started_at", "finished_at", "status", "target", "counts", "version"),
    "drift_results": ("run_id", "monitor", "window_start", "window_end", "reference", "column_name", "segment",
                      "test", "statistic", "p_value", "q_value", "effect", "threshold", "drifted", "shift_kind",
                      "n_reference", "n_current", "skipped_reason", "details", "computed_at"),
    "alerts": ("monitor", "column_name", "segment", "shift_kind", "test", "severity", "status", "first_seen",
               "last_seen", "windows_in_a_row", "statistic", "effect", "threshold"),
    "feature_windows": ("monitor", "window_start", "window_end", "column_name", "column_kind", "n", "n_null",
                        "null_rate", "mean", "stddev", "skewness", "kurtosis", "min", "max", "p01", "p05", "p25",
                        "p50", "p75", "p95", "p99", "n_distinct", "is_reference"),
    "histogram_windows": ("monitor", "role", "column_name", "window_start", "window_end", "is_reference", "bin",
                          "lower_edge", "upper_edge", "n", "share"),
    "category_windows": ("monitor", "role", "column_name", "window_start", "window_end", "is_reference",
                         "category", "n", "share"),
    "performance_windows": ("monitor", "window_start", "window_end", "segment", "metric", "value", "n_labeled",
                            "n_correct", "n_events", "label_coverage", "is_reference"),
    "quality_results": ("run_id", "monitor", "suite", "schema_version", "window_start", "window_end",
                        "expectation", "column_name", "success", "observed_value", "expected", "details"),
    "schema_changes": ("run_id", "monitor", "schema_version", "column_name", "change", "expected_type",
                       "actual_type"),
    # BBSE: each window's class priors estimated from its predictions before labels arrive.
    "label_shift_estimates": ("run_id", "monitor", "window_start", "window_end", "column_name", "class_label",
                              "reference_prior", "estimated_prior", "ci_low", "ci_high", "observed_prior",
                              "n_predicted", "n_labeled", "computed_at"),
    # The view ranking each window's segments by their accuracy gap to the whole.
    "segment_ranking": ("monitor", "window_start", "window_end", "segment", "accuracy", "overall_accuracy",
                        "accuracy_gap", "n_labeled", "drifted_tests", "accuracy_drop_vs_reference",
                        "calibration_gap", "segment_rank"),
    # The predicted-label rows only (PREDICTION_KINDS): top-class share and entropy per
    # window, the feedback-loop signal.
    "prediction_windows": ("monitor", "window_start", "window_end", "column_name", "column_kind", "model_version",
                           "n", "n_distinct", "entropy", "top_share", "is_reference"),
}
# Where a report table is read from when its name differs: the alert list shows every
# episode of the latest run, open and closed (the `alerts` view holds the open ones only).
SOURCES = {"alerts": "alert_history"}
# Tables that hold one set of rows per run; the report shows the latest run's.
RUN_SCOPED = ("drift_results", "quality_results", "schema_changes", "label_shift_estimates")
# performance_windows is read for these metrics only (the report draws accuracy).
PERFORMANCE_METRICS = ("accuracy",)
# prediction_windows is read for these column kinds only (the feedback-loop chart).
PREDICTION_KINDS = ("predicted_label",)


def load_report_tables(warehouse: Warehouse, results_schema: str) -> dict[str, pa.Table]:
    """The tables ``render_report`` draws, read from ``results_schema``.

    drift_results, quality_results, schema_changes and label_shift_estimates are
    restricted to the latest run:
    the ``runs`` row with status 'success' and the greatest started_at, or, when there is
    no such row, the greatest run_id present in drift_results (run ids start with their
    UTC start time, so they sort by time). Missing tables are left out of the result,
    and missing columns out of their table.
    """
    present = {name: _existing_columns(warehouse, results_schema, SOURCES.get(name, name), wanted)
               for name, wanted in REPORT_TABLES.items()}
    tables: dict[str, pa.Table] = {}

    def select(name: str, where: str = "", params: list[Any] | None = None) -> pa.Table | None:
        columns = present[name]
        if not columns:
            return None
        cols = ", ".join(warehouse.quote(c) for c in columns)
        sql = f"select {cols} from {warehouse.table(results_schema, SOURCES.get(name, name))}" + (f" where {where}" if where else "")
        return warehouse.arrow(sql, params)

    runs = select("runs")
    if runs is not None:
        tables["runs"] = runs
    run_id = latest_run_id(runs, warehouse, results_schema, present)
    for name in REPORT_TABLES:
        if name == "runs" or not present[name]:
            continue
        if name in RUN_SCOPED and "run_id" in present[name]:
            table = select(name, f"{warehouse.quote('run_id')} = ?", [run_id]) if run_id is not None else None
            if table is None:  # no run at all: an empty table of the right columns
                table = select(name, "1 = 0")
        elif name == "performance_windows" and "metric" in present[name]:
            marks = ", ".join("?" for _ in PERFORMANCE_METRICS)
            table = select(name, f"{warehouse.quote('metric')} in ({marks})", list(PERFORMANCE_METRICS))
        elif name == "prediction_windows" and "column_kind" in present[name]:
            marks = ", ".join("?" for _ in PREDICTION_KINDS)
            where = f"{warehouse.quote('column_kind')} in ({marks})"
            if "model_version" in present[name]:  # all model versions together, not each one
                where += f" and {warehouse.quote('model_version')} = '*'"
            table = select(name, where, list(PREDICTION_KINDS))
        else:
            table = select(name)
        if table is not None:
            tables[name] = table
    return tables


def latest_run_id(runs: pa.Table | None, warehouse: Warehouse, schema: str,
                  present: dict[str, list[str]]) -> str | None:
    if runs is not None and {"run_id", "started_at", "status"} <= set(runs.column_names):
        successful = [r for r in runs.select(["run_id", "started_at", "status"]).to_pylist()
                      if r["status"] == "success" and r["started_at"] is not None]
        if successful:
            return max(successful, key=lambda r: (r["started_at"], r["run_id"]))["run_id"]
    if "run_id" in present.get("drift_results", []):
        row = warehouse.arrow(f"select max({warehouse.quote('run_id')}) as run_id "
                              f"from {warehouse.table(schema, 'drift_results')}")
        value = row["run_id"][0].as_py() if row.num_rows else None
        return value
    return None


def _existing_columns(warehouse: Warehouse, schema: str, name: str, wanted: tuple[str, ...]) -> list[str]:
    columns = {c.lower() for c, _ in warehouse.columns(Relation(schema=schema, name=name))}
    return [c for c in wanted if c in columns]
