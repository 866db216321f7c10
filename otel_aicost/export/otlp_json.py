"""OTLP/JSON encoding of SDK spans, metrics and log records, written by hand for speed.

The output is the OTLP JSON protobuf mapping the OpenTelemetry Collector's ``file`` exporter writes:
lowerCamelCase field names, trace and span ids as lowercase hex, 64-bit integers as decimal strings,
enums as integers, fields at their default value left out. The data and its grouping (resource, then
instrumentation scope) are the same as what the SDK's own OTLP protobuf encoders send, so a line here
describes exactly what a Collector would have received and written; a test proves it field by field.

Going through protobuf and ``json_format`` would be several times slower and base64 the ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from otel_aicost.export._common import (
    encode_any_value,
    encode_resource,
    encode_scope,
    group_by_resource_and_scope,
    put_attributes,
    schema_url_of,
)
from otel_aicost.export.otlp_json_metrics import encode_metrics
from otel_aicost.export.otlp_json_spans import spans_to_json

__all__ = ["encode_logs", "encode_metrics", "encode_spans", "spans_to_json"]

_logger = logging.getLogger(__name__)


def encode_spans(spans: Sequence[Any]) -> dict:
    """An ExportTraceServiceRequest (``{"resourceSpans": [...]}``) for a batch of SDK ``ReadableSpan``.

    The file exporter writes ``spans_to_json(spans)`` directly; this is the same data as a dict.
    """
    return json.loads(spans_to_json(spans))


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
