"""``otel-aicost forecast``: spend to the end of the period per group, with an 80% interval, and budget run-out days."""

from __future__ import annotations

import csv
import io
import json

import click

from otel_aicost.cli._finops_read import load_budgets, read, reading_options
from otel_aicost.finops.call_table import Plan
from otel_aicost.finops.forecast import ForecastResult, forecast_series
from otel_aicost.finops.report.groups import DIMENSIONS, TIME_DIMENSIONS, parse_by
from otel_aicost.finops.report.output import money_cells, printable
from otel_aicost.finops.telemetry_input import InputError, parse_moment


@click.command("forecast")
@reading_options
@click.option(
    "--by",
    default="model",
    show_default=True,
    metavar="KEYS",
    help=f"Group by: {', '.join(DIMENSIONS)} or a tag key (team).",
)
@click.option(
    "--until",
    metavar="DATE",
    help="Forecast to this date, exclusive (default: the end of the last call's month, UTC; this month for live "
    "telemetry, as `report --forecast`).",
)
@click.option(
    "--since", metavar="DATE", help="Count spend so far from here (default: the start of the last call's month)."
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="Config file with [[budgets]] (default: OTEL_AICOST_CONFIG).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def command(paths, by, until, since, config, fmt, progress, workers) -> None:
    """Spend so far and forecast to --until per group, with an 80% interval; each budget's expected run-out day.

    With a week or more of history the forecast follows the daily spend's trend and weekly rhythm; one-off bursts
    widen the interval without bending the trend (method and backtest: bench/backtest_forecast.py). With less, each
    group goes on at its average hourly rate (method "level"). Groups are scaled to add up to the total's forecast.
    """
    dims = [d for d in parse_by(by) if d not in TIME_DIMENSIONS]
    stop = parse_moment(until, option="--until")
    start = parse_moment(since, option="--since")
    plan = Plan(report=False, series_by=tuple(dims), budgets=tuple(load_budgets(config)))
    table, _ = read(paths, plan, workers=workers, progress=progress)
    try:
        result = forecast_series(table.series(), by=dims, until=stop, since=start)
    except ValueError as error:
        raise InputError(str(error)) from None
    if fmt == "json":
        click.echo(to_json(result, dims))
    elif fmt == "csv":
        click.echo(to_csv(result, dims), nl=False)
    else:
        click.echo(to_table(result, dims))


def _key_text(key: dict[str, str], dims: list[str]) -> str:
    return " / ".join(printable(key.get(d, "")) for d in dims) or "all"


def to_table(result: ForecastResult, dims: list[str]) -> str:
    currency = result.totals[0].currency if len(result.totals) == 1 else "in each currency"
    rows = [*result.groups, *result.totals] if dims else list(result.totals)
    labels = [_key_text(g.key, dims) for g in result.groups] + ["TOTAL" if dims else "all"] * len(result.totals)
    if not dims:
        labels = labels[len(result.groups) :]
    columns = [
        ("group" if dims else "", labels),
        *([("currency", [r.currency for r in rows])] if len(result.totals) > 1 else []),  # amounts in their own
        (f"spent so far ({currency})", money_cells([r.spent for r in rows])),
        (f"forecast ({currency})", money_cells([r.forecast for r in rows])),
        (
            "80% range",
            [f"{lo} - {hi}" for lo, hi in zip(money_cells([r.low for r in rows]), money_cells([r.high for r in rows]))],
        ),
        ("days of history", [f"{r.history_days:,}" for r in rows]),
    ]
    lines = [
        (
            f"Forecast to {result.until:%Y-%m-%d %H:%M} UTC, from the last call seen ({result.as_of:%Y-%m-%d %H:%M} UTC); "
            f"spent so far counts from {result.since:%Y-%m-%d}"
        ),
        "",
        *_grid(columns, separate_last=len(result.totals) if dims else 0),
    ]
    if result.budgets:
        b = result.budgets
        lines += ["", "Budgets (from the config)"]
        lines += _grid([
            ("budget", [x.name for x in b]),
            ("period", [x.period for x in b]),
            ("currency", [x.currency for x in b]),
            ("limit", money_cells([x.limit for x in b])),
            ("spent this period", money_cells([x.spent for x in b])),
            ("forecast", money_cells([x.forecast for x in b])),
            ("runs out", [_day(x.exhausted_on) for x in b]),
            ("one chance in ten by", [_day(x.earliest) for x in b]),
        ])  # fmt: skip
        for x in b:
            if x.other_currencies:
                other = ", ".join(f"{_plain(v)} {c}" for c, v in x.other_currencies.items())
                lines.append(f"budget {x.name}: matching calls priced in other currencies ({other}) this period are "
                             f"not counted: its limit is in {x.currency}")  # fmt: skip
    return "\n".join(lines)


def _day(value) -> str:
    return value.isoformat() if value else "not before --until"


def _grid(columns: list[tuple[str, list[str]]], separate_last: int = 0) -> list[str]:
    widths = [max([len(h), *(len(c) for c in cells)]) for h, cells in columns]
    count = len(columns[0][1])

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = line(["-" * w for w in widths])
    out = [line([h for h, _ in columns]), rule]
    for i in range(count):
        if separate_last and i == count - separate_last:
            out.append(rule)
        out.append(line([cells[i] for _, cells in columns]))
    return out


def _plain(value) -> str | None:
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _group_dict(g) -> dict:
    return {
        "key": g.key, "currency": g.currency, "spent": _plain(g.spent), "forecast": _plain(g.forecast),
        "low": _plain(g.low), "high": _plain(g.high), "history_days": g.history_days, "method": g.method,
    }  # fmt: skip


def to_json(result: ForecastResult, dims: list[str]) -> str:
    return json.dumps(forecast_document(result, dims), indent=2, ensure_ascii=False)


def forecast_document(result: ForecastResult, dims: list[str]) -> dict:
    """The forecast as JSON-ready data (money as exact decimal text): ``forecast --format json``, ``report``'s."""
    return {
        "by": dims,
        "since": result.since.isoformat(),
        "as_of": result.as_of.isoformat(),
        "until": result.until.isoformat(),
        "interval": 0.8,
        "groups": [_group_dict(g) for g in result.groups],
        "totals": [_group_dict(t) for t in result.totals],
        "budgets": [
            {
                "name": b.name,
                "period": b.period,
                "limit": _plain(b.limit),
                "currency": b.currency,
                "spent": _plain(b.spent),
                "forecast": _plain(b.forecast),
                "exhausted_on": b.exhausted_on.isoformat() if b.exhausted_on else None,
                "earliest": b.earliest.isoformat() if b.earliest else None,
                "latest": b.latest.isoformat() if b.latest else None,
                "other_currencies": {c: _plain(v) for c, v in b.other_currencies.items()},  # not counted
            }
            for b in result.budgets
        ],
    }


def to_csv(result: ForecastResult, dims: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kind", *dims, "budget", "period", "currency", "spent", "forecast", "low", "high", "limit",
                     "exhausted_on", "earliest", "latest"])  # fmt: skip
    for kind, items in (("group", result.groups), ("total", result.totals)):
        for g in items:
            writer.writerow([kind, *(g.key.get(d, "") for d in dims), "", "", g.currency, _plain(g.spent),
                             _plain(g.forecast), _plain(g.low), _plain(g.high), "", "", "", ""])  # fmt: skip
    for b in result.budgets:
        days = [d.isoformat() if d else "" for d in (b.exhausted_on, b.earliest, b.latest)]
        writer.writerow(["budget", *([""] * len(dims)), b.name, b.period, b.currency, _plain(b.spent),
                         _plain(b.forecast), "", "", _plain(b.limit), *days])  # fmt: skip
    return buffer.getvalue()
