"""API Management token metrics against telemetry, per day and allocation-tag dimension (SPEC section 12).

The gateway's ``azure-openai-emit-token-metric`` / ``llm-emit-token-metric`` policy (``apim/``) emits Prompt,
Completion and Total Tokens with one dimension per allocation tag. ``read_gateway(path)`` reads them from an
export of either place they land:

- Application Insights ``customMetrics`` (or the workspace table ``AppMetrics``) as a query result: CSV as the
  portal exports it (``timestamp [UTC]``, ``name``, ``valueSum`` or ``value``, ``customDimensions`` JSON; or
  ``TimeGenerated``, ``Name``, ``Sum``, ``Properties``; dimensions may also be columns of their own), or JSON
  (the query API's ``{"tables": [{"columns", "rows"}]}`` or a list of row objects, as the ``az`` CLI prints);
- Azure Monitor metrics (``az monitor metrics list`` / REST JSON: ``value[].timeseries[].metadatavalues`` and
  ``data[].total``).

``compare(points, builder.items(), keys)`` sets each day x dimension-values group against the telemetry's tokens
(prompt = input tokens including cached, completion = output tokens) and flags it:
``ok``; ``bypassed_gateway`` (telemetry saw more tokens than the gateway metered: calls that went straight to
the backend, or an API without the policy); ``bypassed_instrumentation`` (the gateway metered more: callers
without otel-aicost). Streamed calls are estimated by the gateway, hence a tolerance (default 2%).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

from otel_aicost.finops.reconcile.cells import ExportError, iso_moment, number

PROMPT, COMPLETION, TOTAL = "prompt", "completion", "total"
METRICS = {"prompt tokens": PROMPT, "completion tokens": COMPLETION, "total tokens": TOTAL}
NONE_VALUE = "(none)"  # what the apim/ fragment emits for an absent header
DEFAULT_TOLERANCE = Decimal("0.02")
OK, BYPASSED_GATEWAY, BYPASSED_INSTRUMENTATION = "ok", "bypassed_gateway", "bypassed_instrumentation"
_TIME = ("timestamp", "timegenerated", "time", "timestamp [utc]", "timegenerated [utc]")
_NAME = ("name", "metricname")
_VALUE = ("valuesum", "sum", "value", "total")
_DIMS = ("customdimensions", "properties")
_FIXED = set(_TIME) | set(_NAME) | set(_DIMS) | {
    "valuesum", "sum", "value", "total", "valuecount", "itemcount", "valuemin", "valuemax", "valuestddev", "min",
    "max", "count", "average", "itemtype", "cloud_rolename", "cloud_roleinstance", "appname", "appid", "iKey",
    "sdkversion", "operation_id", "operation_parentid", "_resourceid", "resourceid", "tenantid", "type",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class GatewayPoint:
    where: str
    day: date
    metric: str  # prompt, completion or total
    dims: tuple[tuple[str, str], ...]
    tokens: Decimal


@dataclass
class GatewayGroup:
    day: date
    dims: tuple[tuple[str, str], ...]
    gateway: dict[str, Decimal]
    telemetry: dict[str, Decimal]
    flag: str = OK

    @property
    def label(self) -> str:
        return ";".join(f"{k}={v}" for k, v in self.dims) or "(all)"


def read_gateway(path: str) -> list[GatewayPoint]:
    """Token metric points of the file; ``ExportError`` (file:line, column) on anything unreadable."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if text.lstrip()[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise ExportError(f"{path}: not valid JSON ({exc})") from None
        return _from_json(path, document)
    return _from_records(path, _csv_records(path, text))


