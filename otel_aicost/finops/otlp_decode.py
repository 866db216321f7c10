"""The one OTLP JSON decoder of ``report``/``focus``/``reconcile``: ``decode_line(raw, file, line, stats)``.

msgspec decodes a traces line straight into the few typed structs below, skipping every field we do not read
(events, links, array attributes...), and reads doubles as exact ``Decimal`` from the JSON text. Why msgspec and
not the stdlib ``json``: it is about twice as fast on OTLP JSON (object-heavy: measured in ``bench/``), and one
decoder means one behaviour, whichever other JSON libraries are installed.

Bad input never raises. A line that is not JSON, or JSON that is not OTLP, is counted as corrupt with its
``file:line``. A line that is OTLP but where some span does not fit the types is decoded again span by span
(each span from its own JSON text, so nothing else changes), and only the misfit spans are skipped, reported
with msgspec's path to the bad field. Values outside the bounds of ``plausible`` skip their span too, counted
by reason. Metrics and logs lines, and traces without GenAI spans, are skipped unparsed when they look whole.
Each decoded span becomes its ``CostRecord`` in ``span_record``.
"""

from __future__ import annotations

import re

import msgspec

from otel_aicost import semconv
from otel_aicost.finops.cost_record import CostRecord, ReadStats
from otel_aicost.finops.otlp_values import KeyValue, text_of
from otel_aicost.finops.plausible import Implausible
from otel_aicost.finops.span_record import span_record


class _Status(msgspec.Struct, gc=False):
    code: int | str | None = None


class _Span(msgspec.Struct, gc=False):
    traceId: str | None = None
    spanId: str | None = None
    startTimeUnixNano: int | str = 0
    endTimeUnixNano: int | str = 0
    attributes: list[KeyValue] = []
    status: _Status | None = None


class _ScopeSpans(msgspec.Struct, gc=False):
    spans: list[_Span] = []


class _Resource(msgspec.Struct, gc=False):
    attributes: list[KeyValue] = []


class _ResourceSpans(msgspec.Struct, gc=False):
    resource: _Resource | None = None
    scopeSpans: list[_ScopeSpans] = []


class _TracesData(msgspec.Struct, gc=False):
    resourceSpans: list[_ResourceSpans]


# The same shapes with each level left as raw JSON text: for judging a line that does not fit, part by part.
class _LooseTraces(msgspec.Struct, gc=False):
    resourceSpans: list[msgspec.Raw]


class _LooseResourceSpans(msgspec.Struct, gc=False):
    resource: msgspec.Raw = msgspec.Raw(b"null")
    scopeSpans: list[msgspec.Raw] = []


class _LooseScopeSpans(msgspec.Struct, gc=False):
    spans: list[msgspec.Raw] = []


_TRACES = msgspec.json.Decoder(_TracesData)
_LOOSE_TRACES = msgspec.json.Decoder(_LooseTraces)
_LOOSE_RESOURCE_SPANS = msgspec.json.Decoder(_LooseResourceSpans)
_LOOSE_SCOPE_SPANS = msgspec.json.Decoder(_LooseScopeSpans)
_RESOURCE = msgspec.json.Decoder(_Resource | None)
_SPAN = msgspec.json.Decoder(_Span)
_ANY = msgspec.json.Decoder()
_TOO_DEEP = "JSON nested too deeply to be OTLP"
_SIGNAL_LIST = re.compile(rb'"resource(?:Spans|Metrics|Logs)"\s*:\s*\[')  # the frame of an OTLP line


def decode_line(raw: bytes, where: str, number: int, stats: ReadStats) -> list[CostRecord]:
    """The cost records of one OTLP JSON line (line ``number`` of file ``where``), counting what is skipped."""
    stats.bytes += len(raw)
    if b'"resourceSpans"' not in raw or b'"gen_ai.operation.name"' not in raw:
        stripped = raw.strip()
        if not stripped:
            stats.other_lines += 1
            return []
        if stripped[:1] == b"{" and stripped[-1:] == b"}" and _SIGNAL_LIST.search(raw):
            stats.other_lines += 1  # metrics, logs, non-GenAI traces: not parsed; judged by their frame only
            stats.note_good(where)
            return []
    if not raw.isascii():  # msgspec checks the strings it keeps, not the keys and values it skips
        try:
            raw.decode()
        except UnicodeDecodeError as exc:
            stats.note_corrupt(where, number, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})")
            return []
    try:
        document = _TRACES.decode(raw)
    except (msgspec.ValidationError, RecursionError):  # RecursionError: nested deeper than msgspec goes
        return _decode_loosely(raw, where, number, stats)
    except msgspec.DecodeError as exc:
        stats.note_corrupt(where, number, f"not valid JSON ({_short(exc)})")
        return []
    stats.note_good(where)
    records: list[CostRecord] = []
    for resource_span in document.resourceSpans:
        service, region = _resource(resource_span.resource)
        for scope_span in resource_span.scopeSpans:
            for span in scope_span.spans:  # _add, inlined: this loop runs for every span of a big file
                stats.spans += 1
                try:
                    record = span_record(span, service, region)
                except Implausible as exc:
                    stats.note_skipped(where, number, exc.reason, f"span {span.spanId or '?'}: {exc}")
                    continue
                if record is not None:
                    stats.records += 1
                    records.append(record)
    return records


