"""Drift checks over the materialised window artefacts.

Reads only the bounded tables dbt built (ks_windows, histogram_windows, category_windows,
sample_windows, performance_windows, confusion_windows, score_bin_windows,
class_conditional_windows, prediction_windows), runs the tests from python_checks.stats
and returns the rows of ``drift_results`` and ``label_shift_estimates``. Every primary test
(KS, chi², MMD, accuracy, BBSE, calibration, trend) has a p-value; Benjamini–Hochberg runs
once across all of them in a run. Effect-size rows (PSI, JS, Wasserstein) share the q-value
of their column's KS or chi² test and add their own effect gate. P(x | y) rows are tracked
evidence and never alert on their own (docs/statistics.md, "Decision" and "Shift kinds").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from python_checks import stats
from python_checks import __version__
from python_checks.config import Config, Monitor, Relation
from python_checks.warehouse import Warehouse

KIND_BY_ROLE = {"feature": "covariate", "score": "prediction", "prediction": "prediction", "label": "label"}
PRIMARY_TESTS = ("ks", "chi2", "mmd", "accuracy", "bbse", "calibration", "trend")
MIN_LABELED = 100  # fewer labelled events than this in a window: label tests are skipped
TREND_WINDOWS = 14  # the feedback-loop trend test looks at this many windows up to each one
# Multivariate alerts name as drivers the features contributing at least this share of the
# largest leave-one-feature-out contribution.
DRIVER_SHARE = 0.5

LABEL_SHIFT_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("monitor", pa.string()), ("window_start", pa.timestamp("us")),
    ("window_end", pa.timestamp("us")), ("column_name", pa.string()), ("class_label", pa.string()),
    ("reference_prior", pa.float64()), ("estimated_prior", pa.float64()), ("ci_low", pa.float64()),
    ("ci_high", pa.float64()), ("observed_prior", pa.float64()), ("n_predicted", pa.int64()),
    ("n_labeled", pa.int64()), ("computed_at", pa.timestamp("us")),
])

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
        self.ks_computed = self.ks_reused = self.mmd_computed = self.mmd_reused = 0

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
        # p is a function of (D, n, m) alone: the previous run's p for the same three is reused.
        known = {(r["statistic"], r["n_current"], r["n_reference"]): r["p_value"]
                 for r in self._previous("ks") if r["statistic"] is not None and r["p_value"] is not None}
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
                    n, m = int(r["n_current"]), int(r["n_reference"])
                    row.p_value = known.get((d, n, m))
                    if row.p_value is None:
                        row.p_value = stats.ks_pvalue(d, n, m)
                        self.ks_computed += 1
                    else:
                        self.ks_reused += 1
            rows.append(row)
        return rows

    def histogram_distances(self) -> list[TestRow]:
        """PSI and JS distance on the reference-fixed bins of every numeric column."""
        counts: dict[tuple, dict[int, int]] = defaultdict(dict)
        for r in self._read("histogram_windows").to_pylist():
            counts[(r["column_name"], "*", r["window_start"])][r["bin"]] = r["n"]
        return self._distances_from_counts(counts, self.expected_columns("numeric"), categorical=False)

    def categorical(self) -> list[TestRow]:
        """chi², PSI and JS per categorical column, predicted label and true label."""
        counts: dict[tuple, dict[str, int]] = defaultdict(dict)
        for r in self._read("category_windows").to_pylist():
            counts[(r["column_name"], "*", r["window_start"])][r["category"]] = r["n"]
        return self._distances_from_counts(counts, self.expected_columns("categorical"), categorical=True)

    def segment_predictions(self) -> list[TestRow]:
        """Prediction drift per segment value: chi² and PSI of the score's ten fixed bins
        (score_bin_windows) against the same segment's reference. The whole ('*') is
        tested on reference-quantile bins by histogram_distances. Segments are small and
        many, so their gate is PSI's (0.2, about JS 0.19 for small shifts) rather than JS
        0.1: the demo's label shift moves P(score) by JS 0.07, and sampling noise adds
        up to 0.02 more in a 1,300-event segment (docs/statistics.md, "Segments"). A
        segment value is tested in the windows it occurs in."""
        if not self.monitor.predictions:
            return []
        score = self.monitor.predictions.scores[0]
        counts: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for r in self._read("score_bin_windows", "segment <> '*'").to_pylist():
            counts[(score, r["segment"], r["window_start"])][r["bin"]] += r["n"]  # over model versions
        return self._distances_from_counts(counts, {score: "score"}, categorical=True, distances=("psi",),
                                           every_window=False)

    def _distances_from_counts(self, counts: Mapping[tuple, Mapping[Any, int]], roles: Mapping[str, str],
                               *, categorical: bool, distances: tuple[str, ...] = ("psi", "js"),
                               every_window: bool = True) -> list[TestRow]:
        """``counts`` maps (column, segment, window start) to category or bin counts. With
        ``every_window``, every column of ``roles`` gets rows in every window: a window
        holds rows, so a column with no counts in it is all NULL there (all_null; for true
        labels: none arrived yet). chi² (categorical) takes its effect from the last of
        ``distances``."""
        min_effect = self.monitor.thresholds.min_effect
        rows = []
        keys = set(counts) | ({(c, "*", w) for c in roles for w in self._order} if every_window else set())
        for column, segment, start in sorted(keys):
            current = counts.get((column, segment, start), {})
            kind = KIND_BY_ROLE[roles[column]]
            reference: dict[Any, int] = defaultdict(int)
            for w in self.reference_windows(start):
                for k, n in counts.get((column, segment, w), {}).items():
                    reference[k] += n
            # Sorted keys: sums must not depend on the order the warehouse returned rows in.
            reference = dict(sorted(reference.items(), key=lambda kv: str(kv[0])))
            current = dict(sorted(current.items(), key=lambda kv: str(kv[0])))
            n_ref, n_cur = sum(reference.values()), sum(current.values())
            tests = (["chi2"] if categorical else []) + list(distances)
            for test in tests:
                row = self._row(start, column, test, kind, segment=segment, n_reference=n_ref, n_current=n_cur,
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
        # chi² carries no effect of its own: its effect is the column's distance (JS by default).
        gate = distances[-1]
        effect = {r.key: r.effect for r in rows if r.test == gate}
        for r in rows:
            if r.test == "chi2":
                r.effect, r.threshold = effect.get(r.key), min_effect[gate]
        return rows

    def _samples(self, role: str, columns: list[str]) -> dict[dt.datetime, tuple[list[str], np.ndarray]]:
        """Per window: (sample keys, rows × columns matrix) of the deterministic sample of
        one role ('feature' or 'score'). The warehouse pivots the long sample to one row
        per event, ordered by window and sample key, so results never depend on the
        engine's row order. Records the dbt build of each window's sample in
        ``self._sample_builds`` (what an MMD result was computed from)."""
        if not columns:
            return {}
        pivot = ", ".join(f"max(case when column_name = ? then value end) as c{i}" for i in range(len(columns)))
        builds = self.wh.arrow(
            f"select window_start, max(build_id) as build_id from {self.wh.table(self.schema, 'sample_windows')} "
            "where monitor = ? and role = ? group by window_start", [self.monitor.name, role]).to_pylist()
        self._sample_builds.setdefault(role, {}).update({r["window_start"]: r["build_id"] for r in builds})
        t = self.wh.arrow(
            f"select window_start, sample_key, {pivot} from {self.wh.table(self.schema, 'sample_windows')} "
            "where monitor = ? and role = ? group by window_start, sample_key, row_id "
            "order by window_start, sample_key, row_id", [*columns, self.monitor.name, role])
        if t.num_rows == 0:
            return {}
        matrix = np.column_stack([t[f"c{i}"].to_numpy(zero_copy_only=False).astype(np.float64) for i in range(len(columns))])
        starts = t["window_start"].to_pylist()
        keys = t["sample_key"].to_pylist()
        out: dict[dt.datetime, tuple[list[str], np.ndarray]] = {}
        boundaries = [0] + [i for i in range(1, len(starts)) if starts[i] != starts[i - 1]] + [len(starts)]
        for a, b in zip(boundaries, boundaries[1:]):
            out[starts[a]] = (keys[a:b], matrix[a:b])
        return out

    def _reference_sample(self, start: dt.datetime, samples: Mapping[dt.datetime, tuple[list[str], np.ndarray]],
                          width: int) -> np.ndarray:
        """The reference rows with the smallest md5(id) across window ``start``'s reference
        windows, at most reference_sample_size of them."""
        pool = [(k, m) for w in self.reference_windows(start) if w in samples for k, m in zip(*samples[w])]
        pool.sort(key=lambda km: km[0])
        return np.vstack([m for _, m in pool[: self.config.reference_sample_size]]) if pool else np.empty((0, width))

    def _mmd_inputs_key(self, role: str, start: dt.datetime, names: list[str]) -> str:
        """What an MMD result depends on: the dbt builds of the window's sample and of its
        reference windows' samples, the columns, and the settings that shape the test."""
        builds = self._sample_builds.get(role, {})
        parts = [builds.get(start), *(f"{w.isoformat()}={builds.get(w)}" for w in self.reference_windows(start)),
                 *names, self.config.sample_size, self.config.reference_sample_size, self.config.permutations,
                 self.config.seed, __version__]
        return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:20]

    def _previous(self, test: str) -> list[dict[str, Any]]:
        """This monitor's ``test`` rows of the latest successful run, when that run ran this
        version of shiftwatch; empty when there is none (or the reporting views do not
        exist yet). A nightly run reuses them where a test's inputs did not change."""
        if not self.wh.columns(Relation(self.schema, "latest_results")):
            return []
        return self.wh.arrow(
            "select d.window_start, d.column_name, d.statistic, d.p_value, d.n_reference, d.n_current, "
            f"d.skipped_reason, d.details from {self.wh.table(self.schema, 'latest_results')} as d "
            f"join {self.wh.table(self.schema, 'runs')} as r on r.run_id = d.run_id "
            "where d.monitor = ? and d.test = ? and r.version = ?", [self.monitor.name, test, __version__]).to_pylist()

    def _mmd_row(self, start: dt.datetime, column: str, kind: str, gate: str, reference: np.ndarray,
                 current: np.ndarray, names: list[str], role: str = "feature") -> TestRow:
        """One MMD test, or the previous run's result for it when its inputs are the same
        (a nightly run re-tests only the windows whose samples or references changed)."""
        row = self._row(start, column, "mmd", kind, threshold=self.monitor.thresholds.min_effect[gate])
        if reference.shape[0] == 0:
            row.skipped_reason = row.skipped_reason or "empty_reference"
            return row
        if row.skipped_reason is not None:
            return row
        inputs = self._mmd_inputs_key(role, start, names)
        previous = self._previous_mmd.get((start, column))
        details = json.loads(previous["details"]) if previous and previous["details"] else {}
        if details.get("inputs") == inputs:
            row.statistic = row.effect = _finite(previous["statistic"])
            row.p_value = _finite(previous["p_value"])
            row.n_reference, row.n_current = previous["n_reference"], previous["n_current"]
            row.skipped_reason = previous["skipped_reason"]
            row.details = details
            self.mmd_reused += 1
            return row
        result = stats.mmd_test(reference, current, permutations=self.config.permutations, seed=self.config.seed)
        row.statistic = row.effect = _finite(result.statistic)
        row.p_value = _finite(result.pvalue)
        row.n_reference, row.n_current = result.n_reference, result.n_current
        row.skipped_reason = result.skipped_reason
        # The features the test used: all-null and constant ones are left out.
        used = [names[i] for i in result.features] if result.skipped_reason is None else names
        row.details = {"features": used, "bandwidth": _finite(result.bandwidth), "permutations": result.permutations,
                       "pvalue_method": result.pvalue_method, "inputs": inputs}
        self.mmd_computed += 1
        return row

    def multivariate(self) -> list[TestRow]:
        """From the bounded samples: MMD over all numeric features (column '*'), MMD over
        the score vector when there is more than one score (column '*scores', kind
        prediction), MMD per feature when the monitor asks for it (``mmd_per_feature``,
        gate ``mmd_feature``), and Wasserstein per feature. The reference sample is
        leave-one-out for reference windows."""
        columns = list(self.monitor.numeric)
        self._sample_builds: dict[str, dict[dt.datetime, str]] = {}
        self._previous_mmd = {(r["window_start"], r["column_name"]): r for r in self._previous("mmd")}
        samples = self._samples("feature", columns)
        self._mmd_inputs: dict[dt.datetime, tuple[np.ndarray, np.ndarray, list[str]]] = {}
        rows: list[TestRow] = []
        min_effect = self.monitor.thresholds.min_effect
        for start in sorted(samples):
            _, current = samples[start]
            reference = self._reference_sample(start, samples, len(columns))
            skipped = self.skip.get(start, set())
            keep = [i for i, c in enumerate(columns) if c not in skipped]
            names = [columns[i] for i in keep]
            row = self._mmd_row(start, "*", "covariate", "mmd", reference[:, keep], current[:, keep], names)
            if row.p_value is not None:
                self._mmd_inputs[start] = (reference[:, keep], current[:, keep], names)
            rows.append(row)
            for i, column in enumerate(columns):
                if self.monitor.mmd_per_feature:
                    rows.append(self._mmd_row(start, column, "covariate", "mmd_feature", reference[:, [i]],
                                              current[:, [i]], [column]))
                w = self._row(start, column, "wasserstein", "covariate", threshold=min_effect["wasserstein"])
                ref_col, cur_col = reference[:, i], current[:, i]
                w.n_reference, w.n_current = int(np.isfinite(ref_col).sum()), int(np.isfinite(cur_col).sum())
                if w.skipped_reason is None:
                    # Unfiltered: the statistic tells a sample of only NULL/NaN/inf (all_null) from none.
                    distance = stats.wasserstein_normalized(ref_col, cur_col)
                    w.statistic = w.effect = _finite(distance.statistic)
                    w.skipped_reason = distance.skipped_reason
                rows.append(w)
        scores = list(self.monitor.predictions.scores) if self.monitor.predictions else []
        if len(scores) > 1:
            score_samples = self._samples("score", scores)
            for start in sorted(score_samples):
                reference = self._reference_sample(start, score_samples, len(scores))
                rows.append(self._mmd_row(start, "*scores", "prediction", "mmd", reference, score_samples[start][1],
                                          scores, role="score"))
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

    def attribute(self, row: TestRow) -> None:
        """Name the features that drive a multivariate alert: leave-one-feature-out MMD
        contributions on the same samples, stored in the row's details, largest first.
        ``drivers`` are the features with at least DRIVER_SHARE of the largest one."""
        if "drivers" in row.details or row.window_start not in self._mmd_inputs:
            return  # attributed already (a result reused from the previous run), or no samples
        reference, current, features = self._mmd_inputs[row.window_start]
        result = stats.leave_one_feature_out(reference, current, seed=self.config.seed,
                                             max_rows=self.config.sample_size)
        if result.skipped_reason is not None:
            return
        ranked = sorted(((f, float(c)) for f, c in zip(features, result.contributions) if math.isfinite(c)),
                        key=lambda fc: (-fc[1], fc[0]))
        top = ranked[0][1] if ranked else 0.0
        row.details["attribution"] = [{"feature": f, "contribution": c} for f, c in ranked]
        row.details["drivers"] = [f for f, c in ranked if top > 0 and c >= DRIVER_SHARE * top]

    def _label_columns(self) -> tuple[str, str] | None:
        """(predicted-label column, true-label column) when the monitor has both."""
        p, l = self.monitor.predictions, self.monitor.labels
        return (p.label, l.column) if p and l and p.label else None

    def label_shift(self) -> tuple[list[TestRow], list[dict[str, Any]]]:
        """Black-box shift estimation of every window's class priors from its predicted
        classes and the reference confusion matrix (stats.bbse), labels or not. Returns
        the 'bbse' test rows (kind label; effect = total-variation move of the priors)
        and the per-class estimates for label_shift_estimates."""
        columns = self._label_columns()
        if columns is None:
            return [], []
        predicted_column, label_column = columns
        confusion: dict[dt.datetime, dict[tuple[str, str], int]] = defaultdict(dict)
        for r in self._read("confusion_windows").to_pylist():
            confusion[r["window_start"]][(r["y_pred"], r["y_true"])] = r["n"]
        predicted: dict[dt.datetime, dict[str, int]] = defaultdict(dict)
        observed: dict[dt.datetime, dict[str, int]] = defaultdict(dict)
        for r in self._read("category_windows", "role in ('prediction', 'label')").to_pylist():
            if r["role"] == "prediction" and r["column_name"] == predicted_column:
                predicted[r["window_start"]][r["category"]] = r["n"]
            elif r["role"] == "label" and r["column_name"] == label_column:
                observed[r["window_start"]][r["category"]] = r["n"]
        threshold = self.monitor.thresholds.min_effect["bbse"]
        rows, estimates = [], []
        for start in sorted(predicted):
            reference: dict[tuple[str, str], int] = defaultdict(int)
            for w in self.reference_windows(start):
                for cell, n in confusion.get(w, {}).items():
                    reference[cell] += n
            row = self._row(start, label_column, "bbse", "label", threshold=threshold,
                            n_reference=sum(reference.values()), n_current=sum(predicted[start].values()))
            result = stats.bbse(dict(sorted(reference.items())), dict(sorted(predicted[start].items())),
                                seed=self.config.seed)
            row.skipped_reason = row.skipped_reason or result.skipped_reason
            n_labeled = sum(observed.get(start, {}).values())
            if result.skipped_reason is None:
                row.statistic = row.effect = result.statistic
                row.p_value = _finite(result.pvalue)
                row.details = {
                    "classes": list(result.classes), "estimated_prior": list(result.estimated_prior),
                    "ci_low": list(result.ci_low), "ci_high": list(result.ci_high),
                    "reference_prior": list(result.reference_prior), "n_labeled": n_labeled,
                    "condition_number": result.condition_number}
                w = self.windows[start]
                for i, cls in enumerate(result.classes):
                    estimates.append({
                        "monitor": self.monitor.name, "window_start": w.start, "window_end": w.end,
                        "column_name": label_column, "class_label": cls,
                        "reference_prior": result.reference_prior[i], "estimated_prior": result.estimated_prior[i],
                        "ci_low": result.ci_low[i], "ci_high": result.ci_high[i],
                        "observed_prior": observed[start].get(cls, 0) / n_labeled if n_labeled else None,
                        "n_predicted": row.n_current, "n_labeled": n_labeled})
            rows.append(row)
        return rows, estimates

    def calibration(self) -> list[TestRow]:
        """Concept shift within score bins: P(y = 1 | score bin) of each window and
        segment against the same segment's reference, corrected to the window's observed
        prior (stats.calibration_shift). Needs MIN_LABELED labelled events. Score bins
        only mean the same x-region for the same model, so only events of model versions
        the reference ran are compared; a window with none is 'empty_reference' (a new
        model's score shift is a prediction shift, tested as such)."""
        if not self._label_columns():
            return []
        bins: dict[tuple[str, dt.datetime], dict[tuple[str, int], tuple[int, int]]] = defaultdict(dict)
        for r in self._read("score_bin_windows").to_pylist():
            bins[(r["segment"], r["window_start"])][(r["model_version"], r["bin"])] = (r["n_labeled"], r["n_positive"])
        threshold = self.monitor.thresholds.min_effect["calibration"]
        rows = []
        for (segment, start), window_bins in sorted(bins.items()):
            reference: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
            for w in self.reference_windows(start):
                for key, (n, k) in bins.get((segment, w), {}).items():
                    reference[key][0] += n
                    reference[key][1] += k
            versions = {v for v, _ in reference}
            current: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            for (version, b), (n, k) in window_bins.items():
                if version in versions:
                    current[b][0] += n
                    current[b][1] += k
            pooled_ref: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            for (_, b), (n, k) in reference.items():
                pooled_ref[b][0] += n
                pooled_ref[b][1] += k
            keys = sorted(set(pooled_ref) | set(current))
            ref_n, ref_k = [pooled_ref[b][0] for b in keys], [pooled_ref[b][1] for b in keys]
            cur_n, cur_k = [current[b][0] for b in keys], [current[b][1] for b in keys]
            row = self._row(start, "calibration", "calibration", "concept", segment=segment, threshold=threshold,
                            n_reference=sum(ref_n), n_current=sum(cur_n))
            excluded = sorted({v for v, _ in window_bins} - versions)
            if excluded:
                row.details["model_versions_not_in_reference"] = excluded
            if row.skipped_reason is None and (not versions or not current):
                row.skipped_reason = "empty_reference" if not versions else "model_version_not_in_reference"
            if row.skipped_reason is None and (sum(cur_n) < MIN_LABELED or sum(ref_n) < MIN_LABELED):
                row.skipped_reason = "too_few_labels"
            if row.skipped_reason is None:
                result = stats.calibration_shift(ref_n, ref_k, cur_n, cur_k)
                row.statistic, row.p_value = _finite(result.statistic), _finite(result.pvalue)
                row.effect, row.skipped_reason = _finite(result.effect), result.skipped_reason
                row.details["bins"] = result.bins
            rows.append(row)
        return rows

    def class_conditional(self) -> list[TestRow]:
        """P(x | y): each numeric feature's mean per true class against the same class in
        the reference (standardised mean difference, Welch's z). Tracked evidence for
        telling label shift (these stay put) from covariate shift; no threshold, so these
        rows never alert on their own. Segment '<label>=<class>'."""
        columns = self._label_columns()
        if columns is None:
            return []
        label_column = columns[1]
        moments: dict[tuple[str, str], dict[dt.datetime, tuple[int, float, float]]] = defaultdict(dict)
        for r in self._read("class_conditional_windows").to_pylist():
            if r["n"]:
                moments[(r["column_name"], r["label_class"])][r["window_start"]] = (
                    int(r["n"]), float(r["mean"]), float(r["stddev"] or 0.0))
        rows = []
        for (column, cls), by_window in sorted(moments.items()):
            for start, (n, mean, sd) in sorted(by_window.items()):
                n_ref, mean_ref, sd_ref = _pooled_moments([by_window[w] for w in self.reference_windows(start)
                                                           if w in by_window])
                row = self._row(start, column, "smd", "covariate", segment=f"{label_column}={cls}",
                                n_reference=n_ref, n_current=n)
                if row.skipped_reason is None:
                    result = stats.standardized_mean_difference(n_ref, mean_ref, sd_ref, n, mean, sd)
                    row.statistic, row.p_value = _finite(result.statistic), _finite(result.pvalue)
                    row.effect, row.skipped_reason = _finite(result.effect), result.skipped_reason
                rows.append(row)
        return rows

    def feedback_trend(self) -> list[TestRow]:
        """The feedback-loop signal: a sustained trend in the share of the top predicted
        class over the TREND_WINDOWS windows up to each window (Mann–Kendall, Theil–Sen
        change across the span as the effect). The entropy's trend is in the details."""
        if not self.monitor.predictions or not self.monitor.predictions.label:
            return []
        column = self.monitor.predictions.label
        series = {r["window_start"]: r for r in self._read("prediction_windows", "column_kind = 'predicted_label' and model_version = '*'").to_pylist()
                  if r["column_name"] == column}
        threshold = self.monitor.thresholds.min_effect["trend"]
        rows = []
        for i, start in enumerate(self._order):
            if start not in series:
                continue
            span = self._order[max(0, i - TREND_WINDOWS + 1):i + 1]
            row = self._row(start, column, "trend", "prediction", threshold=threshold, n_current=len(span))
            if len(span) < TREND_WINDOWS:
                row.skipped_reason = row.skipped_reason or "too_few_windows"
            if row.skipped_reason is None:
                top = stats.mann_kendall([_finite(series[w]["top_share"]) if w in series else None for w in span])
                entropy = stats.mann_kendall([_finite(series[w]["entropy"]) if w in series else None for w in span])
                row.statistic, row.p_value = top.statistic, _finite(top.pvalue)
                row.effect, row.skipped_reason = _finite(top.effect), top.skipped_reason
                row.details = {"top_share_slope": top.slope, "entropy_slope": entropy.slope,
                               "first_window": span[0].isoformat(sep=" ")}
            rows.append(row)
        return rows

    def all(self) -> list[TestRow]:
        bbse_rows, self.label_shift_estimates = self.label_shift()
        return (self.ks() + self.histogram_distances() + self.categorical() + self.multivariate()
                + self.performance() + bbse_rows + self.calibration() + self.segment_predictions()
                + self.class_conditional() + self.feedback_trend())


