"""Fast decoding of OTLP JSON traces lines with msgspec (extra ``fast``): about twice the speed of the generic path.

msgspec decodes straight into the few typed structs below, skipping every field we do not read (events,
links, array attributes...), and reads doubles as exact ``Decimal`` from the JSON text. It is strict: when a
line does not fit these types (an int where a string should be...), ``decode_line`` returns ``None`` and the
caller falls back to the generic decoder, which judges span by span. Same records either way (tested).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from . import semconv
from .records import CostRecord, ReadStats

_TAG_PREFIX = semconv.TAG_PREFIX
_TAG_PREFIX_LEN = len(_TAG_PREFIX)


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
    get = attrs.get
    start = int(span.startTimeUnixNano or 0)
    end = int(span.endTimeUnixNano or 0)
    code = span.status.code if span.status is not None else None
    error_type = _string(get(semconv.ERROR_TYPE))
    tags = {key[_TAG_PREFIX_LEN:]: _string(attrs[key]) for key in attrs if key[:_TAG_PREFIX_LEN] == _TAG_PREFIX}
    return CostRecord(
        start_ns=start,
        duration_s=(end - start) / 1e9 if end > start else 0.0,
        operation=_string(operation) or "",
        service=service,
        provider=_string(get(semconv.PROVIDER_NAME)) or _string(get(semconv.SYSTEM)),
        request_model=_string(get(semconv.REQUEST_MODEL)),
        response_model=_string(get(semconv.RESPONSE_MODEL)),
        deployment_name=_string(get(semconv.DEPLOYMENT_NAME)),
        deployment_type=_string(get(semconv.DEPLOYMENT_TYPE)),
        region=_string(get(semconv.CLOUD_REGION)) or resource_region,
        server_address=_string(get(semconv.SERVER_ADDRESS)),
        input_tokens=_int(get(semconv.USAGE_INPUT_TOKENS)),
        output_tokens=_int(get(semconv.USAGE_OUTPUT_TOKENS)),
        cache_read_tokens=_int(get(semconv.USAGE_CACHE_READ_INPUT_TOKENS)),
        cache_write_tokens=_int(get(semconv.USAGE_CACHE_CREATION_INPUT_TOKENS)),
        reasoning_tokens=_int(get(semconv.USAGE_REASONING_OUTPUT_TOKENS)),
        cost=_decimal(get(semconv.USAGE_COST)),
        cost_input=_decimal(get(semconv.COST_INPUT)),
        cost_cache_read=_decimal(get(semconv.COST_CACHE_READ)),
        cost_cache_write=_decimal(get(semconv.COST_CACHE_WRITE)),
        cost_output=_decimal(get(semconv.COST_OUTPUT)),
        currency=_string(get(semconv.CURRENCY)) or "USD",
        pricing_status=_string(get(semconv.PRICING_STATUS)),
        usage_source=_string(get(semconv.USAGE_SOURCE)),
        error_type=error_type,
        is_error=code == 2 or code == "STATUS_CODE_ERROR" or error_type is not None,
        tags=tags,
        trace_id=span.traceId,
        span_id=span.spanId,
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
