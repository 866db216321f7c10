"""The typed config tables of ``[[prices]]`` and ``[deployments.NAME]`` (pydantic, ``extra="forbid"``; see
``tables``), and the tag table type they share with ``[tags]`` and a budget's ``match``. ``[[budgets]]`` tables
are typed in ``budgets/rules.py``, beside ``Budget``; the top-level keys in ``keys.py``. Each model is built on
first use, so pydantic is imported only by a process that has a config.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from otel_aicost import semconv
from otel_aicost.config import rules
from otel_aicost.quoting import show

PRICE_RATES = (
    "input", "cached_input", "cache_write", "cache_write_12h", "output", "audio_input", "cached_audio_input",
    "audio_output", "image_input", "image_output",
)  # fmt: skip  USD per 1M tokens


def tag_table() -> Any:
    """The type of a table of tag key -> value (``[tags]``, a budget's ``match``): each key and value checked."""
    from pydantic import BeforeValidator, PlainValidator

    Key = Annotated[str, PlainValidator(rules.tag_key)]
    Value = Annotated[str, PlainValidator(rules.tag_value)]
    return Annotated[dict[Key, Value], BeforeValidator(rules.tag_table)]


@functools.cache
def price_table() -> Any:
    from pydantic import BaseModel, ConfigDict, PlainValidator

    Rate = Annotated[Decimal | None, PlainValidator(_rate)]
    When = Annotated[date | None, PlainValidator(_date)]

    class PriceTable(BaseModel):
        model_config = ConfigDict(extra="forbid")

        model: Annotated[str, PlainValidator(_model_name)]
        input: Annotated[Decimal, PlainValidator(_rate)]
        output: Annotated[Decimal, PlainValidator(_rate)]
        cached_input: Rate = None
        cache_write: Rate = None
        cache_write_12h: Rate = None
        audio_input: Rate = None
        cached_audio_input: Rate = None
        audio_output: Rate = None
        image_input: Rate = None
        image_output: Rate = None
        effective_from: When = None
        valid_until: When = None

    return PriceTable


@functools.cache
def deployment_table() -> Any:
    from pydantic import BaseModel, ConfigDict, PlainValidator

    class DeploymentTable(BaseModel):
        model_config = ConfigDict(extra="forbid")

        model: Annotated[str | None, PlainValidator(_string)] = None
        type: Annotated[str | None, PlainValidator(_deployment_type)] = None
        region: Annotated[str | None, PlainValidator(_string)] = None

    return DeploymentTable


def _model_name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a model name or glob, got {show(value)}")
    return value


def _rate(value: Any) -> Decimal:
    number = rules.number(value)
    if number < 0:
        raise ValueError(f"a price cannot be negative, got {show(value)}")
    return number


def _date(value: Any) -> date:
    if isinstance(value, datetime):  # TOML and YAML turn 2026-01-01T00:00:00 into a datetime
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, got {show(value)}") from None


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, got {show(value)}")
    return value


def _deployment_type(value: Any) -> str:
    return rules.choice(semconv.DEPLOYMENT_TYPES, value)
