"""Render a ``Report``: terminal table, JSON, CSV.

JSON and CSV carry every figure; money is written as exact decimal text (JSON strings, so no reader turns it
into a float), shares as fractions 0..1, latency in seconds.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from otel_aicost.finops.report.build import Report
from otel_aicost.finops.report.figures import GroupSummary

FIGURES = [f.name for f in fields(GroupSummary) if f.name not in ("key", "currency")]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """A value from telemetry (a tag, a model name) as a table cell: control characters shown as escapes (``\\n``,
    ``\\x1b``), so that a value can neither break a table line nor send escape sequences to the terminal."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], str(text))


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _summary_dict(summary: GroupSummary) -> dict:
    out: dict = {"key": summary.key, "currency": summary.currency}
    for name in FIGURES:
        out[name] = _json_value(getattr(summary, name))
    return out


def to_json(report: Report) -> str:
    return json.dumps(report_document(report), indent=2, ensure_ascii=False)


def report_document(report: Report) -> dict:
    """The report as JSON-ready data (``to_json``); ``report`` adds its forecast and anomalies to it."""
    stats = report.stats
    return {
        "by": report.by,
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat() if report.until else None,
        "input": {
            "files": stats.files,
            "lines": stats.lines,
            "spans": stats.spans,
            "genai_calls": stats.records,
            "outside_window": report.filtered_out,
            "corrupt_lines": stats.corrupt_lines,
            "malformed_spans": stats.bad_spans,
            "duplicate_spans": stats.duplicates,
            "skipped_spans_by_reason": dict(sorted(stats.skipped.items())),
            "problems": stats.corrupt_examples,
        },
        "groups": [_summary_dict(g) for g in report.groups],
        "totals": [_summary_dict(t) for t in report.totals],
    }


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["group", *report.by, "currency", *FIGURES])
    rows = [("group", g) for g in report.groups] + [("total", t) for t in report.totals]
    for kind, summary in rows:
        key_cells = [summary.key.get(dim, "") for dim in report.by]
        values = []
        for name in FIGURES:
            value = getattr(summary, name)
            if value is None:
                value = ""
            elif isinstance(value, Decimal):
                value = _plain(value)
            elif isinstance(value, float):
                value = repr(value)
            values.append(value)
        writer.writerow([kind, *key_cells, summary.currency, *values])
    return buffer.getvalue()


# --- the terminal table ------------------------------------------------------------------------------------------


