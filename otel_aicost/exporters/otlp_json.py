"""OTLP/JSON encoding of SDK spans, metrics and log records, written by hand for speed.

The output is the OTLP JSON protobuf mapping the OpenTelemetry Collector's ``file`` exporter writes:
lowerCamelCase field names, trace and span ids as lowercase hex, 64-bit integers as decimal strings,
enums as integers, fields at their default value left out. The data and its grouping (resource, then
instrumentation scope) are the same as what the SDK's own OTLP protobuf encoders send, so a line here
describes exactly what a Collector would have received and written; a test proves it field by field.

Going through protobuf and ``json_format`` would be several times slower and base64 the ids.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ._common import (
    encode_any_value,
    encode_resource,
    encode_scope,
    group_by_resource_and_scope,
    put_attributes,
    schema_url_of,
)
from .otlp_json_metrics import encode_metrics

__all__ = ["encode_logs", "encode_metrics", "encode_spans"]

_logger = logging.getLogger(__name__)

_HAS_IS_REMOTE = 0x100  # SpanFlags.SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK
_IS_REMOTE = 0x200  # SpanFlags.SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK


# --- traces -------------------------------------------------------------------------------------------------

_SPAN_KIND = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5}  # SDK SpanKind value -> OTLP SpanKind (INTERNAL=1 ... CONSUMER=5)


def _span_flags(context: Any) -> int:
    if context is not None and context.is_remote:
        return _HAS_IS_REMOTE | _IS_REMOTE
    return _HAS_IS_REMOTE


def _span(span: Any) -> dict:
    context = span.context
    encoded: dict = {"traceId": f"{context.trace_id:032x}", "spanId": f"{context.span_id:016x}"}
    trace_state = context.trace_state
    if trace_state:
        encoded["traceState"] = ",".join(f"{key}={value}" for key, value in trace_state.items())
    parent = span.parent
    if parent is not None:
        encoded["parentSpanId"] = f"{parent.span_id:016x}"
        encoded["flags"] = _HAS_IS_REMOTE | _IS_REMOTE if parent.is_remote else _HAS_IS_REMOTE
    else:
        encoded["flags"] = _HAS_IS_REMOTE
    if span.name:
        encoded["name"] = span.name
    encoded["kind"] = _SPAN_KIND[span.kind.value]
    if span.start_time:
        encoded["startTimeUnixNano"] = str(span.start_time)
    if span.end_time:
        encoded["endTimeUnixNano"] = str(span.end_time)
    put_attributes(encoded, span.attributes)
    if span.dropped_attributes:
        encoded["droppedAttributesCount"] = span.dropped_attributes
    events = span.events
    if events:
        encoded["events"] = [_event(event) for event in events]
    if span.dropped_events:
        encoded["droppedEventsCount"] = span.dropped_events
    links = span.links
    if links:
        encoded["links"] = [_link(link) for link in links]
    if span.dropped_links:
        encoded["droppedLinksCount"] = span.dropped_links
    status: dict = {}
    if span.status is not None:
        if span.status.description:
            status["message"] = span.status.description
        if span.status.status_code.value:
            status["code"] = span.status.status_code.value
    encoded["status"] = status
    return encoded


def _event(event: Any) -> dict:
    encoded: dict = {}
    if event.timestamp:
        encoded["timeUnixNano"] = str(event.timestamp)
    if event.name:
        encoded["name"] = event.name
    put_attributes(encoded, event.attributes)
    dropped = getattr(event, "dropped_attributes", 0)
    if dropped:
        encoded["droppedAttributesCount"] = dropped
    return encoded


def _link(link: Any) -> dict:
    context = link.context
    encoded: dict = {"traceId": f"{context.trace_id:032x}", "spanId": f"{context.span_id:016x}"}
    put_attributes(encoded, link.attributes)
    dropped = getattr(link, "dropped_attributes", 0)
    if dropped:
        encoded["droppedAttributesCount"] = dropped
    encoded["flags"] = _span_flags(context)
    return encoded


def encode_spans(spans: Sequence[Any]) -> dict:
    """An ExportTraceServiceRequest (``{"resourceSpans": [...]}``) for a batch of SDK ``ReadableSpan``."""
    resource_spans = []
    for resource, scopes in group_by_resource_and_scope(spans, _span_resource, _span_scope):
        scope_spans = []
        for scope, members in scopes:
            entry: dict = {"scope": encode_scope(scope), "spans": [_span(span) for span in members]}
            if schema_url_of(scope):
                entry["schemaUrl"] = scope.schema_url
            scope_spans.append(entry)
        resource_entry: dict = {"resource": encode_resource(resource), "scopeSpans": scope_spans}
        if schema_url_of(resource):
            resource_entry["schemaUrl"] = resource.schema_url
        resource_spans.append(resource_entry)
    return {"resourceSpans": resource_spans}


def _span_resource(span: Any) -> Any:
    return span.resource


def _span_scope(span: Any) -> Any:
    return span.instrumentation_scope or None


# --- logs ---------------------------------------------------------------------------------------------------


def _log_record(item: Any) -> dict:
    record = item.log_record
    encoded: dict = {}
    if record.timestamp:
        encoded["timeUnixNano"] = str(record.timestamp)
    if record.observed_timestamp:
        encoded["observedTimeUnixNano"] = str(record.observed_timestamp)
    severity = getattr(record.severity_number, "value", None)
    if severity:
        encoded["severityNumber"] = severity
    if record.severity_text:
        encoded["severityText"] = record.severity_text
    try:
        encoded["body"] = encode_any_value(record.body)
    except ValueError as error:
        _logger.debug("dropping log body: %s", error)
        encoded["body"] = {}
    put_attributes(encoded, record.attributes)
    dropped = getattr(item, "dropped_attributes", None)
    if dropped is None:
        dropped = getattr(record, "dropped_attributes", 0)
    if dropped:
        encoded["droppedAttributesCount"] = dropped
    flags = int(record.trace_flags or 0)
    if flags:
        encoded["flags"] = flags
    if record.trace_id:
        encoded["traceId"] = f"{record.trace_id:032x}"
    if record.span_id:
        encoded["spanId"] = f"{record.span_id:016x}"
    event_name = getattr(record, "event_name", None)
    if event_name:
        encoded["eventName"] = event_name
    return encoded


def _log_resource(item: Any) -> Any:
    resource = getattr(item, "resource", None)  # SDK >= 1.39: ReadableLogRecord.resource
    return resource if resource is not None else getattr(item.log_record, "resource", None)


def _log_scope(item: Any) -> Any:
    return item.instrumentation_scope or None


def encode_logs(batch: Sequence[Any]) -> dict:
    """An ExportLogsServiceRequest (``{"resourceLogs": [...]}``) for a batch of SDK log records.

    Accepts the SDK's ``ReadableLogRecord`` (1.39+) and the older ``LogData`` alike.
    """
    resource_logs = []
    for resource, scopes in group_by_resource_and_scope(batch, _log_resource, _log_scope):
        scope_logs = []
        for scope, members in scopes:
            entry: dict = {"scope": encode_scope(scope), "logRecords": [_log_record(item) for item in members]}
            if schema_url_of(scope):
                entry["schemaUrl"] = scope.schema_url
            scope_logs.append(entry)
        resource_entry: dict = {"resource": encode_resource(resource), "scopeLogs": scope_logs}
        if schema_url_of(resource):
            resource_entry["schemaUrl"] = resource.schema_url
        resource_logs.append(resource_entry)
    return {"resourceLogs": resource_logs}
