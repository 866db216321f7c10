"""Settings: defaults, then the config file, then ``OTEL_AICOST_*`` variables, then ``configure()`` arguments.

The merged keys are validated by one pydantic model (``keys.config_keys``). Bad configuration fails here, at setup,
with where the key came from (file, variable or argument), the key's path and what is wrong (``ConfigError``).
Nothing in this module runs on the call path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from otel_aicost.budgets.rules import Budget
from otel_aicost.config.environment import ENV_CONFIG, from_environment, key_to_env
from otel_aicost.config.errors import ConfigError
from otel_aicost.config.files import read_config_file
from otel_aicost.config.keys import config_keys
from otel_aicost.config.tables import TableError, shown_key, unknown_key, validate

__all__ = ["DEFAULT_METRIC_TAGS", "ConfigError", "Deployment", "PriceOverride", "Settings", "load_settings"]

DEFAULT_METRIC_TAGS = ("cost_center", "team", "application", "environment", "feature")


@dataclass(frozen=True)
class _Origin:
    """Where a top-level key came from, for error messages: ``cfg.toml: key 'budgets[0].period'``."""

    source: str
    show_key: bool = True

    def describe(self, path: str) -> str:
        return f"{self.source}: key '{path}'" if self.show_key else self.source


@dataclass(frozen=True)
class PriceOverride:
    """A user price, USD per 1M tokens, for a model name or glob."""

    model: str
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    effective_from: date | None = None
    valid_until: date | None = None  # the last day this price applies (a promotion); after it: stale_price
    cache_write_12h: Decimal | None = None
    audio_input: Decimal | None = None
    cached_audio_input: Decimal | None = None
    audio_output: Decimal | None = None
    image_input: Decimal | None = None
    image_output: Decimal | None = None


@dataclass(frozen=True)
class Deployment:
    """An Azure OpenAI deployment as declared in the config file."""

    name: str
    model: str | None = None
    type: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class Settings:
    currency: str = "USD"
    usd_rate: Decimal = Decimal(1)
    stream_usage: str = "auto"
    metric_tags: tuple[str, ...] = DEFAULT_METRIC_TAGS
    metric_tag_cap: int = 100
    tags: Mapping[str, str] = field(default_factory=dict)
    prices: tuple[PriceOverride, ...] = ()
    deployments: Mapping[str, Deployment] = field(default_factory=dict)
    budgets: tuple[Budget, ...] = ()
    exporter: str | None = None
    summary: str = "off"
    capture_content: str = "no_content"
    baggage_keys: tuple[str, ...] = ()
    propagate_baggage: bool = False
    gateway_headers: bool = False
    openinference: bool = False
    config_path: str | None = None
    prices_file: str | None = None  # a local price catalog written by `otel-aicost prices import`


def load_settings(options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the config file, the environment and ``options`` (highest precedence).

    ``options`` are ``configure()``/``instrument(config=)`` arguments; a None value means "not given".
    Raises ``ConfigError`` naming the file (or variable, or argument), the key and the problem.
    """
    env = os.environ if environ is None else environ
    options = {key: value for key, value in (options or {}).items() if value is not None}
    path = options.pop("config", None) or env.get(ENV_CONFIG) or None
    merged: dict[str, Any] = {}
    origins: dict[str, _Origin] = {}
    if path:
        for key, value in read_config_file(path).items():
            merged[key], origins[str(key)] = value, _Origin(str(path))
        merged = _paths_beside(merged, str(path))
    for key, value in from_environment(env).items():
        merged[key], origins[key] = value, _Origin(f"environment variable {key_to_env(key)}", show_key=False)
    for key, value in options.items():
        merged[key], origins[str(key)] = value, _Origin("configure() argument")
    config_path = str(path) if path else None
    if not merged:
        return Settings(config_path=config_path)  # nothing to check: pydantic is not even imported
    known = tuple(config_keys().model_fields)
    for key in merged:  # YAML reads an unquoted on/yes/no as a boolean and 1 as a number; no key is either
        if key not in known:  # reported here, where the key's origin is known, and shown only when harmless
            raise ConfigError(f"{origins[str(key)].describe(shown_key(key))}: {unknown_key(known)}")
    try:
        given = validate(config_keys(), merged)
    except TableError as error:
        origin = origins[_top_key(error.path, origins)]
        raise ConfigError(f"{origin.describe(error.path)}: {error.problem}") from None
    values = {key: getattr(given, key) for key in given.model_fields_set}
    if "prices" in values:
        values["prices"] = tuple(PriceOverride(**table.model_dump()) for table in values["prices"])
    if "deployments" in values:
        values["deployments"] = {
            name: Deployment(name=name, model=table.model, type=table.type, region=table.region)
            for name, table in values["deployments"].items()
        }
    return Settings(config_path=config_path, **values)


def _paths_beside(table: dict[str, Any], config_path: str) -> dict[str, Any]:
    """A relative ``prices_file`` in a config file names a file beside that config file (as a Collector or
    compose file does), not one in whatever directory the app happens to start in."""
    value = table.get("prices_file")
    if isinstance(value, str) and value.strip() and not os.path.isabs(os.path.expanduser(value)):
        table["prices_file"] = os.path.join(os.path.dirname(os.path.abspath(config_path)), value)
    return table


def _top_key(path: str, origins: Mapping[str, _Origin]) -> str:
    """The top-level key an error path starts with (``budgets`` of ``budgets[1].name``)."""
    for key in sorted(origins, key=len, reverse=True):  # the longest first: a key may be another's prefix
        if path == key or path.startswith((key + ".", key + "[")):
            return key
    raise AssertionError(path)  # pragma: no cover - every error path starts with a key that was given
