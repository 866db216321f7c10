"""The page's building blocks: one colour per label for the whole page, a section, a key-figure card, the
forecast total in the page's currency."""

from __future__ import annotations

import html

from otel_aicost.finops.report.svg import OTHER, PALETTE

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


def section(title: str, body: str, div_id: str | None = None) -> str:
    ident = f' id="{div_id}"' if div_id else ""
    return f"<section{ident}><h2>{html.escape(title)}</h2>{body}</section>"


def card(label: str, value: str, sub: str = "") -> str:
    return (
        f'<div class="card"><div class="label">{html.escape(label)}</div><div class="value">{html.escape(value)}</div>'
        f'<div class="sub">{html.escape(sub)}</div></div>'
    )


def total_in(forecast, currency: str):
    """The forecast of the total in ``currency`` (the currency the page's charts are in), or None: a forecast has
    one total per currency, and money in two currencies is never drawn or added on one axis."""
    if forecast is None:
        return None
    return next((t for t in forecast.totals if t.currency == currency), None)
