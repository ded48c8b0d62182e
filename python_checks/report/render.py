"""One self-contained static HTML page from the result tables.

The page makes no request of any kind: CSS is inline, charts are inline SVG drawn in
Python (``svg.py``), there is no script, and a Content-Security-Policy forbids loading
anything. Every string from the tables is escaped. Sections: overview per monitor,
open alerts (each links to its column), per monitor a columns × windows heatmap, the
label shift estimated before labels arrive (BBSE), performance over time and concept
shift, the segments that degraded, the attribution of multivariate drift, the feedback
loop, P(x | y), and one card per column (reference vs latest and worst window), then
quality failures, schema changes and the recent runs. A section whose data is absent is
left out and named in the monitor's "no data" line.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from python_checks.report import svg
from python_checks.report.svg import esc

KIND_ORDER = ("covariate", "prediction", "label", "concept")
SEVERITY_ORDER = {"critical": 0, "warning": 1}
ROLE_ORDER = ("feature", "score", "prediction", "label")
ALL_ROWS = "*"
MAX_TABLE_ROWS = 500  # quality failures shown; the rest are counted
MAX_CATEGORIES = 12  # bars per categorical plot; the rest are summed into "other"
# Tests whose rows are evidence, never a decision (no threshold, never drifted): shown in
# their own section (P(x | y)), kept out of the heatmap and the column cards.
TRACKED_TESTS = ("smd",)
MAX_SEGMENTS = 8  # segments listed per window (flagged ones always)
MAX_SEGMENT_WINDOWS = 30  # windows in the segments table, the most recent
MAX_CLASSES = 6  # label-shift charts per label column (the classes that moved most)
MAX_BARS = 6  # features per attribution bar list
SMD_WINDOWS = 4  # latest windows in the P(x | y) table, and at most as many label-shift windows
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


# --------------------------------------------------------------------------- small helpers
def column_anchor(monitor: str, column: str) -> str:
    """The id of a column's card: ``col-<monitor>-<column>``, characters outside
    ``[A-Za-z0-9_.-]`` spelled as ``~hex~`` so that any name gives a valid, unique id."""
    return f"col-{_slug(monitor)}-{_slug(column)}"


def heatmap_anchor(monitor: str) -> str:
    return f"heatmap-{_slug(monitor)}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", lambda m: "~" + m.group().encode().hex() + "~", str(text))


def _f(value: Any) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _i(value: Any) -> int:
    x = _f(value)
    return int(x) if x is not None else 0


def _num(value: Any, digits: int = 3) -> str:
    x = _f(value)
    if x is None:
        return "–"
    if x != 0 and (abs(x) < 10 ** -(digits) or abs(x) >= 1e6):
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}" if abs(x) < 10 ** digits else f"{x:,.0f}"


def _pct(value: Any) -> str:
    x = _f(value)
    return "–" if x is None else f"{x * 100:.1f}%"


def _count(value: Any) -> str:
    return f"{_i(value):,}"


def _sort_key(value: Any) -> tuple:
    """Sort None last and mixed types without failing."""
    if value is None:
        return (2, "")
    if isinstance(value, dt.datetime):
        return (0, value.replace(tzinfo=None) if value.tzinfo else value)
    if isinstance(value, dt.date):
        return (0, dt.datetime(value.year, value.month, value.day))
    return (1, str(value))


def _ts(value: Any, *, date_only: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        if date_only or (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M") if value.second == 0 else value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rows(tables: Mapping[str, pa.Table], name: str) -> list[dict[str, Any]]:
    table = tables.get(name)
    if table is None:
        return []
    if not isinstance(table, pa.Table):
        table = pa.table(table)
    return table.to_pylist()


def _badge(text: str, kind: str | None = None) -> str:
    cls = re.sub(r"[^a-z]", "", (kind or text or "").lower()) or "none"
    return f'<span class="badge b-{cls}">{esc(text)}</span>'


def _truncate(text: Any, limit: int = 160) -> str:
    """Escaped text cut at ``limit`` characters, the full text in a title attribute."""
    s = "" if text is None else str(text)
    if len(s) <= limit:
        return esc(s)
    return f'<span title="{esc(s)}">{esc(s[: limit - 1])}…</span>'


def _ratio(row: Mapping[str, Any]) -> float | None:
    effect, threshold = _f(row.get("effect")), _f(row.get("threshold"))
    if effect is None:
        return None
    return effect / threshold if threshold and threshold > 0 else effect


def _is_skipped(row: Mapping[str, Any]) -> bool:
    return bool(row.get("skipped_reason"))


def _kind_rank(kind: Any) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), str(kind))


def _column_label(column: str) -> str:
    return "* (multivariate)" if column == ALL_ROWS else column


# --------------------------------------------------------------------------- the data, per monitor
@dataclass
class Window:
    start: Any
    end: Any = None
    is_reference: bool = False


@dataclass
class MonitorData:
    name: str
    windows: list[Window] = field(default_factory=list)
    index: dict[Any, int] = field(default_factory=dict)  # window_start -> position
    drift: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    closed_alerts: list[dict] = field(default_factory=list)
    features: list[dict] = field(default_factory=list)
    histograms: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    performance: list[dict] = field(default_factory=list)
    quality: list[dict] = field(default_factory=list)
    schema_changes: list[dict] = field(default_factory=list)
    tracked: list[dict] = field(default_factory=list)  # drift_results rows that never decide (TRACKED_TESTS)
    label_shift: list[dict] = field(default_factory=list)  # label_shift_estimates
    segments: list[dict] = field(default_factory=list)  # segment_ranking
    predicted: list[dict] = field(default_factory=list)  # prediction_windows, predicted_label rows

    def label(self, start: Any) -> str:
        return _ts(start, date_only=self.daily)

    @property
    def daily(self) -> bool:
        return all(isinstance(w.start, dt.datetime) and w.start.time() == dt.time() for w in self.windows)


def _latest_run(runs: list[dict]) -> dict | None:
    successful = [r for r in runs if r.get("status") == "success" and r.get("started_at") is not None]
    pool = successful or [r for r in runs if r.get("started_at") is not None]
    return max(pool, key=lambda r: (_sort_key(r.get("started_at")), str(r.get("run_id")))) if pool else None


def _only_run(rows: list[dict], run_id: str | None) -> list[dict]:
    """The rows of one run when the input holds several (load_report_tables already filters)."""
    ids = {r.get("run_id") for r in rows}
    if len(ids) <= 1:
        return rows
    chosen = run_id if run_id in ids else max((i for i in ids if i is not None), default=None)
    return [r for r in rows if r.get("run_id") == chosen]


def _collect(tables: Mapping[str, pa.Table]) -> tuple[dict[str, MonitorData], list[dict], dict | None]:
    runs = _rows(tables, "runs")
    latest = _latest_run(runs)
    latest_id = latest.get("run_id") if latest else None
    monitors: dict[str, MonitorData] = {}

    def monitor(name: Any) -> MonitorData:
        key = "" if name is None else str(name)
        if key not in monitors:
            monitors[key] = MonitorData(name=key)
        return monitors[key]

    for r in _only_run(_rows(tables, "drift_results"), latest_id):
        m = monitor(r.get("monitor"))
        (m.tracked if r.get("test") in TRACKED_TESTS else m.drift).append(r)
    for r in _only_run(_rows(tables, "label_shift_estimates"), latest_id):
        monitor(r.get("monitor")).label_shift.append(r)
    for r in _rows(tables, "segment_ranking"):
        monitor(r.get("monitor")).segments.append(r)
    for r in _rows(tables, "prediction_windows"):
        if r.get("column_kind", "predicted_label") == "predicted_label":
            monitor(r.get("monitor")).predicted.append(r)
    for r in _rows(tables, "alerts"):
        m = monitor(r.get("monitor"))
        (m.closed_alerts if r.get("status") == "closed" else m.alerts).append(r)
    for name, attr in (("feature_windows", "features"), ("histogram_windows", "histograms"),
                       ("category_windows", "categories")):
        for r in _rows(tables, name):
            getattr(monitor(r.get("monitor")), attr).append(r)
    for r in _rows(tables, "performance_windows"):
        if r.get("metric", "accuracy") == "accuracy":
            monitor(r.get("monitor")).performance.append(r)
    for r in _only_run(_rows(tables, "quality_results"), latest_id):
        monitor(r.get("monitor")).quality.append(r)
    for r in _only_run(_rows(tables, "schema_changes"), latest_id):
        monitor(r.get("monitor")).schema_changes.append(r)

    for m in monitors.values():
        windows: dict[Any, Window] = {}
        for r in (*m.features, *m.histograms, *m.categories, *m.performance, *m.drift, *m.quality, *m.tracked,
                  *m.label_shift, *m.segments, *m.predicted):
            start = r.get("window_start")
            if start is None:
                continue
            w = windows.setdefault(start, Window(start))
            if w.end is None:
                w.end = r.get("window_end")
            if r.get("is_reference"):
                w.is_reference = True
        m.windows = sorted(windows.values(), key=lambda w: _sort_key(w.start))
        m.index = {w.start: i for i, w in enumerate(m.windows)}
    ordered = dict(sorted(monitors.items()))
    return ordered, sorted(runs, key=lambda r: _sort_key(r.get("started_at")), reverse=True), latest


# --------------------------------------------------------------------------- page sections
def _overview(monitors: Mapping[str, MonitorData], latest: dict | None) -> str:
    head = ("<tr><th scope='col'>Monitor</th><th scope='col'>Status</th><th scope='col'>Windows</th>"
            "<th scope='col'>Latest window</th><th scope='col'>Tests</th><th scope='col'>Drifted</th>"
            "<th scope='col'>Skipped</th><th scope='col'>Open alerts by kind</th>"
            "<th scope='col'>Quality failures</th><th scope='col'>Schema changes</th>"
              "<th scope='col'>Last computed</th></tr>")
    body = []
    for m in monitors.values():
        severities = [a.get("severity") for a in m.alerts]
        status = "critical" if "critical" in severities else "warning" if "warning" in severities else "ok"
        by_kind = defaultdict(int)
        for a in m.alerts:
            by_kind[a.get("shift_kind")] += 1
        n_ref = sum(w.is_reference for w in m.windows)
        windows = f"{len(m.windows)}" + (f" <span class='muted'>({n_ref} reference)</span>" if n_ref else "")
        if m.windows:
            span = f"{esc(m.label(m.windows[0].start))} – {esc(m.label(m.windows[-1].start))}"
            windows += f"<br><span class='muted small nw'>{span}</span>"
        latest_window = esc(m.label(m.windows[-1].start)) if m.windows else "–"
        drifted = sum(bool(r.get("drifted")) for r in m.drift)
        skipped = sum(_is_skipped(r) for r in m.drift)
        failures = sum(r.get("success") is False for r in m.quality)
        computed = max((r.get("computed_at") for r in m.drift if r.get("computed_at") is not None),
                       key=_sort_key, default=None)
        kinds = "<td>" + (" ".join(f"<span class='chip'>{esc(k)} <b>{by_kind[k]}</b></span>"
                                   for k in sorted(by_kind, key=_kind_rank)) or "none") + "</td>"
        quality = f"{failures} / {len(m.quality)}" if m.quality else "–"
        body.append(
            f"<tr><th scope='row'><a href='#{esc(heatmap_anchor(m.name))}'>{esc(m.name)}</a></th>"
            f"<td>{_badge(status)}</td><td>{windows}</td><td class='nw'>{latest_window}</td>"
            f"<td class='num'>{len(m.drift) + len(m.tracked):,}</td><td class='num'>{drifted:,}</td><td class='num'>{skipped:,}</td>"
            f"{kinds}<td class='num'>{quality}</td><td class='num'>{len(m.schema_changes)}</td>"
            f"<td class='nw'>{esc(_ts(computed))}</td></tr>")
    if not body:
        return "<p class='empty'>No monitor has results yet. Run <code>shiftwatch run</code> first.</p>"
    return (f"<div class='scroll'><table class='data'><caption>Status per monitor"
            f"{' (run ' + esc(latest.get('run_id')) + ')' if latest else ''}</caption>"
            f"<thead>{head}</thead><tbody>{''.join(body)}</tbody></table></div>")


def _alert_rows(alerts: Iterable[dict], monitors: Mapping[str, MonitorData]) -> str:
    rows = []
    ordered = sorted(alerts, key=lambda a: (SEVERITY_ORDER.get(a.get("severity"), 9), str(a.get("monitor")),
                                            _sort_key(a.get("last_seen")), str(a.get("column_name"))))
    for a in ordered:
        monitor, column = str(a.get("monitor")), str(a.get("column_name"))
        anchor = column_anchor(monitor, column)
        m = monitors.get(monitor)
        label = m.label if m else _ts
        ratio = _ratio(a)
        effect = f"{_num(a.get('effect'))} / {_num(a.get('threshold'))}"
        if ratio is not None:
            effect += f" <span class='muted'>(×{ratio:.2g})</span>"
        segment = a.get("segment")
        rows.append(
            f"<tr class='alert sev-{esc(a.get('severity'))}'><td>{_badge(str(a.get('severity')))}</td>"
            f"<td>{esc(monitor)}</td><td>{esc(a.get('shift_kind'))}</td>"
            f"<td><a href='#{esc(anchor)}'>{esc(_column_label(column))}</a></td>"
            f"<td>{esc('all rows' if segment == ALL_ROWS else segment)}</td><td>{esc(a.get('test'))}</td>"
            f"<td class='nw'>{esc(label(a.get('first_seen')))}</td><td class='nw'>{esc(label(a.get('last_seen')))}</td>"
            f"<td class='num'>{_i(a.get('windows_in_a_row'))}</td><td class='num'>{effect}</td>"
            f"<td><a href='#{esc(anchor)}'>plots</a></td></tr>")
    return "".join(rows)


def _alerts(monitors: Mapping[str, MonitorData]) -> str:
    open_alerts = [a for m in monitors.values() for a in m.alerts]
    closed = [a for m in monitors.values() for a in m.closed_alerts]
    head = ("<thead><tr><th scope='col'>Severity</th><th scope='col'>Monitor</th><th scope='col'>Kind</th>"
            "<th scope='col'>Column</th><th scope='col'>Segment</th><th scope='col'>Test</th>"
            "<th scope='col'>First seen</th><th scope='col'>Last seen</th><th scope='col'>Windows in a row</th>"
            "<th scope='col'>Effect / threshold</th><th scope='col'>Details</th></tr></thead>")
    parts = []
    if open_alerts:
        parts.append(f"<div class='scroll'><table class='data' id='alert-list'><caption>{len(open_alerts)} open "
                     f"alert{'s' if len(open_alerts) != 1 else ''}</caption>{head}"
                     f"<tbody>{_alert_rows(open_alerts, monitors)}</tbody></table></div>")
    else:
        parts.append("<p class='empty' id='alert-list'>No open alerts.</p>")
    if closed:
        parts.append(f"<details><summary>{len(closed)} closed alert{'s' if len(closed) != 1 else ''}</summary>"
                     f"<div class='scroll'><table class='data'>{head}<tbody>{_alert_rows(closed, monitors)}"
                     f"</tbody></table></div></details>")
    return "".join(parts)


def _test_line(r: Mapping[str, Any]) -> str:
    if _is_skipped(r):
        return f"{r.get('test')}: skipped ({r.get('skipped_reason')})"
    ratio = _ratio(r)
    parts = [f"{r.get('test')}: stat {_num(r.get('statistic'))}",
             f"effect {_num(r.get('effect'))} / {_num(r.get('threshold'))}" + (f" (×{ratio:.2g})" if ratio is not None else "")]
    if r.get("q_value") is not None:
        parts.append(f"q {_num(r.get('q_value'))}")
    elif r.get("p_value") is not None:
        parts.append(f"p {_num(r.get('p_value'))}")
    return ", ".join(parts) + (" — drifted" if r.get("drifted") else "")


def _row_key(r: Mapping[str, Any]) -> tuple[str, str]:
    return (str(r.get("column_name")), str(r.get("segment") if r.get("segment") is not None else ALL_ROWS))


def _heatmap(m: MonitorData) -> str:
    if not m.drift:
        return "<p class='empty'>No drift results for this monitor in the latest run.</p>"
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    kinds: dict[tuple[str, str], str] = {}
    for r in m.drift:
        key = _row_key(r)
        groups[key].append(r)
        kinds.setdefault(key, str(r.get("shift_kind") or "other"))

    def order(key: tuple[str, str]) -> tuple:
        column, segment = key
        return (_kind_rank(kinds[key]), column != ALL_ROWS, column, segment != ALL_ROWS, segment)

    rows = []
    labels = [m.label(w.start) for w in m.windows]
    drifted_cells = skipped_cells = 0
    for key in sorted(groups, key=order):
        column, segment = key
        label = _column_label(column) + ("" if segment == ALL_ROWS else f" · {segment}")
        row = svg.HeatRow(label=label, href="#" + column_anchor(m.name, column), group=kinds[key])
        by_window: dict[int, list[dict]] = defaultdict(list)
        for r in groups[key]:
            if r.get("window_start") in m.index:
                by_window[m.index[r.get("window_start")]].append(r)
        for i, results in by_window.items():
            results.sort(key=lambda r: str(r.get("test")))
            ran = [r for r in results if not _is_skipped(r)]
            ratios = [x for x in (_ratio(r) for r in ran) if x is not None]
            drifted = any(bool(r.get("drifted")) for r in ran)
            skipped = not ran
            drifted_cells += drifted
            skipped_cells += skipped
            tip = (f"{label} · {labels[i]}" + (" (reference)" if m.windows[i].is_reference else "") + "\n"
                   + "\n".join(_test_line(r) for r in results))
            row.cells[i] = svg.HeatCell(ratio=max(ratios) if ratios else None, drifted=drifted, skipped=skipped,
                                        tooltip=tip)
        rows.append(row)
    desc = (f"{len(rows)} column and segment rows by {len(labels)} windows; {drifted_cells} drifted cells, "
            f"{skipped_cells} skipped cells. Colour is the strongest test's effect divided by its threshold.")
    chart = svg.heatmap(rows, labels, [w.is_reference for w in m.windows],
                        title=f"Drift heatmap of monitor {m.name}", desc=desc)
    return (f"<figure class='hm-fig'><div class='scroll' id='hmgrid-{esc(_slug(m.name))}'>{chart}</div>"
            f"<figcaption>Each cell is one column (and segment) in one window: colour = the strongest test's "
            f"effect / threshold, a dark dot = drifted (q &lt; alpha and effect ≥ its minimum), hatched = "
            f"skipped. Hover a cell for every test; click a row label for its plots."
            + (" Class-conditional (P(x | y)) comparisons are evidence, not decisions: they have "
               f"<a href='#{esc(_sub_id('pxy', m.name))}'>their own table</a>." if m.tracked else "")
            + "</figcaption></figure>")


def _performance(m: MonitorData) -> str:
    rows = [r for r in m.performance if (r.get("segment") or ALL_ROWS) == ALL_ROWS]
    if not rows:
        return ""
    n = len(m.windows)
    accuracy: list[float | None] = [None] * n
    coverage: list[float | None] = [None] * n
    for r in rows:
        i = m.index.get(r.get("window_start"))
        if i is not None:
            accuracy[i] = _f(r.get("value"))
            coverage[i] = _f(r.get("label_coverage"))
    drifted = [False] * n
    for r in m.drift:
        if r.get("test") == "accuracy" and (r.get("segment") or ALL_ROWS) == ALL_ROWS and r.get("drifted"):
            i = m.index.get(r.get("window_start"))
            if i is not None:
                drifted[i] = True
    ref_rows = [r for r in rows if r.get("is_reference")]
    correct, labeled = sum(_i(r.get("n_correct")) for r in ref_rows), sum(_i(r.get("n_labeled")) for r in ref_rows)
    series = [svg.Series("accuracy", accuracy, colour=svg.SERIES_COLOURS[0], marked=drifted)]
    if labeled:
        series.append(svg.Series("reference accuracy", [correct / labeled] * n, colour="#555", dashed=True))
    if all(v is None for v in accuracy):
        return "<p class='empty'>No labelled windows yet.</p>"
    chart = svg.line_chart([m.label(w.start) for w in m.windows], series,
                           title=f"Accuracy and label coverage of monitor {m.name}",
                           desc="Accuracy per window over the labelled events (line), reference accuracy (dashed), "
                                "and the share of events with a label (bars).",
                           reference=[w.is_reference for w in m.windows], y_percent=True,
                           height=270, bars=svg.Series("label coverage", coverage, colour="#b8c7d9"),
                           bars_height=50, mark_label="accuracy drop flagged")
    return (f"<figure class='perf' id='perf-{esc(_slug(m.name))}'>{chart}<figcaption>Accuracy over all rows per window; a red ring marks a "
            f"window whose accuracy test flagged a drop. Bars: label coverage (labels arrive late, so recent "
            f"windows can be incomplete).</figcaption></figure>")


@dataclass
class ColumnInfo:
    name: str
    kind: str = ""
    role: str = ""
    column_kind: str = ""
    results: list[dict] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)

    @property
    def peak_ratio(self) -> float:
        ratios = [x for x in (_ratio(r) for r in self.results if not _is_skipped(r)) if x is not None]
        return max(ratios, default=0.0)


def _columns(m: MonitorData) -> list[ColumnInfo]:
    info: dict[str, ColumnInfo] = {}

    def get(name: Any) -> ColumnInfo:
        key = str(name)
        if key not in info:
            info[key] = ColumnInfo(key)
        return info[key]

    for r in m.drift:
        c = get(r.get("column_name"))
        c.results.append(r)
        c.kind = c.kind or str(r.get("shift_kind") or "")
    for a in m.alerts:
        get(a.get("column_name")).alerts.append(a)
    for r in m.features:
        c = get(r.get("column_name"))
        c.column_kind = c.column_kind or str(r.get("column_kind") or "")
    for r in (*m.histograms, *m.categories):
        c = get(r.get("column_name"))
        role = str(r.get("role") or "feature")
        if not c.role or (role in ROLE_ORDER and c.role in ROLE_ORDER and ROLE_ORDER.index(role) < ROLE_ORDER.index(c.role)):
            c.role = role

    def order(c: ColumnInfo) -> tuple:
        severity = min((SEVERITY_ORDER.get(a.get("severity"), 9) for a in c.alerts), default=10)
        return (severity, -c.peak_ratio, c.name)

    return sorted(info.values(), key=order)


def _preferred(results: list[dict]) -> list[dict]:
    """The all-rows results when there are any, else every segment's."""
    overall = [r for r in results if (r.get("segment") or ALL_ROWS) == ALL_ROWS]
    return overall or results


