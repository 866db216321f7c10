"""Settings: defaults, then the config file, then ``OTEL_AICOST_*`` variables, then ``configure()`` arguments.

Bad configuration fails here, at setup, with the file, the key and what is wrong (``ConfigError``).
Nothing in this module runs on the call path.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from otel_aicost.budgets.rules import TAG_KEY, Budget, BudgetError
from otel_aicost.config.errors import ConfigError
from otel_aicost.config import models
from otel_aicost.config.environment import ENV_CONFIG, CAPTURE_MODES, capture_mode, from_environment, key_to_env
from otel_aicost.config.files import read_config_file
from otel_aicost.config.tables import TableError, validate
from otel_aicost.quoting import show

DEFAULT_METRIC_TAGS = ("cost_center", "team", "application", "environment", "feature")
EXPORTERS = ("otlp", "azuremonitor", "file", "console", "none")
SUMMARY = ("off", "stderr")  # OTEL_AICOST_SUMMARY: a table of calls and spend at exit
STREAM_USAGE = ("auto", "off")
_TAG_KEY = TAG_KEY
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class _Where:
    """Where a value came from, for error messages: ``cfg.toml: key 'budgets[0].period'``."""

    source: str
    key: str
    show_key: bool = True

    def at(self, suffix: str) -> _Where:
        return _Where(self.source, f"{self.key}{suffix}")

    def __str__(self) -> str:
        return f"{self.source}: key '{self.key}'" if self.show_key else self.source


def _at(where: _Where | str, suffix: str) -> _Where | str:
    return where.at(suffix) if isinstance(where, _Where) else f"{where}{suffix}"


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


_KEYS = (
    "currency", "usd_rate", "stream_usage", "metric_tags", "metric_tag_cap", "tags", "prices", "deployments",
    "budgets", "exporter", "summary", "capture_content", "baggage_keys", "propagate_baggage", "gateway_headers",
    "prices_file", "openinference",
)  # fmt: skip


def load_settings(options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the config file, the environment and ``options`` (highest precedence).

    ``options`` are ``configure()``/``instrument(config=)`` arguments; a None value means "not given".
    Raises ``ConfigError`` naming the file (or variable, or argument), the key and the problem.
    """
    env = os.environ if environ is None else environ
    options = {key: value for key, value in (options or {}).items() if value is not None}
    path = options.pop("config", None) or env.get(ENV_CONFIG) or None
    merged: dict[str, Any] = {}
    origins: dict[str, _Where] = {}
    if path:
        for key, value in read_config_file(path).items():
            merged[key], origins[key] = value, _Where(str(path), str(key))
    for key, value in from_environment(env).items():
        merged[key], origins[key] = value, _Where(f"environment variable {key_to_env(key)}", key, show_key=False)
    for key, value in options.items():
        merged[key], origins[key] = value, _Where("configure() argument", key)
    return _validate(merged, origins, str(path) if path else None)


def _validate(merged: dict[str, Any], origins: dict[str, _Where], path: str | None) -> Settings:
    unknown = sorted(set(merged) - set(_KEYS), key=str)
    if unknown:
        raise ConfigError(f"{origins[unknown[0]]}: unknown key (known keys: {', '.join(_KEYS)})")
    values: dict[str, Any] = {"config_path": path}
    for key, value in merged.items():
        values[key] = _check(key, value, origins[key])
    currency = values.get("currency", "USD")
    if currency == "USD":
        values["usd_rate"] = Decimal(1)  # prices are USD: a rate left in the file for another currency is unused
    elif "usd_rate" not in values:
        where = origins["currency"]
        raise ConfigError(f"{where}: currency {currency} needs 'usd_rate' (1 USD in {currency}) in the config file")
    names = [budget.name for budget in values.get("budgets", ())]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(f"{_at(origins['budgets'], f'[{index}].name')}: budget name {show(name)} is used twice")
    return Settings(**values)


