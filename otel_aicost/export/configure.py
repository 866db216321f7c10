"""``configure()``: providers where the application has none, exporters chosen per signal, then instrument.

Each signal goes where the standard variables send it (``routing``; SPEC section 14), built from the exporter
entry points (``exporters``); a signal nothing routes is written as OTLP JSON lines to ``./otel-aicost-data/``
(the Collector ``file`` exporter's format), which we say once on stderr. The providers are created with
``shutdown_on_exit=False``: ``at_exit`` flushes them in parallel within a few seconds and says what was not
sent; ``fork`` gives a forked child its own metric state and ``service.instance.id``.
``OTEL_AICOST_SUMMARY=stderr`` prints a table of spend at exit (``summary``). The same ``install_providers``
serves ``configure()`` and ``opentelemetry-instrument`` (the ``Configurator`` entry point), so both agree.
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
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_aicost import semconv
from otel_aicost.config.errors import ConfigError, say_once
from otel_aicost.config.settings import Settings, load_settings
from otel_aicost.export import at_exit, fork, health, summary
from otel_aicost.export.console_lines import ReadableConsoleSpanExporter
from otel_aicost.export.exporters import build, otlp_timeout_seconds
from otel_aicost.export.file import DEFAULT_DIRECTORY as DATA_DIR
from otel_aicost.export.file import ENV_DATA_DIR, data_directory
from otel_aicost.export.health import DropCountingBatchSpanProcessor, ExportHealth
from otel_aicost.export.routing import SIGNALS, Route, routes
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

__all__ = ["DATA_DIR", "ENV_DATA_DIR", "Configurator", "configure", "install_providers"]

_announced = False
_routes_in_effect: Any = None  # where install_providers sent each signal, for a second configure() to compare


def _announce(defaulted: list[str]) -> None:
    """Say once on stderr which signals go to the embedded default files, and where."""
    global _announced
    if _announced or not defaulted:
        return
    _announced = True
    where = f"{os.path.abspath(data_directory())}/ (read them with `otel-aicost report`)"
    if len(defaulted) == len(SIGNALS):
        message = f"otel-aicost: no telemetry destination configured; writing OTLP JSON lines to {where}"
    else:
        names = " and ".join(defaulted)
        message = f"otel-aicost: no destination configured for {names}; writing them as OTLP JSON lines to {where}"
    print(message, file=sys.stderr)


def _resource() -> Resource:
    """The SDK's resource from the environment, with a ``service.instance.id`` (a UUID) unless one is set."""
    resource = Resource.create()
    if fork.SERVICE_INSTANCE_ID not in resource.attributes:
        resource = resource.merge(Resource({fork.SERVICE_INSTANCE_ID: fork.new_instance_id()}))
    return resource


def install_providers(settings: Settings, environ: Mapping[str, str] | None = None) -> tuple[Any, Any, Any]:
    """Set SDK tracer, meter and logger providers where the application has none; return those in effect.

    Budget threshold warnings (the ``otel_aicost.budgets`` logger) go to OpenTelemetry logs too.
    """
    environ = os.environ if environ is None else environ
    tracer_provider = trace.get_tracer_provider()
    meter_provider = metrics.get_meter_provider()
    logger_provider = _logs.get_logger_provider()
    own = {
        "traces": type(tracer_provider).__name__ == "ProxyTracerProvider",
        "metrics": type(meter_provider).__name__ == "_ProxyMeterProvider",
        "logs": type(logger_provider).__name__ in ("ProxyLoggerProvider", "NoOpLoggerProvider"),
    }
    if any(own.values()):
        global _routes_in_effect
        chosen = _routes_in_effect = routes(settings.exporter, environ)
        exit_timeout = at_exit.exit_timeout(environ, _otlp_timeouts(chosen, own, environ))  # errors before any is set
        built = {signal: build(chosen[signal], environ) for signal in SIGNALS if own[signal]}
        _announce([signal for signal in SIGNALS if own[signal] and chosen[signal].by_default])
        resource = _resource()
        created = []
        if own["traces"]:
            tracer_provider = _tracer_provider(resource, built["traces"], openinference=settings.openinference)
            trace.set_tracer_provider(tracer_provider)
            created.append(tracer_provider)
        if own["metrics"]:
            meter_provider = _meter_provider(resource, built["metrics"])
            metrics.set_meter_provider(meter_provider)
            created.append(meter_provider)
        if own["logs"]:
            logger_provider = _logger_provider(resource, built["logs"])
            _logs.set_logger_provider(logger_provider)
            created.append(logger_provider)
        flush = at_exit.register(created, exit_timeout)
        fork.register(resource, meter_provider if own["metrics"] else None, flush)
    if settings.summary == "stderr":
        summary.install(tracer_provider)
    _route_budget_warnings(logger_provider)
    return tracer_provider, meter_provider, logger_provider


def _otlp_timeouts(chosen: Mapping[str, Route], own: Mapping[str, bool], environ: Mapping[str, str]) -> list[float]:
    return [
        otlp_timeout_seconds(signal, environ)
        for signal in SIGNALS
        if own[signal] and any(name.startswith("otlp_") for name in chosen[signal].exporters)
    ]


def _tracer_provider(resource: Resource, exporters: list[Any], openinference: bool = False) -> TracerProvider:
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    for index, exporter in enumerate(exporters):
        if isinstance(exporter, ReadableConsoleSpanExporter):  # a line as each call ends, not in batches
            provider.add_span_processor(SimpleSpanProcessor(exporter))
            continue
        if openinference:  # OTEL_AICOST_OPENINFERENCE: the names Arize Phoenix prices by
            from otel_aicost.export.openinference import OpenInferenceSpanExporter

            exporter = OpenInferenceSpanExporter(exporter)
        span_health = health.health if index == 0 else ExportHealth()
        if span_health not in health.span_healths:
            health.span_healths.append(span_health)
        provider.add_span_processor(DropCountingBatchSpanProcessor(exporter, span_health))
    return provider


def _meter_provider(resource: Resource, exporters: list[Any]) -> MeterProvider:
    readers = [
        exporter
        if isinstance(exporter, MetricReader)  # the Prometheus reader is scraped, not pushed
        else PeriodicExportingMetricReader(health.count_exports(exporter, health.metric_points, health.count_points))
        for exporter in exporters
    ]
    return MeterProvider(resource=resource, metric_readers=readers, shutdown_on_exit=False)


def _logger_provider(resource: Resource, exporters: list[Any]) -> LoggerProvider:
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    for exporter in exporters:
        provider.add_log_record_processor(
            BatchLogRecordProcessor(health.count_exports(exporter, health.log_records, len))
        )
    return provider


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
    instrumentor = OpenAICostInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:  # a second configure() (after otel_aicost.auto, say)
        if settings.exporter and routes(settings.exporter, os.environ) != _routes_in_effect:
            raise ConfigError(
                f"configure(exporter={settings.exporter!r}): telemetry already goes elsewhere; exporters are set "
                "up once per process, so call configure() once, before any other set-up"
            )
        instrumentor.uninstrument()  # its other settings (budgets, tags, prices, capture, ...) apply from here on
    tracer_provider, meter_provider, logger_provider = install_providers(settings)
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
            install_providers(load_settings())
        except ConfigError as error:  # zero-code: one line, and the app runs (see config/errors.py)
            say_once(error)