def _decode_loosely(raw: bytes, where: str, number: int, stats: ReadStats) -> list[CostRecord]:
    """A line that does not fit the types: keep every span that does, report the rest."""
    try:
        document = _LOOSE_TRACES.decode(raw)
    except msgspec.ValidationError:
        _judge_other(raw, where, number, stats)
        return []
    except msgspec.DecodeError as exc:  # a type misfit came before a syntax error: the line is not JSON after all
        stats.note_corrupt(where, number, f"not valid JSON ({_short(exc)})")
        return []
    except RecursionError:
        stats.note_corrupt(where, number, _TOO_DEEP)
        return []
    stats.note_good(where)
    records: list[CostRecord] = []
    for r, raw_resource_span in enumerate(document.resourceSpans):
        try:
            resource_span = _LOOSE_RESOURCE_SPANS.decode(raw_resource_span)
        except msgspec.ValidationError as exc:  # scopeSpans is not a list: no span in it to count
            stats.note_skipped(where, number, "malformed", f"resourceSpans[{r}] ({_short(exc)})")
            continue
        try:
            service, region = _resource(_RESOURCE.decode(resource_span.resource))
            resource_problem = None
        except msgspec.ValidationError as exc:  # its spans are counted and skipped one by one below
            service = region = None
            resource_problem = f"its resource is malformed ({_short(exc)})"
        for k, raw_scope_span in enumerate(resource_span.scopeSpans):
            try:
                spans = _LOOSE_SCOPE_SPANS.decode(raw_scope_span).spans
            except msgspec.ValidationError as exc:
                stats.note_skipped(where, number, "malformed", f"resourceSpans[{r}].scopeSpans[{k}] ({_short(exc)})")
                continue
            for raw_span in spans:
                if resource_problem is not None:
                    stats.spans += 1
                    stats.note_skipped(where, number, "malformed", resource_problem)
                    continue
                try:
                    span = _SPAN.decode(raw_span)
                except msgspec.ValidationError as exc:
                    stats.spans += 1
                    stats.note_skipped(where, number, "malformed", _short(exc))
                    continue
                _add(span, service, region, where, number, stats, records)
    return records


def _judge_other(raw: bytes, where: str, number: int, stats: ReadStats) -> None:
    """Valid JSON (or not) that is not a traces object: another signal, or a corrupt line."""
    try:
        document = _ANY.decode(raw)
    except msgspec.DecodeError as exc:
        stats.note_corrupt(where, number, f"not valid JSON ({_short(exc)})")
        return
    except RecursionError:
        stats.note_corrupt(where, number, _TOO_DEEP)
        return
    if isinstance(document, dict) and ("resourceMetrics" in document or "resourceLogs" in document):
        stats.other_lines += 1
        stats.note_good(where)
    elif isinstance(document, dict) and "resourceSpans" in document:
        stats.note_corrupt(where, number, "resourceSpans is not a list")
    else:
        stats.note_corrupt(where, number, "not an OTLP JSON object (no resourceSpans, resourceMetrics or resourceLogs)")


def _resource(resource: _Resource | None) -> tuple[str | None, str | None]:
    if resource is None:
        return None, None
    attrs = {kv.key: kv.value for kv in resource.attributes}
    return text_of(attrs.get(semconv.SERVICE_NAME)), text_of(attrs.get(semconv.CLOUD_REGION))


def _add(span: _Span, service, region, where: str, number: int, stats: ReadStats, records: list) -> None:
    stats.spans += 1
    try:
        record = span_record(span, service, region)
    except Implausible as exc:
        stats.note_skipped(where, number, exc.reason, f"span {span.spanId or '?'}: {exc}")
        return
    if record is not None:
        stats.records += 1
        records.append(record)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
