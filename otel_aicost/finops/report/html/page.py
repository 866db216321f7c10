"""The report as one self-contained HTML page, readable at 1280 px, a few hundred KB, nothing fetched.

From the top: key figures (spend, calls, cost per call, cache savings, month-end forecast against the monthly
budgets), spend per day (or hour, for three days or less) stacked by model with the forecast's 80% band, daily
budget lines and the anomalies marked, the month's cumulative spend against its budgets, the anomalies with their
cause, cost by model and by tag, cost per 1K tokens by token type and model, latency against output tokens, and the
report's table. One colour per model (or group) on every chart; every money axis says its currency. Charts are
inline SVG (``report/svg/``).
"""

from __future__ import annotations

import html
from decimal import Decimal

from otel_aicost.finops.report.build import Report
from otel_aicost.finops.report.figures import TagCosts
from otel_aicost.finops.report.html.breakdowns import by_model, latency, tag_section, unit_prices
from otel_aicost.finops.report.html.figures import details, header, table
from otel_aicost.finops.report.html.insights import Insights, insights_of, main_currency
from otel_aicost.finops.report.html.over_time import anomaly_list, month_chart, spend_chart
from otel_aicost.finops.report.html.parts import CHART_IDS, TOP_MODELS, Colours, section
from otel_aicost.finops.report.output import DEFAULT_COLUMNS, money_places
from otel_aicost.finops.series import COST, HourlySeries
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS


def render_html(
    report: Report,
    series: HourlySeries,
    tags: TagCosts | None = None,
    *,
    insights: Insights | None = None,
) -> str:
    """The whole page as a string. ``series``: the total per currency (``HourlySeries([])``); ``insights``: its
    forecast and anomalies when already worked out (``insights_of``)."""
    currency = main_currency(series)
    cells = {(h, m): c for (h, g, m), c in series.cells.items() if g[-1] == currency}
    cost_by_model: dict[str, Decimal] = {}
    for (_, model), cell in cells.items():
        cost_by_model[model] = cost_by_model.get(model, Decimal(0)) + cell[COST]
    ranked = [m for m, c in sorted(cost_by_model.items(), key=lambda kv: -kv[1]) if c > 0]
    top = ranked[:TOP_MODELS]
    colour = Colours()
    for model in top:
        colour(model)
    places = money_places([c for c in cost_by_model.values()])

    def money(value: float, in_currency: str = currency) -> str:
        return f"{value:,.{places}f} {in_currency}"

    forecast, anomalies = insights or insights_of(series)
    hours = [h for h, _ in cells]
    span = (max(hours) - min(hours)) if hours else 0
    step = HOUR_NS if span <= 3 * DAY_NS else DAY_NS
    sections = [
        header(report, forecast, currency, money),
        spend_chart(cells, top, colour, step, forecast, anomalies, series, currency, money),
        month_chart(cells, forecast, series, money, currency),
        anomaly_list(anomalies, money),
        '<div class="two">'
        + section("Cost by model", by_model(cost_by_model, ranked, colour, currency, money), CHART_IDS[1])
        + tag_section(tags, colour, currency, money)
        + "</div>",
        section(
            f"Cost per 1K tokens by token type and model ({currency})",
            unit_prices(cells, top, colour, currency),
        ),
        section(
            f"Latency against output tokens (a sample of {len(report.samples):,} successful calls)",
            latency(report, colour),
            CHART_IDS[2],
        ),
        section("Figures", table(report, DEFAULT_COLUMNS) + details(report)),
    ]
    stats = report.stats
    window = " to ".join(x.strftime("%Y-%m-%d %H:%M UTC") for x in (report.since, report.until) if x) or "all time"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>GenAI cost report</title>
<style>
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 16px 24px;
  max-width: 1232px; color: #222; background: #fff; }}
h1 {{ font-size: 24px; margin: 4px 0; }} h2 {{ font-size: 17px; margin: 22px 0 6px; }}
.meta {{ color: #555; margin: 0 0 12px; }}
.cards {{ display: grid; grid-template-columns: repeat(5, 1fr); gap: 10px; }}
.card {{ border: 1px solid #ddd; border-radius: 8px; padding: 10px 12px; }}
.card .label {{ color: #555; font-size: 12px; }} .card .value {{ font-size: 22px; font-weight: 600; }}
.card .sub {{ color: #555; font-size: 12px; }}
.two {{ display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }}
.tick {{ font-size: 11px; fill: #444; }} .axis {{ font-size: 12px; fill: #222; }}
.note {{ font-size: 12px; font-weight: 600; }} .marker {{ font-size: 10px; fill: #fff; font-weight: 700; }}
.legend span {{ display: inline-block; margin-right: 14px; font-size: 12px; }}
.legend i {{ display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; }}
table {{ border-collapse: collapse; font-size: 12.5px; }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: 4px 8px; text-align: right; white-space: nowrap; }}
th {{ background: #f5f5f5; position: sticky; top: 0; }} td.key, th.key {{ text-align: left; }}
.scroll {{ overflow-x: auto; max-width: 100%; }}
</style></head><body>
<h1>GenAI cost report</h1>
<p class="meta">{stats.records:,} GenAI calls from {stats.files} file(s); window: {html.escape(window)};
table grouped by {html.escape(", ".join(d.removeprefix("tag.") for d in report.by) or "nothing")}.
{f"Skipped {html.escape(stats.skipped_summary())}." if stats.corrupt_lines or stats.bad_spans or stats.duplicates else ""}</p>
{"".join(sections)}
</body></html>
"""


def write_html(
    report: Report,
    series: HourlySeries,
    path: str,
    tags: TagCosts | None = None,
    insights: Insights | None = None,
) -> None:
    text = render_html(report, series, tags, insights=insights)
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
