"""The page's header of key figures (spend, calls, cost per call, cache savings, forecast against the monthly
budget) and the report's table (the default columns, then every column folded away)."""

from __future__ import annotations

import html
from collections.abc import Callable

from otel_aicost.finops.forecast import ForecastResult
from otel_aicost.finops.report.build import Report
from otel_aicost.finops.report.html.parts import card, total_in
from otel_aicost.finops.report.output import COLUMN_NAMES, COLUMNS, money_places


def header(report: Report, forecast: ForecastResult | None, currency: str, money: Callable) -> str:
    total = next((t for t in report.totals if t.currency == currency), None)
    if total is None:
        return ""
    def per_call(value) -> str:  # each with the decimals it needs (a median can be far below the mean)
        return f"{float(value or 0):,.{money_places([value])}f} {currency}"

    cards = [
        card("Spend", money(float(total.cost)), f"{total.priced_requests:,} priced calls"),
        card("Calls", f"{total.requests:,}", f"{total.errors:,} failed, {total.unpriced_share:.1%} not priced"),
        card("Cost per call", per_call(total.cost_per_request_mean), f"median {per_call(total.cost_per_request_p50)}"),
        card("Cache savings", money(float(total.cached_savings)), "cached input tokens against their full price"),
    ]
    t = total_in(forecast, currency)
    if t is not None:
        month = [b for b in forecast.budgets if b.period == "month" and b.currency == currency]
        sub = f"80% range {money(float(t.low))} to {money(float(t.high))}"
        if month:
            b = month[0]
            runs = b.exhausted_on.isoformat() if b.exhausted_on else "not this month"
            sub += f"; budget {b.name}: {money(float(b.limit))}, runs out {runs}"
        cards.append(card(f"Forecast to {forecast.until:%Y-%m-%d}", money(float(t.forecast)), sub))
    return f'<section class="cards">{"".join(cards)}</section>'


def table(report: Report, names) -> str:
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


def details(report: Report) -> str:
    return f"<details><summary>Every column</summary>{table(report, COLUMN_NAMES)}</details>"