def _worst(results: list[dict]) -> dict | None:
    ran = [r for r in _preferred(results) if not _is_skipped(r) and _ratio(r) is not None]
    return max(ran, key=lambda r: (_ratio(r), _sort_key(r.get("window_start")))) if ran else None


def _numeric_plot(m: MonitorData, column: str, role: str, start: Any, what: str) -> str | None:
    rows = [r for r in m.histograms if str(r.get("column_name")) == column and (r.get("role") or "feature") == role]
    if not rows:
        return None
    edges: dict[int, tuple[float | None, float | None]] = {}
    reference: dict[int, float] = defaultdict(float)
    current: dict[int, float] = defaultdict(float)
    for r in rows:
        b = _i(r.get("bin"))
        lo, hi = _f(r.get("lower_edge")), _f(r.get("upper_edge"))
        old = edges.get(b, (None, None))
        edges[b] = (old[0] if old[0] is not None else lo, old[1] if old[1] is not None else hi)
        if r.get("is_reference"):
            reference[b] += _i(r.get("n"))
        if r.get("window_start") == start:
            current[b] += _i(r.get("n"))
    if not current:
        return None
    # Rows exist only for non-empty bins: take a missing edge from the neighbouring bin, and
    # leave out bins empty on both sides (zero-width bins of discrete columns, e.g. (36, 36]).
    for b in range(min(edges), max(edges) + 1):
        lo, hi = edges.get(b, (None, None))
        if lo is None and b > 0:
            lo = edges.get(b - 1, (None, None))[1]
        if hi is None:
            hi = edges.get(b + 1, (None, None))[0]
        edges[b] = (lo, hi)
    bins = [b for b in range(min(edges), max(edges) + 1) if reference.get(b) or current.get(b)]
    ref_total, cur_total = sum(reference.values()) or 1, sum(current.values()) or 1
    label = m.label(start)
    return svg.numeric_bars([edges.get(b, (None, None)) for b in bins], [reference[b] / ref_total for b in bins],
                            [current[b] / cur_total for b in bins], current_label=label,
                            title=f"{column}: reference vs {what} window {label}",
                            desc=f"Share of values per reference-decile bin, reference windows pooled "
                                 f"({sum(reference.values()):,} values) and window {label} ({sum(current.values()):,}).")


