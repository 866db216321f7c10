"""The report as one self-contained HTML page (``page.py``), its sections one module each."""

from otel_aicost.finops.report.html.insights import Insights, insights_of
from otel_aicost.finops.report.html.page import render_html, write_html

__all__ = ["Insights", "insights_of", "render_html", "write_html"]
