"""Inline SVG charts for the HTML report, drawn as strings.

Every function returns one ``<svg>`` element with a ``<title>`` and ``<desc>`` (so screen
readers get a text alternative), colours from the page's CSS classes where the same
colour repeats many times (it keeps the heatmap small), and every caller-supplied
string escaped. Coordinates are rounded to one decimal to keep the page small.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

# Effect / threshold classes of the heatmap: four shades below the threshold (blue-grey),
# four at or above it (orange to red). A diverging scale centred on the decision threshold.
RATIO_EDGES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
RATIO_COLOURS = ("#eef2f7", "#d9e3ef", "#bccde2", "#97b2d3", "#fdd49e", "#fdae61", "#f46d43", "#c92a1f")
RATIO_LABELS = ("< 0.25", "0.25–0.5", "0.5–0.75", "0.75–1", "1–1.5", "1.5–2", "2–3", "≥ 3")
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442")
REFERENCE_COLOUR = "#9aa5b1"
CURRENT_COLOUR = "#0072b2"

_uid = 0


def esc(value: object) -> str:
    """Escape any value for HTML text and attribute values (SVG inline in HTML too)."""
    return html.escape("" if value is None else str(value), quote=True)


def _id(prefix: str) -> str:
    global _uid
    _uid += 1
    return f"{prefix}{_uid}"


def reset_ids() -> None:
    """Restart element ids, so one input always renders to the same page."""
    global _uid
    _uid = 0


def n1(x: float) -> str:
    """A coordinate with at most one decimal."""
    r = round(x, 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def fmt_compact(x: float | None) -> str:
    """Short tick labels: 0.0123, 4.56, 789, 12.3k, 4.5M."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.3g}G"
    if a >= 1e6:
        return f"{x / 1e6:.3g}M"
    if a >= 1e3:
        return f"{x / 1e3:.3g}k"
    if a != 0 and a < 1e-3:
        return f"{x:.1e}"
    return f"{x:.3g}"


def ratio_class(ratio: float) -> int:
    for i, edge in enumerate(RATIO_EDGES):
        if ratio < edge:
            return i
    return len(RATIO_EDGES)


def _nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step - 1e-9) * step
    ticks, t = [], first
    while t <= hi + 1e-9 * step:
        ticks.append(round(t, 12))
        t += step
    return ticks


def _open(width: float, height: float, title: str, desc: str, css_class: str, *, fluid: bool = True) -> tuple[str, str]:
    tid, did = _id("t"), _id("d")
    size = f'width="{n1(width)}" height="{n1(height)}"'
    style = ' style="max-width:100%;height:auto"' if fluid else ""
    head = (f'<svg class="{css_class}" viewBox="0 0 {n1(width)} {n1(height)}" '
            f'{size}{style} role="img" aria-labelledby="{tid} {did}">'
            f'<title id="{tid}">{esc(title)}</title><desc id="{did}">{esc(desc)}</desc>')
    return head, "</svg>"


def _tick_indices(n: int, max_ticks: int) -> list[int]:
    if n <= 0:
        return []
    step = max(1, math.ceil(n / max_ticks))
    return list(range(0, n, step))


# --------------------------------------------------------------------------- heatmap
@dataclass
class HeatCell:
    ratio: float | None  # effect / threshold of the strongest test; None when every test was skipped
    drifted: bool
    skipped: bool
    tooltip: str


@dataclass
class HeatRow:
    label: str
    href: str | None
    cells: dict[int, HeatCell] = field(default_factory=dict)  # window index -> cell
    group: str | None = None  # a heading drawn above the first row of each group


