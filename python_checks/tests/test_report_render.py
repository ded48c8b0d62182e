"""The static HTML report: structure, links, escaping, no external URLs, size, loading, and
the ML-observability sections (label shift, concept shift, segments, attribution, feedback
loop, P(x | y)) with their absent-data behaviour.

``make_report_tables`` builds the result tables of a small fake monitor with known
shifts (income from window 14, region from window 16, one hostile column name), so that
the browser test and others can reuse it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from python_checks.report import column_anchor, load_report_tables, render_report

EVIL = '<script>alert("x")</script>'
EVIL_CATEGORY = "a&b \"quoted\" <i>x</i>"
START = dt.datetime(2024, 3, 1)
RUN_ID = "20240401T020000-aaaaaaaa"
OLD_RUN_ID = "20240331T020000-bbbbbbbb"


def make_report_tables(*, monitor: str = "fake_loan", n_windows: int = 20, n_reference: int = 10,
                       numeric: tuple[str, ...] = ("income", "age"),
                       categorical: tuple[str, ...] = ("region", EVIL),
                       drift_from: dict[str, int] | None = None, segments: tuple[str, ...] = ("region=south",),
                       n_rows: int = 800, seed: int = 0, ml: bool = True) -> dict[str, pa.Table]:
    """Result tables of one monitor with daily windows, the first ``n_reference`` of them
    the reference; columns in ``drift_from`` shift from that window on. With ``ml`` the
    ML-observability results too (``_ml_results``: label shift, concept shift, segments,
    attribution, feedback loop, P(x | y))."""
    drift_from = {"income": 14, "region": 16} if drift_from is None else drift_from
    rng = np.random.default_rng(seed)
    windows = [(START + dt.timedelta(days=i), START + dt.timedelta(days=i + 1), i < n_reference) for i in range(n_windows)]
    computed = dt.datetime(2024, 4, 1, 2, 5)
    drift, features, histograms, categories, performance = [], [], [], [], []

    def result(i, column, segment, test, kind, statistic, p, effect, threshold, n_ref, n_cur, skipped=None, details=None):
        ws, we, _ = windows[i]
        q = None if p is None else min(1.0, p * 40)
        drifted = bool(skipped is None and q is not None and q < 0.05 and effect is not None and threshold is not None
                       and effect >= threshold)
        drift.append({"run_id": RUN_ID, "monitor": monitor, "window_start": ws, "window_end": we,
                      "reference": f"{windows[0][0]:%Y-%m-%d}..{windows[n_reference - 1][1]:%Y-%m-%d}",
                      "column_name": column, "segment": segment, "test": test,
                      "statistic": None if skipped else statistic, "p_value": None if skipped else p,
                      "q_value": None if skipped else q, "effect": None if skipped else effect,
                      "threshold": threshold, "drifted": drifted, "shift_kind": kind, "n_reference": n_ref,
                      "n_current": n_cur, "skipped_reason": skipped,
                      "details": json.dumps(details or {}), "computed_at": computed})

    def ks_p(d, n, m):
        ne = n * m / (n + m)
        return float(min(1.0, 2 * math.exp(-2 * ne * d * d)))

    # numeric features: normal samples, mean shifts from drift_from[column]
    for c_idx, column in enumerate(numeric):
        scale = 10 ** (c_idx % 4)
        samples = []
        for i, (ws, we, is_ref) in enumerate(windows):
            shift = 0.8 if i >= drift_from.get(column, n_windows + 1) else 0.0
            x = (rng.normal(shift, 1.0, n_rows) + 5) * scale
            samples.append(x)
        ref = np.concatenate([s for s, w in zip(samples, windows) if w[2]])
        edges = np.quantile(ref, np.linspace(0.1, 0.9, 9))
        for i, x in enumerate(samples):
            ws, we, is_ref = windows[i]
            q = np.quantile(x, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
            features.append({"monitor": monitor, "window_start": ws, "window_end": we, "column_name": column,
                             "column_kind": "numeric", "n": n_rows, "n_null": 3, "null_rate": 3 / n_rows,
                             "mean": float(x.mean()), "stddev": float(x.std(ddof=1)), "skewness": 0.0,
                             "kurtosis": 0.0, "min": float(x.min()), "max": float(x.max()),
                             **{f"p{p:02d}": float(v) for p, v in zip((1, 5, 25, 50, 75, 95, 99), q)},
                             "n_distinct": n_rows, "is_reference": is_ref})
            counts = np.bincount(np.searchsorted(edges, x, side="left"), minlength=10)
            for b in range(10):
                histograms.append({"monitor": monitor, "role": "feature", "column_name": column,
                                   "window_start": ws, "window_end": we, "is_reference": is_ref, "bin": b,
                                   "lower_edge": None if b == 0 else float(edges[b - 1]),
                                   "upper_edge": None if b == 9 else float(edges[b]),
                                   "n": int(counts[b]), "share": float(counts[b] / n_rows)})
            if column == "age" and i == n_windows - 5:
                for test in ("ks", "psi", "wasserstein"):
                    result(i, column, "*", test, "covariate", None, None, None, 0.1, len(ref), n_rows,
                           skipped="schema_mismatch")
                continue
            d = float(np.max(np.abs(np.searchsorted(np.sort(ref), np.sort(np.concatenate([ref, x])), side="right") / len(ref)
                                    - np.searchsorted(np.sort(x), np.sort(np.concatenate([ref, x])), side="right") / len(x))))
            p = ks_p(d, len(ref), len(x))
            ref_share = np.bincount(np.searchsorted(edges, ref), minlength=10) / len(ref)
            cur_share = counts / n_rows
            psi = float(np.sum((cur_share - ref_share) * np.log((cur_share + 1e-4) / (ref_share + 1e-4))))
            wass = float(abs(x.mean() - ref.mean()) / ref.std())
            result(i, column, "*", "ks", "covariate", d, p, d, 0.1, len(ref), n_rows)
            result(i, column, "*", "psi", "covariate", psi, p, psi, 0.1, len(ref), n_rows)
            result(i, column, "*", "wasserstein", "covariate", wass, p, wass, 0.1, len(ref), n_rows)
            for segment in segments:
                d_seg = d * 1.2 + 0.01
                result(i, column, segment, "ks", "covariate", d_seg, ks_p(d_seg, len(ref) / 3, n_rows / 3), d_seg, 0.1,
                       len(ref) // 3, n_rows // 3)

    # categorical features: multinomial draws, probabilities tilt from drift_from[column]
    base = {"north": 0.4, "south": 0.3, "east": 0.2, EVIL_CATEGORY: 0.1}
    shifted = {"north": 0.2, "south": 0.5, "east": 0.2, EVIL_CATEGORY: 0.05, "new_region": 0.05}
    for column in categorical:
        counts_by_window = []
        for i, (ws, we, is_ref) in enumerate(windows):
            probs = shifted if i >= drift_from.get(column, n_windows + 1) else base
            draws = rng.multinomial(n_rows, list(probs.values()))
            counts_by_window.append(dict(zip(probs, (int(v) for v in draws))))
        ref_counts: dict[str, int] = defaultdict(int)
        for cnt, w in zip(counts_by_window, windows):
            if w[2]:
                for k, v in cnt.items():
                    ref_counts[k] += v
        ref_total = sum(ref_counts.values())
        for i, cnt in enumerate(counts_by_window):
            ws, we, is_ref = windows[i]
            features.append({"monitor": monitor, "window_start": ws, "window_end": we, "column_name": column,
                             "column_kind": "categorical", "n": n_rows, "n_null": 0, "null_rate": 0.0,
                             "n_distinct": sum(v > 0 for v in cnt.values()), "is_reference": is_ref})
            for k, v in cnt.items():
                if v:
                    categories.append({"monitor": monitor, "role": "feature", "column_name": column,
                                       "window_start": ws, "window_end": we, "is_reference": is_ref,
                                       "category": k, "n": v, "share": v / n_rows})
            keys = sorted(set(ref_counts) | set(cnt))
            pr = np.array([ref_counts.get(k, 0) / ref_total for k in keys])
            pc = np.array([cnt.get(k, 0) / n_rows for k in keys])
            mid = (pr + pc) / 2
            with np.errstate(divide="ignore", invalid="ignore"):
                js = float(np.sqrt(0.5 * np.nansum(np.where(pr > 0, pr * np.log2(pr / mid), 0))
                                   + 0.5 * np.nansum(np.where(pc > 0, pc * np.log2(pc / mid), 0))))
            p = float(math.exp(-n_rows * js * js * 4))
            result(i, column, "*", "chi2", "covariate", js * n_rows, p, js, 0.1, ref_total, n_rows,
                   details={"unseen_categories": [k for k in cnt if k not in ref_counts]})
            result(i, column, "*", "js", "covariate", js, p, js, 0.1, ref_total, n_rows)

    # multivariate MMD, prediction score, accuracy with late labels
    for i, (ws, we, is_ref) in enumerate(windows):
        mmd = 0.002 + (0.01 if i >= min(drift_from.values(), default=n_windows) else 0.0)
        result(i, "*", "*", "mmd", "covariate", mmd, 0.5 if mmd < 0.01 else 0.001, mmd, 0.01, 500, 500,
               details={"features": list(numeric)})
        score = 0.02 + 0.01 * rng.random()
        result(i, "score", "*", "ks", "prediction", score, 0.6, score, 0.1, 5000, n_rows)
        hist = rng.multinomial(n_rows, [0.1] * 10)
        for b in range(10):
            histograms.append({"monitor": monitor, "role": "score", "column_name": "score", "window_start": ws,
                               "window_end": we, "is_reference": is_ref, "bin": b,
                               "lower_edge": None if b == 0 else b / 10, "upper_edge": None if b == 9 else (b + 1) / 10,
                               "n": int(hist[b]), "share": float(hist[b] / n_rows)})
        coverage = 1.0 if i < n_windows - 4 else [0.8, 0.5, 0.2, 0.0][i - (n_windows - 4)]
        n_labeled = int(n_rows * coverage)
        acc = 0.82 - (0.08 if i >= drift_from.get("income", n_windows + 1) else 0) + 0.01 * rng.standard_normal()
        for segment in ("*", *segments):
            performance.append({"monitor": monitor, "window_start": ws, "window_end": we, "segment": segment,
                                "metric": "accuracy", "value": acc if n_labeled else None, "n_labeled": n_labeled,
                                "n_correct": int(acc * n_labeled), "n_events": n_rows,
                                "label_coverage": coverage, "is_reference": is_ref})
        if n_labeled >= 100:
            drop = 0.82 - acc
            result(i, "accuracy", "*", "accuracy", "concept", acc, 0.001 if drop > 0.05 else 0.4, drop, 0.05,
                   8000, n_labeled)
        else:
            result(i, "accuracy", "*", "accuracy", "concept", None, None, None, 0.05, 8000, n_labeled,
                   skipped="too_few_labels")

    if ml:
        ml_tables = _ml_results(result, drift, performance, windows, monitor=monitor, numeric=numeric,
                                segments=segments, n_rows=n_rows, n_reference=n_reference, drift_from=drift_from)
    else:
        ml_tables = {}
    alerts = _alerts_from(drift, monitor, [w[0] for w in windows])
    # An older run whose rows must not show (its column only exists there).
    old = dict(drift[0], run_id=OLD_RUN_ID, column_name="old_run_only_column", drifted=True)
    runs = [
        {"run_id": OLD_RUN_ID, "started_at": dt.datetime(2024, 3, 31, 2), "finished_at": dt.datetime(2024, 3, 31, 2, 4),
         "status": "success", "target": "dev", "counts": json.dumps({"tests": 1}), "version": "0.1.0"},
        {"run_id": RUN_ID, "started_at": dt.datetime(2024, 4, 1, 2), "finished_at": dt.datetime(2024, 4, 1, 2, 6),
         "status": "success", "target": "dev", "counts": json.dumps({"tests": len(drift), "drifted": sum(r["drifted"] for r in drift)}),
         "version": "0.1.0"},
        {"run_id": "20240402T020000-cccccccc", "started_at": dt.datetime(2024, 4, 2, 2), "finished_at": None,
         "status": "failed", "target": "dev", "counts": None, "version": "0.1.0"},
    ]
    quality = [
        {"run_id": RUN_ID, "monitor": monitor, "suite": f"{monitor}.v1", "schema_version": "v1",
         "window_start": windows[-2][0], "window_end": windows[-2][1], "expectation": "expect_column_values_to_be_between",
         "column_name": "income", "success": False, "observed_value": "12.5% out of range",
         "expected": "min 0, max 1e6", "details": json.dumps({"unexpected_percent": 12.5})},
        {"run_id": RUN_ID, "monitor": monitor, "suite": f"{monitor}.v1", "schema_version": "v1",
         "window_start": windows[-2][0], "window_end": windows[-2][1], "expectation": "expect_column_values_to_not_be_null",
         "column_name": EVIL, "success": False, "observed_value": EVIL, "expected": "< 1% null", "details": "{}"},
        {"run_id": RUN_ID, "monitor": monitor, "suite": f"{monitor}.v1", "schema_version": "v1",
         "window_start": windows[-2][0], "window_end": windows[-2][1], "expectation": "expect_column_to_exist",
         "column_name": "age", "success": True, "observed_value": None, "expected": None, "details": None},
    ]
    schema_changes = [
        {"run_id": RUN_ID, "monitor": monitor, "schema_version": "v1", "column_name": "age", "change": "type_changed",
         "expected_type": "DOUBLE", "actual_type": "VARCHAR"},
        {"run_id": RUN_ID, "monitor": monitor, "schema_version": "v1", "column_name": "promo_code", "change": "added",
         "expected_type": None, "actual_type": "VARCHAR"},
        {"run_id": OLD_RUN_ID, "monitor": monitor, "schema_version": "v1", "column_name": "old_run_only_column",
         "change": "removed", "expected_type": "DOUBLE", "actual_type": None},
    ]
    return {
        "runs": pa.Table.from_pylist(runs),
        "drift_results": pa.Table.from_pylist([*drift, old]),
        "alerts": pa.Table.from_pylist(alerts),
        "feature_windows": pa.Table.from_pylist(features),
        "histogram_windows": pa.Table.from_pylist(histograms),
        "category_windows": pa.Table.from_pylist(categories),
        "performance_windows": pa.Table.from_pylist(performance),
        "quality_results": pa.Table.from_pylist(quality),
        "schema_changes": pa.Table.from_pylist(schema_changes),
        **ml_tables,
    }


LABEL = "repaid"  # the fake monitor's true-label column; predictions in "y_pred"
REFERENCE_PRIOR = 0.67  # P(repaid = 1) in the reference
SHIFTED_PRIOR = 0.80  # the estimate in the label-shift windows


def ml_events(n_windows: int, n_reference: int) -> dict[str, list[int]]:
    """The windows of the injected ML-observability events, counted from the end: label
    shift 8 and 7 windows before it, a concept shift in the first ML segment 4 and 3
    before, a feedback-loop trend in the last two. Only windows after the reference."""
    def at(*back: int) -> list[int]:
        return [n_windows - k for k in back if n_windows - k >= n_reference]

    return {"label_shift": at(8, 7), "concept": at(4, 3), "trend": at(2, 1), "second_drivers": at(3, 2, 1)}


def ml_segments(segments: tuple[str, ...]) -> list[str]:
    """The segments of segment_ranking; the first degrades in the concept-shift windows."""
    return list(dict.fromkeys((*segments, "region=north")))


def _entropy_bits(p: float) -> float:
    return float(-sum(x * math.log2(x) for x in (p, 1 - p) if x > 0))


def _ml_results(result, drift: list[dict], performance: list[dict], windows: list[tuple], *, monitor: str,
                numeric: tuple[str, ...], segments: tuple[str, ...], n_rows: int, n_reference: int,
                drift_from: dict[str, int]) -> dict[str, pa.Table]:
    """bbse, label chi², calibration, segment accuracy, trend and smd rows (appended to
    ``drift`` through ``result``), MMD attributions (into the drifted MMD rows' details),
    and the tables label_shift_estimates, prediction_windows and segment_ranking."""
    n = len(windows)
    events = ml_events(n, n_reference)
    segs = ml_segments(segments)
    labelled = {r["window_start"]: r["n_labeled"] for r in performance if r["segment"] == "*"}
    overall_accuracy = {r["window_start"]: r["value"] for r in performance if r["segment"] == "*"}
    estimates, predicted = [], []
    for i, (ws, we, is_ref) in enumerate(windows):
        n_labeled = labelled[ws]
        shifted = i in events["label_shift"]
        prior = SHIFTED_PRIOR if shifted else REFERENCE_PRIOR + 0.01 * ((i % 3) - 1)
        low, high = prior - 0.025, prior + 0.025
        observed = prior + 0.005 if n_labeled else None
        for cls, (est, lo, hi, ref, obs) in (
                ("0", (1 - prior, 1 - high, 1 - low, 1 - REFERENCE_PRIOR, None if observed is None else 1 - observed)),
                ("1", (prior, low, high, REFERENCE_PRIOR, observed))):
            estimates.append({"run_id": RUN_ID, "monitor": monitor, "window_start": ws, "window_end": we,
                              "column_name": LABEL, "class_label": cls, "reference_prior": ref, "estimated_prior": est,
                              "ci_low": lo, "ci_high": hi, "observed_prior": obs, "n_predicted": n_rows,
                              "n_labeled": n_labeled, "computed_at": dt.datetime(2024, 4, 1, 2, 5)})
        shift = abs(prior - REFERENCE_PRIOR)
        result(i, LABEL, "*", "bbse", "label", shift, 0.0001 if shifted else 0.5, shift, 0.1, 8000, n_rows,
               details={"classes": ["0", "1"], "estimated_prior": [1 - prior, prior], "ci_low": [1 - high, low],
                        "ci_high": [1 - low, high], "reference_prior": [1 - REFERENCE_PRIOR, REFERENCE_PRIOR],
                        "n_labeled": n_labeled})
        if n_labeled < 100:
            result(i, LABEL, "*", "chi2", "label", None, None, None, 0.1, 8000, n_labeled, skipped="too_few_labels")
        else:
            result(i, LABEL, "*", "chi2", "label", 50.0 if shifted else 1.0, 0.0001 if shifted else 0.6,
                   0.12 if shifted else 0.01, 0.1, 8000, n_labeled)
        # concept shift: calibration over all rows and per segment, accuracy per segment
        concept = i in events["concept"]
        for k, segment in enumerate(("*", *segs)):
            n_seg = n_labeled if segment == "*" else n_labeled // 2
            if n_seg < 100:
                result(i, "calibration", segment, "calibration", "concept", None, None, None, 0.05, 4000, n_seg,
                       skipped="too_few_labels")
                continue
            degraded = concept and k <= 1
            gap = (0.09 if segment == "*" else 0.30) if degraded else 0.02
            reason = ({"kind_reason": "covariate tests drifted in this window (income)"}
                      if degraded and segment == "*" else {})
            result(i, "calibration", segment, "calibration", "covariate" if reason else "concept", gap * 100,
                   0.0001 if degraded else 0.5, gap, 0.05, 4000, n_seg, details={"bins": 10, **reason})
            if segment != "*":
                drop = 0.30 if degraded else 0.01
                result(i, "accuracy", segment, "accuracy", "concept", 0.8 - drop, 0.0001 if degraded else 0.5, drop,
                       0.05, 4000, n_seg)
        # feedback loop: the top predicted class's share rises over the last windows
        rising = [j for j in range(n - 5, n) if j >= n_reference]
        top = 0.70 + (0.04 * (rising.index(i) + 1) if i in rising else 0.0)
        predicted.append({"monitor": monitor, "window_start": ws, "window_end": we, "column_name": "y_pred",
                          "column_kind": "predicted_label", "n": n_rows, "n_distinct": 2,
                          "entropy": _entropy_bits(top), "top_share": top, "is_reference": is_ref})
        if i < 13:
            result(i, "y_pred", "*", "trend", "prediction", None, None, None, 0.1, 0, i + 1, skipped="too_few_windows")
        else:
            trending = i in events["trend"]
            result(i, "y_pred", "*", "trend", "prediction", 60.0 if trending else 5.0, 0.0001 if trending else 0.5,
                   0.15 if trending else 0.02, 0.1, 0, 14,
                   details={"top_share_slope": 0.011 if trending else 0.001, "entropy_slope": -0.02 if trending else 0.0,
                            "first_window": windows[i - 13][0].isoformat(sep=" ")})
        # P(x | y): tracked, no threshold; a feature's classes move with its covariate shift
        for feature in numeric:
            for cls in ("0", "1"):
                moved = i >= drift_from.get(feature, n + 1)
                effect = 0.8 if moved else 0.02 + (0.01 if cls == "1" else 0.0)
                result(i, feature, f"{LABEL}={cls}", "smd", "covariate", effect * 10, 0.0001 if moved else 0.5,
                       effect, None, 4000, n_rows // 2)
    # attribution of the drifted MMD windows: the first numeric feature drives, the second joins later
    for r in drift:
        if r["test"] == "mmd" and r["drifted"]:
            i = next(k for k, w in enumerate(windows) if w[0] == r["window_start"])
            joined = i in events["second_drivers"] and len(numeric) > 1
            contributions = {f: -0.0005 for f in numeric}
            contributions[numeric[0]] = 0.006
            if len(numeric) > 1:
                contributions[numeric[1]] = 0.004 if joined else -0.001
            ranked = sorted(contributions.items(), key=lambda fc: -fc[1])
            r["details"] = json.dumps({"features": list(numeric),
                                       "attribution": [{"feature": f, "contribution": c} for f, c in ranked],
                                       "drivers": [f for f, c in ranked if c >= 0.5 * ranked[0][1]]})
    # segment_ranking, as the view computes it from the rows above
    drifted_tests: dict[tuple, int] = defaultdict(int)
    effects: dict[tuple, float] = {}
    for r in drift:
        if r["segment"] != "*" and r["test"] in ("accuracy", "calibration"):
            drifted_tests[(r["window_start"], r["segment"])] += bool(r["drifted"])
            if r["effect"] is not None:
                effects[(r["window_start"], r["segment"], r["test"])] = r["effect"]
    ranking = []
    for i, (ws, we, _) in enumerate(windows):
        overall = overall_accuracy[ws]
        rows = []
        for k, segment in enumerate(segs):
            n_seg = labelled[ws] // 2
            accuracy = None if overall is None else (
                overall - 0.30 if i in events["concept"] and k == 0 else overall + 0.004 * (k - 0.5))
            rows.append({"monitor": monitor, "window_start": ws, "window_end": we, "segment": segment,
                         "accuracy": accuracy, "overall_accuracy": overall,
                         "accuracy_gap": None if accuracy is None else overall - accuracy, "n_labeled": n_seg,
                         "drifted_tests": drifted_tests[(ws, segment)],
                         "accuracy_drop_vs_reference": effects.get((ws, segment, "accuracy")),
                         "calibration_gap": effects.get((ws, segment, "calibration")), "segment_rank": None})
        ranked = sorted((r for r in rows if r["n_labeled"] >= 100 and r["accuracy"] is not None),
                        key=lambda r: (-r["accuracy_gap"], -r["drifted_tests"], r["segment"]))
        for rank, r in enumerate(ranked, 1):
            r["segment_rank"] = rank
        ranking.extend(rows)
    old = dict(estimates[0], run_id=OLD_RUN_ID, class_label="old_run_only_class")
    return {"label_shift_estimates": pa.Table.from_pylist([*estimates, old]),
            "prediction_windows": pa.Table.from_pylist(predicted),
            "segment_ranking": pa.Table.from_pylist(ranking)}


def _alerts_from(drift: list[dict], monitor: str, starts: list[dt.datetime]) -> list[dict]:
    """Open alerts: the run of drifted windows that reaches the last window (persist = 1)."""
    position = {s: i for i, s in enumerate(starts)}
    by_key: dict[tuple, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in drift:
        by_key[(r["column_name"], r["segment"], r["shift_kind"])][position[r["window_start"]]].append(r)
    alerts = []
    for (column, segment, kind), windows in sorted(by_key.items()):
        flags = [any(r["drifted"] for r in windows.get(i, [])) for i in range(len(starts))]
        if not flags[-1] and not (len(flags) > 1 and flags[-2]):
            continue
        end = len(flags) - 1 if flags[-1] else len(flags) - 2
        begin = end
        while begin > 0 and flags[begin - 1]:
            begin -= 1
        strongest = max((r for i in range(begin, end + 1) for r in windows[i] if r["drifted"]),
                        key=lambda r: r["effect"] / r["threshold"])
        n = end - begin + 1
        alerts.append({"monitor": monitor, "column_name": column, "segment": segment, "shift_kind": kind,
                       "test": strongest["test"],
                       "severity": "critical" if n >= 3 or strongest["effect"] >= 2 * strongest["threshold"] else "warning",
                       "status": "open", "first_seen": starts[begin], "last_seen": starts[end], "windows_in_a_row": n,
                       "statistic": strongest["statistic"], "effect": strongest["effect"],
                       "threshold": strongest["threshold"]})
    return alerts


class _Collector(HTMLParser):
    """Ids, links, src attributes, <script> elements and raw text of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.scripts = 0
        self.alert_rows: list[str] = []
        self.elements: dict[str, int] = defaultdict(int)
        self._in_alert_row = False
        self._row_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.elements[tag] += 1
        if "id" in attrs:
            self.ids.append(attrs["id"])
        for name in ("href", "xlink:href"):
            if name in attrs:
                self.hrefs.append(attrs[name])
        for name in ("src", "srcset", "data", "action", "poster"):
            if name in attrs:
                self.srcs.append(attrs[name])
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and "alert" in (attrs.get("class") or "").split():
            self._in_alert_row, self._row_text = True, []

    def handle_endtag(self, tag):
        if tag == "tr" and self._in_alert_row:
            self._in_alert_row = False
            self.alert_rows.append(" | ".join(t.strip() for t in self._row_text if t.strip()))

    def handle_data(self, data):
        if self._in_alert_row:
            self._row_text.append(data)


class _TableReader(HTMLParser):
    """The body rows of the table with one id: a list per <tbody>, each row (tr class,
    [cell texts]), cell text with whitespace collapsed and <br> read as a space."""

    def __init__(self, table_id: str):
        super().__init__(convert_charrefs=True)
        self.table_id = table_id
        self.depth = 0
        self.in_head = False
        self.groups: list[list[tuple[str, list[str]]]] = []
        self.row: tuple[str, list[str]] | None = None
        self.cell: list[str] | None = None
        self.found = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif attrs.get("id") == self.table_id:
                self.depth, self.found = 1, True
            return
        if not self.depth:
            return
        if tag == "thead":
            self.in_head = True
        elif tag == "tbody":
            self.groups.append([])
        elif tag == "tr" and not self.in_head:
            self.row = (attrs.get("class") or "", [])
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row[1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if not self.groups:
                self.groups.append([])
            self.groups[-1].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.depth and self.cell is not None:
            self.cell.append(data)


def table_groups(page: str, table_id: str) -> list[list[tuple[str, list[str]]]]:
    """The rows of table ``table_id`` per <tbody>: (tr class, cell texts)."""
    reader = _TableReader(table_id)
    reader.feed(page)
    reader.close()
    assert reader.found, f"no table with id {table_id!r}"
    return reader.groups


def table_rows(page: str, table_id: str) -> list[tuple[str, list[str]]]:
    return [row for group in table_groups(page, table_id) for row in group]


def section(page: str, key: str, monitor: str = "fake_loan") -> str | None:
    """The HTML of one ML-observability section of a monitor (``ls``, ``concept``, ``seg``,
    ``attr``, ``fb``, ``pxy``), or None when the page has none."""
    match = re.search(rf"<section class='sub' id='{re.escape(key)}-{re.escape(monitor)}'.*?</section>", page, re.S)
    return match.group(0) if match else None


ML_HEADINGS = {"ls": "Label shift (estimated before labels arrive)", "concept": "Concept shift",
               "seg": "Segments: for which users did it degrade", "attr": "Attribution of multivariate drift",
               "fb": "Feedback loop", "pxy": "P(x | y): class-conditional feature shift"}


@pytest.fixture(scope="module")
def tables() -> dict[str, pa.Table]:
    return make_report_tables()


@pytest.fixture(scope="module")
def page(tables) -> str:
    return render_report(tables, title="fake <report>", generated_at=dt.datetime(2024, 4, 1, 3, 0))


@pytest.fixture(scope="module")
def parsed(page) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_alerts_are_listed_with_links_to_their_columns(tables, page, parsed):
    alerts = tables["alerts"].to_pylist()
    alerting = {a["column_name"] for a in alerts}
    assert {"income", "region"} <= alerting, alerting  # the fixture's two injected shifts alert
    assert len(parsed.alert_rows) == len(alerts)
    for a in alerts:
        anchor = column_anchor(a["monitor"], a["column_name"])
        assert f"href='#{anchor}'" in page or f'href="#{anchor}"' in page
        assert anchor in parsed.ids
    assert any("income" in row and "critical" in row for row in parsed.alert_rows)
    assert 'id="col-fake_loan-income"' in page or "id='col-fake_loan-income'" in page


def test_every_internal_link_resolves(parsed):
    ids = set(parsed.ids)
    assert len(ids) == len(parsed.ids), "duplicate ids"
    fragments = [h for h in parsed.hrefs if h.startswith("#")]
    assert fragments
    missing = sorted({h for h in fragments if h[1:] not in ids})
    assert not missing


def test_no_external_urls_and_no_script(page, parsed):
    for url in [*parsed.hrefs, *parsed.srcs]:
        assert not re.match(r"^\s*(https?:)?//", url, re.IGNORECASE), url
        assert url.startswith(("#", "data:")), url
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//)""", page, re.IGNORECASE)
    assert "url(http" not in page and "@import" not in page
    assert parsed.scripts == 0
    assert "Content-Security-Policy" in page


def test_strings_from_tables_are_escaped(page, parsed):
    assert EVIL not in page
    assert "<i>x</i>" not in page
    assert html_escaped(EVIL) in page
    assert parsed.scripts == 0
    assert "fake &lt;report&gt;" in page
    # the hostile column still has a card and a heatmap row
    assert column_anchor("fake_loan", EVIL) in parsed.ids
    assert re.fullmatch(r"[A-Za-z0-9_.~-]+", column_anchor("fake_loan", EVIL))


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_heatmap_distributions_and_performance_are_drawn(page, parsed):
    assert page.count("class=\"heatmap\"") == 1
    assert page.count("class=\"dist\"") >= 4  # income and region: latest and worst windows
    assert "class=\"line\"" in page  # performance and effect charts
    assert "schema_mismatch" in page  # skipped cell reason in a tooltip
    assert "too_few_labels" in page
    assert "label coverage" in page
    assert "(new)" in page  # a category unseen in the reference
    income = page[page.index("id='col-fake_loan-income'"):]
    income = income[: income.index("</section>")]
    assert "Latest window 2024-03-20" in income and "Worst window" in income


def test_only_the_latest_run_is_shown(page):
    assert "old_run_only_column" not in page
    assert RUN_ID in page


def test_quality_failures_and_schema_changes(page):
    assert "2 of 3 expectations failed" in page
    assert "expect_column_values_to_be_between" in page
    assert "type_changed" in page and "promo_code" in page


def test_empty_and_missing_tables_render():
    page = render_report({})
    assert "No open alerts" in page and "No monitor has results yet" in page
    partial = make_report_tables(n_windows=6, n_reference=3)
    for name in ("histogram_windows", "category_windows", "performance_windows", "alerts", "runs"):
        partial.pop(name)
    page = render_report(partial)
    assert "No histogram or category counts" in page
    empty = {name: table.slice(0, 0) for name, table in make_report_tables(n_windows=4, n_reference=2).items()}
    assert "No open alerts" in render_report(empty)


def test_page_size_stays_reasonable_at_70_windows_by_15_columns():
    numeric = tuple(f"num_{i:02d}" for i in range(10))
    categorical = tuple(f"cat_{i}" for i in range(5))
    tables = make_report_tables(n_windows=70, n_reference=30, numeric=numeric, categorical=categorical,
                                drift_from={"num_03": 50, "cat_1": 60, "num_07": 65}, segments=("region=south", "region=north"),
                                n_rows=300)
    page = render_report(tables)
    assert len(page.encode()) < 2_000_000, len(page.encode())
    assert page.count("class='card'") >= 15


def test_render_is_deterministic(tables):
    at = dt.datetime(2024, 4, 1)
    assert render_report(tables, generated_at=at) == render_report(tables, generated_at=at)


def test_load_report_tables_reads_latest_run_and_tolerates_missing_tables(tmp_path: Path, tables):
    from python_checks.warehouse import DuckDBWarehouse, Target

    wh = DuckDBWarehouse(Target("test", "duckdb", {"path": str(tmp_path / "r.duckdb")}), tmp_path)
    try:
        wh.execute("create schema results")
        for name in ("runs", "drift_results", "feature_windows", "quality_results", "schema_changes", "performance_windows"):
            wh.con.register("_t", tables[name])
            wh.execute(f"create table {wh.table('results', name)} as select * from _t")
            wh.con.unregister("_t")
        loaded = load_report_tables(wh, "results")
    finally:
        wh.close()
    assert "alerts" not in loaded and "histogram_windows" not in loaded
    assert set(loaded["drift_results"]["run_id"].to_pylist()) == {RUN_ID}
    assert set(loaded["schema_changes"]["run_id"].to_pylist()) == {RUN_ID}
    assert set(loaded["performance_windows"]["metric"].to_pylist()) == {"accuracy"}
    assert loaded["runs"].num_rows == 3
    page = render_report(loaded)
    assert "old_run_only_column" not in page and "No open alerts" in page


def test_load_report_tables_falls_back_to_latest_run_id(tmp_path: Path, tables):
    from python_checks.warehouse import DuckDBWarehouse, Target

    wh = DuckDBWarehouse(Target("test", "duckdb", {"path": str(tmp_path / "r.duckdb")}), tmp_path)
    try:
        wh.execute("create schema results")
        wh.con.register("_t", tables["drift_results"])
        wh.execute(f"create table {wh.table('results', 'drift_results')} as select * from _t")
        loaded = load_report_tables(wh, "results")
    finally:
        wh.close()
    assert set(loaded["drift_results"]["run_id"].to_pylist()) == {RUN_ID}  # RUN_ID > OLD_RUN_ID
    assert set(loaded) == {"drift_results"}


def _poison(table: pa.Table) -> pa.Table:
    """Append a hostile string to every string value of a table."""
    columns = {}
    for name in table.column_names:
        values = table[name].to_pylist()
        if pa.types.is_string(table.schema.field(name).type):
            values = [None if v is None else v + EVIL for v in values]
        columns[name] = values
    return pa.Table.from_pydict(columns)


def test_every_string_column_is_escaped():
    tables = {name: _poison(t) for name, t in make_report_tables(n_windows=6, n_reference=3).items()}
    page = render_report(tables, title=EVIL)
    collector = _Collector()
    collector.feed(page)
    assert "<script" not in page.lower() and "<i>" not in page
    assert collector.scripts == 0
    assert not [h for h in collector.hrefs if h.startswith("#") and h[1:] not in set(collector.ids)]


def test_hostile_names_keep_ids_unique_and_links_resolving():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = st.text(min_size=1, max_size=12)

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(names, min_size=2, max_size=2, unique=True), names)
    def check(columns, category):
        tables = make_report_tables(n_windows=3, n_reference=2, numeric=(columns[0],), categorical=(columns[1],),
                                    drift_from={columns[0]: 2}, segments=(f"seg={category}",))
        page = render_report(tables)
        collector = _Collector()
        collector.feed(page)
        assert collector.scripts == 0
        assert len(set(collector.ids)) == len(collector.ids)
        assert not [h for h in collector.hrefs if h.startswith("#") and h[1:] not in set(collector.ids)]
        for column in columns:
            assert column_anchor("fake_loan", column) in collector.ids

    check()


# --------------------------------------------------------------------------- ML-observability sections
def day(i: int) -> str:
    """The fake monitor's window i as the report labels it."""
    return f"{START + dt.timedelta(days=i):%Y-%m-%d}"


def test_ml_sections_appear_in_order_with_their_headings(page):
    positions = []
    for key, heading in ML_HEADINGS.items():
        html = section(page, key)
        assert html is not None, key
        assert f"<h3 id='h-{key}-fake_loan'>{html_escaped(heading)}</h3>" in html
        assert f"aria-labelledby='h-{key}-fake_loan'" in html
        assert f"href='#{key}-fake_loan'" in page  # the monitor's table of contents
        positions.append(page.index(html))
    # label shift, then performance and concept shift next to each other, ..., P(x | y), the cards
    assert positions == sorted(positions)
    assert page.index("id='perf-fake_loan'") < positions[1]
    assert positions[-1] < page.index("id='cols-fake_loan'")
    assert "No data for:" not in page


def test_ml_sections_are_accessible(page):
    for key in ML_HEADINGS:
        html = section(page, key)
        assert html.count("<figure") == html.count("<figcaption>"), key
        for svg_head in re.findall(r"<svg [^>]*>", html):
            assert "role=\"img\"" in svg_head and "aria-labelledby=" in svg_head, svg_head
        assert html.count("<svg ") == html.count("<title id=") == html.count("<desc id="), key
        assert not re.findall(r"<th(?![^>]*scope=)(?:\s[^>]*)?>", html), key


def test_label_shift_section_charts_the_estimate_and_lists_flagged_windows(page):
    events = ml_events(20, 10)
    assert [day(i) for i in events["label_shift"]] == ["2024-03-13", "2024-03-14"]
    html = section(page, "ls")
    assert html.count('class="line"') == 1  # binary label: the positive class only
    assert "P(repaid = 1) estimated before labels arrive" in html
    assert "BBSE flagged: 2024-03-13 – 2024-03-14." in html  # the chart's text alternative
    assert '<g class="band">' in html and "95% interval" in html and "reference prior" in html
    assert "observed (labels so far)" in html and "label coverage" in html
    rows = table_rows(page, "ls-table-fake_loan-repaid")
    assert rows == [
        ("flagged", ["2024-03-13", "1", "67.0%", "80.0%", "77.5% – 82.5%", "80.5% (800 of 800 labelled)",
                     "0.13 / 0.1 (×1.3)", "0.004", "flagged", "drifted (chi2)"]),
        ("flagged", ["2024-03-14", "1", "67.0%", "80.0%", "77.5% – 82.5%", "80.5% (800 of 800 labelled)",
                     "0.13 / 0.1 (×1.3)", "0.004", "flagged", "drifted (chi2)"]),
        ("unflagged", ["2024-03-20 (latest)", "1", "67.0%", "67.0%", "64.5% – 69.5%", "– (0 of 800 labelled)",
                       "0 / 0.1 (×0)", "1", "no", "not yet (too_few_labels)"]),
    ]
    assert "old_run_only_class" not in page  # label_shift_estimates is run-scoped


def test_label_shift_falls_back_to_the_bbse_details_without_its_table(tables):
    partial = dict(tables)
    partial.pop("label_shift_estimates")
    page = render_report(partial)
    rows = table_rows(page, "ls-table-fake_loan-repaid")
    assert [(cls, cells[0], cells[3], cells[4], cells[5]) for cls, cells in rows] == [
        ("flagged", "2024-03-13", "80.0%", "77.5% – 82.5%", "– (800 of 800 labelled)"),  # observed: unknown
        ("flagged", "2024-03-14", "80.0%", "77.5% – 82.5%", "– (800 of 800 labelled)"),
        ("unflagged", "2024-03-20 (latest)", "67.0%", "64.5% – 69.5%", "– (0 of 800 labelled)"),
    ]


def test_multiclass_label_shift_draws_the_classes_that_moved():
    start = dt.datetime(2024, 1, 1)
    priors = {"a": 0.5, "b": 0.3, "c": 0.2}
    rows = []
    for i in range(3):
        for cls, p in priors.items():
            q = p + (0.2 if cls == "c" and i == 2 else -0.2 if cls == "a" and i == 2 else 0.0)
            rows.append({"run_id": RUN_ID, "monitor": "m", "window_start": start + dt.timedelta(days=i),
                         "window_end": start + dt.timedelta(days=i + 1), "column_name": "y", "class_label": cls,
                         "reference_prior": p, "estimated_prior": q, "ci_low": q - 0.05, "ci_high": q + 0.05,
                         "observed_prior": None, "n_predicted": 1000, "n_labeled": 0})
    page = render_report({"label_shift_estimates": pa.Table.from_pylist(rows)})
    html = section(page, "ls", "m")
    assert html.count('class="line"') == 3
    assert [cells[1] for _, cells in table_rows(page, "ls-table-m-y")] == ["a", "b", "c"]  # the latest window
    assert "BBSE flagged no window." in html and "No data for: concept shift" in page


def test_concept_section_marks_calibration_windows_next_to_accuracy(page):
    html = section(page, "concept")
    assert html.count('class="line"') == 1
    assert "calibration gap" in html and "accuracy drop vs reference" in html
    assert "Calibration flagged: 2024-03-17 – 2024-03-18." in html
    assert "href='#perf-fake_loan'" in html
    rows = table_rows(page, "concept-table-fake_loan")
    assert [cells[0] for _, cells in rows] == [day(i) for i in range(14, 19)]  # accuracy drops from income's shift on
    by_window = {cells[0]: cells for _, cells in rows}
    for i in ml_events(20, 10)["concept"]:
        cells = by_window[day(i)]
        assert cells[1] == "9.0 pp ●" and cells[2].endswith("●")
        assert cells[3:] == ["covariate, concept", "region=south (accuracy, calibration)",
                             "covariate tests drifted in this window (income)"]
    assert by_window[day(14)][1] == "2.0 pp" and by_window[day(14)][4] == "–"
    assert "Calibration (all rows) skipped in 1 windows: too_few_labels × 1." in html


def test_segments_section_ranks_the_degraded_segment_first(page):
    html = section(page, "seg")
    assert ("<li><b>region=south</b>: accuracy or calibration flagged in 2024-03-17 – 2024-03-18 (2 windows)</li>"
            in html)
    groups = table_groups(page, "seg-table-fake_loan")
    assert [group[0][1][0] for group in groups] == ["2024-03-17 flagged segment",
                                                   "2024-03-18 latest labelled, flagged segment"]
    for group in groups:
        (cls, first), (_, second) = group
        assert "worst" in cls.split() and "flagged" in cls.split()
        assert first[1:8] == ["1", "region=south", first[3], first[4], "+30.0 pp", first[6], "30.0 pp"]
        assert first[8].startswith("accuracy, calibration")
        assert second[:2] == ["2", "region=north"] and second[-1] == "–"
    assert [g[0][1][6] for g in groups] == ["320", "200"]


def test_attribution_groups_flagged_mmd_windows_by_their_drivers(page):
    html = section(page, "attr")
    assert html.count('class="attr"') == 2
    assert [(cells[0], cells[1], cells[3]) for _, cells in table_rows(page, "attr-table-fake_loan")] == [
        ("2024-03-15 – 2024-03-17 3 windows", "income", "×1.2"),
        ("2024-03-18 – 2024-03-20 3 windows", "income, age", "×1.2"),
    ]
    per_window = [(cells[0], cells[3], cells[4]) for _, cells in table_rows(page, "attr-windows-fake_loan")]
    assert per_window == [(day(i), "income", "income 0.006, age -0.001") for i in (14, 15, 16)] + [
        (day(i), "income, age", "income 0.006, age 0.004") for i in (17, 18, 19)]


def test_feedback_loop_section_draws_top_share_and_entropy(page):
    html = section(page, "fb")
    assert html.count('class="line"') == 2
    assert "top-class share" in html and "entropy (bits)" in html
    assert "Trend flagged: 2024-03-19 – 2024-03-20." in html
    assert "Latest test, window 2024-03-20" in html and "S = 60" in html and "q = 0.004" in html
    assert table_rows(page, "fb-table-fake_loan-y_pred") == [
        ("flagged", [day(i), "60", "15.0 pp", "+1.1 pp", "-0.02", "0.004"]) for i in (18, 19)]
    assert "The trend test on y_pred skipped in 13 windows: too_few_windows × 13." in html


def test_class_conditional_rows_are_a_table_not_alerts(page):
    html = section(page, "pxy")
    assert re.findall(r"<th scope='col'>([0-9-]+)", html) == [day(i) for i in (12, 13, 16, 17, 18, 19)]
    rows = table_rows(page, "pxy-table-fake_loan")
    assert [cells[0] for _, cells in rows] == ["income", "age"]  # largest peak first
    assert rows[0][1][1:7] == ["0.03", "0.03", "0.80", "0.80", "0.80", "0.80"]
    assert rows[0][1][7].startswith("0.80 2024-03-20, repaid=")
    assert rows[1][1][1:] == ["0.03"] * 6 + [rows[1][1][7]]
    heatmap = page[page.index('class="heatmap"'):]
    heatmap = heatmap[: heatmap.index("</svg>")]
    assert "repaid=0" not in heatmap and "repaid=1" not in heatmap  # evidence, kept out of the heatmap
    assert "href='#pxy-fake_loan'" in page


def test_ml_sections_are_left_out_when_their_data_is_absent():
    page = render_report(make_report_tables(n_windows=8, n_reference=4, ml=False))
    for key in ("ls", "concept", "seg", "fb", "pxy"):
        assert section(page, key) is None, key
    assert ("No data for: label shift (needs predicted and true labels: label_shift_estimates or bbse results); "
            "concept shift (needs calibration results); segments (needs segment_ranking); feedback loop (needs "
            "predicted-label windows or trend results); P(x | y) (needs smd results).") in page
    # MMD ran but flagged nothing: the attribution section says so
    assert "MMD ran in 8 windows and flagged none: nothing to attribute." in section(page, "attr")


@pytest.mark.parametrize("removed, gone, kept", [
    (("segment_ranking",), {"seg"}, {"ls", "concept", "attr", "fb", "pxy"}),
    (("prediction_windows",), set(), {"ls", "concept", "seg", "attr", "fb", "pxy"}),
    (("label_shift_estimates", "prediction_windows", "segment_ranking"), {"seg"}, set(ML_HEADINGS) - {"seg"}),
])
def test_each_ml_section_degrades_on_its_own(tables, removed, gone, kept):
    partial = {name: t for name, t in tables.items() if name not in removed}
    page = render_report(partial)
    assert {key for key in ML_HEADINGS if section(page, key) is not None} == kept
    assert set(ML_HEADINGS) - kept == gone
    if "prediction_windows" in removed:  # the trend results remain, the charts go
        assert section(page, "fb").count('class="line"') == 0
        assert "S = 60" in section(page, "fb")


def test_old_result_sets_without_the_new_tests_render_the_rest(tables):
    old_tests = {"bbse", "calibration", "trend", "smd"}
    drift = tables["drift_results"].to_pylist()
    kept = [dict(r, details="{}") if r["test"] == "mmd" else r for r in drift if r["test"] not in old_tests
            and (r["segment"] == "*" or r["test"] != "accuracy")]
    old = {name: t for name, t in tables.items()
           if name not in ("label_shift_estimates", "prediction_windows", "segment_ranking")}
    old["drift_results"] = pa.Table.from_pylist(kept)
    page = render_report(old)
    assert {key for key in ML_HEADINGS if section(page, key) is not None} == {"attr"}
    assert "attribution not recorded (an older run)" in section(page, "attr")
    assert page.count('class="heatmap"') == 1 and "id='col-fake_loan-income'" in page


def test_load_report_tables_reads_the_new_tables(tmp_path: Path, tables):
    from python_checks.warehouse import DuckDBWarehouse, Target

    predictions = tables["prediction_windows"].to_pylist()
    score_row = dict(predictions[0], column_name="score", column_kind="score", entropy=None, top_share=None)
    wh = DuckDBWarehouse(Target("test", "duckdb", {"path": str(tmp_path / "r.duckdb")}), tmp_path)
    try:
        wh.execute("create schema results")
        for name, table in (*((n, tables[n]) for n in ("runs", "drift_results", "label_shift_estimates")),
                            ("prediction_windows", pa.Table.from_pylist([*predictions, score_row])),
                            ("ranking_table", tables["segment_ranking"])):
            wh.con.register("_t", table)
            wh.execute(f"create table {wh.table('results', name)} as select * from _t")
            wh.con.unregister("_t")
        wh.execute(f"create view {wh.table('results', 'segment_ranking')} as "
                   f"select * from {wh.table('results', 'ranking_table')}")
        loaded = load_report_tables(wh, "results")
    finally:
        wh.close()
    assert set(loaded["label_shift_estimates"]["run_id"].to_pylist()) == {RUN_ID}
    assert loaded["label_shift_estimates"].num_rows == tables["label_shift_estimates"].num_rows - 1
    assert set(loaded["prediction_windows"]["column_kind"].to_pylist()) == {"predicted_label"}
    assert loaded["segment_ranking"].num_rows == tables["segment_ranking"].num_rows
    page = render_report(loaded)
    assert {key for key in ML_HEADINGS if section(page, key) is not None} == set(ML_HEADINGS)
    assert table_rows(page, "ls-table-fake_loan-repaid")[0][1][0] == "2024-03-13"