def _pooled_moments(parts: Iterable[tuple[int, float, float]]) -> tuple[int, float, float]:
    """(n, mean, sample sd) of the union of groups given as (n, mean, sample sd)."""
    parts = [p for p in parts if p[0] > 0]
    n = sum(p[0] for p in parts)
    if n == 0:
        return 0, math.nan, math.nan
    mean = sum(p[0] * p[1] for p in parts) / n
    m2 = sum((p[0] - 1) * p[2] * p[2] + p[0] * (p[1] - mean) ** 2 for p in parts)
    return n, mean, math.sqrt(m2 / (n - 1)) if n > 1 else math.nan


def classify_kinds(rows: list[TestRow]) -> None:
    """A performance or calibration alert names the shift that explains it (docs,
    "Shift kinds"): 'label' when the class prior moved in the same window (a label or
    BBSE alert), 'covariate' when P(x) moved there, 'concept' only when neither did,
    i.e. P(y | x) itself moved. The reason is kept in the details."""
    moved: dict[tuple[str, dt.datetime], set[str]] = defaultdict(set)
    for r in rows:
        if r.drifted and r.segment == "*" and r.shift_kind in ("label", "covariate"):
            moved[(r.monitor, r.window_start)].add(r.shift_kind)
    for r in rows:
        if r.drifted and r.shift_kind == "concept":
            kinds = moved.get((r.monitor, r.window_start), set())
            for kind in ("label", "covariate"):
                if kind in kinds:
                    r.shift_kind = kind
                    r.details["kind_reason"] = f"{kind} shift in the same window explains the {r.test} change"
                    break


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
    # Effect rows share the q-value of their own column's KS or chi² test.
    q_of = {(r.key, r.shift_kind): r.q_value for r in primary if r.test in ("ks", "chi2")}
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