def heatmap(rows: Sequence[HeatRow], window_labels: Sequence[str], reference: Sequence[bool], *,
            title: str, desc: str) -> str:
    """Columns × windows grid: cell colour = effect / threshold, a dot = drifted, hatched = skipped."""
    n = len(window_labels)
    cell_w = max(5.0, min(22.0, 880.0 / max(n, 1)))
    cell_h = 16.0
    label_w = min(260.0, max(90.0, 6.6 * max((len(r.label) for r in rows), default=8) + 12))
    top = 18.0  # reference strip
    grid_w = cell_w * n
    # y position of each row, with room for group headings
    ys: list[float] = []
    y = top + 4
    group = None
    headings: list[tuple[float, str]] = []
    for row in rows:
        if row.group and row.group != group:
            group = row.group
            headings.append((y + 12, row.group))
            y += 18
        ys.append(y)
        y += cell_h
    grid_bottom = y
    axis_h = 44.0
    legend_h = 44.0
    width = label_w + grid_w + 16
    legend_w = 110 + 8 * 54 + 14 + 70 + 170 + 70
    width = max(width, legend_w)
    height = grid_bottom + axis_h + legend_h
    head, tail = _open(width, height, title, desc, "heatmap", fluid=False)
    out = [head]
    pattern = _id("hatch")
    out.append(f'<defs><pattern id="{pattern}" width="4" height="4" patternUnits="userSpaceOnUse" '
               f'patternTransform="rotate(45)"><rect width="4" height="4" fill="#e9e9e9"/>'
               f'<line x1="0" y1="0" x2="0" y2="4" stroke="#8a8a8a" stroke-width="1.5"/></pattern></defs>')
    x0 = label_w
    # reference strip
    runs = []
    start = None
    for i, is_ref in enumerate(list(reference) + [False]):
        if is_ref and start is None:
            start = i
        elif not is_ref and start is not None:
            runs.append((start, i))
            start = None
    for a, b in runs:
        out.append(f'<rect x="{n1(x0 + a * cell_w)}" y="2" width="{n1((b - a) * cell_w)}" height="10" '
                   f'fill="{REFERENCE_COLOUR}"><title>reference windows</title></rect>')
    if runs:
        out.append(f'<text x="{n1(x0 - 6)}" y="11" class="ax" text-anchor="end">reference</text>')
    for hy, text in headings:
        out.append(f'<text x="2" y="{n1(hy)}" class="grp">{esc(text)}</text>')
    # rows
    for row, ry in zip(rows, ys):
        label = row.label if len(row.label) <= 38 else row.label[:36] + "…"
        text = f'<text x="{n1(x0 - 6)}" y="{n1(ry + 12)}" text-anchor="end" class="rl">{esc(label)}<title>{esc(row.label)}</title></text>'
        out.append(f'<a href="{esc(row.href)}">{text}</a>' if row.href else text)
        out.append(f'<rect x="{n1(x0)}" y="{n1(ry)}" width="{n1(grid_w)}" height="{n1(cell_h)}" class="hb"/>')
        for i, cell in sorted(row.cells.items()):
            cx = x0 + i * cell_w
            w, h = max(cell_w - 1, 1), cell_h - 1
            if cell.skipped:
                out.append(f'<rect x="{n1(cx)}" y="{n1(ry)}" width="{n1(w)}" height="{n1(h)}" fill="url(#{pattern})" '
                           f'class="sk"><title>{esc(cell.tooltip)}</title></rect>')
                continue
            cls = f"h{ratio_class(max(cell.ratio or 0.0, 0.0))}"
            out.append(f'<rect x="{n1(cx)}" y="{n1(ry)}" width="{n1(w)}" height="{n1(h)}" class="{cls}">'
                       f'<title>{esc(cell.tooltip)}</title></rect>')
            if cell.drifted:
                out.append(f'<circle cx="{n1(cx + w / 2)}" cy="{n1(ry + h / 2)}" r="{n1(min(w, h) * 0.28)}" class="dm"/>')
    # x axis
    ay = grid_bottom + 4
    out.append(f'<line x1="{n1(x0)}" y1="{n1(ay)}" x2="{n1(x0 + grid_w)}" y2="{n1(ay)}" class="axl"/>')
    max_ticks = max(2, int(grid_w // 78))
    for i in _tick_indices(n, max_ticks):
        tx = x0 + (i + 0.5) * cell_w
        out.append(f'<line x1="{n1(tx)}" y1="{n1(ay)}" x2="{n1(tx)}" y2="{n1(ay + 4)}" class="axl"/>'
                   f'<text x="{n1(tx)}" y="{n1(ay + 16)}" text-anchor="middle" class="ax">{esc(window_labels[i])}</text>')
    out.append(f'<text x="{n1(x0)}" y="{n1(ay + 34)}" class="ax">window start ({n} windows)</text>')
    # legend
    ly = grid_bottom + axis_h + 6
    out.append(f'<text x="2" y="{n1(ly + 10)}" class="ax">effect / threshold</text>')
    lx = 110.0
    for i, label in enumerate(RATIO_LABELS):
        out.append(f'<rect x="{n1(lx + i * 54)}" y="{n1(ly)}" width="52" height="12" class="h{i}"/>'
                   f'<text x="{n1(lx + i * 54 + 26)}" y="{n1(ly + 24)}" text-anchor="middle" class="ax">{esc(label)}</text>')
    lx += 8 * 54 + 14
    out.append(f'<rect x="{n1(lx)}" y="{n1(ly)}" width="14" height="12" class="h5"/>'
               f'<circle cx="{n1(lx + 7)}" cy="{n1(ly + 6)}" r="3.4" class="dm"/>'
               f'<text x="{n1(lx + 18)}" y="{n1(ly + 10)}" class="ax">drifted</text>')
    lx += 70
    out.append(f'<rect x="{n1(lx)}" y="{n1(ly)}" width="14" height="12" fill="url(#{pattern})"/>'
               f'<text x="{n1(lx + 18)}" y="{n1(ly + 10)}" class="ax">skipped (hover for reason)</text>')
    lx += 170
    out.append(f'<rect x="{n1(lx)}" y="{n1(ly)}" width="14" height="12" class="hb" stroke="#ccc"/>'
               f'<text x="{n1(lx + 18)}" y="{n1(ly + 10)}" class="ax">no test</text>')
    out.append(tail)
    return "".join(out)


# --------------------------------------------------------------------------- distributions
def numeric_bars(edges: Sequence[tuple[float | None, float | None]], reference: Sequence[float],
                 current: Sequence[float], *, current_label: str, title: str, desc: str) -> str:
    """Reference vs one window on the reference-fixed bins, drawn at equal widths
    (the bins are reference deciles, so the reference bars are all about 10 %)."""
    n = len(edges)
    width, height = 380.0, 210.0
    left, right, top, bottom = 40.0, 8.0, 26.0, 40.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([*reference, *current, 0.01])
    ticks = _nice_ticks(0, peak, 4)
    y_max = max(ticks[-1], peak)
    head, tail = _open(width, height, title, desc, "dist")
    out = [head, _legend(left, 12, [("reference", REFERENCE_COLOUR), (current_label, CURRENT_COLOUR)])]
    for t in ticks:
        ty = top + plot_h * (1 - t / y_max)
        out.append(f'<line x1="{n1(left)}" y1="{n1(ty)}" x2="{n1(left + plot_w)}" y2="{n1(ty)}" class="gl"/>'
                   f'<text x="{n1(left - 4)}" y="{n1(ty + 3)}" text-anchor="end" class="ax">{t * 100:.0f}%</text>')
    slot = plot_w / max(n, 1)
    bar = slot * 0.4
    for i, ((lo, hi), r, c) in enumerate(zip(edges, reference, current)):
        x = left + i * slot
        span = f"({fmt_compact(lo) if lo is not None else '−∞'}, {fmt_compact(hi) if hi is not None else '+∞'}]"
        for j, (share, colour, name) in enumerate(((r, REFERENCE_COLOUR, "reference"), (c, CURRENT_COLOUR, current_label))):
            h = plot_h * share / y_max
            out.append(f'<rect x="{n1(x + slot * 0.1 + j * bar)}" y="{n1(top + plot_h - h)}" width="{n1(bar)}" '
                       f'height="{n1(max(h, 0))}" fill="{colour}"><title>{esc(f"{name} {span}: {share * 100:.1f}%")}</title></rect>')
    out.append(f'<line x1="{n1(left)}" y1="{n1(top + plot_h)}" x2="{n1(left + plot_w)}" y2="{n1(top + plot_h)}" class="axl"/>')
    # boundary labels between bins, alternating rows so that they never collide
    for i in range(1, n):
        edge = edges[i][0] if edges[i][0] is not None else edges[i - 1][1]
        if edge is None:
            continue
        x = left + i * slot
        ly = top + plot_h + (12 if i % 2 else 23)
        out.append(f'<line x1="{n1(x)}" y1="{n1(top + plot_h)}" x2="{n1(x)}" y2="{n1(top + plot_h + 3)}" class="axl"/>'
                   f'<text x="{n1(x)}" y="{n1(ly)}" text-anchor="middle" class="ax">{esc(fmt_compact(edge))}</text>')
    out.append(f'<text x="{n1(left + plot_w / 2)}" y="{n1(height - 3)}" text-anchor="middle" class="ax">'
               f'bins on reference deciles (share of non-null values)</text>')
    out.append(tail)
    return "".join(out)


def category_bars(categories: Sequence[str], reference: Sequence[float], current: Sequence[float], *,
                  current_label: str, title: str, desc: str, new: Sequence[bool] = ()) -> str:
    """Horizontal paired bars per category: reference share vs one window's share."""
    n = len(categories)
    label_w = min(150.0, max(60.0, 6.2 * max((len(c) for c in categories), default=6) + 10))
    row_h = 20.0
    width = 380.0
    top, bottom = 26.0, 22.0
    height = top + row_h * max(n, 1) + bottom
    plot_w = width - label_w - 44
    peak = max([*reference, *current, 0.01])
    ticks = _nice_ticks(0, peak, 4)
    x_max = max(ticks[-1], peak)
    head, tail = _open(width, height, title, desc, "dist")
    out = [head, _legend(label_w, 12, [("reference", REFERENCE_COLOUR), (current_label, CURRENT_COLOUR)])]
    plot_bottom = top + row_h * max(n, 1)
    for t in ticks:
        tx = label_w + plot_w * t / x_max
        out.append(f'<line x1="{n1(tx)}" y1="{n1(top)}" x2="{n1(tx)}" y2="{n1(plot_bottom)}" class="gl"/>'
                   f'<text x="{n1(tx)}" y="{n1(plot_bottom + 13)}" text-anchor="middle" class="ax">{t * 100:.0f}%</text>')
    new = list(new) or [False] * n
    for i, (category, r, c, is_new) in enumerate(zip(categories, reference, current, new)):
        y = top + i * row_h
        label = category if len(category) <= 22 else category[:20] + "…"
        if is_new:
            label += " (new)"
        out.append(f'<text x="{n1(label_w - 5)}" y="{n1(y + 13)}" text-anchor="end" class="rl">{esc(label)}'
                   f'<title>{esc(category)}</title></text>')
        for j, (share, colour, name) in enumerate(((r, REFERENCE_COLOUR, "reference"), (c, CURRENT_COLOUR, current_label))):
            w = plot_w * share / x_max
            out.append(f'<rect x="{n1(label_w)}" y="{n1(y + 3 + j * 7.5)}" width="{n1(max(w, 0))}" height="7" fill="{colour}">'
                       f'<title>{esc(f"{name} {category}: {share * 100:.1f}%")}</title></rect>')
        out.append(f'<text x="{n1(label_w + plot_w * max(r, c) / x_max + 4)}" y="{n1(y + 13)}" class="ax">'
                   f'{c * 100:.0f}%</text>')
    out.append(f'<line x1="{n1(label_w)}" y1="{n1(top)}" x2="{n1(label_w)}" y2="{n1(plot_bottom)}" class="axl"/>')
    out.append(tail)
    return "".join(out)


def _legend(x: float, y: float, items: Sequence[tuple[str, str]], *, dashed: Sequence[bool] = ()) -> str:
    out = []
    dashed = list(dashed) or [False] * len(items)
    for (label, colour), dash in zip(items, dashed):
        if dash:
            out.append(f'<line x1="{n1(x)}" y1="{n1(y - 4)}" x2="{n1(x + 14)}" y2="{n1(y - 4)}" stroke="{colour}" '
                       f'stroke-width="2" stroke-dasharray="4 3"/>')
        else:
            out.append(f'<rect x="{n1(x)}" y="{n1(y - 9)}" width="12" height="10" fill="{colour}"/>')
        out.append(f'<text x="{n1(x + 17)}" y="{n1(y)}" class="ax">{esc(label)}</text>')
        x += 17 + 6.2 * len(label) + 14
    return "".join(out)


# --------------------------------------------------------------------------- lines over windows
@dataclass
class Series:
    label: str
    values: Sequence[float | None]  # one per window; None = gap
    colour: str = CURRENT_COLOUR
    dashed: bool = False
    marked: Sequence[bool] = ()  # windows to mark with a red ring (e.g. drifted)
    lower: Sequence[float | None] = ()  # an interval drawn as a band around the line (whiskers where alone)
    upper: Sequence[float | None] = ()
    band_label: str = ""  # the band's legend entry, e.g. "95% interval"


def line_chart(window_labels: Sequence[str], series: Sequence[Series], *, title: str, desc: str,
               reference: Sequence[bool] = (), y_domain: tuple[float, float] | None = None,
               y_percent: bool = False, hline: tuple[float, str] | None = None, width: float = 900.0,
               height: float = 200.0, mark_label: str = "drifted", bars: Series | None = None,
               bars_height: float = 0.0) -> str:
    """Series over windows at equal spacing, reference windows shaded. ``bars`` adds a
    0–100 % bar panel under the lines (label coverage)."""
    n = len(window_labels)
    left, right, top = 52.0, 12.0, 26.0
    axis_h = 30.0
    plot_w = width - left - right
    plot_h = height - top - axis_h - (bars_height + 10 if bars else 0)
    values = [v for s in series for v in (*s.values, *s.lower, *s.upper) if v is not None]
    if y_domain is None:
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        if hline:
            lo, hi = min(lo, hline[0]), max(hi, hline[0])
        pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 0.1
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = y_domain
    ticks = [t for t in _nice_ticks(lo, hi, 4) if lo <= t <= hi]
    slot = plot_w / max(n, 1)

    def px(i: int) -> float:
        return left + (i + 0.5) * slot

    def py(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo if hi > lo else 1))

    head, tail = _open(width, height, title, desc, "line")
    legend = [(s.label, s.colour) for s in series]
    dashed = [s.dashed for s in series]
    for s in series:
        if s.band_label and s.lower and s.upper:
            legend.append((s.band_label, band_colour(s.colour)))
            dashed.append(False)
    out = [head]
    # reference shading
    start = None
    for i, is_ref in enumerate(list(reference) + [False]):
        if is_ref and start is None:
            start = i
        elif not is_ref and start is not None:
            out.append(f'<rect x="{n1(left + start * slot)}" y="{n1(top)}" width="{n1((i - start) * slot)}" '
                       f'height="{n1(plot_h)}" class="refband"><title>reference windows</title></rect>')
            start = None
    for t in ticks:
        label = f"{t * 100:.0f}%" if y_percent else fmt_compact(t)
        out.append(f'<line x1="{n1(left)}" y1="{n1(py(t))}" x2="{n1(left + plot_w)}" y2="{n1(py(t))}" class="gl"/>'
                   f'<text x="{n1(left - 5)}" y="{n1(py(t) + 3)}" text-anchor="end" class="ax">{esc(label)}</text>')
    if hline:
        out.append(f'<line x1="{n1(left)}" y1="{n1(py(hline[0]))}" x2="{n1(left + plot_w)}" y2="{n1(py(hline[0]))}" '
                   f'class="thr"><title>{esc(hline[1])}</title></line>')
    for s in series:
        if s.lower and s.upper:
            out.append(_band(s, lo, hi, px, py, window_labels))
    any_marked = False
    for s in series:
        points = []
        segments = []
        for i, v in enumerate(s.values):
            if v is None:
                if points:
                    segments.append(points)
                points = []
                continue
            points.append((px(i), py(min(max(v, lo), hi))))
        if points:
            segments.append(points)
        dash = ' stroke-dasharray="5 4"' if s.dashed else ""
        for seg in segments:
            if len(seg) == 1:
                out.append(f'<circle cx="{n1(seg[0][0])}" cy="{n1(seg[0][1])}" r="2" fill="{s.colour}"/>')
            else:
                d = "M" + "L".join(f"{n1(x)} {n1(y)}" for x, y in seg)
                out.append(f'<path d="{d}" fill="none" stroke="{s.colour}" stroke-width="1.8"{dash}/>')
        for i, flag in enumerate(s.marked):
            if flag and i < len(s.values) and s.values[i] is not None:
                any_marked = True
                v = min(max(s.values[i], lo), hi)
                out.append(f'<circle cx="{n1(px(i))}" cy="{n1(py(v))}" r="{4 if n <= 40 else 3}" class="mk">'
                           f'<title>{esc(f"{s.label} · {window_labels[i]}: {fmt_compact(s.values[i])} ({mark_label})")}</title></circle>')
    plot_bottom = top + plot_h
    out.append(f'<line x1="{n1(left)}" y1="{n1(plot_bottom)}" x2="{n1(left + plot_w)}" y2="{n1(plot_bottom)}" class="axl"/>')
    if bars is not None:
        by = plot_bottom + 10
        out.append(f'<text x="{n1(left - 5)}" y="{n1(by + 8)}" text-anchor="end" class="ax">100%</text>'
                   f'<text x="{n1(left - 5)}" y="{n1(by + bars_height)}" text-anchor="end" class="ax">0%</text>'
                   f'<line x1="{n1(left)}" y1="{n1(by + bars_height)}" x2="{n1(left + plot_w)}" y2="{n1(by + bars_height)}" class="axl"/>')
        for i, v in enumerate(bars.values):
            if v is None:
                continue
            h = bars_height * min(max(v, 0.0), 1.0)
            out.append(f'<rect x="{n1(left + i * slot + slot * 0.1)}" y="{n1(by + bars_height - h)}" '
                       f'width="{n1(max(slot * 0.8, 0.5))}" height="{n1(h)}" fill="{bars.colour}">'
                       f'<title>{esc(f"{bars.label} · {window_labels[i]}: {v * 100:.1f}%")}</title></rect>')
        legend.append((bars.label, bars.colour))
        plot_bottom = by + bars_height
    for i in _tick_indices(n, max(2, int(plot_w // 90))):
        out.append(f'<text x="{n1(px(i))}" y="{n1(plot_bottom + 14)}" text-anchor="middle" class="ax">{esc(window_labels[i])}</text>')
    dashed += [False] if bars is not None else []
    out.append(_legend(left, 14, legend, dashed=dashed))
    extra_x = left + sum(17 + 6.2 * len(label) + 14 for label, _ in legend)
    if any(reference):
        out.append(f'<rect x="{n1(extra_x)}" y="5" width="12" height="10" class="refband"/>'
                   f'<text x="{n1(extra_x + 17)}" y="14" class="ax">reference</text>')
        extra_x += 90
    if any_marked:
        out.append(f'<circle cx="{n1(extra_x + 6)}" cy="10" r="4" class="mk"/>'
                   f'<text x="{n1(extra_x + 15)}" y="14" class="ax">{esc(mark_label)}</text>')
    out.append(tail)
    return "".join(out)


def band_colour(colour: str, opacity: float = 0.2) -> str:
    """A ``#rrggbb`` colour made translucent (for interval bands and their legend)."""
    if len(colour) == 7 and colour.startswith("#"):
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},{opacity})"
    return colour


def _band(s: Series, lo: float, hi: float, px, py, window_labels: Sequence[str]) -> str:
    """The interval [lower, upper] of one series: a filled band over runs of windows that
    have one, a whisker where a window stands alone. Each window's interval has a tooltip."""
    n = min(len(s.lower), len(s.upper), len(window_labels))
    fill = band_colour(s.colour)
    out, run = [], []

    def clip(v: float) -> float:
        return min(max(v, lo), hi)

    def flush() -> None:
        if len(run) == 1:
            i, a, b = run[0]
            out.append(f'<line x1="{n1(px(i))}" y1="{n1(py(clip(a)))}" x2="{n1(px(i))}" y2="{n1(py(clip(b)))}" '
                       f'stroke="{fill}" stroke-width="5"/>')
        elif run:
            top = [f"{n1(px(i))} {n1(py(clip(b)))}" for i, _, b in run]
            bottom = [f"{n1(px(i))} {n1(py(clip(a)))}" for i, a, _ in reversed(run)]
            out.append(f'<path d="M{"L".join(top + bottom)}Z" fill="{fill}" stroke="none"/>')
        run.clear()

    for i in range(n):
        a, b = s.lower[i], s.upper[i]
        if a is None or b is None:
            flush()
            continue
        run.append((i, a, b))
    flush()
    label = s.band_label or "interval"
    tips = [f'<rect x="{n1(px(i) - 3)}" y="{n1(py(clip(b)))}" width="6" height="{n1(max(py(clip(a)) - py(clip(b)), 1))}" '
            f'fill="transparent"><title>{esc(f"{s.label} {label} · {window_labels[i]}: {fmt_compact(a)} – {fmt_compact(b)}")}</title></rect>'
            for i in range(n) if (a := s.lower[i]) is not None and (b := s.upper[i]) is not None]
    return f'<g class="band">{"".join(out)}{"".join(tips)}</g>'


# --------------------------------------------------------------------------- contribution bars
def contribution_bars(features: Sequence[str], values: Sequence[float], *, highlighted: Sequence[str] = (),
                      title: str, desc: str, width: float = 340.0, value_format=None) -> str:
    """A small horizontal bar list around zero: one bar per feature, positive to the right
    (highlighted features, e.g. an attribution's drivers, in the strong colour), negative
    to the left in grey. Values are written at the end of each bar."""
    fmt = value_format or fmt_compact
    n = len(features)
    row_h = 15.0
    label_w = min(160.0, max(60.0, 6.2 * max((len(f) for f in features), default=6) + 10))
    value_w = 54.0
    height = row_h * max(n, 1) + 6
    plot_w = width - label_w - value_w
    peak_pos = max([v for v in values if v > 0], default=0.0)
    peak_neg = -min([v for v in values if v < 0], default=0.0)
    span = (peak_pos + peak_neg) or 1.0
    zero = label_w + plot_w * peak_neg / span
    head, tail = _open(width, height, title, desc, "attr")
    out = [head]
    strong = set(highlighted)
    for i, (feature, value) in enumerate(zip(features, values)):
        y = 3 + i * row_h
        label = feature if len(feature) <= 24 else feature[:22] + "…"
        out.append(f'<text x="{n1(label_w - 5)}" y="{n1(y + 10.5)}" text-anchor="end" class="rl">{esc(label)}'
                   f'<title>{esc(feature)}</title></text>')
        w = plot_w * abs(value) / span
        x = zero if value >= 0 else zero - w
        colour = CURRENT_COLOUR if feature in strong else ("#9ec3e0" if value >= 0 else REFERENCE_COLOUR)
        out.append(f'<rect x="{n1(x)}" y="{n1(y + 2)}" width="{n1(max(w, 0.5))}" height="{n1(row_h - 5)}" fill="{colour}">'
                   f'<title>{esc(f"{feature}: {fmt(value)}")}</title></rect>')
        out.append(f'<text x="{n1(label_w + plot_w + 4)}" y="{n1(y + 10.5)}" class="ax">{esc(fmt(value))}</text>')
    out.append(f'<line x1="{n1(zero)}" y1="1" x2="{n1(zero)}" y2="{n1(height - 1)}" class="axl"/>')
    out.append(tail)
    return "".join(out)
