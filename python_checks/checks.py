"""Drift checks over the materialised window artefacts.

Reads only the bounded tables dbt built (ks_windows, histogram_windows, category_windows,
sample_windows, performance_windows), runs the two-sample tests from python_checks.stats
and returns the rows of ``drift_results``. Every primary test (KS, chi², MMD, accuracy)
has a p-value; Benjamini–Hochberg runs once across all of them in a run. Effect-size rows
(PSI, JS, Wasserstein) share the q-value of their column's primary test and add their own
effect gate (docs/statistics.md, "Decision").
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from python_checks import stats
from python_checks.config import Config, Monitor
from python_checks.warehouse import Warehouse

KIND_BY_ROLE = {"feature": "covariate", "score": "prediction", "prediction": "prediction", "label": "label"}
PRIMARY_TESTS = ("ks", "chi2", "mmd", "accuracy")
MIN_LABELED = 100  # fewer labelled events than this in a window: the accuracy test is skipped

DRIFT_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("monitor", pa.string()), ("window_start", pa.timestamp("us")),
    ("window_end", pa.timestamp("us")), ("reference", pa.string()), ("column_name", pa.string()),
    ("segment", pa.string()), ("test", pa.string()), ("statistic", pa.float64()), ("p_value", pa.float64()),
    ("q_value", pa.float64()), ("effect", pa.float64()), ("threshold", pa.float64()), ("drifted", pa.bool_()),
    ("shift_kind", pa.string()), ("n_reference", pa.int64()), ("n_current", pa.int64()),
    ("skipped_reason", pa.string()), ("details", pa.string()), ("computed_at", pa.timestamp("us")),
])


@dataclass
class TestRow:
    monitor: str
    window_start: dt.datetime
    window_end: dt.datetime
    column_name: str
    test: str
    shift_kind: str
    segment: str = "*"
    statistic: float | None = None
    p_value: float | None = None
    effect: float | None = None
    threshold: float | None = None
    n_reference: int | None = None
    n_current: int | None = None
    skipped_reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    q_value: float | None = None
    drifted: bool = False

    @property
    def key(self) -> tuple:
        return (self.monitor, self.window_start, self.column_name, self.segment)


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    is_reference: bool
    schema_version: str | None


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def reference_label(monitor: Monitor, window: Window) -> str:
    r = monitor.reference
    base = f"[{r.start}, {r.end})" if r.kind == "range" else f"{r.kind} {r.windows}"
    return f"{base} leave-one-out" if window.is_reference else base


class DriftChecks:
    """All drift tests of one monitor. ``skip_columns`` maps a window start to the columns
    whose schema differs from the reference's there (schema_mismatch)."""

    def __init__(self, warehouse: Warehouse, config: Config, monitor: Monitor,
                 skip_columns: Mapping[dt.datetime, set[str]] | None = None):
        self.wh = warehouse
        self.config = config
        self.monitor = monitor
        self.skip = skip_columns or {}
        self.schema = config.results_schema
        self.windows = self._windows()
        self._order = sorted(self.windows)

    # -- reading artefacts ----------------------------------------------------------
    def _read(self, table: str, where: str = "") -> pa.Table:
        sql = f"select * from {self.wh.table(self.schema, table)} where monitor = ?" + (f" and {where}" if where else "")
        return self.wh.arrow(sql, [self.monitor.name])

    def _windows(self) -> dict[dt.datetime, Window]:
        t = self._read("window_index").to_pylist()
        return {r["window_start"]: Window(r["window_start"], r["window_end"], bool(r["is_reference"]),
                                          r["schema_version"]) for r in t}

    def reference_windows(self, start: dt.datetime) -> list[dt.datetime]:
        """The windows window ``start`` is compared with: every reference window but itself
        (a fixed range, leave-one-out), the window k steps back (``previous: k``) or the k
        windows before it (``rolling: k``)."""
        ref = self.monitor.reference
        if ref.kind == "range":
            return [w for w, info in self.windows.items() if info.is_reference and w != start]
        order = self._order
        i = order.index(start)
        if ref.kind == "previous":
            return [order[i - ref.windows]] if i >= ref.windows else []
        return order[max(0, i - ref.windows):i]

    def _row(self, window_start: dt.datetime, column: str, test: str, kind: str, **kw: Any) -> TestRow:
        w = self.windows[window_start]
        row = TestRow(self.monitor.name, w.start, w.end, column, test, kind, **kw)
        if column in self.skip.get(w.start, set()):
            row.skipped_reason = "schema_mismatch"
        return row

    # -- tests ------------------------------------------------------------------------
    def expected_columns(self, kind: str) -> dict[str, str]:
        """column -> role of every column tested in every window: 'numeric' (features and
        scores) or 'categorical' (features, the predicted label and the true label)."""
        m = self.monitor
        if kind == "numeric":
            columns = {c: "feature" for c in m.numeric}
            columns.update({s: "score" for s in (m.predictions.scores if m.predictions else ())})
            return columns
        columns = {c: "feature" for c in m.categorical}
        if m.predictions is not None and m.predictions.label:
            columns[m.predictions.label] = "prediction"
        if m.labels is not None:
            columns[m.labels.column] = "label"
        return columns

    def ks(self) -> list[TestRow]:
        """KS from the exact full-window D computed in SQL; p from (D, n, m). SQL has no row
        for a column whose values in a window are all NULL (or NaN): that test is skipped
        as all_null, so every numeric column has a result in every window."""
        rows = []
        threshold = self.monitor.thresholds.min_effect["ks"]
        found = self._read("ks_windows").to_pylist()
        n_values = {(r["column_name"], r["window_start"]): r["n_current"] for r in found}
        for column, role in self.expected_columns("numeric").items():
            for start in self._order:
                if (column, start) not in n_values:
                    n_ref = sum(n_values.get((column, w), 0) for w in self.reference_windows(start))
                    found.append({"window_start": start, "column_name": column, "role": role, "statistic": None,
                                  "n_reference": n_ref, "n_current": 0, "missing": True})
        for r in found:
            row = self._row(r["window_start"], r["column_name"], "ks", KIND_BY_ROLE[r["role"]],
                            threshold=threshold, n_reference=r["n_reference"], n_current=r["n_current"])
            d = _finite(r["statistic"])
            if row.skipped_reason is None:
                if r.get("missing"):
                    row.skipped_reason = "all_null"
                elif not r["n_reference"]:
                    row.skipped_reason = "empty_reference"
                elif d is None:
                    row.skipped_reason = "empty"
                else:
                    row.statistic = row.effect = d
                    row.p_value = stats.ks_pvalue(d, int(r["n_current"]), int(r["n_reference"]))
            rows.append(row)
        return rows

    def histogram_distances(self) -> list[TestRow]:
        """PSI and JS distance on the reference-fixed bins of every numeric column."""
        counts: dict[tuple, dict[int, int]] = defaultdict(dict)
        for r in self._read("histogram_windows").to_pylist():
            counts[(r["column_name"], r["window_start"])][r["bin"]] = r["n"]
        return self._distances_from_counts(counts, self.expected_columns("numeric"), categorical=False)

    def categorical(self) -> list[TestRow]:
        """chi², PSI and JS per categorical column, predicted label and true label."""
        counts: dict[tuple, dict[str, int]] = defaultdict(dict)
        for r in self._read("category_windows").to_pylist():
            counts[(r["column_name"], r["window_start"])][r["category"]] = r["n"]
        return self._distances_from_counts(counts, self.expected_columns("categorical"), categorical=True)

    def _distances_from_counts(self, counts: Mapping[tuple, Mapping[Any, int]], roles: Mapping[str, str],
                               *, categorical: bool) -> list[TestRow]:
        """Every column of ``roles`` in every window. A window holds rows, so a column with
        no counts in it is all NULL there (all_null; for true labels: none arrived yet)."""
        min_effect = self.monitor.thresholds.min_effect
        rows = []
        for column, start in sorted((c, w) for c in roles for w in self._order):
            current = counts.get((column, start), {})
            kind = KIND_BY_ROLE[roles[column]]
            reference: dict[Any, int] = defaultdict(int)
            for w in self.reference_windows(start):
                for k, n in counts.get((column, w), {}).items():
                    reference[k] += n
            # Sorted keys: sums must not depend on the order the warehouse returned rows in.
            reference = dict(sorted(reference.items(), key=lambda kv: str(kv[0])))
            current = dict(sorted(current.items(), key=lambda kv: str(kv[0])))
            n_ref, n_cur = sum(reference.values()), sum(current.values())
            tests = (["chi2"] if categorical else []) + ["psi", "js"]
            for test in tests:
                row = self._row(start, column, test, kind, n_reference=n_ref, n_current=n_cur,
                                threshold=min_effect.get(test))
                if row.skipped_reason is None and n_ref == 0:
                    row.skipped_reason = "empty_reference"
                if row.skipped_reason is None and kind == "label" and n_cur < MIN_LABELED:
                    row.skipped_reason = "too_few_labels"
                if row.skipped_reason is None and n_cur == 0:
                    row.skipped_reason = "all_null"
                if row.skipped_reason is None:
                    if test == "chi2":
                        result = stats.chi2_test(reference, current)
                        row.statistic, row.p_value = _finite(result.statistic), _finite(result.pvalue)
                        row.skipped_reason = result.skipped_reason
                        row.threshold = None
                        if result.unseen_categories:
                            row.details = {"unseen_categories": list(result.unseen_categories),
                                           "unseen_count": int(result.unseen_count)}
                    else:
                        distance = (stats.psi if test == "psi" else stats.js_distance)(reference, current)
                        row.statistic = row.effect = _finite(distance.statistic)
                        row.skipped_reason = distance.skipped_reason
                rows.append(row)
        # chi² carries no effect of its own: its effect is the column's JS distance.
        js = {r.key: r.effect for r in rows if r.test == "js"}
        for r in rows:
            if r.test == "chi2":
                r.effect, r.threshold = js.get(r.key), min_effect["js"]
        return rows

    def _samples(self) -> tuple[list[str], dict[dt.datetime, tuple[list[str], np.ndarray]]]:
        """Per window: (sample keys, rows × features matrix) of the deterministic sample.
        The warehouse pivots the long sample to one row per event, ordered by window and
        sample key, so results never depend on the engine's row order."""
        columns = list(self.monitor.numeric)
        if not columns:
            return columns, {}
        pivot = ", ".join(f"max(case when column_name = ? then value end) as c{i}" for i in range(len(columns)))
        t = self.wh.arrow(
            f"select window_start, sample_key, {pivot} from {self.wh.table(self.schema, 'sample_windows')} "
            "where monitor = ? and role = 'feature' group by window_start, sample_key, row_id "
            "order by window_start, sample_key, row_id", [*columns, self.monitor.name])
        if t.num_rows == 0:
            return columns, {}
        matrix = np.column_stack([t[f"c{i}"].to_numpy(zero_copy_only=False).astype(np.float64) for i in range(len(columns))])
        starts = t["window_start"].to_pylist()
        keys = t["sample_key"].to_pylist()
        out: dict[dt.datetime, tuple[list[str], np.ndarray]] = {}
        boundaries = [0] + [i for i in range(1, len(starts)) if starts[i] != starts[i - 1]] + [len(starts)]
        for a, b in zip(boundaries, boundaries[1:]):
            out[starts[a]] = (keys[a:b], matrix[a:b])
        return columns, out

    def multivariate(self) -> list[TestRow]:
        """MMD over all numeric features (column '*'), and Wasserstein per feature, from the
        bounded samples. The reference sample is the reference rows with the smallest
        md5(id), at most reference_sample_size of them (leave-one-out for reference windows)."""
        columns, samples = self._samples()
        if not samples or not columns:
            return []
        rows: list[TestRow] = []
        min_effect = self.monitor.thresholds.min_effect
        for start in sorted(samples):
            keys, current = samples[start]
            pool = [(k, m) for w in self.reference_windows(start) if w in samples
                    for k, m in zip(*samples[w])]
            pool.sort(key=lambda km: km[0])
            reference = np.vstack([m for _, m in pool[: self.config.reference_sample_size]]) if pool else np.empty((0, len(columns)))
            skipped = self.skip.get(start, set())
            keep = [i for i, c in enumerate(columns) if c not in skipped]
            row = self._row(start, "*", "mmd", "covariate", threshold=min_effect["mmd"])
            if reference.shape[0] == 0:
                row.skipped_reason = "empty_reference"
            else:
                result = stats.mmd_test(reference[:, keep], current[:, keep], permutations=self.config.permutations,
                                        seed=self.config.seed)
                row.statistic = row.effect = _finite(result.statistic)
                row.p_value = _finite(result.pvalue)
                row.n_reference, row.n_current = result.n_reference, result.n_current
                row.skipped_reason = result.skipped_reason
                # The features the test used: all-null and constant ones are left out.
                used = [columns[keep[i]] for i in result.features] if result.skipped_reason is None else \
                    [columns[i] for i in keep]
                row.details = {"features": used, "bandwidth": _finite(result.bandwidth),
                               "permutations": result.permutations, "pvalue_method": result.pvalue_method}
            rows.append(row)
            for i, column in enumerate(columns):
                w = self._row(start, column, "wasserstein", "covariate", threshold=min_effect["wasserstein"])
                ref_col, cur_col = reference[:, i], current[:, i]
                w.n_reference, w.n_current = int(np.isfinite(ref_col).sum()), int(np.isfinite(cur_col).sum())
                if w.skipped_reason is None:
                    # Unfiltered: the statistic tells a sample of only NULL/NaN/inf (all_null) from none.
                    distance = stats.wasserstein_normalized(ref_col, cur_col)
                    w.statistic = w.effect = _finite(distance.statistic)
                    w.skipped_reason = distance.skipped_reason
                rows.append(w)
        return rows

    def performance(self) -> list[TestRow]:
        """Accuracy of each window and segment against the reference's (one-sided
        two-proportion z-test for a drop; effect = the drop)."""
        t = self._read("performance_windows", "metric = 'accuracy'").to_pylist()
        threshold = self.monitor.thresholds.min_effect["accuracy"]
        by_window = {(r["segment"], r["window_start"]): r for r in t}
        rows = []
        for r in sorted(t, key=lambda r: (r["segment"], r["window_start"])):
            reference = [by_window.get((r["segment"], w)) for w in self.reference_windows(r["window_start"])]
            correct_ref = sum((x["n_correct"] or 0) for x in reference if x)
            n_ref = sum((x["n_labeled"] or 0) for x in reference if x)
            correct, n = r["n_correct"] or 0, r["n_labeled"] or 0
            row = self._row(r["window_start"], "accuracy", "accuracy", "concept", segment=r["segment"],
                            threshold=threshold, n_reference=n_ref, n_current=n)
            row.details = {"label_coverage": _finite(r["label_coverage"])}
            if n < MIN_LABELED or n_ref < MIN_LABELED:
                row.skipped_reason = "too_few_labels"
            else:
                row.statistic = correct / n
                row.effect = correct_ref / n_ref - correct / n
                test = stats.two_proportion_test(correct_ref, n_ref, correct, n)
                row.p_value, row.skipped_reason = _finite(test.pvalue), test.skipped_reason
                row.details["reference_accuracy"] = correct_ref / n_ref
            rows.append(row)
        return rows

    def all(self) -> list[TestRow]:
        return self.ks() + self.histogram_distances() + self.categorical() + self.multivariate() + self.performance()


