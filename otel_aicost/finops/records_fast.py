"""Fast decoding of OTLP JSON traces lines with msgspec (extra ``fast``): about twice the speed of the generic path.

msgspec decodes straight into the few typed structs below, skipping every field we do not read (events,
links, array attributes...), and reads doubles as exact ``Decimal`` from the JSON text. It is strict: when a
line does not fit these types (an int where a string should be...), ``decode_line`` returns ``None`` and the
caller falls back to the generic decoder, which judges span by span. Same records either way (tested).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from otel_aicost import semconv
from otel_aicost.finops.records import CostRecord, ReadStats, build_record



class _Value(msgspec.Struct):
    stringValue: str | None = None
    intValue: int | str | None = None
    doubleValue: Decimal | None = None
    boolValue: bool | None = None


class _KeyValue(msgspec.Struct):
    key: str
    value: _Value | None = None


class _Status(msgspec.Struct):
    code: int | str | None = None


class _Span(msgspec.Struct):
    traceId: str | None = None
    spanId: str | None = None
    startTimeUnixNano: int | str = 0
    endTimeUnixNano: int | str = 0
    attributes: list[_KeyValue] = []
    status: _Status | None = None


class _ScopeSpans(msgspec.Struct):
    spans: list[_Span] = []


class _Resource(msgspec.Struct):
    attributes: list[_KeyValue] = []


class _ResourceSpans(msgspec.Struct):
    resource: _Resource | None = None
    scopeSpans: list[_ScopeSpans] = []


class _TracesData(msgspec.Struct):
    resourceSpans: list[_ResourceSpans]


_DECODER = msgspec.json.Decoder(_TracesData)
DecodeError = msgspec.DecodeError


def decode_line(raw: bytes, stats: ReadStats) -> list[CostRecord] | None:
    """The records of one traces line; ``None`` when the line does not fit the typed path (use the generic one).

    Raises ``DecodeError`` when the line is not JSON at all.
    """
    try:
        document = _DECODER.decode(raw)
    except msgspec.ValidationError:
        return None
    records: list[CostRecord] = []
    spans_seen = 0
    for resource_span in document.resourceSpans:
        resource = resource_span.resource
        resource_attrs = {kv.key: kv.value for kv in resource.attributes} if resource is not None else {}
        service = _string(resource_attrs.get(semconv.SERVICE_NAME))
        resource_region = _string(resource_attrs.get(semconv.CLOUD_REGION))
        for scope_span in resource_span.scopeSpans:
            spans_seen += len(scope_span.spans)
            for span in scope_span.spans:
                record = _record(span, service, resource_region)
                if record is not None:
                    records.append(record)
    stats.spans += spans_seen
    stats.records += len(records)
    return records


def _record(span: _Span, service: str | None, resource_region: str | None) -> CostRecord | None:
    attrs = {kv.key: kv.value for kv in span.attributes}
    operation = attrs.get(semconv.OPERATION_NAME)
    if operation is None:
        return None
    return build_record(
        attrs,
        operation,
        service=service,
        resource_region=resource_region,
        start=int(span.startTimeUnixNano or 0),
        end=int(span.endTimeUnixNano or 0),
        status_code=span.status.code if span.status is not None else None,
        trace_id=span.traceId,
        span_id=span.spanId,
        string=_string,
        integer=_int,
        decimal=_decimal,
    )


def _string(value: _Value | None) -> str | None:
    if value is None:
        return None
    text = value.stringValue
    if text is not None:
        return text
    for other in (value.intValue, value.doubleValue, value.boolValue):
        if other is not None:
            return str(other)
    return None


def _int(value: _Value | None) -> int:
    if value is None:
        return 0
    if value.intValue is not None:
        return int(value.intValue)
    if value.doubleValue is not None and value.doubleValue.is_finite():
        return int(value.doubleValue)
    return 0


def _decimal(value: _Value | None) -> Decimal | None:
    if value is None:
        return None
    number = value.doubleValue
    if number is not None:
        return number if number.is_finite() else None
    if value.intValue is not None:
        try:
            return Decimal(int(value.intValue))
        except ValueError:
            return None
    return None
