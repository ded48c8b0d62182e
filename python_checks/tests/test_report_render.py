"""The static HTML report: structure, links, escaping, no external URLs, size, loading.

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
                       n_rows: int = 800, seed: int = 0) -> dict[str, pa.Table]:
    """Result tables of one monitor with daily windows, the first ``n_reference`` of them
    the reference; columns in ``drift_from`` shift from that window on."""
    drift_from = {"income": 14, "region": 16} if drift_from is None else drift_from
    rng = np.random.default_rng(seed)
    windows = [(START + dt.timedelta(days=i), START + dt.timedelta(days=i + 1), i < n_reference) for i in range(n_windows)]
    computed = dt.datetime(2024, 4, 1, 2, 5)
    drift, features, histograms, categories, performance = [], [], [], [], []

    def result(i, column, segment, test, kind, statistic, p, effect, threshold, n_ref, n_cur, skipped=None, details=None):
        ws, we, _ = windows[i]
        q = None if p is None else min(1.0, p * 40)
        drifted = bool(skipped is None and q is not None and q < 0.05 and effect is not None and effect >= threshold)
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
    }


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
