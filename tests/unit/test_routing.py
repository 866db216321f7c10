"""Which exporter each signal gets, per the OpenTelemetry specification's variables (SPEC 14), typed in."""

from __future__ import annotations

import pytest

from otel_aicost.config.settings import ConfigError
from otel_aicost.export.exporters import otlp_timeout_seconds
from otel_aicost.export.routing import routes

HTTP, GRPC = "otlp_proto_http", "otlp_proto_grpc"


def _names(env, aicost=None):
    return {signal: route.exporters for signal, route in routes(aicost, env).items()}


@pytest.mark.parametrize(
    ("env", "aicost", "expected"),
    [
        ({}, None, {"traces": ("file",), "metrics": ("file",), "logs": ("file",)}),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, None, {"traces": (HTTP,), "metrics": (HTTP,), "logs": (HTTP,)}),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://p:6006/v1/traces"}, None,
         {"traces": (HTTP,), "metrics": ("file",), "logs": ("file",)}),
        ({"OTEL_TRACES_EXPORTER": "none"}, None, {"traces": (), "metrics": ("file",), "logs": ("file",)}),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, None,
         {"traces": (GRPC,), "metrics": ("file",), "logs": ("file",)}),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
          "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/protobuf"}, None,
         {"traces": (GRPC,), "metrics": (GRPC,), "logs": (HTTP,)}),
        ({"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_TRACES_EXPORTER": "console,otlp"}, None,
         {"traces": ("console", HTTP), "metrics": ("prometheus",), "logs": ("file",)}),
        ({}, "console", {"traces": ("aicost_console",), "metrics": (), "logs": ()}),
        ({"OTEL_METRICS_EXPORTER": "otlp"}, "console", {"traces": ("aicost_console",), "metrics": (HTTP,), "logs": ()}),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, "file", {"traces": ("file",), "metrics": ("file",), "logs": ("file",)}),
        ({"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}, None,
         {"traces": ("azuremonitor",), "metrics": ("azuremonitor",), "logs": ("azuremonitor",)}),
        ({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://c:4318/v1/metrics",
          "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x"}, None,
         {"traces": ("azuremonitor",), "metrics": (HTTP,), "logs": ("azuremonitor",)}),
        ({"OTEL_LOGS_EXPORTER": " None "}, None, {"traces": ("file",), "metrics": ("file",), "logs": ()}),
    ],
)  # fmt: skip
def test_routes(env, aicost, expected):
    assert _names(env, aicost) == expected


def test_only_signals_nothing_routes_are_by_default():
    chosen = routes(None, {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://p/v1/traces", "OTEL_LOGS_EXPORTER": "file"})
    assert [signal for signal, route in chosen.items() if route.by_default] == ["metrics"]
    assert chosen["traces"].because == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"


def test_an_unknown_protocol_names_its_variable():
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_METRICS_PROTOCOL='http/json'"):
        routes(None, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/json"})


def test_otlp_timeouts_are_milliseconds_per_signal_then_generic():
    env = {"OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT": "400"}
    assert otlp_timeout_seconds("traces", env) == 2.5
    assert otlp_timeout_seconds("logs", env) == 0.4
    assert otlp_timeout_seconds("metrics", {}) == 10.0
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_OTLP_TIMEOUT='soon'"):
        otlp_timeout_seconds("traces", {"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"})


def test_exit_timeout_is_the_variable_else_three_seconds_or_a_shorter_otlp_timeout():
    from otel_aicost.export.at_exit import exit_timeout

    assert exit_timeout({}) == 3.0
    assert exit_timeout({}, [10.0, 1.5]) == 3.0, "the longest OTLP timeout in use, capped at 3 s"
    assert exit_timeout({}, [2.0]) == 2.0
    assert exit_timeout({"OTEL_AICOST_EXIT_TIMEOUT": "0.5"}, [10.0]) == 0.5
    with pytest.raises(ConfigError, match="OTEL_AICOST_EXIT_TIMEOUT='-1'"):
        exit_timeout({"OTEL_AICOST_EXIT_TIMEOUT": "-1"})
