"""Settings: defaults, then the config file, then ``OTEL_AICOST_*`` variables, then ``configure()`` arguments.

Bad configuration fails here, at setup, with the file, the key and what is wrong (``ConfigError``).
Nothing in this module runs on the call path.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from otel_aicost import semconv
from otel_aicost.budgets.rules import ACTIONS, PERIODS, Budget
from otel_aicost.config.errors import ConfigError
from otel_aicost.quoting import show

DEFAULT_METRIC_TAGS = ("cost_center", "team", "application", "environment", "feature")
EXPORTERS = ("otlp", "azuremonitor", "file", "console", "none")
STREAM_USAGE = ("auto", "off")
CAPTURE_MODES = ("no_content", "span_only", "event_only", "span_and_event")
_TAG_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_LOGGER = logging.getLogger(__name__)


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
    capture_content: str = "no_content"
    baggage_keys: tuple[str, ...] = ()
    propagate_baggage: bool = False
    gateway_headers: bool = False
    config_path: str | None = None


_KEYS = (
    "currency", "usd_rate", "stream_usage", "metric_tags", "metric_tag_cap", "tags", "prices", "deployments",
    "budgets", "exporter", "capture_content", "baggage_keys", "propagate_baggage", "gateway_headers",
)  # fmt: skip


def load_settings(options: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the config file, the environment and ``options`` (highest precedence).

    ``options`` are ``configure()``/``instrument(config=)`` arguments; a None value means "not given".
    Raises ``ConfigError`` naming the file (or variable, or argument), the key and the problem.
    """
    env = os.environ if environ is None else environ
    options = {key: value for key, value in (options or {}).items() if value is not None}
    path = options.pop("config", None) or env.get(semconv.ENV_CONFIG) or None
    merged: dict[str, Any] = {}
    origins: dict[str, _Where] = {}
    if path:
        for key, value in read_config_file(path).items():
            merged[key], origins[key] = value, _Where(str(path), str(key))
    for key, value in _from_environment(env).items():
        merged[key], origins[key] = value, _Where(f"environment variable {key_to_env(key)}", key, show_key=False)
    for key, value in options.items():
        merged[key], origins[key] = value, _Where("configure() argument", key)
    return _validate(merged, origins, str(path) if path else None)


def key_to_env(key: str) -> str:
    return {
        "stream_usage": semconv.ENV_STREAM_USAGE,
        "metric_tags": semconv.ENV_METRIC_TAGS,
        "currency": semconv.ENV_CURRENCY,
        "exporter": semconv.ENV_EXPORTER,
        "capture_content": semconv.ENV_CAPTURE_CONTENT,
        "gateway_headers": semconv.ENV_GATEWAY_HEADERS,
    }.get(key, key)


def _from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in ("stream_usage", "metric_tags", "currency", "exporter", "capture_content", "gateway_headers"):
        raw = env.get(key_to_env(key))
        if raw is None or raw.strip() == "":
            continue
        raw = raw.strip()
        if key == "metric_tags":
            found[key] = [part.strip() for part in raw.split(",") if part.strip()]
        elif key == "capture_content":
            mode = _capture_mode(raw)
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


def _capture_mode(value: Any) -> str | None:
    """The content capture mode for ``value`` (bool, "true"/"false" or a mode name), None when it is none."""
    if value is True or value is False:
        return "span_only" if value else "no_content"
    if not isinstance(value, str):
        return None
    value = value.strip().lower()
    if value in ("true", "false"):
        return "span_only" if value == "true" else "no_content"
    return value if value in CAPTURE_MODES else None


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML, YAML or JSON config file into a mapping; fail with the file name and the parser's reason."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{file}: cannot read config file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{file}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start}); "
            "save the config file as UTF-8"
        ) from None
    suffix = file.suffix.lower()
    try:
        if suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ModuleNotFoundError:
                raise ConfigError(f"{file}: YAML config needs PyYAML: pip install 'otel-aicost[yaml]'") from None
            data = yaml.safe_load(text) or {}
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"{file}: unknown config file type '{suffix}' (use .toml, .yaml, .yml or .json)")
    except ConfigError:
        raise
    except Exception as error:  # each parser has its own error class; all mean the same here
        raise ConfigError(f"{file}: not valid {suffix[1:].upper()}: {_parse_problem(error)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: the top level must be a table/mapping, not {type(data).__name__}")
    return data


