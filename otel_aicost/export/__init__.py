"""Where telemetry goes: ``configure`` (providers and exporters from the environment), ``health`` (dropped spans
counted), and the exporters shipped here: the embedded default OTLP JSON lines files (``file``, ``jsonl_writer``,
``otlp_json*``) and the Prometheus reader (``prometheus``)."""

from __future__ import annotations

from otel_aicost.export.file import DEFAULT_DIRECTORY, JsonLinesFileLogExporter, JsonLinesFileMetricExporter, JsonLinesFileSpanExporter
from otel_aicost.export.otlp_json import encode_logs, encode_metrics, encode_spans

__all__ = [
    "DEFAULT_DIRECTORY",
    "JsonLinesFileLogExporter",
    "JsonLinesFileMetricExporter",
    "JsonLinesFileSpanExporter",
    "encode_logs",
    "encode_metrics",
    "encode_spans",
]
