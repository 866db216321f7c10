"""Small inline SVG charts for the HTML report: ``over_time`` (stacked bars with a band and lines, a cumulative
line with a band), ``bars`` (horizontal, grouped), ``scatter``; ``frame`` is what they share.

No JavaScript and no charting library: a page stays a few hundred KB (plotly.js alone is 4.6 MB and has no smaller
bundle in its Python package), renders the same in every browser, and is checked in tests. Hovering a mark shows
its exact figures (SVG ``<title>``). Every chart takes its colours from the caller, so one group keeps one colour
on the whole page.
"""

from otel_aicost.finops.report.svg.bars import grouped_bars, horizontal_bars
from otel_aicost.finops.report.svg.frame import OTHER, PALETTE
from otel_aicost.finops.report.svg.over_time import lines_with_band, stacked_bars
from otel_aicost.finops.report.svg.scatter import scatter

__all__ = ["OTHER", "PALETTE", "grouped_bars", "horizontal_bars", "lines_with_band", "scatter", "stacked_bars"]
