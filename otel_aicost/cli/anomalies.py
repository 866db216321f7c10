"""``otel-aicost anomalies``: hours or days whose spend or cost per call departs from the expected, with the cause."""

from __future__ import annotations

import csv
import io
import json
import math

import click

from otel_aicost.cli._finops_read import read, reading_options
from otel_aicost.finops.anomalies import CAUSE_WORDS, THRESHOLD, Anomaly, detect_series
from otel_aicost.finops.call_table import Plan
from otel_aicost.finops.report.groups import DIMENSIONS, TIME_DIMENSIONS, parse_by
from otel_aicost.finops.report.output import money_cells, printable
from otel_aicost.finops.telemetry_input import window
from otel_aicost.finops.time_slots import iso, to_ns


def _finite(value: float) -> float:
    """``nan`` passes click's range check (no comparison is true) and, like ``inf``, would hide every anomaly."""
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number")
    return value


@click.command("anomalies")
@reading_options
@click.option(
    "--by",
    default="",
    metavar="KEYS",
    help=f"Look per group: {', '.join(DIMENSIONS)} or a tag key (team). Default: the total.",
)
@click.option("--granularity", type=click.Choice(["hour", "day"]), default="hour", show_default=True)
@click.option("--since", metavar="WHEN", help="Start of the window, inclusive: ISO date or date-time (UTC).")
@click.option("--until", metavar="WHEN", help="End of the window, exclusive; a bare date includes that whole day.")
@click.option(
    "--threshold",
    type=click.FloatRange(min=1),
    callback=lambda _ctx, _param, value: _finite(value),
    default=THRESHOLD,
    show_default=True,
    help="Score (robust standard deviations) from which a period is reported.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def command(paths, by, granularity, since, until, threshold, fmt, progress, workers) -> None:
    """Periods whose spend or cost per call departs from comparable earlier ones, each with its score and cause.

    Cause: the factor of spend = calls x tokens per call x price per token that moved: request volume, input or
    output tokens per call, model mix, cache hit rate, price, or a new model or group.
    """
    dims = [d for d in parse_by(by) if d not in TIME_DIMENSIONS]
    start, stop = window(since, until)
    plan = Plan(report=False, series_by=tuple(dims), since_ns=to_ns(start), until_ns=to_ns(stop))
    table, _ = read(paths, plan, workers=workers, progress=progress)
    found = detect_series(table.series(), granularity, threshold)
    if fmt == "json":
        click.echo(json.dumps(anomalies_document(found, dims, granularity), indent=2))
    elif fmt == "csv":
        click.echo(to_csv(found, dims), nl=False)
    else:
        click.echo(to_table(found, dims, granularity, threshold))


def anomalies_document(found: list[Anomaly], dims: list[str], granularity: str) -> dict:
    """The anomalies as JSON-ready data: ``anomalies --format json``, ``report``'s."""
    return {"by": dims, "granularity": granularity, "anomalies": [_dict(a, dims) for a in found]}


def _dict(a: Anomaly, dims: list[str]) -> dict:
    return {
        "start": iso(a.start_ns, hourly=True),
        "group": dict(zip(dims, a.group[:-1])) if a.group else {},
        "currency": a.group[-1] if a.group else None,
        "spend": round(a.spend, 8),
        "expected_spend": round(a.expected_spend, 8),
        "requests": a.requests,
        "expected_requests": a.expected_requests,
        "score": a.score,
        "metric": a.metric,
        "cause": a.cause,
        "detail": a.detail,
        "contributions": a.contributions,
    }


def to_csv(found: list[Anomaly], dims: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = [
        "start",
        *dims,
        "currency",
        "spend",
        "expected_spend",
        "requests",
        "expected_requests",
        "score",
        "metric",
        "cause",
        "detail",
    ]
    writer.writerow(names)
    for a in found:
        d = _dict(a, dims)
        writer.writerow(
            [d["start"], *(d["group"].get(k, "") for k in dims), d["currency"], *(d[n] for n in names[len(dims) + 2 :])]
        )
    return buffer.getvalue()


def to_table(found: list[Anomaly], dims: list[str], granularity: str, threshold: float = THRESHOLD) -> str:
    if not found:
        return (
            f"No anomalous {granularity}s: every period is within {threshold:g} robust deviations of comparable ones."
        )
    currencies = {a.group[-1] for a in found if a.group}
    currency = next(iter(currencies)) if len(currencies) == 1 else "in each currency"
    columns = [
        (
            "when (UTC)",
            [
                iso(a.start_ns, hourly=True).replace("T", " ").rstrip("Z") if granularity == "hour" else iso(a.start_ns)
                for a in found
            ],
        ),
    ]
    if dims:
        columns.append(("group", [printable(" / ".join(a.group[:-1])) for a in found]))
    if len(currencies) > 1:  # each row's amounts are in its own currency: say which
        columns.append(("currency", [a.group[-1] for a in found]))
    columns += [
        (f"spend ({currency})", money_cells([a.spend for a in found])),
        ("expected", money_cells([a.expected_spend for a in found])),
        ("score", [f"{a.score:+.1f}" for a in found]),
        ("cause", [CAUSE_WORDS.get(a.cause, a.cause) for a in found]),
        ("what moved", [printable(a.detail) for a in found]),
    ]
    widths = [max([len(h), *(len(c) for c in cells)]) for h, cells in columns]
    left = {i for i, (h, _) in enumerate(columns) if h in ("when (UTC)", "group", "currency", "cause", "what moved")}

    def line(cells):
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    out = [line([h for h, _ in columns]), line(["-" * w for w in widths])]
    out += [line([cells[i] for _, cells in columns]) for i in range(len(found))]
    out.append(
        f"{len(found)} anomalous {granularity}(s), most recent first; score: robust standard deviations from comparable {granularity}s"
    )
    return "\n".join(out)