def _parse_problem(error: Exception) -> str:
    """The parser's reason and position, never the file's text: PyYAML quotes the offending lines, which may hold
    a secret (a key pasted into the wrong file); TOML and JSON errors carry only the position."""
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if isinstance(problem, str) and mark is not None:
        return f"{problem} (at line {mark.line + 1}, column {mark.column + 1})"
    if hasattr(error, "problem_mark") or hasattr(error, "context_mark"):  # a YAML error without a problem text
        return type(error).__name__
    return str(error)


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
    if key == "capture_content":
        mode = _capture_mode(value)
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
    if key == "gateway_headers":  # also from OTEL_AICOST_GATEWAY_HEADERS, hence the words
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


def _table(value: Any, allowed: tuple[str, ...], required: tuple[str, ...], where: _Where | str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: must be a table, got {type(value).__name__}")
    for key in value:
        if key not in allowed:
            raise ConfigError(f"{_at(where, f'.{key}')}: unknown key (known keys: {', '.join(allowed)})")
    for key in required:
        if key not in value:
            raise ConfigError(f"{where}: missing required key '{key}'")
    return dict(value)


def _price(item: Any, where: _Where | str) -> PriceOverride:
    table = _table(item, ("model", "input", "cached_input", "cache_write", "output", "effective_from"),
                   ("model", "input", "output"), where)  # fmt: skip
    if not isinstance(table["model"], str) or not table["model"]:
        raise ConfigError(f"{_at(where, '.model')}: must be a model name or glob, got {show(table['model'])}")
    money = {}
    for key in ("input", "cached_input", "cache_write", "output"):
        if key in table:
            money[key] = _decimal(table[key], _at(where, f".{key}"))
            if money[key] < 0:
                raise ConfigError(f"{_at(where, f'.{key}')}: a price cannot be negative, got {show(table[key])}")
    effective = table.get("effective_from")
    if isinstance(effective, datetime):  # TOML and YAML turn 2026-01-01T00:00:00 into a datetime
        effective = effective.date()
    elif effective is not None and not isinstance(effective, date):
        try:
            effective = date.fromisoformat(str(effective))
        except ValueError:
            where_date = _at(where, ".effective_from")
            raise ConfigError(f"{where_date}: must be a date YYYY-MM-DD, got {show(effective)}") from None
    return PriceOverride(model=table["model"], effective_from=effective, **money)


def _deployment(name: Any, item: Any, where: _Where | str) -> Deployment:
    table = _table(item, ("model", "type", "region"), (), where)
    for key in ("model", "region"):
        if key in table and not isinstance(table[key], str):
            raise ConfigError(f"{_at(where, f'.{key}')}: must be a string, got {show(table[key])}")
    kind = table.get("type")
    if kind is not None:
        kind = _choice(kind, semconv.DEPLOYMENT_TYPES, _at(where, ".type"))
    return Deployment(name=str(name), model=table.get("model"), type=kind, region=table.get("region"))


def _budget(item: Any, where: _Where | str) -> Budget:
    if isinstance(item, Budget):
        return item
    table = _table(item, ("name", "limit", "period", "match", "thresholds", "action"), ("name", "limit"), where)
    name = table["name"]
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{_at(where, '.name')}: must be a non-empty string, got {show(name)}")
    limit = _decimal(table["limit"], _at(where, ".limit"))
    if limit <= 0:
        raise ConfigError(
            f"{_at(where, '.limit')}: must be a positive amount in the currency, got {show(table['limit'])}"
        )
    period = _choice(table.get("period", "day"), PERIODS, _at(where, ".period"))
    action = _choice(table.get("action", "warn"), ACTIONS, _at(where, ".action"))
    match = check_tags(table.get("match", {}), _at(where, ".match"))
    thresholds = table.get("thresholds", (0.8, 1.0))
    if (
        not isinstance(thresholds, (list, tuple))
        or not thresholds
        or not all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 10 for t in thresholds)
    ):
        raise ConfigError(
            f"{_at(where, '.thresholds')}: must be a list of fractions of the limit like [0.8, 1.0], "
            f"got {show(thresholds)}"
        )
    return Budget(name=name, limit=limit, period=period, match=match, thresholds=tuple(thresholds), action=action)
