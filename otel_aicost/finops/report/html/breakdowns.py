"""Where the money goes: cost by model and by tag, cost per 1K tokens by token type and model, latency against
output tokens."""

from __future__ import annotations

import html
from decimal import Decimal

from otel_aicost.finops.report.build import Report
from otel_aicost.finops.report.figures import TagCosts
from otel_aicost.finops.report.html.parts import TOP_MODELS, section
from otel_aicost.finops.report.output import money_places
from otel_aicost.finops.report.svg import OTHER, grouped_bars, horizontal_bars, scatter
from otel_aicost.finops.series import CACHED, COST_CACHED, COST_INPUT, COST_OUTPUT, INPUT, OUTPUT


def by_model(cost_by_model, ranked, colour, currency, money) -> str:
    rows = [(m, float(cost_by_model[m]), colour(m)) for m in ranked[:TOP_MODELS]]
    rest = sum(float(cost_by_model[m]) for m in ranked[TOP_MODELS:])
    if rest:
        rows.append(("other", rest, OTHER))
    return horizontal_bars(rows, x_title=currency, value_text=money) if rows else "<p>No priced calls.</p>"


def tag_section(tags: TagCosts | None, colour, currency, money) -> str:
    costs = tags.costs if tags is not None else {}
    if not costs:
        return section("Cost by tag", "<p>No allocation tags on the calls.</p>")
    by_key: dict[str, Decimal] = {}
    for (key, _), cost in costs.items():
        by_key[key] = by_key.get(key, Decimal(0)) + cost
    key = "team" if "team" in by_key else max(by_key, key=lambda k: by_key[k])
    values = sorted(((v, c) for (k, v), c in costs.items() if k == key), key=lambda vc: -vc[1])
    rows = [(v, float(c), colour(v)) for v, c in values[:TOP_MODELS]]
    rest = sum(float(c) for _, c in values[TOP_MODELS:])
    if rest:
        rows.append(("other", rest, OTHER))
    return section(f"Cost by {key}", horizontal_bars(rows, x_title=currency, value_text=money))


def unit_prices(cells, top, colour, currency) -> str:
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


def latency(report: Report, colour) -> str:
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
