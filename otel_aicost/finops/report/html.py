"""The report as one self-contained HTML page, readable at 1280 px, a few hundred KB, nothing fetched.

From the top: key figures (spend, calls, cost per call, cache savings, month-end forecast against the monthly
budgets), spend per day (or hour, for three days or less) stacked by model with the forecast's 80% band, daily
budget lines and the anomalies marked, the month's cumulative spend against its budgets, the anomalies with their
cause, cost by model and by tag, cost per 1K tokens by token type and model, latency against output tokens, and the
report's table. One colour per model (or group) on every chart; every money axis says its currency. Charts are
inline SVG (``svg.py``).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from otel_aicost.finops.anomalies import CAUSE_WORDS, Anomaly, detect
from otel_aicost.finops.forecast import ForecastResult, end_of_month, forecast_series
from otel_aicost.finops.report.build import Report
from otel_aicost.finops.report.output import COLUMN_NAMES, COLUMNS, DEFAULT_COLUMNS, money_places
from otel_aicost.finops.report.svg import (
    OTHER,
    PALETTE,
    grouped_bars,
    horizontal_bars,
    lines_with_band,
    scatter,
    stacked_bars,
)
from otel_aicost.finops.series import (
    CACHED,
    COST,
    COST_CACHED,
    COST_INPUT,
    COST_OUTPUT,
    DAY_NS,
    HOUR_NS,
    INPUT,
    OUTPUT,
    HourlySeries,
    TagCosts,
    iso,
)

TOP_MODELS = 9
CHART_IDS = ("aicost-spend-over-time", "aicost-cost-by-group", "aicost-latency-vs-tokens")
BUDGET_COLOURS = ("#B22222", "#6A3D9A", "#8B4513")


class Colours:
    """One colour per label for the whole page, handed out in the order asked (costliest first)."""

    def __init__(self) -> None:
        self.given: dict[str, str] = {"other": OTHER}

    def __call__(self, label: str) -> str:
        colour = self.given.get(label)
        if colour is None:
            used = len(self.given) - 1
            colour = self.given[label] = PALETTE[used] if used < len(PALETTE) else OTHER
        return colour


def render_html(
    report: Report,
    series: HourlySeries,
    tags: TagCosts | None = None,
    *,
    now: datetime | None = None,
    insights: Insights | None = None,
) -> str:
    """The whole page as a string. ``series``: the total per currency (``HourlySeries([])``); ``insights``: its
    forecast and anomalies when already worked out (``insights_of``)."""
    currency = _main_currency(series)
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

    def money(value: float) -> str:
        return f"{value:,.{places}f} {currency}"

    forecast, anomalies = insights or insights_of(series, now=now)
    hours = [h for h, _ in cells]
    span = (max(hours) - min(hours)) if hours else 0
    step = HOUR_NS if span <= 3 * DAY_NS else DAY_NS
    sections = [
        _header(report, forecast, currency, money),
        _spend_chart(cells, top, colour, step, forecast, anomalies, series, currency, money),
        _month_chart(cells, forecast, series, money, currency),
        _anomaly_list(anomalies, money),
        '<div class="two">'
        + _section("Cost by model", _by_model(cost_by_model, ranked, colour, currency, money), CHART_IDS[1])
        + _tag_section(tags, colour, currency, money)
        + "</div>",
        _section(
            f"Cost per 1K tokens by token type and model ({currency})",
            _unit_prices(cells, top, colour, currency),
        ),
        _section(
            f"Latency against output tokens (a sample of {len(report.samples):,} successful calls)",
            _latency(report, colour),
            CHART_IDS[2],
        ),
        _section("Figures", _table(report, DEFAULT_COLUMNS) + _details(report)),
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
{f"Skipped {html.escape(stats.skipped_summary())}." if stats.corrupt_lines or stats.bad_spans else ""}</p>
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


# --- pieces ---------------------------------------------------------------------------------------------------


def _main_currency(series: HourlySeries) -> str:
    spend: dict[str, Decimal] = {}
    for (_, group, _), cell in series.cells.items():
        spend[group[-1]] = spend.get(group[-1], Decimal(0)) + cell[COST]
    return max(spend, key=lambda c: spend[c]) if spend else "USD"


Insights = tuple  # (ForecastResult | None, list[Anomaly]): what the page shows beside the figures


def insights_of(
    series: HourlySeries,
    *,
    now: datetime | None = None,
    grouped: HourlySeries | None = None,
    by: list[str] | None = None,
) -> Insights:
    """What the page shows of ``series`` (the total per currency) beside the figures: the forecast to the end of
    the last call's month (per group of ``grouped``, kept ``by`` those keys, when given; the totals and the
    budgets are the same either way) and the hourly anomalies of the total in the main currency."""
    forecast = _forecast(grouped, now, by) if grouped is not None else _forecast(series, now)
    return forecast, _anomalies(series, _main_currency(series))


def _forecast(series: HourlySeries, now: datetime | None, by: list[str] | None = None) -> ForecastResult | None:
    if series.last_ns is None:
        return None
    as_of = datetime.fromtimestamp(series.last_ns // 10**9, timezone.utc)
    try:
        return forecast_series(series, by=by or [], until=end_of_month(as_of), now=now)
    except ValueError:
        return None


def _anomalies(series: HourlySeries, currency: str) -> list[Anomaly]:
    """Hourly anomalies of the total (marked on the day they fall in when the chart shows days)."""
    periods = series.periods(HOUR_NS).get((currency,), {})
    end = None if series.last_ns is None else series.last_ns + 1
    return detect(periods, granularity="hour", group=(currency,), data_end_ns=end)


def _section(title: str, body: str, div_id: str | None = None) -> str:
    ident = f' id="{div_id}"' if div_id else ""
    return f"<section{ident}><h2>{html.escape(title)}</h2>{body}</section>"


def _card(label: str, value: str, sub: str = "") -> str:
    return (
        f'<div class="card"><div class="label">{html.escape(label)}</div><div class="value">{html.escape(value)}</div>'
        f'<div class="sub">{html.escape(sub)}</div></div>'
    )


def _header(report: Report, forecast: ForecastResult | None, currency: str, money: Callable) -> str:
    total = next((t for t in report.totals if t.currency == currency), None)
    if total is None:
        return ""
    cards = [
        _card("Spend", money(float(total.cost)), f"{total.priced_requests:,} priced calls"),
        _card("Calls", f"{total.requests:,}", f"{total.errors:,} failed, {total.unpriced_share:.1%} not priced"),
        _card(
            "Cost per call",
            f"{float(total.cost_per_request_mean or 0):,.{money_places([total.cost_per_request_mean])}f} {currency}",
            f"median {float(total.cost_per_request_p50 or 0):,.{money_places([total.cost_per_request_p50])}f}",
        ),
        _card("Cache savings", money(float(total.cached_savings)), "cached input tokens against their full price"),
    ]
    if forecast and forecast.totals:
        t = forecast.totals[0]
        month = [b for b in forecast.budgets if b.period == "month"]
        sub = f"80% range {money(float(t.low))} to {money(float(t.high))}"
        if month:
            b = month[0]
            runs = b.exhausted_on.isoformat() if b.exhausted_on else "not this month"
            sub += f"; budget {b.name}: {money(float(b.limit))}, runs out {runs}"
        cards.append(_card(f"Forecast to {forecast.until:%Y-%m-%d}", money(float(t.forecast)), sub))
    return f'<section class="cards">{"".join(cards)}</section>'


def _slots(cells: dict, step: int, until_ns: int | None) -> list[int]:
    hours = [h for h, _ in cells]
    first, last = min(hours) // step * step, max(hours) // step * step
    end = max(last, (until_ns - 1) // step * step) if until_ns and step == DAY_NS else last
    return list(range(first, end + step, step))


def _spend_chart(cells, top, colour, step, forecast, anomalies, series, currency, money) -> str:
    if not cells:
        return _section("Spend over time", "<p>No priced calls.</p>", CHART_IDS[0])
    until_ns = int(forecast.until.timestamp()) * 10**9 if forecast and step == DAY_NS else None
    slots = _slots(cells, step, until_ns)
    index = {s: i for i, s in enumerate(slots)}
    names = [*top, "other"]
    values = {name: [0.0] * len(slots) for name in names}
    for (hour, model), cell in cells.items():
        name = model if model in top else "other"
        values[name][index[hour - hour % step]] += float(cell[COST])
    stacks = [(n, colour(n), values[n]) for n in names if any(values[n])]
    labels = [iso(s, hourly=step == HOUR_NS)[5:].replace("T", " ").rstrip("Z") for s in slots]
    band = None
    if forecast and forecast.totals and step == DAY_NS:
        t = forecast.totals[0]
        as_of_day = int(forecast.as_of.timestamp()) * 10**9 // DAY_NS * DAY_NS
        if as_of_day in index and t.daily:
            first = index[as_of_day]
            # today: what was spent so far plus the expected rest
            spent_today = sum(values[n][first] for n in names)
            mean = [float(v) for v in t.daily]
            low, high = list(t.bands["low"]), list(t.bands["high"])
            mean[0], low[0], high[0] = mean[0] + spent_today, low[0] + spent_today, high[0] + spent_today
            band = (first, mean, low, high)
    lines = [
        (f"daily budget {b.name}", float(b.limit), BUDGET_COLOURS[i % len(BUDGET_COLOURS)])
        for i, b in enumerate(series.budgets)
        if b.period == "day" and not b.match and step == DAY_NS
    ]
    markers = []
    for number, a in enumerate(sorted(anomalies, key=lambda a: a.start_ns), start=1):
        slot = a.start_ns - a.start_ns % step
        if slot in index:
            hover = f"{iso(a.start_ns, hourly=True)}: {CAUSE_WORDS.get(a.cause, a.cause)} — {a.detail}"
            markers.append((index[slot], str(number), hover))
    unit = "hour" if step == HOUR_NS else "day"
    chart = stacked_bars(
        labels, stacks, y_title=f"{currency} per {unit}", value_text=money, band=band, lines=lines, markers=markers
    )
    legend = "".join(f'<span><i style="background:{c}"></i>{html.escape(n)}</span>' for n, c, _ in stacks)
    if band:
        legend += '<span><i style="background:rgba(0,114,178,0.25)"></i>forecast, 80% range (dashed: expected)</span>'
    if markers:
        legend += '<span><i style="background:#D55E00;border-radius:6px"></i>anomaly (numbered as below)</span>'
    return _section(
        f"Spend per {unit} by model ({currency})", f'<div class="legend">{legend}</div>{chart}', CHART_IDS[0]
    )


def _month_chart(cells, forecast: ForecastResult | None, series: HourlySeries, money, currency) -> str:
    if not forecast or not forecast.totals or not cells:
        return ""
    month_start = datetime(forecast.as_of.year, forecast.as_of.month, 1, tzinfo=timezone.utc)
    start_ns = int(month_start.timestamp()) * 10**9
    days = (forecast.until - month_start).days
    daily = [0.0] * days
    for (hour, _), cell in cells.items():
        if hour >= start_ns and (hour - start_ns) // DAY_NS < days:
            daily[(hour - start_ns) // DAY_NS] += float(cell[COST])
    today = (int(forecast.as_of.timestamp()) * 10**9 - start_ns) // DAY_NS
    actual: list[float | None] = []
    running = 0.0
    for d in range(days):
        running += daily[d]
        actual.append(running if d < today else None)
    t = forecast.totals[0]  # t.spent: this month so far (the forecast counts from the month's start)
    expected, running = [], float(t.spent)
    for value in t.daily:
        running += float(value)
        expected.append(running)
    low = [float(t.spent) + v for v in t.bands["cumulative_low"]]
    high = [float(t.spent) + v for v in t.bands["cumulative_high"]]
    band = (today, expected, low, high)
    limits = [
        (f"monthly budget {b.name}", float(b.limit), BUDGET_COLOURS[i % len(BUDGET_COLOURS)])
        for i, b in enumerate(series.budgets)
        if b.period == "month" and not b.match
    ]
    labels = [(month_start + timedelta(days=d)).strftime("%m-%d") for d in range(days)]
    chart = lines_with_band(labels, actual, band, y_title=f"{currency} this month", value_text=money, limits=limits)
    body = chart + _budget_table(forecast, money)
    return _section(f"Spend this month so far and forecast to {forecast.until:%Y-%m-%d} ({currency})", body)


def _budget_table(forecast: ForecastResult, money) -> str:
    if not forecast.budgets:
        return '<p class="meta">No budgets in the config (OTEL_AICOST_CONFIG or --config): no budget lines.</p>'
    rows = []
    for b in forecast.budgets:
        rows.append(
            f'<tr><td class="key">{html.escape(b.name)}</td><td class="key">{b.period}</td>'
            f"<td>{money(float(b.limit))}</td><td>{money(float(b.spent))}</td><td>{money(float(b.forecast))}</td>"
            f'<td class="key">{b.exhausted_on or "not before " + forecast.until.strftime("%Y-%m-%d")}</td></tr>'
        )
    head = "".join(
        f'<th class="{"key" if i in (0, 1, 5) else ""}">{h}</th>'
        for i, h in enumerate(("budget", "period", "limit", "spent this period", "forecast", "runs out"))
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _anomaly_list(anomalies: list[Anomaly], money) -> str:
    if not anomalies:
        return _section("Anomalies", "<p>None: every period is within the expected range of comparable ones.</p>")
    rows = []
    for number, a in enumerate(sorted(anomalies, key=lambda a: a.start_ns), start=1):
        rows.append(
            f'<tr><td>{number}</td><td class="key">{iso(a.start_ns, hourly=a.granularity == "hour")}</td>'
            f"<td>{money(a.spend)}</td><td>{money(a.expected_spend)}</td><td>{a.score:+.1f}</td>"
            f'<td class="key">{html.escape(CAUSE_WORDS.get(a.cause, a.cause))}</td>'
            f'<td class="key">{html.escape(a.detail)}</td></tr>'
        )
    head = "".join(
        f'<th class="{"key" if h in ("when (UTC)", "cause", "what moved") else ""}">{h}</th>'
        for h in ("#", "when (UTC)", "spend", "expected", "score", "cause", "what moved")
    )
    return _section(
        "Anomalies",
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>',
    )


def _by_model(cost_by_model, ranked, colour, currency, money) -> str:
    rows = [(m, float(cost_by_model[m]), colour(m)) for m in ranked[:TOP_MODELS]]
    rest = sum(float(cost_by_model[m]) for m in ranked[TOP_MODELS:])
    if rest:
        rows.append(("other", rest, OTHER))
    return horizontal_bars(rows, x_title=currency, value_text=money) if rows else "<p>No priced calls.</p>"


def _tag_section(tags: TagCosts | None, colour, currency, money) -> str:
    costs = tags.costs if tags is not None else {}
    if not costs:
        return _section("Cost by tag", "<p>No allocation tags on the calls.</p>")
    by_key: dict[str, Decimal] = {}
    for (key, _), cost in costs.items():
        by_key[key] = by_key.get(key, Decimal(0)) + cost
    key = "team" if "team" in by_key else max(by_key, key=lambda k: by_key[k])
    values = sorted(((v, c) for (k, v), c in costs.items() if k == key), key=lambda vc: -vc[1])
    rows = [(v, float(c), colour(v)) for v, c in values[:TOP_MODELS]]
    rest = sum(float(c) for _, c in values[TOP_MODELS:])
    if rest:
        rows.append(("other", rest, OTHER))
    return _section(f"Cost by {key}", horizontal_bars(rows, x_title=currency, value_text=money))


def _unit_prices(cells, top, colour, currency) -> str:
    sums: dict[str, list[float]] = {}
    for (_, model), c in cells.items():
        if model in top:
            s = sums.setdefault(model, [0.0] * 6)
            for i, v in enumerate(
                (c[INPUT] - c[CACHED], c[COST_INPUT], c[CACHED], c[COST_CACHED], c[OUTPUT], c[COST_OUTPUT])
            ):
                s[i] += float(v)
    types = ("input", "cached input", "output")
    groups = []
    for model in top:
        s = sums.get(model)
        if not s:
            continue
        per_1k = [s[i + 1] * 1000 / s[i] if s[i] and s[i + 1] else None for i in (0, 2, 4)]
        groups.append((model, colour(model), per_1k))
    if not groups:
        return "<p>No cost components on the spans.</p>"
    places = money_places([v for _, _, values in groups for v in values if v])
    return grouped_bars(
        types, groups, y_title=f"{currency} per 1K tokens", value_text=lambda v: f"{v:,.{places + 1}f} {currency}"
    )


def _latency(report: Report, colour) -> str:
    points, labels = [], set()
    for latency, tokens, _cost, key in report.samples:
        label = " / ".join(str(p) for p in key[:-1]) or "all"
        labels.add(label)
        points.append((float(tokens), latency, colour(label), f"{label}: {tokens:,} output tokens, {latency:.2f} s"))
    if not points:
        return "<p>No successful calls.</p>"
    order = list(colour.given)
    shown = sorted(labels, key=order.index)
    legend = "".join(f'<span><i style="background:{colour(n)}"></i>{html.escape(n)}</span>' for n in shown[:12])
    return f'<div class="legend">{legend}</div>' + scatter(points, x_title="output tokens", y_title="latency (seconds)")


def _table(report: Report, names) -> str:
    currencies = {t.currency for t in report.totals}
    currency = next(iter(currencies)) if len(currencies) == 1 else "in each currency"
    columns = [c for name in names for c in COLUMNS if c.name == name]
    shown = report.groups[:50] if report.by else []
    summaries = [*shown, *report.totals]
    keys = [[s.key.get(d, "") for d in report.by] for s in shown] + [
        ["TOTAL", *([""] * (len(report.by) - 1))] if report.by else [] for _ in report.totals
    ]
    cells = [c.cells(summaries) for c in columns]
    head = "".join(f'<th class="key">{html.escape(d.removeprefix("tag."))}</th>' for d in report.by)
    head += "".join(f"<th>{html.escape(c.header.format(cur=currency))}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="key">{html.escape(str(k))}</td>' for k in key)
        + "".join(f"<td>{html.escape(column[i])}</td>" for column in cells)
        + "</tr>"
        for i, key in enumerate(keys)
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _details(report: Report) -> str:
    return f"<details><summary>Every column</summary>{_table(report, COLUMN_NAMES)}</details>"