def _category_plot(m: MonitorData, column: str, role: str, start: Any, what: str) -> str | None:
    rows = [r for r in m.categories if str(r.get("column_name")) == column and (r.get("role") or "feature") == role]
    if not rows:
        return None
    reference: dict[str, float] = defaultdict(float)
    current: dict[str, float] = defaultdict(float)
    for r in rows:
        category = str(r.get("category"))
        if r.get("is_reference"):
            reference[category] += _i(r.get("n"))
        if r.get("window_start") == start:
            current[category] += _i(r.get("n"))
    if not current:
        return None
    ref_total, cur_total = sum(reference.values()) or 1, sum(current.values()) or 1
    ref_share = {c: v / ref_total for c, v in reference.items()}
    cur_share = {c: v / cur_total for c, v in current.items()}
    names = sorted(set(ref_share) | set(cur_share), key=lambda c: (-max(ref_share.get(c, 0), cur_share.get(c, 0)), c))
    shown, rest = names[:MAX_CATEGORIES], names[MAX_CATEGORIES:]
    ref_values = [ref_share.get(c, 0.0) for c in shown]
    cur_values = [cur_share.get(c, 0.0) for c in shown]
    new = [c not in reference for c in shown]
    if rest:
        shown = [*shown, f"(other {len(rest)})"]
        ref_values.append(sum(ref_share.get(c, 0.0) for c in rest))
        cur_values.append(sum(cur_share.get(c, 0.0) for c in rest))
        new.append(False)
    label = m.label(start)
    unseen = sum(new)
    return svg.category_bars(shown, ref_values, cur_values, current_label=label, new=new,
                             title=f"{column}: reference vs {what} window {label}",
                             desc=f"Share of each category, reference windows pooled and window {label}"
                                  + (f"; {unseen} categories unseen in the reference." if unseen else "."))


def _distribution(m: MonitorData, c: ColumnInfo, start: Any, what: str) -> str | None:
    role = c.role or "feature"
    plot = _numeric_plot(m, c.name, role, start, what)
    if plot is None:
        plot = _category_plot(m, c.name, role, start, what)
    return plot


def _stats_table(m: MonitorData, column: str, windows: Sequence[tuple[str, Any]]) -> str:
    rows = [r for r in m.features if str(r.get("column_name")) == column]
    if not rows:
        return ""
    numeric = any((r.get("column_kind") or "numeric") == "numeric" for r in rows)
    fields = (["n", "null_rate", "mean", "stddev", "p05", "p50", "p95"] if numeric
              else ["n", "null_rate", "n_distinct"])
    ref = [r for r in rows if r.get("is_reference")]
    by_start = {r.get("window_start"): r for r in rows}
    head = ["<th scope='col'>statistic</th>"]
    columns: list[dict[str, Any]] = []
    if ref:
        head.append("<th scope='col'>reference <span class='muted'>(median of windows)</span></th>")
        columns.append({f: _median([r.get(f) for r in ref]) for f in fields})
    for what, start in windows:
        if start in by_start:
            head.append(f"<th scope='col'>{esc(what)} {esc(m.label(start))}</th>")
            columns.append(by_start[start])
    body = []
    for f in fields:
        fmt = _pct if f == "null_rate" else _count if f in ("n", "n_distinct") else _num
        body.append(f"<tr><th scope='row'>{esc(f)}</th>" + "".join(f"<td class='num'>{fmt(col.get(f))}</td>" for col in columns) + "</tr>")
    return f"<table class='data compact'><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _median(values: Iterable[Any]) -> float | None:
    xs = [x for x in (_f(v) for v in values) if x is not None]
    return statistics.median(xs) if xs else None


def _effect_chart(m: MonitorData, c: ColumnInfo) -> str:
    results = _preferred(c.results)
    if not results:
        return ""
    series_rows: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in results:
        series_rows[(str(r.get("test")), str(r.get("segment") or ALL_ROWS))].append(r)
    keys = sorted(series_rows)[: len(svg.SERIES_COLOURS)]
    n = len(m.windows)
    series = []
    for k, key in enumerate(keys):
        values: list[float | None] = [None] * n
        marked = [False] * n
        for r in series_rows[key]:
            i = m.index.get(r.get("window_start"))
            if i is not None and not _is_skipped(r):
                values[i] = _ratio(r)
                marked[i] = bool(r.get("drifted"))
        test, segment = key
        label = test if segment == ALL_ROWS else f"{test} · {segment}"
        series.append(svg.Series(label, values, colour=svg.SERIES_COLOURS[k], marked=marked))
    if all(v is None for s in series for v in s.values):
        return "<p class='empty small'>Every test of this column was skipped.</p>"
    return svg.line_chart([m.label(w.start) for w in m.windows], series, title=f"{c.name}: effect / threshold over windows",
                          desc="Each test's effect divided by its threshold per window; 1 is the decision threshold.",
                          reference=[w.is_reference for w in m.windows], hline=(1.0, "threshold (effect = minimum)"),
                          height=170, width=640)


