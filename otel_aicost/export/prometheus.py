"""Metrics for a Prometheus server to scrape from the app: ``OTEL_METRICS_EXPORTER=prometheus``.

The reader is the ``prometheus`` entry point of ``opentelemetry-exporter-prometheus`` (``pip install
'otel-aicost[prometheus]'``), the one ``opentelemetry-instrument`` uses; it listens where the standard variables
say: ``OTEL_EXPORTER_PROMETHEUS_HOST`` (default ``localhost``) and ``OTEL_EXPORTER_PROMETHEUS_PORT`` (default
9464). This module only turns its failures into set-up errors that name the variable. Names after translation:
``gen_ai.usage.cost`` [USD] becomes ``gen_ai_usage_cost_USD_{bucket,sum,count}``, the attribute
``aicost.tag.team`` the label ``aicost_tag_team`` (see collector/README.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from otel_aicost.config.settings import ConfigError

ENV_HOST = "OTEL_EXPORTER_PROMETHEUS_HOST"
ENV_PORT = "OTEL_EXPORTER_PROMETHEUS_PORT"
DEFAULT_HOST = "localhost"
DEFAULT_PORT = 9464


def prometheus_reader(environ: Mapping[str, str], factory: Callable[[], Any]) -> Any:
    """The reader ``factory`` (the entry point) builds, its scrape endpoint listening; ``ConfigError`` otherwise.

    The entry point reads the process environment itself, so ``environ`` should be ``os.environ``.
    """
    host = environ.get(ENV_HOST) or DEFAULT_HOST
    raw_port = environ.get(ENV_PORT) or str(DEFAULT_PORT)
    try:
        port = int(raw_port)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise ConfigError(f"{ENV_PORT}: {raw_port!r} is not a TCP port (1-65535)") from None
    try:
        return factory()
    except OSError as exc:
        raise ConfigError(f"{ENV_HOST}/{ENV_PORT}: cannot listen on {host}:{port} for Prometheus: {exc}") from None
