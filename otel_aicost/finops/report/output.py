"""Render a ``Report``: terminal table, JSON, CSV.

JSON and CSV carry every figure; money is written as exact decimal text (JSON strings, so no reader turns it
into a float), shares as fractions 0..1, latency in seconds.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import fields
from decimal import Decimal

from otel_aicost.finops.report.build import GroupSummary, Report

FIGURES = [f.name for f in fields(GroupSummary) if f.name not in ("key", "currency")]


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
    stats = report.stats
    document = {
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
            "problems": stats.corrupt_examples,
        },
        "groups": [_summary_dict(g) for g in report.groups],
        "totals": [_summary_dict(t) for t in report.totals],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


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


def _money(value: Decimal | None, places: int = 4) -> str:
    if value is None:
        return "-"
    if value and abs(value) < Decimal(10) ** -places:
        return f"{value:.2e}"
    return f"{value:,.{places}f}"


def _int(value: int) -> str:
    return f"{value:,}"


def _share(value: float) -> str:
    return f"{value * 100:.1f}%"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _number(value: float | None, places: int = 1) -> str:
    return "-" if value is None else f"{value:.{places}f}"


TABLE_COLUMNS = (
    ("requests", lambda s: _int(s.requests)),
    ("errors", lambda s: _int(s.errors)),
    ("input tok", lambda s: _int(s.input_tokens)),
    ("cached", lambda s: _int(s.cached_input_tokens)),
    ("output tok", lambda s: _int(s.output_tokens)),
    ("reasoning", lambda s: _int(s.reasoning_tokens)),
    ("cost", lambda s: _money(s.cost)),
    ("$/req", lambda s: _money(s.cost_per_request_mean, 6)),
    ("p50", lambda s: _money(s.cost_per_request_p50, 6)),
    ("p95", lambda s: _money(s.cost_per_request_p95, 6)),
    ("$/1K tok", lambda s: _money(s.cost_per_1k_tokens, 6)),
    ("cache saved", lambda s: _money(s.cached_savings)),
    ("unpriced", lambda s: _share(s.unpriced_share)),
    ("estimated", lambda s: _share(s.estimated_share)),
    ("lat p50", lambda s: _seconds(s.latency_p50_s)),
    ("lat p95", lambda s: _seconds(s.latency_p95_s)),
    ("out tok/s", lambda s: _number(s.output_tokens_per_s)),
    ("r(lat,out)", lambda s: _number(s.latency_output_tokens_correlation, 2)),
    ("$/s latency", lambda s: _money(s.cost_per_latency_s, 6)),
)


def to_table(report: Report, limit: int | None = 50) -> str:
    """A plain-text table: one line per group (highest cost first), then the totals."""
    header = [*report.by, "cur", *(name for name, _ in TABLE_COLUMNS)]
    shown = report.groups if limit is None else report.groups[:limit]
    body = [[*(s.key.get(d, "") for d in report.by), s.currency, *(f(s) for _, f in TABLE_COLUMNS)] for s in shown]
    if not report.by:  # one group, the same as the total
        body = []
    label = ["TOTAL", *([""] * (len(report.by) - 1))] if report.by else []
    totals = [[*label, t.currency, *(f(t) for _, f in TABLE_COLUMNS)] for t in report.totals]
    rows = [header, *body, *totals]
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(header))]
    numeric_from = len(report.by) + 1

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i < numeric_from else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    if body:
        out.append(line(["-" * w for w in widths]))
    out += [line(r) for r in totals]
    hidden = len(report.groups) - len(shown)
    if hidden > 0:
        out.append(f"... {hidden} more groups (use --format csv or json for all)")
    stats = report.stats
    out.append(
        f"{stats.records:,} GenAI calls from {stats.files} file(s), {stats.lines:,} lines"
        + (f"; {report.filtered_out:,} outside the time window" if report.filtered_out else "")
        + (f"; {stats.corrupt_lines} corrupt line(s) skipped" if stats.corrupt_lines else "")
    )
    return "\n".join(out)
