"""``configure()``: providers where the application has none, exporters chosen from the environment, then instrument.

Where nothing says where telemetry goes (no ``OTEL_EXPORTER_OTLP_*ENDPOINT``, no ``OTEL_*_EXPORTER``, no
``APPLICATIONINSIGHTS_CONNECTION_STRING``, no ``OTEL_AICOST_EXPORTER``), telemetry is written as OTLP JSON lines
to ``./otel-aicost-data/`` (the Collector ``file`` exporter's format) and we say so once on stderr.
``OTEL_METRICS_EXPORTER=prometheus`` serves metrics for a Prometheus server to scrape instead (the ``prometheus``
extra; traces and logs still go where the rest says). The SDK providers flush at interpreter exit on their own.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from otel_aicost import semconv
from otel_aicost.config.errors import say_once
from otel_aicost.config.settings import ConfigError, Settings, load_settings
from otel_aicost.export.health import DropCountingBatchSpanProcessor
from otel_aicost.export.prometheus import prometheus_reader, wants_prometheus
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

DATA_DIR = "otel-aicost-data"
ENV_DATA_DIR = "OTEL_AICOST_DATA_DIR"  # where the embedded default writes (not in SPEC: an addition)
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


def _exporters(kind: str, environ: Mapping[str, str]) -> tuple[Any, Any, Any]:
    """(span, metric, log) exporters for ``kind``; all ``None`` for ``none``."""
    if kind == "none":
        return None, None, None
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(), OTLPMetricExporter(), OTLPLogExporter()
    if kind == "console":
        from opentelemetry.sdk._logs.export import ConsoleLogExporter
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(), ConsoleMetricExporter(), ConsoleLogExporter()
    if kind == "azuremonitor":
        return _azure_monitor_exporters(environ)
    from otel_aicost.export.file import JsonLinesFileLogExporter, JsonLinesFileMetricExporter, JsonLinesFileSpanExporter

    directory = environ.get(ENV_DATA_DIR) or DATA_DIR
    _announce(directory, metrics_scraped=wants_prometheus(environ))
    return (
        JsonLinesFileSpanExporter(directory),
        JsonLinesFileMetricExporter(directory),
        JsonLinesFileLogExporter(directory),
    )


def _azure_monitor_exporters(environ: Mapping[str, str]) -> tuple[Any, Any, Any]:
    try:
        from azure.monitor.opentelemetry.exporter import (  # type: ignore[import-not-found]
            AzureMonitorLogExporter,
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
        AzureMonitorLogExporter(connection_string=connection_string),
    )


def _announce(directory: str, metrics_scraped: bool = False) -> None:
    global _announced
    if not _announced:
        _announced = True
        where = f"{os.path.abspath(directory)}/ (read them with `otel-aicost report`)"
        if metrics_scraped:
            message = (
                f"otel-aicost: metrics are served for Prometheus; no destination configured for traces and "
                f"logs, writing them as OTLP JSON lines to {where}"
            )
        else:
            message = f"otel-aicost: no telemetry destination configured; writing OTLP JSON lines to {where}"
        print(message, file=sys.stderr)


def install_providers(settings: Settings, environ: Mapping[str, str] | None = None) -> tuple[Any, Any, Any]:
    """Set SDK tracer, meter and logger providers where the application has none; return those in effect.

    Budget threshold warnings (the ``otel_aicost.budgets`` logger) go to OpenTelemetry logs too.
    """
    environ = os.environ if environ is None else environ
    tracer_provider = trace.get_tracer_provider()
    meter_provider = metrics.get_meter_provider()
    logger_provider = _logs.get_logger_provider()
    own_traces = type(tracer_provider).__name__ == "ProxyTracerProvider"
    own_metrics = type(meter_provider).__name__ == "_ProxyMeterProvider"
    own_logs = type(logger_provider).__name__ in ("ProxyLoggerProvider", "NoOpLoggerProvider")
    if own_traces or own_metrics or own_logs:
        resource = Resource.create()
        span_exporter, metric_exporter, log_exporter = _exporters(choose_exporter(settings, environ), environ)
        if own_traces:
            tracer_provider = TracerProvider(resource=resource)
            if span_exporter is not None:
                tracer_provider.add_span_processor(DropCountingBatchSpanProcessor(span_exporter))
            trace.set_tracer_provider(tracer_provider)
        if own_metrics:
            readers = _metric_readers(metric_exporter, environ)
            meter_provider = MeterProvider(resource=resource, metric_readers=readers)
            metrics.set_meter_provider(meter_provider)
        if own_logs:
            logger_provider = LoggerProvider(resource=resource)
            if log_exporter is not None:
                logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))
            _logs.set_logger_provider(logger_provider)
    _route_budget_warnings(logger_provider)
    return tracer_provider, meter_provider, logger_provider


def _metric_readers(metric_exporter: Any, environ: Mapping[str, str]) -> list[Any]:
    """``OTEL_METRICS_EXPORTER=prometheus`` serves metrics for scraping; otherwise push them to the exporter."""
    if wants_prometheus(environ):
        return [prometheus_reader(environ)]
    return [PeriodicExportingMetricReader(metric_exporter)] if metric_exporter is not None else []


def _route_budget_warnings(logger_provider: Any) -> None:
    budget_logger = logging.getLogger(semconv.BUDGET_LOGGER)
    if not any(isinstance(handler, LoggingHandler) for handler in budget_logger.handlers):
        budget_logger.addHandler(LoggingHandler(level=logging.WARNING, logger_provider=logger_provider))


def configure(**options: Any) -> OpenAICostInstrumentor:
    """Set up tracing and metrics where the application has not, then instrument the OpenAI SDK.

    Takes the keys of the config file (SPEC section 6) plus ``config`` (a config file path). Bad configuration
    raises ``ConfigError`` here, naming the file, the key and the problem.
    """
    settings = load_settings(options)
    tracer_provider, meter_provider, logger_provider = install_providers(settings)
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        config=settings,
    )
    return instrumentor


class Configurator:
    """The ``opentelemetry_configurator`` entry point: ``opentelemetry-instrument python app.py`` exports with
    nothing else installed. (With ``opentelemetry-distro`` installed too, the first configurator found wins;
    both honor the standard ``OTEL_*`` variables.) The ``aicost_openai`` instrumentor entry point instruments."""

    def configure(self, **kwargs: Any) -> None:
        try:
            settings = load_settings()
        except ConfigError as error:  # zero-code: one line, and the app runs (see config/errors.py)
            say_once(error)
            return
        install_providers(settings)
