"""Metrics for a Prometheus server to scrape from the app: ``OTEL_METRICS_EXPORTER=prometheus``.

The standard OpenTelemetry variables choose where the scrape endpoint listens:
``OTEL_EXPORTER_PROMETHEUS_HOST`` (default ``localhost``) and ``OTEL_EXPORTER_PROMETHEUS_PORT`` (default 9464).
Needs ``opentelemetry-exporter-prometheus`` (``pip install 'otel-aicost[prometheus]'``). Names after translation:
``gen_ai.usage.cost`` [USD] becomes ``gen_ai_usage_cost_USD_{bucket,sum,count}``, the attribute ``aicost.tag.team``
the label ``aicost_tag_team`` (see collector/README.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_aicost.config.settings import ConfigError

ENV_HOST = "OTEL_EXPORTER_PROMETHEUS_HOST"
ENV_PORT = "OTEL_EXPORTER_PROMETHEUS_PORT"
DEFAULT_HOST = "localhost"
DEFAULT_PORT = 9464


def wants_prometheus(environ: Mapping[str, str]) -> bool:
    """True when ``OTEL_METRICS_EXPORTER`` names ``prometheus`` (first of a comma-separated list)."""
    return (environ.get("OTEL_METRICS_EXPORTER") or "").split(",")[0].strip().lower() == "prometheus"


def prometheus_reader(environ: Mapping[str, str]) -> Any:
    """A ``PrometheusMetricReader`` whose scrape endpoint is already listening; ``ConfigError`` when it cannot."""
    try:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader
        from prometheus_client import start_http_server
    except ImportError:
        raise ConfigError(
            "OTEL_METRICS_EXPORTER=prometheus needs the Prometheus exporter: pip install 'otel-aicost[prometheus]'"
        ) from None
    host = environ.get(ENV_HOST) or DEFAULT_HOST
    raw_port = environ.get(ENV_PORT) or str(DEFAULT_PORT)
    try:
        port = int(raw_port)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{ENV_PORT}: {raw_port!r} is not a TCP port (1-65535)") from None
    try:
        start_http_server(port=port, addr=host)
    except OSError as exc:
        raise ConfigError(f"{ENV_HOST}/{ENV_PORT}: cannot listen on {host}:{port} for Prometheus: {exc}") from None
    return PrometheusMetricReader()
