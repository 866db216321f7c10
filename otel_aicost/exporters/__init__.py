"""Exporters shipped with otel-aicost: the embedded default destination (OTLP JSON lines files)."""

from __future__ import annotations

from .file import DEFAULT_DIRECTORY, JsonLinesFileLogExporter, JsonLinesFileMetricExporter, JsonLinesFileSpanExporter
from .otlp_json import encode_logs, encode_metrics, encode_spans

__all__ = [
    "DEFAULT_DIRECTORY",
    "JsonLinesFileLogExporter",
    "JsonLinesFileMetricExporter",
    "JsonLinesFileSpanExporter",
    "encode_logs",
    "encode_metrics",
    "encode_spans",
]
