"""`shiftwatch report` on the demo's real result tables, opened in headless Chromium with
the network off: no console errors, the heatmap and distribution plots render, and the
injected alerts are listed with links into the plots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from python_checks.report import column_anchor

from .browser import find_chromium, inspect_page

pytestmark = [pytest.mark.browser]


def anchor_selector(column: str) -> str:
    """An id selector that survives the escapes in anchors (`*` becomes `~2a~`)."""
    return f'[id="{column_anchor("car_loan", column)}"]'


@pytest.fixture(scope="module")
def report(demo_workspace):
    assert find_chromium() is not None, "headless Chromium not installed: apt-get install -y chromium (.ci/run does)"
    path = demo_workspace.dir / "report.html"
    result = demo_workspace.run("report", "--output", str(path), "--format", "json")
    assert result.code == 0, result.stderr[-2000:]
    assert Path(result.json["output"]) == path.resolve()
    artifacts = Path(os.environ.get("SHIFTWATCH_ARTIFACTS") or demo_workspace.dir)
    artifacts.mkdir(parents=True, exist_ok=True)
    alerted = sorted({a["column_name"] for a in demo_workspace.truth["alerts"]})
    selectors = ["svg.heatmap", "svg.dist", "svg.line", "#alert-list", "tr.alert",
                 *(anchor_selector(c) for c in alerted)]
    page = inspect_page(path, selectors, screenshot=artifacts / "report_demo.png", evaluate={
        "alert_rows": "Array.from(document.querySelectorAll('tr.alert')).map(r => r.textContent)",
        "broken_links": "Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
                        ".filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))"
                        ".map(a => a.getAttribute('href'))",
    })
    print(f"report screenshot: {page.screenshot_path}")
    return page, alerted


def test_report_renders_offline_without_errors(report):
    page, _ = report
    assert page.console_errors == []
    assert page.external_requests == [] and page.blocked == []
    for selector in ("svg.heatmap", "svg.dist", "svg.line"):
        width, height = page.sizes[selector]
        assert width > 0 and height > 0, selector
    assert page.screenshot_path is not None and page.screenshot_path.stat().st_size > 10_000


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
