"""The report as one self-contained HTML page (extra ``html``: plotly; plotly.js is inlined, nothing is fetched).

Charts: spend over time by group (hourly when the data spans at most three days, else daily; the ten costliest
groups, the rest as "other"), cost by group (stacked by the second ``--by`` dimension when there is one), and
latency against output tokens (a uniform sample of at most 5,000 successful calls). A summary table follows the charts.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost.finops.report.build import DAY_NS, HOUR_NS, Report
from otel_aicost.finops.report.output import TABLE_COLUMNS

TOP_GROUPS = 10
CHART_IDS = ("aicost-spend-over-time", "aicost-cost-by-group", "aicost-latency-vs-tokens")


class MissingPlotly(RuntimeError):
    pass


def _label(key: tuple, by: list[str]) -> str:
    parts = list(key[:-1]) if by else []
    return " / ".join(str(p) for p in parts) or "all"


def _figures(report: Report):
    try:
        import plotly.graph_objects as go
    except ImportError as exc:
        raise MissingPlotly("the HTML report needs plotly: pip install 'otel-aicost[html]'") from exc
    by = report.by
    group_cost: dict[str, Decimal] = defaultdict(Decimal)
    for (_, key), cost in report.timeline.items():
        group_cost[_label(key, by)] += cost
    top = [label for label, _ in sorted(group_cost.items(), key=lambda kv: -kv[1])[:TOP_GROUPS]]

    # 1. spend over time
    slots = [slot for slot, _ in report.timeline]
    span_ns = (max(slots) - min(slots)) if slots else 0
    bucket = HOUR_NS if span_ns <= 3 * DAY_NS else DAY_NS
    series: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (slot, key), cost in report.timeline.items():
        label = _label(key, by)
        series[label if label in top else "other"][slot - slot % bucket] += cost
    spend = go.Figure()
    for label in [*top, "other"]:
        points = series.get(label)
        if not points:
            continue
        xs = sorted(points)
        spend.add_trace(
            go.Bar(
                x=[datetime.fromtimestamp(x / 1e9, timezone.utc).strftime("%Y-%m-%d %H:%M") for x in xs],
                y=[float(points[x]) for x in xs],
                name=label,
            )
        )
    spend.update_layout(
        barmode="stack",
        title=f"Spend per {'hour' if bucket == HOUR_NS else 'day'} by {', '.join(by) or 'all'}",
        yaxis_title="cost",
    )

    # 2. cost by group
    by_group = go.Figure()
    if len(by) >= 2:
        stacks: dict[str, dict[str, float]] = defaultdict(dict)
        firsts = []
        for summary in report.groups:
            first, second = str(summary.key[by[0]]), " / ".join(str(summary.key[d]) for d in by[1:])
            if first not in firsts:
                firsts.append(first)
            stacks[second][first] = stacks[second].get(first, 0.0) + float(summary.cost)
        for second, values in stacks.items():
            by_group.add_trace(go.Bar(x=firsts, y=[values.get(f, 0.0) for f in firsts], name=second))
        by_group.update_layout(barmode="stack", xaxis_title=by[0], legend_title=" / ".join(by[1:]))
    else:
        labels = [" / ".join(str(v) for v in s.key.values()) or "all" for s in report.groups]
        by_group.add_trace(go.Bar(x=labels, y=[float(s.cost) for s in report.groups], name="cost"))
    by_group.update_layout(title=f"Cost by {', '.join(by) or 'all'}", yaxis_title="cost")

    # 3. latency vs tokens
    scatter = go.Figure()
    points_by_label: dict[str, list] = defaultdict(list)
    for latency, tokens, cost, key in report.samples:
        label = _label(key, by)
        points_by_label[label if label in top else "other"].append((tokens, latency, cost))
    for label, points in points_by_label.items():
        scatter.add_trace(
            go.Scattergl(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                text=[f"cost {p[2]:.6f}" for p in points],
                mode="markers",
                marker={"size": 5, "opacity": 0.6},
                name=label,
            )
        )
    scatter.update_layout(
        title=f"Latency vs output tokens (sample of {len(report.samples):,} successful calls)",
        xaxis_title="output tokens",
        yaxis_title="latency (s)",
    )
    return spend, by_group, scatter


def _table(report: Report) -> str:
    head = [*report.by, "currency", *(name for name, _ in TABLE_COLUMNS)]
    rows = [
        [*(s.key.get(d, "") for d in report.by), s.currency, *(f(s) for _, f in TABLE_COLUMNS)] for s in report.groups
    ]
    label = ["TOTAL", *([""] * (len(report.by) - 1))] if report.by else []
    rows += [[*label, t.currency, *(f(t) for _, f in TABLE_COLUMNS)] for t in report.totals]
    cells = "".join("<th>" + html.escape(str(h)) + "</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: Report) -> str:
    """The whole page as a string (about 5 MB: plotly.js is inside)."""
    figures = _figures(report)
    parts = [
        figure.to_html(include_plotlyjs=(i == 0), full_html=False, div_id=div_id, config={"displaylogo": False})
        for i, (figure, div_id) in enumerate(zip(figures, CHART_IDS))
    ]
    stats = report.stats
    window = " to ".join(x.isoformat() for x in (report.since, report.until) if x) or "all time"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>otel-aicost report</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th {{ background: #f3f3f3; }}
</style></head><body>
<h1>GenAI cost report</h1>
<p>{stats.records:,} GenAI calls from {stats.files} file(s); window: {html.escape(window)};
grouped by {html.escape(", ".join(report.by) or "nothing")}.
{f"{stats.corrupt_lines} corrupt line(s) were skipped." if stats.corrupt_lines else ""}</p>
{"".join(parts)}
<h2>Figures</h2>
{_table(report)}
</body></html>
"""


def write_html(report: Report, path: str) -> None:
    text = render_html(report)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