def _column_card(m: MonitorData, c: ColumnInfo) -> str:
    anchor = column_anchor(m.name, c.name)
    badges = "".join(
        _badge(" · ".join(str(x) for x in (a.get("severity"), a.get("shift_kind"), a.get("test"),
                                            None if (a.get("segment") or ALL_ROWS) == ALL_ROWS else a.get("segment"))
                          if x is not None), a.get("severity"))
        for a in sorted(c.alerts, key=lambda a: (SEVERITY_ORDER.get(a.get("severity"), 9), str(a.get("segment")))))
    kind = " · ".join(x for x in (c.kind, c.column_kind or c.role) if x)
    skipped = sorted({str(r.get("skipped_reason")) for r in c.results if _is_skipped(r)})
    parts = [(f"<section class='card' id='{esc(anchor)}' aria-labelledby='h-{esc(anchor)}'>"
              f"<h4 id='h-{esc(anchor)}'>{esc(_column_label(c.name))} <span class='muted small'>{esc(kind)}</span>"
              f" {badges}</h4>")]
    windows_with_data = {r.get("window_start") for r in (*m.histograms, *m.categories) if str(r.get("column_name")) == c.name}
    latest = max(windows_with_data, key=_sort_key) if windows_with_data else None
    worst = _worst(c.results)
    worst_start = worst.get("window_start") if worst else None
    figures = []
    shown_windows: list[tuple[str, Any]] = []
    if latest is not None:
        plot = _distribution(m, c, latest, "latest")
        if plot:
            note = " (also the worst)" if worst_start == latest else ""
            figures.append(f"<figure class='distfig'>{plot}<figcaption>Latest window {esc(m.label(latest))}{note}</figcaption></figure>")
            shown_windows.append(("latest", latest))
    if worst_start is not None and worst_start != latest:
        plot = _distribution(m, c, worst_start, "worst")
        if plot:
            figures.append(f"<figure class='distfig'>{plot}<figcaption>Worst window {esc(m.label(worst_start))}: "
                           f"{esc(_test_line(worst))}</figcaption></figure>")
            shown_windows.append(("worst", worst_start))
    if figures:
        parts.append(f"<div class='dists'>{''.join(figures)}</div>")
    elif c.kind == "concept" and any(w for w in m.performance):
        parts.append(f"<p class='muted small'>A performance test: see <a href='#perf-{esc(_slug(m.name))}'>"
                     f"performance over time</a> for accuracy and label coverage.</p>")
    elif c.name == ALL_ROWS:
        parts.append("<p class='muted small'>A multivariate test over all numeric features: no single distribution to draw.</p>")
    else:
        parts.append("<p class='muted small'>No histogram or category counts for this column.</p>")
    effect = _effect_chart(m, c)
    stats_table = _stats_table(m, c.name, shown_windows)
    if effect or stats_table:
        parts.append("<div class='pair'>" + (f"<figure class='effect'>{effect}</figure>" if effect else "")
                     + (f"<div class='scroll'>{stats_table}</div>" if stats_table else "") + "</div>")
    if worst is not None:
        same = sorted((r for r in c.results if r.get("window_start") == worst_start
                       and r.get("segment") == worst.get("segment")), key=lambda r: str(r.get("test")))
        parts.append("<details><summary>Tests in the worst window</summary><div class='scroll'><table class='data compact'>"
                     "<thead><tr><th scope='col'>test</th><th scope='col'>statistic</th><th scope='col'>p</th>"
                     "<th scope='col'>q</th><th scope='col'>effect</th><th scope='col'>threshold</th>"
                     "<th scope='col'>drifted</th><th scope='col'>n ref / cur</th><th scope='col'>details</th></tr></thead><tbody>"
                     + "".join(f"<tr><td>{esc(r.get('test'))}</td><td class='num'>{_num(r.get('statistic'))}</td>"
                               f"<td class='num'>{_num(r.get('p_value'))}</td><td class='num'>{_num(r.get('q_value'))}</td>"
                               f"<td class='num'>{_num(r.get('effect'))}</td><td class='num'>{_num(r.get('threshold'))}</td>"
                               f"<td>{'yes' if r.get('drifted') else 'no'}</td>"
                               f"<td class='num'>{_count(r.get('n_reference'))} / {_count(r.get('n_current'))}</td>"
                               f"<td class='small'>{_truncate(r.get('details'), 120)}</td></tr>" for r in same)
                     + "</tbody></table></div></details>")
    if skipped:
        parts.append(f"<p class='small'>Skipped in some windows: {esc(', '.join(skipped))}.</p>")
    parts.append("<p class='small'><a href='#alerts'>↑ alerts</a> · "
                 f"<a href='#{esc(heatmap_anchor(m.name))}'>↑ heatmap</a></p></section>")
    return "".join(parts)


# --------------------------------------------------------------------------- ML-observability sections
def _details(row: Mapping[str, Any]) -> dict:
    """A result row's details as a dict; anything unreadable gives {}."""
    value = row.get("details")
    if isinstance(value, Mapping):
        return dict(value)
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _overall(row: Mapping[str, Any]) -> bool:
    return (row.get("segment") or ALL_ROWS) == ALL_ROWS


