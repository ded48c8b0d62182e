"""The HTML report in headless Chromium, offline: no console error, no request but the
page itself, the heatmap and the distribution plots have a size, the alerts are listed.
A full-page screenshot lands in $SHIFTWATCH_ARTIFACTS (or the test's tmp dir)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from python_checks.report import column_anchor, render_report
from python_checks.tests.browser import find_chromium, inspect_page
from python_checks.tests.test_report_render import ML_HEADINGS, make_report_tables

# No skip: a missing browser is a failure with the fix in its message (.ci/run installs it).
pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def chromium_present():
    assert find_chromium() is not None, "headless Chromium not installed: apt-get install -y chromium (.ci/run does)"


def artifacts_dir(tmp_path: Path) -> Path:
    base = os.environ.get("SHIFTWATCH_ARTIFACTS")
    path = Path(base) if base else tmp_path
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_report_renders_offline_in_chromium(tmp_path: Path):
    tables = make_report_tables()
    html_path = tmp_path / "report.html"
    html_path.write_text(render_report(tables, generated_at=dt.datetime(2024, 4, 1, 3)), encoding="utf-8")
    income = "#" + column_anchor("fake_loan", "income")
    selectors = ["svg.heatmap", "svg.dist", f"{income} svg.dist", "svg.line", "#alert-list", "tr.alert"]
    shot = artifacts_dir(tmp_path) / "report_synthetic.png"

    report = inspect_page(html_path, selectors, screenshot=shot, evaluate={
        "alert_text": "Array.from(document.querySelectorAll('tr.alert')).map(r => r.innerText).join('\\n')",
        "broken_links": "Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
                        ".filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))"
                        ".map(a => a.getAttribute('href'))",
        "scripts": "document.scripts.length",
    })
    print(f"screenshot: {report.screenshot_path}")

    assert report.console_errors == []
    assert report.external_requests == [] and report.blocked == []
    assert report.requests and report.requests[0] == report.url
    for selector in ("svg.heatmap", "svg.dist", f"{income} svg.dist", "svg.line"):
        width, height = report.sizes[selector]
        assert width > 50 and height > 50, (selector, report.sizes[selector])
    assert report.counts["svg.dist"] >= 4
    assert report.counts["tr.alert"] == tables["alerts"].num_rows
    assert "income" in report.values["alert_text"] and "region" in report.values["alert_text"]
    assert report.values["broken_links"] == []
    assert report.values["scripts"] == 0
    assert shot.is_file() and shot.stat().st_size > 10_000


VISIBLE_HEADINGS = (
    "Array.from(document.querySelectorAll('section.sub > h3')).filter(h => {"
    " const r = h.getBoundingClientRect(), s = getComputedStyle(h);"
    " return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; })"
    ".map(h => h.textContent)")


def test_ml_sections_render_offline_in_chromium(tmp_path: Path):
    """Label shift, concept shift, segments, attribution, feedback loop and P(x | y): visible
    headings, charts with a size, tables, and nothing the browser complains about."""
    html_path = tmp_path / "report.html"
    html_path.write_text(render_report(make_report_tables(), generated_at=dt.datetime(2024, 4, 1, 3)),
                         encoding="utf-8")
    charts = {"#ls-fake_loan svg.line": 1, "#concept-fake_loan svg.line": 1, "#attr-fake_loan svg.attr": 2,
              "#fb-fake_loan svg.line": 2}
    tables = ["#ls-table-fake_loan-repaid", "#concept-table-fake_loan", "#seg-table-fake_loan",
              "#attr-table-fake_loan", "#fb-table-fake_loan-y_pred", "#pxy-table-fake_loan"]
    shot = artifacts_dir(tmp_path) / "report_ml_sections.png"
    report = inspect_page(html_path, [*charts, *tables, "#ls-fake_loan g.band"], screenshot=shot, evaluate={
        "headings": VISIBLE_HEADINGS,
        "band_area": "document.querySelector('#ls-fake_loan g.band path').getBBox().height",
        "seg_first": "Array.from(document.querySelectorAll('#seg-table-fake_loan tbody'))"
                     ".map(b => b.querySelector('tr').cells[2].innerText)",
    })
    assert report.console_errors == []
    assert report.external_requests == [] and report.blocked == []
    assert report.values["headings"] == list(ML_HEADINGS.values())
    for selector, count in charts.items():
        width, height = report.sizes[selector]
        assert width > 100 and height > 30, (selector, report.sizes[selector])
        assert report.counts[selector] == count, selector
    for selector in tables:
        width, height = report.sizes[selector]
        assert width > 100 and height > 20, (selector, report.sizes[selector])
    assert report.values["band_area"] > 10  # the interval band is drawn, not collapsed
    assert report.values["seg_first"] == ["region=south", "region=south"]
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_inspect_page_reports_errors_and_blocks_the_network(tmp_path: Path):
    """The helper itself: it sees console errors and refuses external requests."""
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><title>bad</title><div id='box' style='width:120px;height:30px'></div>"
                    "<img src='https://example.invalid/x.png' alt=''><script>console.error('boom')</script>")
    report = inspect_page(page, ["#box", "#missing"])
    assert report.sizes["#box"] == (120, 30) and report.sizes["#missing"] is None
    assert any("boom" in e for e in report.console_errors)
    assert report.external_requests == ["https://example.invalid/x.png"]
    assert report.blocked == ["https://example.invalid/x.png"]
