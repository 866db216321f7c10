"""``configure()``: providers where the application has none, exporters chosen from the environment, then instrument.

Where nothing says where telemetry goes (no ``OTEL_EXPORTER_OTLP_*ENDPOINT``, no ``OTEL_*_EXPORTER``, no
``APPLICATIONINSIGHTS_CONNECTION_STRING``, no ``OTEL_AICOST_EXPORTER``), telemetry is written as OTLP JSON lines
to ``./otel-aicost-data/`` (the Collector ``file`` exporter's format) and we say so once on stderr.
The SDK providers flush at interpreter exit on their own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from .config import ConfigError, Settings, load_settings
from .instrumentor import OpenAICostInstrumentor

DATA_DIR = "otel-aicost-data"
_announced = False


def choose_exporter(settings: Settings, environ: Mapping[str, str]) -> str:
    """The exporter the environment asks for; ``file`` (the embedded default) when nothing does."""
    if settings.exporter:
        return settings.exporter
    if any(environ.get(name) for name in (
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    )):  # fmt: skip
        return "otlp"
    if environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING"):
        return "azuremonitor"
    traces = (environ.get("OTEL_TRACES_EXPORTER") or "").split(",")[0].strip().lower()
    if traces in ("otlp", "console", "none"):
        return traces
    return "file"


def _exporters(kind: str, environ: Mapping[str, str]) -> tuple[Any, Any]:
    """(span exporter, metric exporter) for ``kind``; ``(None, None)`` for ``none``."""
    if kind == "none":
        return None, None
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(), OTLPMetricExporter()
    if kind == "console":
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(), ConsoleMetricExporter()
    if kind == "azuremonitor":
        try:
            from azure.monitor.opentelemetry.exporter import (  # type: ignore[import-not-found]
                AzureMonitorMetricExporter,
                AzureMonitorTraceExporter,
            )
        except ImportError:
            raise ConfigError(
                "exporter 'azuremonitor' needs the Azure Monitor exporter: pip install 'otel-aicost[azure]'"
            ) from None
        connection_string = environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
        if not connection_string:
            raise ConfigError("exporter 'azuremonitor': APPLICATIONINSIGHTS_CONNECTION_STRING is not set")
        return (
            AzureMonitorTraceExporter(connection_string=connection_string),
            AzureMonitorMetricExporter(connection_string=connection_string),
        )
    from .exporters.file import JsonLinesFileMetricExporter, JsonLinesFileSpanExporter

    directory = environ.get("OTEL_AICOST_DATA_DIR") or DATA_DIR
    _announce(directory)
    return JsonLinesFileSpanExporter(directory), JsonLinesFileMetricExporter(directory)


def _announce(directory: str) -> None:
    global _announced
    if not _announced:
        _announced = True
        print(
            f"otel-aicost: no telemetry destination configured; writing OTLP JSON lines to "
            f"{os.path.abspath(directory)}/ (read them with `otel-aicost report`)",
            file=sys.stderr,
        )


def configure(**options: Any) -> OpenAICostInstrumentor:
    """Set up tracing and metrics where the application has not, then instrument the OpenAI SDK.

    Takes the keys of the config file (SPEC section 6) plus ``config`` (a config file path). Bad configuration
    raises ``ConfigError`` here, naming the file, the key and the problem.
    """
    environ = os.environ
    settings = load_settings(options, environ)
    kind = choose_exporter(settings, environ)
    resource = Resource.create()
    tracer_provider = trace.get_tracer_provider()
    meter_provider = metrics.get_meter_provider()
    own_traces = type(tracer_provider).__name__ == "ProxyTracerProvider"
    own_metrics = type(meter_provider).__name__ == "_ProxyMeterProvider"
    if own_traces or own_metrics:
        span_exporter, metric_exporter = _exporters(kind, environ)
        if own_traces:
            tracer_provider = TracerProvider(resource=resource)
            if span_exporter is not None:
                tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
            trace.set_tracer_provider(tracer_provider)
        if own_metrics:
            readers = [PeriodicExportingMetricReader(metric_exporter)] if metric_exporter is not None else []
            meter_provider = MeterProvider(resource=resource, metric_readers=readers)
            metrics.set_meter_provider(meter_provider)
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, config=settings)
    return instrumentor
