"""`shiftwatch report` on the demo's real result tables. The page's text: the label-shift,
segment and attribution sections name the demo's injected events. In headless Chromium
with the network off: no console errors, the heatmap, distribution plots and the
ML-observability sections render, and the injected alerts are listed with links into
the plots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from python_checks.report import column_anchor

from .browser import find_chromium, inspect_page
from .test_report_render import ML_HEADINGS, section, table_groups, table_rows

MONITOR = "car_loan"


def anchor_selector(column: str) -> str:
    """An id selector that survives the escapes in anchors (`*` becomes `~2a~`)."""
    return f'[id="{column_anchor(MONITOR, column)}"]'


def days(first: int, last: int, month: str) -> list[str]:
    return [f"2026-{month}-{d:02d}" for d in range(first, last + 1)]


@pytest.fixture(scope="module")
def report_path(demo_workspace) -> Path:
    path = demo_workspace.dir / "report.html"
    result = demo_workspace.run("report", "--output", str(path), "--format", "json")
    assert result.code == 0, result.stderr[-2000:]
    assert Path(result.json["output"]) == path.resolve()
    return path


@pytest.fixture(scope="module")
def page_html(report_path) -> str:
    return report_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report(report_path, demo_workspace):
    assert find_chromium() is not None, "headless Chromium not installed: apt-get install -y chromium (.ci/run does)"
    artifacts = Path(os.environ.get("SHIFTWATCH_ARTIFACTS") or demo_workspace.dir)
    artifacts.mkdir(parents=True, exist_ok=True)
    alerted = sorted({a["column_name"] for a in demo_workspace.truth["alerts"]})
    sections = [f"#{key}-{MONITOR}" for key in ML_HEADINGS]
    selectors = ["svg.heatmap", "svg.dist", "svg.line", "#alert-list", "tr.alert",
                 *(anchor_selector(c) for c in alerted), *sections,
                 f"#ls-{MONITOR} svg.line", f"#concept-{MONITOR} svg.line", f"#seg-table-{MONITOR}",
                 f"#attr-{MONITOR} svg.attr", f"#fb-{MONITOR} svg.line", f"#pxy-table-{MONITOR}"]
    page = inspect_page(report_path, selectors, screenshot=artifacts / "report_demo.png", evaluate={
        "alert_rows": "Array.from(document.querySelectorAll('tr.alert')).map(r => r.textContent)",
        "broken_links": "Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
                        ".filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))"
                        ".map(a => a.getAttribute('href'))",
        "headings": "Array.from(document.querySelectorAll('section.sub > h3')).filter(h => {"
                    " const r = h.getBoundingClientRect(), s = getComputedStyle(h);"
                    " return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; })"
                    ".map(h => h.textContent)",
    })
    print(f"report screenshot: {page.screenshot_path}")
    return page, alerted


# --------------------------------------------------------------------------- the page's text
def test_label_shift_section_flags_the_injected_label_shift_windows(page_html):
    """The demo raises P(repaid) from 0.67 to 0.81 on 2026-07-25..28: BBSE flags exactly
    those windows, with estimates near the true prior, before any label is needed."""
    rows = table_rows(page_html, f"ls-table-{MONITOR}-repaid")
    flagged = [cells for cls, cells in rows if cls == "flagged"]
    assert [cells[0] for cells in flagged] == days(25, 28, "07")
    for cells in flagged:
        assert cells[1] == "1" and cells[8] == "flagged"
        assert 0.76 <= float(cells[3].rstrip("%")) / 100 <= 0.86, cells  # true prior 0.814
        assert cells[9].startswith("drifted"), cells  # the labels, once arrived, agree
    assert rows[-1][1][0] == "2026-08-09 (latest)" and rows[-1][0] == "unflagged"
    html = section(page_html, "ls", MONITOR)
    assert "BBSE flagged: 2026-07-25 – 2026-07-28." in html


def test_segments_section_names_region_south_first_while_it_degraded(page_html):
    """P(repaid | x) flips in region south on 2026-07-29..08-03: south heads every one of
    those windows, with its accuracy and calibration flagged."""
    html = section(page_html, "seg", MONITOR)
    assert ("<li><b>region=south</b>: accuracy or calibration flagged in 2026-07-29 – 2026-08-03 (6 windows)</li>"
            in html)
    first_rows = {group[0][1][0].split()[0]: group[0][1] for group in table_groups(page_html, f"seg-table-{MONITOR}")}
    for window in [*days(29, 31, "07"), *days(1, 3, "08")]:
        cells = first_rows[window]
        assert cells[1:3] == ["1", "region=south"], cells
        assert cells[5].startswith("+") and float(cells[5].split()[0]) > 15, cells  # gap in pp
        assert cells[8] == "accuracy, calibration", cells


def test_attribution_section_names_the_drivers_of_each_multivariate_shift(page_html):
    """The joint shift (2026-07-03..06) is income and loan_amount, the covariate shift
    (2026-07-15..20) car_value and debt_to_income_ratio."""
    episodes = [(cells[0], set(cells[1].split(", "))) for _, cells in table_rows(page_html, f"attr-table-{MONITOR}")]
    assert episodes == [("2026-07-03 – 2026-07-06 4 windows", {"income", "loan_amount"}),
                        ("2026-07-15 – 2026-07-20 6 windows", {"car_value", "debt_to_income_ratio"})]
    per_window = {cells[0]: set(cells[3].split(", ")) for _, cells in table_rows(page_html, f"attr-windows-{MONITOR}")}
    assert per_window == {**{d: {"income", "loan_amount"} for d in days(3, 6, "07")},
                          **{d: {"car_value", "debt_to_income_ratio"} for d in days(15, 20, "07")}}


def test_concept_feedback_and_class_conditional_sections(page_html):
    concept = table_rows(page_html, f"concept-table-{MONITOR}")
    assert [cells[0] for _, cells in concept] == [*days(29, 31, "07"), *days(1, 3, "08")]
    assert all("region=south (accuracy, calibration)" == cells[4] for _, cells in concept)
    feedback = section(page_html, "fb", MONITOR)
    assert feedback.count('class="line"') == 2 and "Latest test, window 2026-08-09" in feedback
    # P(x | y) stays put under the label shift and moves under the covariate shift
    html = section(page_html, "pxy", MONITOR)
    headers = [h for h in html.split("<th scope='col'>")[2:-1]]
    label_shift = [k for k, h in enumerate(headers) if "label shift" in h]
    assert [headers[k][:10] for k in label_shift] == days(25, 28, "07")
    rows = {cells[0]: cells for _, cells in table_rows(page_html, f"pxy-table-{MONITOR}")}
    for feature, cells in rows.items():
        assert all(float(cells[1 + k]) < 0.1 for k in label_shift), (feature, cells)
    assert float(rows["car_value"][-1].split()[0]) > 0.5 and "2026-07-" in rows["car_value"][-1]


# --------------------------------------------------------------------------- in Chromium
@pytest.mark.browser
def test_report_renders_offline_without_errors(report):
    page, _ = report
    assert page.console_errors == []
    assert page.external_requests == [] and page.blocked == []
    for selector in ("svg.heatmap", "svg.dist", "svg.line"):
        width, height = page.sizes[selector]
        assert width > 0 and height > 0, selector
    assert page.screenshot_path is not None and page.screenshot_path.stat().st_size > 10_000


@pytest.mark.browser
def test_report_shows_the_ml_observability_sections(report):
    page, _ = report
    assert page.values["headings"] == list(ML_HEADINGS.values())
    for selector in (*(f"#{key}-{MONITOR}" for key in ML_HEADINGS), f"#ls-{MONITOR} svg.line",
                     f"#concept-{MONITOR} svg.line", f"#seg-table-{MONITOR}", f"#attr-{MONITOR} svg.attr",
                     f"#fb-{MONITOR} svg.line", f"#pxy-table-{MONITOR}"):
        size = page.sizes[selector]
        assert size is not None and size[0] > 50 and size[1] > 20, (selector, size)
    assert page.counts[f"#attr-{MONITOR} svg.attr"] == 2
    assert page.counts[f"#fb-{MONITOR} svg.line"] == 2


@pytest.mark.browser
def test_report_lists_the_injected_alerts_with_working_links(report, demo_workspace):
    page, alerted = report
    rows = page.values["alert_rows"]
    con = demo_workspace.connect()
    episodes = con.execute("select count(*) from shiftwatch_results.alert_history").fetchone()[0]
    assert len(rows) == episodes
    missing = [column for column in alerted if not any(column in r for r in rows)]
    assert missing == [], rows
    for column in alerted:
        assert page.counts[anchor_selector(column)] == 1, column
    assert page.values["broken_links"] == []
