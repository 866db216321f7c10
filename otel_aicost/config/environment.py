"""The ``OTEL_AICOST_*`` variables (and the standard content-capture one) as config keys: which variable sets
which key, and how its text becomes a value. Validation is the same as for the file (``settings``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from otel_aicost.quoting import show

# The variables (SPEC section 6); telemetry names live in semconv.py, these are settings.
ENV_CONFIG = "OTEL_AICOST_CONFIG"
ENV_STREAM_USAGE = "OTEL_AICOST_STREAM_USAGE"
ENV_METRIC_TAGS = "OTEL_AICOST_METRIC_TAGS"
ENV_CURRENCY = "OTEL_AICOST_CURRENCY"
ENV_EXPORTER = "OTEL_AICOST_EXPORTER"
ENV_SUMMARY = "OTEL_AICOST_SUMMARY"
ENV_OPENINFERENCE = "OTEL_AICOST_OPENINFERENCE"  # also send OpenInference llm.* names (Arize Phoenix), export only
ENV_PRICES = "OTEL_AICOST_PRICES"  # a local price catalog written by `otel-aicost prices import`
ENV_CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
ENV_GATEWAY_HEADERS = "OTEL_AICOST_GATEWAY_HEADERS"

CAPTURE_MODES = ("no_content", "span_only", "event_only", "span_and_event")
_LOGGER = logging.getLogger("otel_aicost.config.settings")  # the logger name users may have configured


def key_to_env(key: str) -> str:
    return {
        "stream_usage": ENV_STREAM_USAGE,
        "metric_tags": ENV_METRIC_TAGS,
        "currency": ENV_CURRENCY,
        "exporter": ENV_EXPORTER,
        "summary": ENV_SUMMARY,
        "capture_content": ENV_CAPTURE_CONTENT,
        "gateway_headers": ENV_GATEWAY_HEADERS,
        "openinference": ENV_OPENINFERENCE,
        "prices_file": ENV_PRICES,
    }.get(key, key)


def from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in ("stream_usage", "metric_tags", "currency", "exporter", "summary", "capture_content", "gateway_headers",
                "prices_file", "openinference"):
        raw = env.get(key_to_env(key))
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip()
        if key == "metric_tags":
            found[key] = [part.strip() for part in raw.split(",") if part.strip()]
        elif key == "capture_content":
            mode = capture_mode(raw)
            if mode is None:  # a standard OTel variable shared with other instrumentations: never fail on it
                _LOGGER.warning(
                    "environment variable %s=%s is not one of true, false, %s: message content is not captured",
                    key_to_env(key), show(raw), ", ".join(CAPTURE_MODES),
                )  # fmt: skip
                mode = "no_content"
            found[key] = mode
        else:
            found[key] = raw
    return found


def capture_mode(value: Any) -> str | None:
    """The content capture mode for ``value`` (bool, "true"/"false" or a mode name), None when it is none."""
    if value is True or value is False:
        return "span_only" if value else "no_content"
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    if value in ("true", "false"):
        return "span_only" if value == "true" else "no_content"
    return value if value in CAPTURE_MODES else None