def money_places(values: Sequence[Decimal | float | None]) -> int:
    """Decimals for a column of money: three significant digits of its typical (median) non-zero amount, 2 to 6."""
    nonzero = sorted(abs(float(v)) for v in values if v)
    if not nonzero:
        return 2
    return min(6, max(2, 2 - math.floor(math.log10(nonzero[len(nonzero) // 2]))))


def money_cells(values: Sequence[Decimal | float | None]) -> list[str]:
    """One format for a column of money: thousands separators and the same decimals throughout.

    Decimals: enough for the typical (median) non-zero amount to show three significant digits, 2 to 6; an amount
    too small for them reads ``<0.000001``, never a different notation.
    """
    places = money_places(values)
    smallest = 10.0**-places
    out = []
    for v in values:
        if v is None:
            out.append("-")
        elif v and abs(float(v)) < smallest / 2:
            out.append(f"<{smallest:.{places}f}")
        else:
            out.append(f"{Decimal(v) if isinstance(v, Decimal) else v:,.{places}f}")
    return out


def _ints(values: Sequence[int]) -> list[str]:
    return [f"{v:,}" for v in values]


def _shares(values: Sequence[float]) -> list[str]:
    return [f"{v * 100:.1f}%" for v in values]


def _numbers(values: Sequence[float | None], places: int, unit: str = "") -> list[str]:
    return ["-" if v is None else f"{v:,.{places}f}{unit}" for v in values]


@dataclass(frozen=True)
class Column:
    name: str  # for --columns
    header: str  # in words; "{cur}" becomes the currency
    cells: Callable[[list[GroupSummary]], list[str]]


def _money_column(name: str, header: str, attribute: str) -> Column:
    return Column(name, header, lambda rows: money_cells([getattr(r, attribute) for r in rows]))


COLUMNS = (
    Column("requests", "calls", lambda rows: _ints([r.requests for r in rows])),
    Column("errors", "failed", lambda rows: _ints([r.errors for r in rows])),
    _money_column("cost", "cost ({cur})", "cost"),
    _money_column("cost_per_request", "per call ({cur})", "cost_per_request_mean"),
    _money_column("cost_per_1k_tokens", "per 1K tokens ({cur})", "cost_per_1k_tokens"),
    Column("unpriced", "not priced", lambda rows: _shares([r.unpriced_share for r in rows])),
    Column("input_tokens", "input tokens", lambda rows: _ints([r.input_tokens for r in rows])),
    Column("output_tokens", "output tokens", lambda rows: _ints([r.output_tokens for r in rows])),
    _money_column("cached_savings", "cache saved ({cur})", "cached_savings"),
    Column("latency_p50", "median latency", lambda rows: _numbers([r.latency_p50_s for r in rows], 2, "s")),
    Column("cached_input_tokens", "cached input tokens", lambda rows: _ints([r.cached_input_tokens for r in rows])),
    Column("reasoning_tokens", "reasoning tokens", lambda rows: _ints([r.reasoning_tokens for r in rows])),
    _money_column("cost_per_request_p50", "median per call ({cur})", "cost_per_request_p50"),
    _money_column("cost_per_request_p95", "p95 per call ({cur})", "cost_per_request_p95"),
    Column("estimated", "estimated usage", lambda rows: _shares([r.estimated_share for r in rows])),
    Column("assumed_type", "assumed deployment type", lambda rows: _shares([r.assumed_share for r in rows])),
    Column("latency_p95", "p95 latency", lambda rows: _numbers([r.latency_p95_s for r in rows], 2, "s")),
    Column("output_tokens_per_s", "output tokens/s", lambda rows: _numbers([r.output_tokens_per_s for r in rows], 1)),
    Column(
        "latency_tokens_correlation",
        "latency-tokens correlation",
        lambda rows: _numbers([r.latency_output_tokens_correlation for r in rows], 2),
    ),
    _money_column("cost_per_latency_s", "per second of latency ({cur})", "cost_per_latency_s"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
DEFAULT_COLUMNS = COLUMN_NAMES[:10]  # in order of importance: the first ones stay when the terminal is narrow
GAP = "  "


def parse_columns(text: str | None) -> list[str] | None:
    """``--columns cost,requests`` -> names in that order; ValueError naming the known ones for anything else."""
    if text is None:
        return None
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))  # a column named twice: once
    unknown = [n for n in names if n not in COLUMN_NAMES]
    if unknown or not names:
        raise ValueError(f"unknown column {', '.join(unknown) or '(none given)'}; columns: {', '.join(COLUMN_NAMES)}")
    return names


def to_table(
    report: Report, limit: int | None = 50, *, columns: Sequence[str] | None = None, width: int | None = None
) -> str:
    """A plain-text table: one line per group (highest cost first), then the totals.

    ``columns``: names from ``COLUMN_NAMES`` (default ``DEFAULT_COLUMNS``, less the last ones that do not fit in
    ``width`` characters). Money columns say their currency in the header when the report has one currency.
    """
    currencies = {t.currency for t in report.totals}
    one_currency = len(currencies) <= 1
    currency = next(iter(currencies)) if currencies and one_currency else None
    shown = report.groups if limit is None else report.groups[:limit]
    if not report.by:  # one group, the same as the total
        shown = []
    summaries = [*shown, *report.totals]
    keys = [[printable(s.key.get(d, "")) for d in report.by] for s in shown]
    label = ["TOTAL", *([""] * (len(report.by) - 1))] if report.by else []
    keys += [label for _ in report.totals]
    key_header = [d.removeprefix("tag.") for d in report.by]
    if not one_currency:
        key_header.append("currency")
        keys = [[*k, s.currency] for k, s in zip(keys, summaries)]
    wanted = list(columns) if columns is not None else list(DEFAULT_COLUMNS)
    chosen = [c for name in wanted for c in COLUMNS if c.name == name]
    rendered = [(c.header.format(cur=currency or "in each currency"), c.cells(summaries)) for c in chosen]
    key_widths = [max([len(h), *(len(str(k[i])) for k in keys)]) for i, h in enumerate(key_header)]
    hidden = []
    if columns is None and width:
        while len(rendered) > 1 and _line_width(key_widths, rendered) > width:
            hidden.append(chosen[len(rendered) - 1].name)
            rendered.pop()
    widths = key_widths + [max([len(h), *(len(c) for c in cells)]) for h, cells in rendered]
    header = key_header + [h for h, _ in rendered]

    def line(cells: list[str]) -> str:
        return GAP.join(
            str(c).ljust(w) if i < len(key_header) else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    body = [[*k, *(cells[i] for _, cells in rendered)] for i, k in enumerate(keys)]
    rule = line(["-" * w for w in widths])
    out = [line(header), rule]
    out += [line(r) for r in body[: len(shown)]]
    if shown:
        out.append(rule)
    out += [line(r) for r in body[len(shown) :]]
    more = len(report.groups) - len(shown) if report.by else 0
    if more > 0:
        out.append(f"... {more} more groups (--limit, or --format csv or json for all)")
    if hidden:
        out.append(f"{len(hidden)} more columns with --wide or --columns: {', '.join(reversed(hidden))}")
    assumed = [t for t in report.totals if t.assumed_share > 0]
    for total in assumed:  # an under-count nobody would see in the default columns: always said
        out.append(
            f"{total.assumed_share:.1%} of the {total.currency} cost was priced on an assumed Azure deployment type "
            "(global_standard): declare the deployments in the config ([deployments.NAME] type = ...)"
        )
    stats = report.stats
    out.append(
        f"{stats.records:,} GenAI calls from {stats.files} file(s), {stats.lines:,} lines"
        + (f"; {report.filtered_out:,} outside the time window" if report.filtered_out else "")
        + (f"; skipped {stats.skipped_summary()}" if stats.corrupt_lines or stats.bad_spans or stats.duplicates else "")
    )
    return "\n".join(out)


def _line_width(key_widths: list[int], rendered: list[tuple[str, list[str]]]) -> int:
    widths = key_widths + [max([len(h), *(len(c) for c in cells)]) for h, cells in rendered]
    return sum(widths) + len(GAP) * (len(widths) - 1)