def _check(key: str, value: Any, where: _Where | str) -> Any:  # noqa: PLR0911, PLR0912 - one branch per key
    if key == "currency":
        if not isinstance(value, str) or not _CURRENCY.match(value.upper()):
            raise ConfigError(f"{where}: must be an ISO 4217 code like 'EUR', got {show(value)}")
        return value.upper()
    if key == "usd_rate":
        rate = _decimal(value, where)
        if rate <= 0:
            raise ConfigError(f"{where}: must be a positive number, got {show(value)}")
        return rate
    if key == "stream_usage":
        return _choice(value, STREAM_USAGE, where)
    if key == "exporter":
        return _choice(value, EXPORTERS, where)
    if key == "summary":
        return _choice(value, SUMMARY, where)
    if key == "capture_content":
        mode = capture_mode(value)
        if mode is None:
            raise ConfigError(f"{where}: must be true, false or one of {', '.join(CAPTURE_MODES)}, got {show(value)}")
        return mode
    if key in ("metric_tags", "baggage_keys"):
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(k, str) and _TAG_KEY.match(k) for k in value):
            raise ConfigError(f"{where}: must be a list of tag keys (letters, digits, _ . -), got {show(value)}")
        return tuple(value)
    if key == "metric_tag_cap":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where}: must be a whole number of at least 1, got {show(value)}")
        return value
    if key == "propagate_baggage":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false, got {show(value)}")
        return value
    if key in ("gateway_headers", "openinference"):  # also from environment variables, hence the words
        words = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
        if isinstance(value, str) and value.strip().lower() in words:
            return words[value.strip().lower()]
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false, got {value!r}")
        return value
    if key == "tags":
        return check_tags(value, where)
    if key == "prices":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: must be a list of price tables ([[prices]]), got {type(value).__name__}")
        return tuple(_price(item, _at(where, f"[{i}]")) for i, item in enumerate(value))
    if key == "prices_file":
        return _prices_file(value, where)
    if key == "deployments":
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: must be a table of deployment name -> settings")
        return {str(name): _deployment(name, item, _at(where, f".{name}")) for name, item in value.items()}
    if key == "budgets":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: must be a list of budgets ([[budgets]]), got {type(value).__name__}")
        return tuple(_budget(item, _at(where, f"[{i}]")) for i, item in enumerate(value))
    raise AssertionError(key)  # pragma: no cover - _KEYS and this function list the same keys


def check_tags(value: Any, where: _Where | str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must be a table of tag key -> value")
    tags: dict[str, str] = {}
    for tag_key, tag_value in value.items():
        if not isinstance(tag_key, str) or not _TAG_KEY.match(tag_key):
            raise ConfigError(f"{_at(where, f'.{tag_key}')}: tag keys are letters, digits, _ . - (at most 64)")
        if not isinstance(tag_value, (str, int, float)) or isinstance(tag_value, bool):
            raise ConfigError(f"{_at(where, f'.{tag_key}')}: tag values are strings, got {type(tag_value).__name__}")
        tags[tag_key] = str(tag_value)
    return tags


def _choice(value: Any, allowed: tuple[str, ...], where: _Where | str) -> str:
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ConfigError(f"{where}: must be one of {', '.join(allowed)}, got {show(value)}")
    return value.lower()


def _decimal(value: Any, where: _Where | str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ConfigError(f"{where}: must be a number, got {show(value)}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}: must be a number, got {show(value)}") from None
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise ConfigError(f"{where}: must be a finite number, got {show(value)}")
    return number


def _price(item: Any, where: _Where | str) -> PriceOverride:
    """A [[prices]] table, typed (``models.price_table``): unknown keys and bad values fail with their path."""
    table = _typed(models.price_table(), item, where)
    return PriceOverride(**table.model_dump())


def _typed(model: Any, item: Any, where: _Where | str) -> Any:
    try:
        return validate(model, item)
    except TableError as error:
        raise ConfigError(f"{_at(where, '.' + error.path) if error.path else where}: {error.problem}") from None


def _prices_file(value: Any, where: _Where | str) -> str:
    """A price catalog from ``otel-aicost prices import``, checked now so a bad one fails at setup."""
    from otel_aicost.cost.pricing import imported  # here: the pricing package imports this module

    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: must be the path of a file written by 'otel-aicost prices import'")
    try:
        imported.load(value)
    except imported.CatalogError as error:
        raise ConfigError(f"{where}: {error}") from None
    return value


def _deployment(name: Any, item: Any, where: _Where | str) -> Deployment:
    """A [deployments.NAME] table, typed (``models.deployment_table``)."""
    table = _typed(models.deployment_table(), item, where)
    return Deployment(name=str(name), model=table.model, type=table.type, region=table.region)


def _budget(item: Any, where: _Where | str) -> Budget:
    """A budget table, by the rules of ``budgets.rules`` (the same for ``Budget(...)`` in code)."""
    if isinstance(item, Budget):
        return item
    try:
        return Budget.from_table(item)
    except BudgetError as error:
        raise ConfigError(f"{_at(where, '.' + error.path) if error.path else where}: {error.problem}") from None
