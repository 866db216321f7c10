"""The typed config tables of ``[[prices]]`` and ``[deployments.NAME]`` (pydantic, ``extra="forbid"``; see
``tables``). ``[[budgets]]`` tables are typed in ``budgets/rules.py``, beside ``Budget``. Each model is built on
first use, so pydantic is imported only by a process whose config has such a table.
"""

from __future__ import annotations

import functools
import math
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from otel_aicost import semconv
from otel_aicost.quoting import show

PRICE_RATES = (
    "input", "cached_input", "cache_write", "cache_write_12h", "output", "audio_input", "cached_audio_input",
    "audio_output", "image_input", "image_output",
)  # fmt: skip  USD per 1M tokens


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
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"must be a number, got {show(value)}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"must be a number, got {show(value)}") from None
    if not number.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"must be a finite number, got {show(value)}")
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
    if not isinstance(value, str) or value.lower() not in semconv.DEPLOYMENT_TYPES:
        raise ValueError(f"must be one of {', '.join(semconv.DEPLOYMENT_TYPES)}, got {show(value)}")
    return value.lower()
