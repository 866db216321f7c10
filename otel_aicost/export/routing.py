"""Where each signal goes: the OpenTelemetry environment variables read per signal, as the specification says.

For each signal (traces, metrics, logs), first match wins:

1. ``OTEL_{TRACES,METRICS,LOGS}_EXPORTER``: a comma-separated list of exporter names (``otlp``, ``console``,
   ``none``, ``file`` for the embedded default, ``prometheus`` for metrics, or any installed exporter entry point);
2. ``OTEL_AICOST_EXPORTER`` (or the ``exporter`` setting) for every signal: ``otlp``, ``azuremonitor``, ``file``,
   ``none``, or ``console``: one readable line per call on stderr, and no metrics or logs;
3. an OTLP endpoint for that signal: ``OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_ENDPOINT`` or the generic
   ``OTEL_EXPORTER_OTLP_ENDPOINT``;
4. ``APPLICATIONINSIGHTS_CONNECTION_STRING``: Azure Monitor;
5. nothing: the embedded default files (``file``), announced once on stderr.

``otlp`` becomes the SDK's ``otlp_proto_http`` or ``otlp_proto_grpc`` exporter by
``OTEL_EXPORTER_OTLP_{SIGNAL}_PROTOCOL`` or ``OTEL_EXPORTER_OTLP_PROTOCOL`` (``http/protobuf`` by default, as the
specification says; the Python SDK alone would pick gRPC). This module only decides; ``exporters`` builds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from otel_aicost.config.settings import ConfigError

SIGNALS = ("traces", "metrics", "logs")
DEFAULT_PROTOCOL = "http/protobuf"
PROTOCOL_EXPORTERS = {"http/protobuf": "otlp_proto_http", "grpc": "otlp_proto_grpc"}
READABLE_CONSOLE = "aicost_console"  # OTEL_AICOST_EXPORTER=console: our one-line-per-call printer (traces only)
_AICOST_EXPORTER = "OTEL_AICOST_EXPORTER"


def exporter_variable(signal: str) -> str:
    return f"OTEL_{signal.upper()}_EXPORTER"


def protocol_variables(signal: str) -> tuple[str, str]:
    return f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"


def endpoint_variables(signal: str) -> tuple[str, str]:
    return f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"


@dataclass(frozen=True)
class Route:
    """The exporters of one signal: entry point names (``otlp_proto_http``, ``console``, ``file``, ...)."""

    signal: str
    exporters: tuple[str, ...]
    because: str  # the variable (or setting) that decided, for messages; "" for the embedded default

    @property
    def by_default(self) -> bool:
        return not self.because


def route(signal: str, aicost_exporter: str | None, environ: Mapping[str, str]) -> Route:
    """The route of ``signal`` for this environment (see the module docstring for the order)."""
    variable = exporter_variable(signal)
    names = [name.strip().lower() for name in (environ.get(variable) or "").split(",") if name.strip()]
    if names:
        return Route(signal, tuple(_resolve(name, signal, environ) for name in names if name != "none"), variable)
    if aicost_exporter:
        return Route(signal, _aicost(aicost_exporter, signal, environ), _AICOST_EXPORTER)
    for endpoint in endpoint_variables(signal):
        if environ.get(endpoint):
            return Route(signal, (_resolve("otlp", signal, environ),), endpoint)
    if environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING"):
        return Route(signal, ("azuremonitor",), "APPLICATIONINSIGHTS_CONNECTION_STRING")
    return Route(signal, ("file",), "")


def routes(aicost_exporter: str | None, environ: Mapping[str, str]) -> dict[str, Route]:
    return {signal: route(signal, aicost_exporter, environ) for signal in SIGNALS}


def _aicost(choice: str, signal: str, environ: Mapping[str, str]) -> tuple[str, ...]:
    if choice == "none":
        return ()
    if choice == "console":
        return (READABLE_CONSOLE,) if signal == "traces" else ()
    if choice == "otlp":
        return (_resolve("otlp", signal, environ),)
    return (choice,)


def _resolve(name: str, signal: str, environ: Mapping[str, str]) -> str:
    if name != "otlp":
        return name
    for variable in protocol_variables(signal):
        value = (environ.get(variable) or "").strip().lower()
        if value:
            if value not in PROTOCOL_EXPORTERS:
                raise ConfigError(
                    f"{variable}={value!r}: the OpenTelemetry Python SDK exports OTLP as 'http/protobuf' "
                    f"or 'grpc' ('http/json' has no Python exporter)"
                )
            return PROTOCOL_EXPORTERS[value]
    return PROTOCOL_EXPORTERS[DEFAULT_PROTOCOL]


def protocol_variable_in_effect(signal: str, environ: Mapping[str, str]) -> str:
    """The variable that chose gRPC for ``signal`` (for the message when the ``grpc`` extra is missing)."""
    for variable in protocol_variables(signal):
        if (environ.get(variable) or "").strip():
            return variable
    return protocol_variables(signal)[1]