@dataclass
class DriftOutcome:
    """The tables one run of the drift checks writes."""

    results: pa.Table  # drift_results
    label_shift: pa.Table  # label_shift_estimates


def run_drift_checks(warehouse: Warehouse, config: Config, *, run_id: str, computed_at: dt.datetime,
                     skip_columns: Mapping[str, Mapping[dt.datetime, set[str]]] | None = None,
                     progress: Callable[[str], None] | None = None) -> DriftOutcome:
    """Run every drift test of every monitor: decide (BH and the effect gates), attribute
    the multivariate alerts to features, name each alert's shift kind."""
    rows: list[TestRow] = []
    checks = {}
    for monitor in config.monitors:
        if progress:
            progress(monitor.name)
        checks[monitor.name] = DriftChecks(warehouse, config, monitor, (skip_columns or {}).get(monitor.name))
        rows.extend(checks[monitor.name].all())
        if progress:
            c = checks[monitor.name]
            progress(f"{monitor.name}: {c.ks_computed} KS p-values computed, {c.ks_reused} unchanged since the last run; "
                     f"{c.mmd_computed} MMD tests computed, {c.mmd_reused} unchanged since the last run")
    decide(rows, {m.name: m for m in config.monitors})
    for r in rows:
        if r.drifted and r.test == "mmd" and r.column_name == "*":
            checks[r.monitor].attribute(r)
    classify_kinds(rows)
    estimates = [{"run_id": run_id, **e, "computed_at": computed_at}
                 for c in checks.values() for e in c.label_shift_estimates]
    results = to_table(rows, run_id=run_id, computed_at=computed_at,
                       reference_of=lambda r: reference_label(checks[r.monitor].monitor,
                                                              checks[r.monitor].windows[r.window_start]))
    return DriftOutcome(results, pa.Table.from_pylist(estimates, schema=LABEL_SHIFT_SCHEMA))