def _runs_of(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive window positions grouped as (first, last)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _span(m: MonitorData, first: int, last: int) -> str:
    a, b = m.label(m.windows[first].start), m.label(m.windows[last].start)
    return a if first == last else f"{a} – {b}"


def _spans(m: MonitorData, indices: Iterable[int]) -> str:
    return ", ".join(_span(m, a, b) for a, b in _runs_of(indices))


def _pp(value: Any, *, signed: bool = False) -> str:
    """A difference of two proportions in percentage points."""
    x = _f(value)
    if x is None:
        return "–"
    return f"{x * 100:+.1f} pp" if signed else f"{x * 100:.1f} pp"


def _sub_id(key: str, monitor: str) -> str:
    return f"{key}-{_slug(monitor)}"


def _sub(m: MonitorData, key: str, title: str, body: str) -> str:
    sid = _sub_id(key, m.name)
    return (f"<section class='sub' id='{esc(sid)}' aria-labelledby='h-{esc(sid)}'>"
            f"<h3 id='h-{esc(sid)}'>{title}</h3>{body}</section>")


def _class_key(value: str) -> tuple:
    x = _f(value)
    return (0, x, value) if x is not None else (1, 0.0, value)


def _skip_note(rows: Iterable[Mapping[str, Any]], what: str) -> str:
    reasons: dict[str, int] = defaultdict(int)
    for r in rows:
        if _is_skipped(r):
            reasons[str(r.get("skipped_reason"))] += 1
    if not reasons:
        return ""
    listed = ", ".join(f"{esc(k)} × {v}" for k, v in sorted(reasons.items()))
    return f"<p class='small muted'>{esc(what)} skipped in {sum(reasons.values())} windows: {listed}.</p>"


# ---- label shift (BBSE)
POSITIVE_CLASSES = ("1", "1.0", "true", "yes", "positive", "pos")


def _estimates_from_details(bbse: Iterable[Mapping[str, Any]]) -> list[dict]:
    """label_shift_estimates rebuilt from the bbse rows' details, for result sets without
    the table (observed priors are then unknown)."""
    out = []
    for r in bbse:
        d = _details(r)
        classes = d.get("classes")
        if _is_skipped(r) or not isinstance(classes, list):
            continue

        def at(key: str, k: int) -> Any:
            values = d.get(key)
            return values[k] if isinstance(values, list) and k < len(values) else None

        for k, cls in enumerate(classes):
            out.append({"monitor": r.get("monitor"), "window_start": r.get("window_start"),
                        "window_end": r.get("window_end"), "column_name": r.get("column_name"),
                        "class_label": str(cls), "reference_prior": at("reference_prior", k),
                        "estimated_prior": at("estimated_prior", k), "ci_low": at("ci_low", k),
                        "ci_high": at("ci_high", k), "observed_prior": None, "n_predicted": r.get("n_current"),
                        "n_labeled": d.get("n_labeled")})
    return out


def _shown_classes(classes: list[str], rows: list[dict]) -> list[str]:
    """The positive class of a binary label; otherwise the classes whose estimate moved
    most from the reference prior (at most MAX_CLASSES), in class order."""
    if len(classes) == 2:
        positive = [c for c in classes if c.strip().lower() in POSITIVE_CLASSES]
        return positive[:1] or classes[1:]
    moved: dict[str, float] = defaultdict(float)
    for r in rows:
        est, ref = _f(r.get("estimated_prior")), _f(r.get("reference_prior"))
        if est is not None and ref is not None:
            cls = str(r.get("class_label"))
            moved[cls] = max(moved[cls], abs(est - ref))
    chosen = sorted(classes, key=lambda c: (-moved.get(c, 0.0), _class_key(c)))[:MAX_CLASSES]
    return sorted(chosen, key=_class_key)


def _label_test_state(m: MonitorData, column: str, start: Any) -> str:
    """What the tests on the arrived labels (chi², PSI, JS of the label) say in one window."""
    rows = [r for r in m.drift if r.get("shift_kind") == "label" and r.get("test") != "bbse" and _overall(r)
            and str(r.get("column_name")) == column and r.get("window_start") == start]
    if not rows:
        return "–"
    drifted = sorted({str(r.get("test")) for r in rows if r.get("drifted")})
    if drifted:
        return "drifted (" + esc(", ".join(drifted)) + ")"
    if all(_is_skipped(r) for r in rows):
        return "not yet (" + esc(", ".join(sorted({str(r.get("skipped_reason")) for r in rows}))) + ")"
    return "no shift"


def _label_shift(m: MonitorData) -> str:
    bbse = [r for r in m.drift if r.get("test") == "bbse" and _overall(r)]
    estimates = m.label_shift or _estimates_from_details(bbse)
    if not estimates and not bbse:
        return ""
    n = len(m.windows)
    labels = [m.label(w.start) for w in m.windows]
    reference = [w.is_reference for w in m.windows]
    by_column: dict[str, list[dict]] = defaultdict(list)
    for r in estimates:
        if r.get("window_start") in m.index:
            by_column[str(r.get("column_name"))].append(r)
    bbse_at: dict[tuple[str, int], dict] = {}
    for r in bbse:
        if r.get("window_start") in m.index:
            bbse_at[(str(r.get("column_name")), m.index[r.get("window_start")])] = r
    parts = []
    for column in sorted(set(by_column) | {c for c, _ in bbse_at}):
        rows = by_column.get(column, [])
        flagged = sorted(i for (c, i), r in bbse_at.items() if c == column and r.get("drifted"))
        marked = [i in set(flagged) for i in range(n)]
        classes = sorted({str(r.get("class_label")) for r in rows}, key=_class_key)
        shown = _shown_classes(classes, rows)
        figures = []
        for cls in shown:
            est: list[float | None] = [None] * n
            low, high, ref, obs, coverage = ([None] * n for _ in range(5))
            for r in rows:
                if str(r.get("class_label")) != cls:
                    continue
                i = m.index[r.get("window_start")]
                est[i], low[i], high[i] = _f(r.get("estimated_prior")), _f(r.get("ci_low")), _f(r.get("ci_high"))
                ref[i], obs[i] = _f(r.get("reference_prior")), _f(r.get("observed_prior"))
                predicted, labelled = _f(r.get("n_predicted")), _f(r.get("n_labeled"))
                coverage[i] = min(labelled / predicted, 1.0) if predicted and labelled is not None else None
            if all(v is None for v in est):
                continue
            series = [svg.Series("estimated prior", est, colour=svg.SERIES_COLOURS[0], marked=marked,
                                 lower=low, upper=high, band_label="95% interval"),
                      svg.Series("reference prior", ref, colour="#555", dashed=True),
                      svg.Series("observed (labels so far)", obs, colour=svg.SERIES_COLOURS[5])]
            bars = (svg.Series("label coverage", coverage, colour="#b8c7d9")
                    if any(v is not None for v in coverage) else None)
            desc = (f"Estimated share of class {cls} of {column} per window with its 95% interval, the reference "
                    f"prior (dashed) and the share among the labels arrived so far. "
                    + (f"BBSE flagged: {_spans(m, flagged)}." if flagged else "BBSE flagged no window."))
            chart = svg.line_chart(labels, series, title=f"P({column} = {cls}) estimated before labels arrive, "
                                                         f"monitor {m.name}", desc=desc, reference=reference,
                                   y_percent=True, height=280 if bars else 230, bars=bars,
                                   bars_height=40 if bars else 0.0, mark_label="BBSE flagged")
            figures.append(
                f"<figure class='perf'>{chart}<figcaption><b>P({esc(column)} = {esc(cls)})</b>. Black-box shift "
                f"estimation (BBSE) solves the reference confusion matrix against the window's predicted classes, "
                f"so it estimates the class prior from predictions alone, before the labels arrive; the band is its "
                f"95% bootstrap interval, red rings mark windows where the prior moved (q &lt; alpha and the total "
                f"variation ½ Σ |Δprior| at its minimum). Bars: label coverage so far.</figcaption></figure>")
        parts.extend(figures)
        # the table: flagged windows, then the latest window with an estimate
        with_estimates = sorted({m.index[r.get("window_start")] for r in rows})
        listed = sorted(set(flagged) | set(with_estimates[-1:]))
        body = []
        latest = with_estimates[-1] if with_estimates else None
        for i in listed:
            r_bbse = bbse_at.get((column, i), {})
            start = m.windows[i].start
            state = (_badge("flagged", "critical") if r_bbse.get("drifted")
                     else f"skipped ({esc(r_bbse.get('skipped_reason'))})" if _is_skipped(r_bbse)
                     else "no" if r_bbse else "–")
            ratio = _ratio(r_bbse) if r_bbse else None
            shift = (f"{_num(r_bbse.get('effect'))} / {_num(r_bbse.get('threshold'))}"
                     + (f" <span class='muted'>(×{ratio:.2g})</span>" if ratio is not None else "")) if r_bbse else "–"
            labels_state = _label_test_state(m, column, start)
            window_label = esc(m.label(start)) + (" <span class='muted small'>(latest)</span>" if i == latest else "")
            for cls in shown or [None]:
                est_row = next((r for r in rows if m.index[r.get("window_start")] == i
                                and str(r.get("class_label")) == cls), {})
                labelled = est_row.get("n_labeled")
                observed = (f"{_pct(est_row.get('observed_prior'))} <span class='muted small'>"
                            f"({_count(labelled)} of {_count(est_row.get('n_predicted'))} labelled)</span>"
                            if est_row else "–")
                body.append(
                    f"<tr class='{'flagged' if r_bbse.get('drifted') else 'unflagged'}'>"
                    f"<th scope='row' class='nw'>{window_label}</th><td>{esc(cls) if cls is not None else '–'}</td>"
                    f"<td class='num'>{_pct(est_row.get('reference_prior'))}</td>"
                    f"<td class='num'><b>{_pct(est_row.get('estimated_prior'))}</b></td>"
                    f"<td class='num'>{_pct(est_row.get('ci_low'))} – {_pct(est_row.get('ci_high'))}</td>"
                    f"<td class='num'>{observed}</td><td class='num'>{shift}</td>"
                    f"<td class='num'>{_num(r_bbse.get('q_value')) if r_bbse else '–'}</td>"
                    f"<td>{state}</td><td>{labels_state}</td></tr>")
        if body:
            parts.append(
                f"<div class='scroll'><table class='data' id='{esc(_sub_id('ls-table', m.name + '-' + column))}'>"
                f"<caption>{esc(column)}: windows where BBSE flagged a label shift, and the latest window</caption>"
                "<thead><tr><th scope='col'>Window</th><th scope='col'>Class</th><th scope='col'>Reference prior</th>"
                "<th scope='col'>Estimated prior</th><th scope='col'>95% interval</th>"
                "<th scope='col'>Observed so far</th><th scope='col'>Shift ½ Σ |Δprior| / threshold</th>"
                "<th scope='col'>q-value</th><th scope='col'>BBSE</th><th scope='col'>Label tests (arrived labels)</th>"
                f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
        parts.append(_skip_note([r for (c, _), r in bbse_at.items() if c == column], f"BBSE on {column}"))
    return "".join(parts)


# ---- concept shift (calibration within score bins)
def _concept(m: MonitorData) -> str:
    calibration = [r for r in m.drift if r.get("test") == "calibration"]
    if not calibration:
        return ""
    accuracy = [r for r in m.drift if r.get("test") == "accuracy"]
    n = len(m.windows)
    gap: list[float | None] = [None] * n
    drop: list[float | None] = [None] * n
    gap_marked, drop_marked = [False] * n, [False] * n
    for rows, values, marks in ((calibration, gap, gap_marked), (accuracy, drop, drop_marked)):
        for r in rows:
            i = m.index.get(r.get("window_start"))
            if i is not None and _overall(r) and not _is_skipped(r):
                values[i] = _f(r.get("effect"))
                marks[i] = bool(r.get("drifted"))
    thresholds = {_f(r.get("threshold")) for r in calibration if _overall(r)} - {None}
    parts = []
    if any(v is not None for v in gap):
        series = [svg.Series("calibration gap", gap, colour=svg.SERIES_COLOURS[0], marked=gap_marked)]
        if any(v is not None for v in drop):
            series.append(svg.Series("accuracy drop vs reference", drop, colour=svg.SERIES_COLOURS[1], marked=drop_marked))
        flagged = [i for i in range(n) if gap_marked[i]]
        chart = svg.line_chart(
            [m.label(w.start) for w in m.windows], series, title=f"Concept shift of monitor {m.name}",
            desc=("Calibration gap within score bins and accuracy drop against the reference per window, all rows. "
                  + (f"Calibration flagged: {_spans(m, flagged)}." if flagged else "Calibration flagged no window.")),
            reference=[w.is_reference for w in m.windows], y_percent=True, height=220,
            hline=(thresholds.pop(), "calibration threshold") if len(thresholds) == 1 else None, mark_label="flagged")
        parts.append(
            f"<figure class='perf'>{chart}<figcaption>Calibration gap: within ten fixed score bins, the mean "
            f"|observed − expected positive rate| weighted by events, the expected rate being the reference's "
            f"corrected to the window's label prior (so a pure label shift does not read as concept shift). "
            f"Accuracy drop: the accuracy test's effect; accuracy itself is drawn in "
            f"<a href='#perf-{esc(_slug(m.name))}'>performance over time</a>. Red rings: flagged (q &lt; alpha and "
            f"effect at its minimum). Both in percentage points.</figcaption></figure>")
    else:
        parts.append("<p class='empty'>Every calibration test over all rows was skipped.</p>")
    flagged_rows = [r for r in (*calibration, *accuracy) if r.get("drifted") and r.get("window_start") in m.index]
    by_window: dict[int, list[dict]] = defaultdict(list)
    for r in flagged_rows:
        by_window[m.index[r.get("window_start")]].append(r)
    body = []
    for i in sorted(by_window):
        rows = by_window[i]
        overall = [r for r in rows if _overall(r)]
        kinds = sorted({str(r.get("shift_kind")) for r in (overall or rows)}, key=_kind_rank)
        reasons = sorted({str(_details(r).get("kind_reason")) for r in rows if _details(r).get("kind_reason")})
        segments = sorted({(str(r.get("segment")), str(r.get("test"))) for r in rows if not _overall(r)})
        by_segment: dict[str, list[str]] = defaultdict(list)
        for segment, test in segments:
            by_segment[segment].append(test)
        segment_text = "; ".join(f"{esc(s)} ({esc(', '.join(t))})" for s, t in by_segment.items()) or "–"
        body.append(
            f"<tr class='flagged'><th scope='row' class='nw'>{esc(m.label(m.windows[i].start))}</th>"
            f"<td class='num'>{_pp(gap[i])}{' ●' if gap_marked[i] else ''}</td>"
            f"<td class='num'>{_pp(drop[i], signed=True)}{' ●' if drop_marked[i] else ''}</td>"
            f"<td>{esc(', '.join(kinds))}</td><td>{segment_text}</td>"
            f"<td class='small'>{_truncate('; '.join(reasons), 160) if reasons else '–'}</td></tr>")
    if body:
        parts.append(
            f"<div class='scroll'><table class='data' id='{esc(_sub_id('concept-table', m.name))}'><caption>Windows where "
            "calibration or accuracy was flagged (● = flagged over all rows)</caption><thead><tr>"
            "<th scope='col'>Window</th><th scope='col'>Calibration gap</th><th scope='col'>Accuracy drop</th>"
            "<th scope='col'>Kind</th><th scope='col'>Flagged segments</th><th scope='col'>Why this kind</th>"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>")
    else:
        parts.append("<p class='muted'>No window's calibration or accuracy test was flagged.</p>")
    parts.append(_skip_note([r for r in calibration if _overall(r)], "Calibration (all rows)"))
    return "".join(parts)


# ---- segments: for which users did it degrade
def _segments(m: MonitorData) -> str:
    if not m.segments:
        return ""
    by_window: dict[int, list[dict]] = defaultdict(list)
    for r in m.segments:
        i = m.index.get(r.get("window_start"))
        if i is not None and r.get("segment") is not None:
            by_window[i].append(r)
    flagged: dict[tuple[int, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    degraded: dict[str, set[int]] = defaultdict(set)
    for r in m.drift:
        i = m.index.get(r.get("window_start"))
        if i is None or _overall(r) or not r.get("drifted"):
            continue
        test, column = str(r.get("test")), str(r.get("column_name"))
        flagged[(i, str(r.get("segment")))]["" if column == test else column].append(test)
        if test in ("accuracy", "calibration"):
            degraded[str(r.get("segment"))].add(i)
    # "accuracy, calibration" for performance tests, "y_pred_proba (chi2, psi)" for a column's tests
    flagged_tests = {key: [", ".join(sorted(tests)) if not column else f"{column} ({', '.join(sorted(tests))})"
                           for column, tests in sorted(by_column.items())]
                     for key, by_column in flagged.items()}
    flagged_windows = {i for i, rows in by_window.items() if any(_i(r.get("drifted_tests")) > 0 for r in rows)}
    labelled = [i for i, rows in by_window.items() if any(r.get("segment_rank") is not None for r in rows)]
    latest_labelled = max(labelled, default=None)
    chosen = sorted(flagged_windows | ({latest_labelled} if latest_labelled is not None else set()))
    if not chosen:
        return "<p class='empty'>No window has a ranked (≥ 100 labelled events) or flagged segment yet.</p>"
    left_out = len(chosen) - MAX_SEGMENT_WINDOWS
    chosen = chosen[-MAX_SEGMENT_WINDOWS:]
    parts = []
    if degraded:
        items = "".join(f"<li><b>{esc(s)}</b>: accuracy or calibration flagged in {esc(_spans(m, w))} "
                        f"({len(w)} window{'s' if len(w) != 1 else ''})</li>"
                        for s, w in sorted(degraded.items(), key=lambda kv: (-len(kv[1]), kv[0])))
        parts.append(f"<ul class='summary' id='{esc(_sub_id('seg-summary', m.name))}'>{items}</ul>")
    else:
        parts.append("<p class='muted'>No segment's accuracy or calibration test flagged a window.</p>")
    groups = []
    for i in chosen:
        rows = sorted(by_window[i], key=lambda r: (r.get("segment_rank") is None, _i(r.get("segment_rank")),
                                                    str(r.get("segment"))))
        shown = [r for k, r in enumerate(rows) if k < MAX_SEGMENTS or flagged_tests.get((i, str(r.get("segment"))))
                 or _i(r.get("drifted_tests")) > 0]
        hidden = len(rows) - len(shown)
        note = []
        if i == latest_labelled:
            note.append("latest labelled")
        if i in flagged_windows:
            note.append("flagged segment")
        head = (f"<th scope='rowgroup' rowspan='{len(shown) + (1 if hidden else 0)}' class='nw'>"
                f"{esc(m.label(m.windows[i].start))}<br><span class='muted small'>{esc(', '.join(note))}</span></th>")
        trs = []
        for k, r in enumerate(shown):
            segment = str(r.get("segment"))
            tests = flagged_tests.get((i, segment))
            count = _i(r.get("drifted_tests"))
            tests_text = esc("; ".join(tests)) if tests else (f"{count} tests" if count else "–")
            rank = r.get("segment_rank")
            cls = " ".join(c for c in ("worst" if _i(rank) == 1 and rank is not None else "",
                                       "flagged" if tests or count else "") if c) or "plain"
            trs.append(f"<tr class='{cls}'>{head if k == 0 else ''}"
                       f"<td class='num'>{_i(rank) if rank is not None else '–'}</td><td>{esc(segment)}</td>"
                       f"<td class='num'>{_pct(r.get('accuracy'))}</td><td class='num'>{_pct(r.get('overall_accuracy'))}</td>"
                       f"<td class='num'>{_pp(r.get('accuracy_gap'), signed=True)}</td>"
                       f"<td class='num'>{_count(r.get('n_labeled'))}</td>"
                       f"<td class='num'>{_pp(r.get('calibration_gap'))}</td><td>{tests_text}</td></tr>")
        if hidden:
            trs.append(f"<tr class='more'><td colspan='8' class='muted small'>{hidden} more segments, none flagged</td></tr>")
        groups.append(f"<tbody>{''.join(trs)}</tbody>")
    parts.append(
        f"<div class='scroll'><table class='data' id='{esc(_sub_id('seg-table', m.name))}'><caption>Segments ranked "
        "by accuracy gap to the whole window (worst first), for windows with a flagged segment and the latest "
        "labelled window</caption><thead><tr><th scope='col'>Window</th><th scope='col'>Rank</th>"
        "<th scope='col'>Segment</th><th scope='col'>Accuracy</th><th scope='col'>Whole window</th>"
        "<th scope='col'>Gap</th><th scope='col'>Labelled</th><th scope='col'>Calibration gap</th>"
        f"<th scope='col'>Flagged tests</th></tr></thead>{''.join(groups)}</table></div>")
    if left_out > 0:
        parts.append(f"<p class='muted small'>{left_out} earlier windows not shown; query "
                     f"<code>segment_ranking</code> for all.</p>")
    parts.append("<p class='small muted'>Gap = whole-window accuracy − segment accuracy (positive: the segment does "
                 "worse). Segments with fewer than 100 labelled events are listed without a rank. Flagged tests are "
                 "the segment's own: accuracy and calibration against the segment's reference, chi² / PSI of its "
                 "score distribution.</p>")
    return "".join(parts)


# ---- attribution of multivariate (MMD) drift
def _attribution(m: MonitorData) -> str:
    mmd = [r for r in m.drift if r.get("test") == "mmd" and _overall(r) and r.get("window_start") in m.index]
    if not mmd:
        return ""
    drifted = sorted(((m.index[r.get("window_start")], r) for r in mmd if r.get("drifted")), key=lambda x: x[0])
    if not drifted:
        return f"<p class='muted'>MMD ran in {len(mmd)} windows and flagged none: nothing to attribute.</p>"

    def attribution(r: Mapping[str, Any]) -> tuple[list[str], list[tuple[str, float]]]:
        d = _details(r)
        listed, ranked = d.get("drivers"), d.get("attribution")
        drivers = [str(x) for x in listed if x is not None] if isinstance(listed, list) else []
        pairs = []
        for a in ranked if isinstance(ranked, list) else []:
            if isinstance(a, Mapping) and _f(a.get("contribution")) is not None:
                pairs.append((str(a.get("feature")), _f(a.get("contribution"))))
        return drivers, pairs

    episodes: list[dict] = []
    for i, r in drifted:
        drivers, pairs = attribution(r)
        key = tuple(sorted(drivers))
        if episodes and episodes[-1]["key"] == key and episodes[-1]["last"] == i - 1:
            episodes[-1]["rows"].append((i, r, drivers, pairs))
            episodes[-1]["last"] = i
        else:
            episodes.append({"key": key, "first": i, "last": i, "rows": [(i, r, drivers, pairs)]})
    body = []
    for e in episodes:
        sums: dict[str, list[float]] = defaultdict(list)
        for _, _, _, pairs in e["rows"]:
            for feature, value in pairs:
                sums[feature].append(value)
        mean = sorted(((f, statistics.fmean(v)) for f, v in sums.items()), key=lambda fv: (-fv[1], fv[0]))
        drivers = sorted(e["key"], key=lambda f: (-dict(mean).get(f, 0.0), f))
        span = _span(m, e["first"], e["last"])
        count = e["last"] - e["first"] + 1
        peak = max((_ratio(r) or 0.0) for _, r, _, _ in e["rows"])
        if mean:
            shown = mean[:MAX_BARS]
            bars = svg.contribution_bars([f for f, _ in shown], [v for _, v in shown], highlighted=drivers,
                                         title=f"Feature contributions to MMD², {span}",
                                         desc=f"Mean leave-one-feature-out contribution over {count} windows; "
                                              f"drivers: {', '.join(drivers) or 'none'}.")
            more = len(mean) - len(shown)
            bars += f"<div class='muted small'>{more} more features, smaller</div>" if more > 0 else ""
        else:
            bars = "<span class='muted'>attribution not recorded (an older run)</span>"
        body.append(f"<tr><th scope='row' class='nw'>{esc(span)}<br><span class='muted small'>{count} window"
                    f"{'s' if count != 1 else ''}</span></th><td class='drivers'>{esc(', '.join(drivers)) or '–'}</td>"
                    f"<td>{bars}</td><td class='num'>×{peak:.2g}</td></tr>")
    per_window = []
    for i, r, drivers, pairs in (row for e in episodes for row in e["rows"]):
        largest = ", ".join(f"{feature} {svg.fmt_compact(value)}" for feature, value in pairs[:4])
        per_window.append(
            f"<tr><th scope='row' class='nw'>{esc(m.label(m.windows[i].start))}</th>"
            f"<td class='num'>{_num(r.get('effect'))} / {_num(r.get('threshold'))}</td>"
            f"<td class='num'>{_num(r.get('q_value'))}</td><td class='drivers'>{esc(', '.join(drivers)) or '–'}</td>"
            f"<td class='small'>{esc(largest) or '–'}</td></tr>")
    return (f"<div class='scroll'><table class='data' id='{esc(_sub_id('attr-table', m.name))}'><caption>Multivariate "
            "(MMD) drift by feature: consecutive flagged windows with the same drivers together</caption><thead><tr>"
            "<th scope='col'>Windows</th><th scope='col'>Drivers</th><th scope='col'>Contribution to MMD² "
            "(mean over the windows)</th><th scope='col'>Peak MMD² / threshold</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
            "<p class='small muted'>A feature's contribution is MMD²(all features) − MMD²(all but that one) on the same "
            "samples; drivers (dark bars) have at least half the largest contribution. A negative contribution means "
            "the shift stands out more clearly without the feature.</p>"
            f"<details><summary>Every flagged MMD window</summary><div class='scroll'><table class='data compact' "
            f"id='{esc(_sub_id('attr-windows', m.name))}'><thead><tr><th scope='col'>Window</th>"
            "<th scope='col'>MMD² / threshold</th><th scope='col'>q</th><th scope='col'>Drivers</th>"
            f"<th scope='col'>Largest contributions</th></tr></thead><tbody>{''.join(per_window)}</tbody></table></div>"
            "</details>")


# ---- feedback loop: concentration of the predicted classes
def _feedback(m: MonitorData) -> str:
    trend = [r for r in m.drift if r.get("test") == "trend" and _overall(r) and r.get("window_start") in m.index]
    predicted = [r for r in m.predicted if r.get("window_start") in m.index
                 and (_f(r.get("top_share")) is not None or _f(r.get("entropy")) is not None)]
    if not trend and not predicted:
        return ""
    n = len(m.windows)
    labels = [m.label(w.start) for w in m.windows]
    reference = [w.is_reference for w in m.windows]
    parts = []
    for column in sorted({str(r.get("column_name")) for r in (*trend, *predicted)}):
        rows = [r for r in trend if str(r.get("column_name")) == column]
        marked = [False] * n
        for r in rows:
            if r.get("drifted"):
                marked[m.index[r.get("window_start")]] = True
        top: list[float | None] = [None] * n
        entropy: list[float | None] = [None] * n
        for r in predicted:
            if str(r.get("column_name")) == column:
                i = m.index[r.get("window_start")]
                top[i], entropy[i] = _f(r.get("top_share")), _f(r.get("entropy"))
        flagged = [i for i in range(n) if marked[i]]
        flagged_text = f"Trend flagged: {_spans(m, flagged)}." if flagged else "The trend test flagged no window."
        charts = []
        for values, name, percent in ((top, "top-class share", True), (entropy, "entropy (bits)", False)):
            if all(v is None for v in values):
                continue
            ref_values = [v for v, is_ref in zip(values, reference) if is_ref and v is not None]
            series = [svg.Series(name, values, colour=svg.SERIES_COLOURS[0 if percent else 2], marked=marked)]
            if ref_values:
                series.append(svg.Series("reference mean", [statistics.fmean(ref_values)] * n, colour="#555", dashed=True))
            charts.append("<figure class='effect'>" + svg.line_chart(
                labels, series, title=f"{column}: {name} of the predicted classes, monitor {m.name}",
                desc=f"{name} of the predicted classes of {column} per window. {flagged_text}", reference=reference,
                y_percent=percent, height=190, width=640, mark_label="trend flagged")
                + f"<figcaption>{esc(name[0].upper() + name[1:])} of {esc(column)} per window.</figcaption></figure>")
        if charts:
            parts.append(f"<div class='pair'>{''.join(charts)}</div>")
        tested = sorted((r for r in rows if not _is_skipped(r)), key=lambda r: _sort_key(r.get("window_start")))
        if tested:
            last = tested[-1]
            d = _details(last)
            span_from = d.get("first_window")
            parts.append(
                f"<p>Latest test, window {esc(m.label(last.get('window_start')))} (Mann–Kendall over the "
                f"{_i(last.get('n_current'))} windows from {esc(str(span_from)[:10] if span_from else '–')}): "
                f"S = {_num(last.get('statistic'))}, change of the top-class share over the span "
                f"{_pp(last.get('effect'))} (minimum {_pp(last.get('threshold'))}), q = {_num(last.get('q_value'))}; "
                f"slopes per window: top-class share {_pp(d.get('top_share_slope'), signed=True)}, entropy "
                f"{_num(d.get('entropy_slope'))} bits. "
                + (_badge("flagged", "critical") if last.get("drifted") else "Not flagged.") + "</p>")
        if flagged:
            body = "".join(
                f"<tr class='flagged'><th scope='row' class='nw'>{esc(m.label(r.get('window_start')))}</th>"
                f"<td class='num'>{_num(r.get('statistic'))}</td><td class='num'>{_pp(r.get('effect'))}</td>"
                f"<td class='num'>{_pp(_details(r).get('top_share_slope'), signed=True)}</td>"
                f"<td class='num'>{_num(_details(r).get('entropy_slope'))}</td>"
                f"<td class='num'>{_num(r.get('q_value'))}</td></tr>" for r in tested if r.get("drifted"))
            parts.append(
                f"<div class='scroll'><table class='data compact' id='{esc(_sub_id('fb-table', m.name + '-' + column))}'>"
                f"<caption>{esc(column)}: windows where the trend test flagged a feedback loop</caption><thead><tr>"
                "<th scope='col'>Window</th><th scope='col'>Mann–Kendall S</th><th scope='col'>Change over span</th>"
                "<th scope='col'>Top-share slope / window</th><th scope='col'>Entropy slope / window (bits)</th>"
                f"<th scope='col'>q</th></tr></thead><tbody>{body}</tbody></table></div>")
        elif rows:
            parts.append(f"<p class='muted'>{flagged_text}</p>")
        parts.append(_skip_note(rows, f"The trend test on {column}"))
    parts.append("<p class='small muted'>A model that feeds its own inputs concentrates its predictions: the share of "
                 "the top predicted class rises and the entropy falls. The trend test (Mann–Kendall, Theil–Sen change "
                 "over the span as the effect) runs on the top-class share of each window and the windows before it; "
                 "red rings mark the windows it flagged.</p>")
    return "".join(parts)


# ---- P(x | y): class-conditional feature means (tracked evidence)
def _class_conditional(m: MonitorData) -> str:
    rows = [r for r in m.tracked if r.get("test") == "smd" and r.get("window_start") in m.index]
    if not rows:
        return ""
    cells: dict[str, dict[int, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        effect = _f(r.get("effect"))
        if effect is not None and not _is_skipped(r):
            cells[str(r.get("column_name"))][m.index[r.get("window_start")]].append((str(r.get("segment")), abs(effect)))
    if not cells:
        return "<p class='empty'>Every class-conditional comparison was skipped.</p>"
    with_data = sorted({i for by_window in cells.values() for i in by_window})
    # the latest windows, and those where BBSE flagged a label shift (P(x | y) should stay put there)
    label_shift = [m.index[r.get("window_start")] for r in m.drift if r.get("test") == "bbse" and r.get("drifted")
                   and r.get("window_start") in m.index and m.index[r.get("window_start")] in set(with_data)]
    windows = sorted(set(with_data[-SMD_WINDOWS:]) | set(sorted(label_shift)[:SMD_WINDOWS]))
    what = "windows where BBSE flagged a label shift, and the latest" if label_shift else "latest windows"

    def peak(by_window: dict[int, list[tuple[str, float]]]) -> tuple[float, int, str]:
        return max(((v, i, s) for i, values in by_window.items() for s, v in values), key=lambda x: (x[0], x[1]))

    features = sorted(cells, key=lambda f: (-peak(cells[f])[0], f))
    body = []
    for feature in features:
        tds = []
        for i in windows:
            values = cells[feature].get(i)
            if not values:
                tds.append("<td class='num muted'>–</td>")
                continue
            best = max(v for _, v in values)
            tip = "; ".join(f"{s}: {v:.3f}" for s, v in sorted(values))
            tds.append(f"<td class='num'><span title='{esc(tip)}'>{best:.2f}</span></td>")
        value, i, segment = peak(cells[feature])
        body.append(f"<tr><th scope='row'>{esc(feature)}</th>{''.join(tds)}<td class='num'><b>{value:.2f}</b> "
                    f"<span class='muted small'>{esc(m.label(m.windows[i].start))}, {esc(segment)}</span></td></tr>")
    head = "".join(f"<th scope='col'>{esc(m.label(m.windows[i].start))}"
                   + ("<br><span class='muted small'>label shift</span>" if i in label_shift else "") + "</th>"
                   for i in windows)
    return (f"<div class='scroll'><table class='data compact' id='{esc(_sub_id('pxy-table', m.name))}'><caption>Largest "
            f"|standardised mean difference| over the true classes, {what}</caption><thead><tr>"
            f"<th scope='col'>Feature</th>{head}<th scope='col'>Peak (window, class)</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
            "<p class='small muted'>Each numeric feature's mean within each true class against the same class in the "
            "reference, |Δmean| / reference sd (hover for each class). Tracked evidence, never an alert: it stays near "
            "0 under a pure label shift and moves under covariate shift, which tells the two apart when predictions "
            "move.</p>")


ML_SECTIONS = (
    # id prefix, heading, link text, builder, what the section needs (said when it is absent)
    ("ls", "Label shift (estimated before labels arrive)", "label shift", _label_shift,
     "predicted and true labels: label_shift_estimates or bbse results"),
    ("concept", "Concept shift", "concept shift", _concept, "calibration results"),
    ("seg", "Segments: for which users did it degrade", "segments", _segments, "segment_ranking"),
    ("attr", "Attribution of multivariate drift", "attribution", _attribution, "MMD results"),
    ("fb", "Feedback loop", "feedback loop", _feedback, "predicted-label windows or trend results"),
    ("pxy", "P(x | y): class-conditional feature shift", "P(x | y)", _class_conditional, "smd results"),
)


def _monitor_section(m: MonitorData) -> str:
    columns = _columns(m)
    cards = "".join(_column_card(m, c) for c in columns)
    perf = _performance(m)
    built = {key: (title, short, builder(m), needs) for key, title, short, builder, needs in ML_SECTIONS}
    toc = [f"<a href='#{esc(heatmap_anchor(m.name))}'>heatmap</a>"]
    if perf:
        toc.append(f"<a href='#perf-{esc(_slug(m.name))}'>performance</a>")
    toc += [f"<a href='#{esc(_sub_id(key, m.name))}'>{esc(short)}</a>" for key, (_, short, body, _) in built.items() if body]
    toc.append(f"<a href='#cols-{esc(_slug(m.name))}'>columns</a>")
    missing = [f"{short} (needs {needs})" for _, short, body, needs in built.values() if not body]
    note = (f"<p class='small muted' id='{esc(_sub_id('nodata', m.name))}'>No data for: {esc('; '.join(missing))}.</p>"
            if missing else "")

    def sub(key: str) -> str:
        title, _, body, _ = built[key]
        return _sub(m, key, esc(title), body) if body else ""

    return (f"<section class='monitor' aria-labelledby='{esc(heatmap_anchor(m.name))}'>"
            f"<h2 id='{esc(heatmap_anchor(m.name))}'>Monitor {esc(m.name)}</h2>"
            f"<p class='toc small'>On this monitor: {' · '.join(toc)}</p>{note}"
            f"<h3>Drift heatmap</h3>{_heatmap(m)}"
            + sub("ls")
            + (f"<h3>Performance over time</h3>{perf}" if perf else "")
            + sub("concept") + sub("seg") + sub("attr") + sub("fb") + sub("pxy")
            + f"<h3 id='cols-{esc(_slug(m.name))}'>Columns</h3><p class='muted small'>Alerting columns first, then by "
              f"peak effect / threshold. Reference = all reference windows pooled.</p><div class='cards'>{cards}</div>"
              f"</section>")


def _quality(monitors: Mapping[str, MonitorData]) -> str:
    results = [r for m in monitors.values() for r in m.quality]
    failures = [r for r in results if r.get("success") is False]
    if not results:
        return "<p class='empty'>No quality results in the latest run.</p>"
    summary = f"<p>{len(failures):,} of {len(results):,} expectations failed in the latest run.</p>"
    if not failures:
        return summary
    failures.sort(key=lambda r: (str(r.get("monitor")), _sort_key(r.get("window_start")), str(r.get("expectation"))))
    body = []
    for r in failures[:MAX_TABLE_ROWS]:
        m = monitors.get(str(r.get("monitor")))
        window = (m.label if m else _ts)(r.get("window_start")) if r.get("window_start") is not None else "all"
        body.append(f"<tr><td>{esc(r.get('monitor'))}</td><td>{esc(r.get('suite'))} "
                    f"<span class='muted'>{esc(r.get('schema_version'))}</span></td><td class='nw'>{esc(window)}</td>"
                    f"<td>{esc(r.get('expectation'))}</td><td>{esc(r.get('column_name'))}</td>"
                    f"<td>{_truncate(r.get('observed_value'), 80)}</td><td>{_truncate(r.get('expected'), 80)}</td>"
                    f"<td class='small'>{_truncate(r.get('details'), 160)}</td></tr>")
    more = (f"<p class='muted'>{len(failures) - MAX_TABLE_ROWS:,} more failures not shown; query "
            f"<code>quality_results</code> for all.</p>" if len(failures) > MAX_TABLE_ROWS else "")
    return (summary + "<div class='scroll'><table class='data' id='quality-failures'><caption>Failed expectations</caption>"
            "<thead><tr><th scope='col'>Monitor</th><th scope='col'>Suite</th><th scope='col'>Window</th>"
            "<th scope='col'>Expectation</th><th scope='col'>Column</th><th scope='col'>Observed</th>"
            f"<th scope='col'>Expected</th><th scope='col'>Details</th></tr></thead><tbody>{''.join(body)}</tbody></table></div>"
            + more)


def _schema_changes(monitors: Mapping[str, MonitorData]) -> str:
    changes = [r for m in monitors.values() for r in m.schema_changes]
    if not changes:
        return "<p class='empty'>No schema changes in the latest run.</p>"
    changes.sort(key=lambda r: (str(r.get("monitor")), str(r.get("change")), str(r.get("column_name"))))
    body = "".join(
        f"<tr><td>{esc(r.get('monitor'))}</td><td>{esc(r.get('schema_version'))}</td><td>{esc(r.get('column_name'))}</td>"
        f"<td>{_badge(str(r.get('change')), 'change')}</td><td>{esc(r.get('expected_type') or '–')}</td>"
        f"<td>{esc(r.get('actual_type') or '–')}</td></tr>" for r in changes)
    return ("<div class='scroll'><table class='data' id='schema-change-list'><caption>Columns that differ from the "
            "registered schema version</caption><thead><tr><th scope='col'>Monitor</th><th scope='col'>Schema version</th>"
            "<th scope='col'>Column</th><th scope='col'>Change</th><th scope='col'>Expected type</th>"
            f"<th scope='col'>Actual type</th></tr></thead><tbody>{body}</tbody></table></div>")


def _counts(text: Any) -> str:
    if not text:
        return ""
    try:
        counts = json.loads(text) if isinstance(text, str) else dict(text)
    except (ValueError, TypeError):
        return esc(text)
    if not isinstance(counts, dict):
        return esc(text)
    return " ".join(f"<span class='chip'>{esc(k)} <b>{esc(v)}</b></span>" for k, v in counts.items())


def _runs(runs: list[dict]) -> str:
    if not runs:
        return "<p class='empty'>No runs recorded.</p>"
    body = "".join(
        f"<tr><td><code>{esc(r.get('run_id'))}</code></td><td>{_badge(str(r.get('status')))}</td>"
        f"<td class='nw'>{esc(_ts(r.get('started_at')))}</td><td class='nw'>{esc(_ts(r.get('finished_at')))}</td>"
        f"<td>{esc(r.get('target'))}</td><td>{esc(r.get('version'))}</td><td>{_counts(r.get('counts'))}</td></tr>"
        for r in runs[:20])
    return ("<details><summary>Recent runs</summary><div class='scroll'><table class='data'><thead><tr>"
            "<th scope='col'>Run</th><th scope='col'>Status</th><th scope='col'>Started</th><th scope='col'>Finished</th>"
            "<th scope='col'>Target</th><th scope='col'>Version</th><th scope='col'>Counts</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div></details>")


CSS = """
:root{color-scheme:light;--fg:#1d232b;--muted:#5f6b7a;--line:#d9dee5;--bg:#fff;--soft:#f5f7fa;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:18px 28px 10px;border-bottom:1px solid var(--line);background:var(--soft)}
header h1{margin:0 0 4px;font-size:22px}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--line);padding:6px 28px;font-size:13px}
nav a{margin-right:14px}
main{padding:8px 28px 40px;max-width:1500px}
h2{font-size:19px;margin:30px 0 8px;padding-top:6px;border-top:2px solid var(--line)}
h3{font-size:16px;margin:22px 0 8px}
h4{font-size:15px;margin:0 0 8px}
a{color:var(--accent)}
a:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.muted{color:var(--muted)}.small{font-size:12px}
.empty{color:var(--muted);font-style:italic}
.scroll{overflow-x:auto;max-width:100%}
table.data{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
table.data caption{text-align:left;font-weight:600;padding:4px 0}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
table.data thead th{background:var(--soft);font-weight:600;white-space:nowrap}
table.data td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.compact{font-size:12px}
table.compact th,table.compact td{padding:2px 7px}
tr.sev-critical td:first-child{box-shadow:inset 3px 0 #c92a1f}
tr.sev-warning td:first-child{box-shadow:inset 3px 0 #e69f00}
.badge{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;line-height:18px;border:1px solid transparent;white-space:nowrap}
.b-critical{background:#fbe3e1;color:#8c1d14;border-color:#f0b4ad}
.b-warning,.b-alert{background:#fff1d6;color:#7a4d00;border-color:#f5d08a}
.b-ok,.b-success{background:#e3f4e8;color:#1d6b35;border-color:#b5dfc2}
.b-change{background:#eef2f7;color:#2c3e55;border-color:#cfd9e6}
.b-none,.b-closed,.b-failed,.b-error{background:#eceff3;color:#3b4654}
.chip{display:inline-block;background:#fff;border:1px solid var(--line);border-radius:9px;padding:0 7px;margin:2px 3px 2px 0;font-size:12px}
figure{margin:8px 0 14px}
figcaption{font-size:12px;color:var(--muted);max-width:900px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,800px),1fr));gap:16px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fff;scroll-margin-top:44px}
.card:target{outline:3px solid var(--accent)}
.dists{display:flex;flex-wrap:wrap;gap:12px}
.distfig{margin:0;flex:1 1 360px;max-width:390px}
.distfig svg,.effect svg,.perf svg{display:block;width:100%;height:auto}
.perf{max-width:960px}
.effect{flex:1 1 480px;max-width:640px;margin:4px 0}
.pair{display:flex;flex-wrap:wrap;gap:8px 18px;align-items:flex-start}
.nw{white-space:nowrap}
[id]{scroll-margin-top:44px}
svg text{font-family:inherit}
svg .ax{font-size:10px;fill:#4a5563}
svg .rl{font-size:11px;fill:#1d232b}
svg a .rl{fill:var(--accent)}
svg a:hover .rl{text-decoration:underline}
svg .grp{font-size:11px;font-weight:600;fill:#5f6b7a;text-transform:uppercase;letter-spacing:.04em}
svg .gl{stroke:#e6e9ee;stroke-width:1}
svg .axl{stroke:#8b95a3;stroke-width:1}
svg .thr{stroke:#c92a1f;stroke-width:1;stroke-dasharray:3 3}
svg .refband{fill:#eef0f3}
svg .mk{fill:none;stroke:#c92a1f;stroke-width:1.8}
svg .hb{fill:#fafbfc}
svg .dm{fill:#1d232b}
svg .attr,.attr{display:block}
section.sub{margin:0 0 6px}
.toc a{margin:0 2px}
ul.summary{margin:6px 0 10px;padding-left:20px}
tr.flagged th[scope=row]{box-shadow:inset 3px 0 #c92a1f}
tr.worst td{font-weight:600}
td.drivers{font-weight:600;white-space:nowrap}
""" + "".join(f"svg .h{i}{{fill:{c}}}" for i, c in enumerate(svg.RATIO_COLOURS)) + """
@media print{nav{display:none}.card{break-inside:avoid}}
"""


def render_report(tables: Mapping[str, pa.Table], *, title: str = "shiftwatch report",
                  generated_at: dt.datetime | str | None = None) -> str:
    """One self-contained HTML page (inline CSS and SVG, no script, no external request)
    from the result tables named as in docs/DESIGN.md ("Result tables") plus ``alerts``.
    Any table may be missing or empty. Run-scoped tables (drift_results, quality_results,
    schema_changes) holding several runs are cut to the latest successful run in ``runs``."""
    svg.reset_ids()
    monitors, runs, latest = _collect(tables)
    generated = generated_at if generated_at is not None else dt.datetime.now(dt.UTC).replace(microsecond=0)
    generated_text = _ts(generated) if not isinstance(generated, str) else generated
    run_line = "No run recorded."
    if latest:
        run_line = (f"Latest run <code>{esc(latest.get('run_id'))}</code> {_badge(str(latest.get('status')))} "
                    f"started {esc(_ts(latest.get('started_at')))}, finished {esc(_ts(latest.get('finished_at')))}"
                    f" on target <b>{esc(latest.get('target'))}</b>, shiftwatch {esc(latest.get('version'))}. "
                    f"{_counts(latest.get('counts'))}")
    n_alerts = sum(len(m.alerts) for m in monitors.values())
    nav = ["<a href='#overview'>Overview</a>", f"<a href='#alerts'>Alerts ({n_alerts})</a>"]
    nav += [f"<a href='#{esc(heatmap_anchor(m.name))}'>{esc(m.name)}</a>" for m in monitors.values()]
    nav += ["<a href='#quality'>Quality</a>", "<a href='#schema'>Schema changes</a>", "<a href='#runs'>Runs</a>"]
    body = [
        (f"<header><h1>{esc(title)}</h1><p class='small muted'>Generated {esc(generated_text)}</p>"
         f"<p class='small'>{run_line}</p></header>"),
        f"<nav aria-label='Sections'>{''.join(nav)}</nav><main>",
        f"<section aria-labelledby='overview'><h2 id='overview'>Overview</h2>{_overview(monitors, latest)}</section>",
        f"<section aria-labelledby='alerts'><h2 id='alerts'>Alerts</h2>{_alerts(monitors)}</section>",
        *(_monitor_section(m) for m in monitors.values()),
        f"<section aria-labelledby='quality'><h2 id='quality'>Quality failures</h2>{_quality(monitors)}</section>",
        f"<section aria-labelledby='schema'><h2 id='schema'>Schema changes</h2>{_schema_changes(monitors)}</section>",
        f"<section aria-labelledby='runs'><h2 id='runs'>Runs</h2>{_runs(runs)}</section>",
        "</main>",
    ]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<meta name='referrer' content='no-referrer'>"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            + "".join(body) + "</body></html>\n")