def _csv_records(path: str, text: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise ExportError(f"{path}: empty file")
    _check_columns(path, {name: None for name in reader.fieldnames})
    return [(f"{path}:{reader.line_num}", row) for row in reader]


def _from_json(path: str, document: object) -> list[GatewayPoint]:
    if (
        isinstance(document, dict)
        and isinstance(document.get("value"), list)
        and any(isinstance(m, dict) and "timeseries" in m for m in document["value"])
    ):
        return _from_metrics_api(path, document["value"])
    if isinstance(document, dict) and isinstance(document.get("tables"), list):
        records = []
        for table in document["tables"]:
            names = [c.get("name", "") if isinstance(c, dict) else str(c) for c in table.get("columns", [])]
            for number, values in enumerate(table.get("rows", []), 1):
                records.append((f"{path}:row {number}", dict(zip(names, values))))
        return _from_records(path, records)
    if isinstance(document, list) and all(isinstance(r, dict) for r in document):
        return _from_records(path, [(f"{path}:row {n}", r) for n, r in enumerate(document, 1)])
    raise ExportError(f"{path}: not an Application Insights query result nor an Azure Monitor metrics response")


def _pick(row: dict, names: tuple[str, ...]) -> tuple[str | None, object]:
    lowered = {str(k).strip().lower(): k for k in row}
    for name in names:
        if name in lowered:
            return lowered[name], row[lowered[name]]
    return None, None


def _from_records(path: str, records: list[tuple[str, dict]]) -> list[GatewayPoint]:
    if not records:
        return []
    _check_columns(path, records[0][1])
    points = []
    for where, row in records:
        _, name = _pick(row, _NAME)
        metric = METRICS.get(str(name or "").strip().lower())
        if metric is None:
            continue  # other custom metrics in the same export
        time_column, moment = _pick(row, _TIME)
        value_column, value = _pick(row, _VALUE)
        dims: dict[str, str] = {}
        dims_column, raw_dims = _pick(row, _DIMS)
        if isinstance(raw_dims, str) and raw_dims.strip():
            try:
                raw_dims = json.loads(raw_dims)
            except ValueError:
                raise ExportError(f"{where}: column {dims_column}: not a JSON object") from None
        if isinstance(raw_dims, dict):
            dims.update({str(k): str(v) for k, v in raw_dims.items()})
        for column, cell in row.items():
            if str(column).strip().lower() not in _FIXED and cell not in (None, ""):
                dims.setdefault(str(column), str(cell))
        points.append(
            GatewayPoint(where, _day(where, time_column, moment), metric, tuple(sorted(dims.items())),
                         number(where, value_column, value))
        )  # fmt: skip
    return points


def _check_columns(path: str, first: dict) -> None:
    for kind, names in (("time", _TIME), ("metric name", _NAME), ("value", _VALUE)):
        if _pick(first, names)[0] is None:
            raise ExportError(f"{path}: no {kind} column (expected one of: {', '.join(names)})")


def _from_metrics_api(path: str, metrics: list) -> list[GatewayPoint]:
    points = []
    for m_index, metric_entry in enumerate(metrics):
        name = metric_entry.get("name")
        name = name.get("value") if isinstance(name, dict) else name
        metric = METRICS.get(str(name or "").strip().lower())
        if metric is None:
            continue
        for t_index, series in enumerate(metric_entry.get("timeseries") or []):
            dims = []
            for meta in series.get("metadatavalues") or []:
                key = meta.get("name")
                key = key.get("value") if isinstance(key, dict) else key
                dims.append((str(key), str(meta.get("value"))))
            for d_index, point in enumerate(series.get("data") or []):
                where = f"{path}:value[{m_index}].timeseries[{t_index}].data[{d_index}]"
                if point.get("total") is None:
                    continue  # an interval without data
                points.append(
                    GatewayPoint(where, _day(where, "timeStamp", point.get("timeStamp")), metric,
                                 tuple(sorted(dims)), number(where, "total", point["total"]))
                )  # fmt: skip
    return points


def _day(where: str, column: str | None, value: object) -> date:
    text = str(value).strip()
    try:
        if "/" in text:  # the Logs portal's CSV export: "9/21/2026, 10:00:00.000 AM" (UTC)
            moment = datetime.strptime(text, "%m/%d/%Y, %I:%M:%S.%f %p")
        else:
            moment = iso_moment(text)
    except ValueError:
        raise ExportError(f"{where}: column {column}: {value!r} is not a date-time") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def tag_keys(points: Iterable[GatewayPoint], known: Iterable[str]) -> list[str]:
    """The gateway dimensions that are allocation tags: those named like a tag key telemetry knows."""
    known = set(known)
    return sorted({k for p in points for k, _ in p.dims if k in known})


def compare(
    points: list[GatewayPoint],
    telemetry_rows: Iterable[tuple[tuple, list]],
    keys: list[str],
    tolerance: Decimal = DEFAULT_TOLERANCE,
) -> list[GatewayGroup]:
    """Groups of day x values of ``keys``; ``telemetry_rows``: ``FocusSums.items()`` of daily granularity."""
    groups: dict[tuple, GatewayGroup] = {}

    def group(day: date, values: dict[str, str]) -> GatewayGroup:
        dims = tuple((k, values.get(k) or NONE_VALUE) for k in keys)
        found = groups.get((day, dims))
        if found is None:
            found = groups[(day, dims)] = GatewayGroup(day, dims, {PROMPT: Decimal(0), COMPLETION: Decimal(0)},
                                                       {PROMPT: Decimal(0), COMPLETION: Decimal(0)})  # fmt: skip
        return found

    has_split = {(p.day, p.dims) for p in points if p.metric != TOTAL}
    for p in points:
        if p.metric == TOTAL and (p.day, p.dims) in has_split:
            continue  # Total = Prompt + Completion: count it only where the parts are missing
        target = group(p.day, dict(p.dims))
        target.gateway[COMPLETION if p.metric == COMPLETION else PROMPT] += p.tokens
    days = {p.day for p in points}
    for key, (tokens, _cost, _calls, _reasoning) in telemetry_rows:
        period, tags, kind = key[0], key[8], key[10]
        day = datetime.fromtimestamp(period // 10**9, timezone.utc).date()
        if day not in days or not tokens:
            continue
        target = group(day, json.loads(tags) if tags else {})
        target.telemetry[COMPLETION if kind == "output" else PROMPT] += Decimal(tokens)
    for g in groups.values():
        gateway, seen = sum(g.gateway.values()), sum(g.telemetry.values())
        if abs(gateway - seen) <= tolerance * max(gateway, seen):
            g.flag = OK
        else:
            g.flag = BYPASSED_GATEWAY if seen > gateway else BYPASSED_INSTRUMENTATION
    return sorted(groups.values(), key=lambda g: (g.day, g.dims))
