"""Static HTML report: ``load_report_tables`` reads the result tables, ``render_report``
turns them into one self-contained page (docs/report.md)."""

from python_checks.report.load import REPORT_TABLES, load_report_tables
from python_checks.report.render import column_anchor, heatmap_anchor, render_report

__all__ = ["REPORT_TABLES", "column_anchor", "heatmap_anchor", "load_report_tables", "render_report"]