def decide(rows: list[TestRow], monitors: Mapping[str, Monitor]) -> None:
    """Benjamini–Hochberg across the run's primary tests, then each row's effect gate."""
    primary = [r for r in rows if r.test in PRIMARY_TESTS and r.p_value is not None and r.skipped_reason is None]
    by_fdr = defaultdict(list)
    for r in primary:
        by_fdr[monitors[r.monitor].thresholds.fdr].append(r)
    for fdr, group in by_fdr.items():
        p = np.array([r.p_value for r in group], dtype=float)
        q = stats.benjamini_hochberg(p) if fdr else p
        for r, qv in zip(group, q):
            r.q_value = float(qv)
    q_of = {}
    for r in primary:
        q_of[(r.key, r.shift_kind)] = r.q_value
    for r in rows:
        if r.test not in PRIMARY_TESTS and r.skipped_reason is None:
            r.q_value = q_of.get((r.key, r.shift_kind))
    for r in rows:
        alpha = monitors[r.monitor].thresholds.alpha
        r.drifted = bool(r.skipped_reason is None and r.threshold is not None
                         and stats.decide(r.q_value, r.effect, alpha, r.threshold))


def to_table(rows: Iterable[TestRow], *, run_id: str, computed_at: dt.datetime,
             reference_of: Callable[[TestRow], str]) -> pa.Table:
    records = [{
        "run_id": run_id, "monitor": r.monitor, "window_start": r.window_start, "window_end": r.window_end,
        "reference": reference_of(r), "column_name": r.column_name, "segment": r.segment, "test": r.test,
        "statistic": _finite(r.statistic), "p_value": _finite(r.p_value), "q_value": _finite(r.q_value),
        "effect": _finite(r.effect), "threshold": r.threshold, "drifted": r.drifted, "shift_kind": r.shift_kind,
        "n_reference": r.n_reference, "n_current": r.n_current, "skipped_reason": r.skipped_reason,
        "details": json.dumps(r.details, sort_keys=True, default=str) if r.details else None,
        "computed_at": computed_at,
    } for r in rows]
    return pa.Table.from_pylist(records, schema=DRIFT_SCHEMA)


def run_drift_checks(warehouse: Warehouse, config: Config, *, run_id: str, computed_at: dt.datetime,
                     skip_columns: Mapping[str, Mapping[dt.datetime, set[str]]] | None = None,
                     progress: Callable[[str], None] | None = None) -> pa.Table:
    """Run every drift test of every monitor and return the ``drift_results`` rows."""
    rows: list[TestRow] = []
    checks = {}
    for monitor in config.monitors:
        if progress:
            progress(monitor.name)
        checks[monitor.name] = DriftChecks(warehouse, config, monitor, (skip_columns or {}).get(monitor.name))
        rows.extend(checks[monitor.name].all())
    decide(rows, {m.name: m for m in config.monitors})
    return to_table(rows, run_id=run_id, computed_at=computed_at,
                    reference_of=lambda r: reference_label(checks[r.monitor].monitor,
                                                           checks[r.monitor].windows[r.window_start]))
