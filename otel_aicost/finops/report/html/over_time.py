"""Spend over time: per day (or hour) stacked by model with the forecast's band, daily budget lines and the
anomalies numbered; the month's cumulative spend against its budgets; the anomalies with their cause."""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

from otel_aicost.finops.anomalies import CAUSE_WORDS, Anomaly
from otel_aicost.finops.forecast import ForecastResult
from otel_aicost.finops.report.html.parts import BUDGET_COLOURS, CHART_IDS, section, total_in
from otel_aicost.finops.report.svg import lines_with_band, stacked_bars
from otel_aicost.finops.series import COST, HourlySeries
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS, iso


def _slots(cells: dict, step: int, until_ns: int | None) -> list[int]:
    hours = [h for h, _ in cells]
    first, last = min(hours) // step * step, max(hours) // step * step
    end = max(last, (until_ns - 1) // step * step) if until_ns and step == DAY_NS else last
    return list(range(first, end + step, step))


def spend_chart(cells, top, colour, step, forecast, anomalies, series, currency, money) -> str:
    if not cells:
        return section("Spend over time", "<p>No priced calls.</p>", CHART_IDS[0])
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
    t = total_in(forecast, currency)
    if t is not None and step == DAY_NS:
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
        if b.period == "day" and not b.match and step == DAY_NS and b.currency == currency
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
    return section(
        f"Spend per {unit} by model ({currency})", f'<div class="legend">{legend}</div>{chart}', CHART_IDS[0]
    )


def month_chart(cells, forecast: ForecastResult | None, series: HourlySeries, money, currency) -> str:
    t = total_in(forecast, currency)  # t.spent: this month so far (the forecast counts from the month's start)
    if t is None or not cells:
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
        if b.period == "month" and not b.match and b.currency == currency  # a limit in another currency: table only
    ]
    labels = [(month_start + timedelta(days=d)).strftime("%m-%d") for d in range(days)]
    chart = lines_with_band(labels, actual, band, y_title=f"{currency} this month", value_text=money, limits=limits)
    body = chart + _budget_table(forecast, money)
    return section(f"Spend this month so far and forecast to {forecast.until:%Y-%m-%d} ({currency})", body)


def _budget_table(forecast: ForecastResult, money) -> str:
    if not forecast.budgets:
        return '<p class="meta">No budgets in the config (OTEL_AICOST_CONFIG or --config): no budget lines.</p>'
    rows = []
    for b in forecast.budgets:
        rows.append(
            f'<tr><td class="key">{html.escape(b.name)}</td><td class="key">{b.period}</td>'
            f"<td>{money(float(b.limit), b.currency)}</td><td>{money(float(b.spent), b.currency)}</td>"
            f"<td>{money(float(b.forecast), b.currency)}</td>"
            f'<td class="key">{b.exhausted_on or "not before " + forecast.until.strftime("%Y-%m-%d")}</td></tr>'
        )
    head = "".join(
        f'<th class="{"key" if i in (0, 1, 5) else ""}">{h}</th>'
        for i, h in enumerate(("budget", "period", "limit", "spent this period", "forecast", "runs out"))
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def anomaly_list(anomalies: list[Anomaly], money) -> str:
    if not anomalies:
        return section("Anomalies", "<p>None: every period is within the expected range of comparable ones.</p>")
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
    return section(
        "Anomalies",
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>',
    )
