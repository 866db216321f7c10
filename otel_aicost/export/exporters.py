"""Exporter objects for the routes ``routing`` chose, found as entry points like ``opentelemetry-instrument`` does.

Every name is looked up in the ``opentelemetry_{traces,metrics,logs}_exporter`` entry point groups: the SDK's own
(``console``, ``otlp_proto_http``, ``otlp_proto_grpc`` from the ``grpc`` extra, ``prometheus`` from the
``prometheus`` extra) and ours (``file``, the embedded default). Two names are ours alone: ``azuremonitor``
(one connection string for the three Azure Monitor exporters) and ``aicost_console`` (``console_lines``).

OTLP exporters get their timeout in seconds from ``OTEL_EXPORTER_OTLP_{SIGNAL}_TIMEOUT`` /
``OTEL_EXPORTER_OTLP_TIMEOUT`` read as the specification defines them, in milliseconds (the Python SDK alone
would read seconds); endpoints, headers and compression they read themselves from the standard variables.
A name that cannot be built fails here, at set-up, naming the variable and what to install.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from otel_aicost.config.settings import ConfigError
from otel_aicost.export.routing import Route, protocol_variable_in_effect

DEFAULT_OTLP_TIMEOUT_MS = 10_000
_EXTRAS = {"otlp_proto_grpc": "grpc", "prometheus": "prometheus", "azuremonitor": "azure"}


def build(route: Route, environ: Mapping[str, str]) -> list[Any]:
    """The exporters (a ``MetricReader`` for ``prometheus``) of one route, in the order named."""
    return [_build_one(name, route, environ) for name in route.exporters]


def otlp_timeout_seconds(signal: str, environ: Mapping[str, str]) -> float:
    """The OTLP request timeout of ``signal`` in seconds (variables in milliseconds, default 10000)."""
    for variable in (f"OTEL_EXPORTER_OTLP_{signal.upper()}_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"):
        raw = (environ.get(variable) or "").strip()
        if raw:
            try:
                milliseconds = float(raw)
                if milliseconds < 0 or milliseconds != milliseconds:
                    raise ValueError
            except ValueError:
                raise ConfigError(f"{variable}={raw!r} is not a timeout in milliseconds") from None
            return milliseconds / 1000
    return DEFAULT_OTLP_TIMEOUT_MS / 1000


def _build_one(name: str, route: Route, environ: Mapping[str, str]) -> Any:
    if name == "azuremonitor":
        return _azure_monitor(route.signal, environ)
    if name == "aicost_console":
        from otel_aicost.export.console_lines import ReadableConsoleSpanExporter

        return ReadableConsoleSpanExporter()
    factory = _entry_point(name, route, environ)
    if name.startswith("otlp_proto_"):
        return factory(timeout=otlp_timeout_seconds(route.signal, environ))
    if name == "prometheus":
        from otel_aicost.export.prometheus import prometheus_reader

        return prometheus_reader(environ, factory)
    return factory()


def _entry_point(name: str, route: Route, environ: Mapping[str, str]) -> Any:
    group = f"opentelemetry_{route.signal}_exporter"
    found = [point for point in entry_points(group=group) if point.name == name]
    problem = "" if found else "is not installed"
    if found:
        try:
            return found[0].load()
        except ImportError as error:
            problem = f"cannot be imported ({error})"
    variable = protocol_variable_in_effect(route.signal, environ) if name == "otlp_proto_grpc" else route.because
    extra = _EXTRAS.get(name)
    hint = f": pip install 'otel-aicost[{extra}]'" if extra else ""
    asked = "grpc" if name == "otlp_proto_grpc" else name
    raise ConfigError(f"{variable}: the {route.signal} exporter {asked!r} {problem}{hint}")


def _azure_monitor(signal: str, environ: Mapping[str, str]) -> Any:
    try:
        from azure.monitor.opentelemetry import exporter  # type: ignore[import-not-found]
    except ImportError:
        raise ConfigError(
            "exporter 'azuremonitor' needs the Azure Monitor exporter: pip install 'otel-aicost[azure]'"
        ) from None
    connection_string = environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
    if not connection_string:
        raise ConfigError("exporter 'azuremonitor': APPLICATIONINSIGHTS_CONNECTION_STRING is not set")
    kind = {"traces": "AzureMonitorTraceExporter", "metrics": "AzureMonitorMetricExporter"}.get(
        signal, "AzureMonitorLogExporter"
    )
    return getattr(exporter, kind)(connection_string=connection_string)
