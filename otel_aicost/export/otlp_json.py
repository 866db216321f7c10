"""OTLP/JSON encoding of SDK metrics and log records by the SDK's own encoders; spans by ``otlp_json_spans``.

Metrics and logs: ``opentelemetry-exporter-otlp-proto-common`` builds the protobuf messages the OTLP exporters
send (grouped by resource and scope) and ``google.protobuf.json_format`` turns them into the OTLP/JSON mapping
the OpenTelemetry Collector's ``file`` exporter writes and its ``otlpjsonfile`` receiver reads: lowerCamelCase
field names, 64-bit integers as decimal strings, enums as integers, fields at their default left out. One rule
of OTLP/JSON differs from generic proto3 JSON: trace and span ids are lowercase hex, not base64;
``_ids_to_hex`` rewrites them where OTLP has ids (spans, links, log records, exemplars).

Spans keep a hand-written encoder (``otlp_json_spans``): one span per call makes them the hot path of the
export thread, and the library route costs about ten times as much CPU there (``bench/bench_file_exporter.py``:
about 380 µs per span against 38 µs, numbers in ``bench/README.md``). Metrics (one export per interval) and
logs (budget warnings) are too few for that to matter.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from functools import partial
from typing import Any

from otel_aicost.export.otlp_json_spans import spans_to_json

__all__ = ["encode_logs", "encode_metrics", "encode_spans", "library_encode_spans", "spans_to_json", "to_json_text"]

_ID_FIELDS = ("traceId", "spanId", "parentSpanId")
_POINT_KINDS = ("sum", "gauge", "histogram", "exponentialHistogram", "summary")
to_json_text = partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def _to_dict(message: Any) -> dict:
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(message, use_integers_for_enums=True)


def _hex(record: dict) -> None:
    for field in _ID_FIELDS:
        value = record.get(field)
        if value is not None:
            record[field] = base64.b64decode(value).hex()


def _ids_to_hex(request: dict, resources: str, scopes: str, items: str) -> dict:
    for resource in request.get(resources, ()):
        for scope in resource.get(scopes, ()):
            for item in scope.get(items, ()):
                _hex(item)
                for link in item.get("links", ()):
                    _hex(link)
                for kind in _POINT_KINDS:  # metrics: exemplars carry the ids of the span they were taken in
                    for point in item.get(kind, {}).get("dataPoints", ()):
                        for exemplar in point.get("exemplars", ()):
                            _hex(exemplar)
    return request


def encode_spans(spans: Sequence[Any]) -> dict:
    """An ExportTraceServiceRequest (``{"resourceSpans": [...]}``) for a batch of SDK ``ReadableSpan``.

    The file exporter writes ``spans_to_json(spans)`` directly; this is the same data as a dict.
    """
    return json.loads(spans_to_json(spans))


def library_encode_spans(spans: Sequence[Any]) -> dict:
    """``encode_spans`` by the SDK's protobuf encoder and ``json_format``: the reference, and the benchmark's rival."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as to_protobuf

    return _ids_to_hex(_to_dict(to_protobuf(spans)), "resourceSpans", "scopeSpans", "spans")


def encode_metrics(metrics_data: Any) -> dict:
    """An ExportMetricsServiceRequest (``{"resourceMetrics": [...]}``) for the SDK's ``MetricsData``."""
    from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics as to_protobuf

    return _ids_to_hex(_to_dict(to_protobuf(metrics_data)), "resourceMetrics", "scopeMetrics", "metrics")


def encode_logs(batch: Sequence[Any]) -> dict:
    """An ExportLogsServiceRequest (``{"resourceLogs": [...]}``) for a batch of SDK log records."""
    from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as to_protobuf

    return _ids_to_hex(_to_dict(to_protobuf(batch)), "resourceLogs", "scopeLogs", "logRecords")
