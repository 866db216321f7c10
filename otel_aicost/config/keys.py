"""The top-level config keys as one pydantic model (``extra="forbid"``), built on first use.

Every key is optional: a key not given keeps the default of ``Settings``. Each field runs one rule of ``rules``
(or, for ``[[prices]]``, ``[deployments.X]`` and ``[[budgets]]``, validates each table and names where in it the
problem is); the rules across keys (a currency other than USD needs ``usd_rate``; budget names are unique) are
the model's own. Errors come out of ``tables.validate`` as ``TableError`` with the key path (``prices[0].input``);
``settings`` adds where the key came from.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from otel_aicost.budgets.rules import Budget
from otel_aicost.config import models, rules
from otel_aicost.config.environment import CAPTURE_MODES, capture_mode
from otel_aicost.config.tables import TableError, validate
from otel_aicost.quoting import show

EXPORTERS = ("otlp", "azuremonitor", "file", "console", "none")
SUMMARY = ("off", "stderr")  # OTEL_AICOST_SUMMARY: a table of calls and spend at exit
STREAM_USAGE = ("auto", "off")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@functools.cache
def config_keys() -> Any:
    """The model of a whole config (file, variables and arguments merged): one field per top-level key."""
    from pydantic import BaseModel, ConfigDict, PlainValidator, model_validator

    def rule(check: Any) -> Any:
        return Annotated[Any, PlainValidator(check)]

    class ConfigKeys(BaseModel):
        model_config = ConfigDict(extra="forbid")

        currency: rule(_currency) = None
        usd_rate: rule(_usd_rate) = None
        stream_usage: rule(functools.partial(rules.choice, STREAM_USAGE)) = None
        metric_tags: rule(rules.tag_keys) = None
        metric_tag_cap: rule(_tag_cap) = None
        tags: models.tag_table() = None
        prices: rule(_prices) = None
        deployments: rule(_deployments) = None
        budgets: rule(_budgets) = None
        exporter: rule(functools.partial(rules.choice, EXPORTERS)) = None
        summary: rule(functools.partial(rules.choice, SUMMARY)) = None
        capture_content: rule(_capture_content) = None
        baggage_keys: rule(rules.tag_keys) = None
        propagate_baggage: rule(rules.flag) = None
        gateway_headers: rule(rules.switch) = None  # also from an environment variable, hence the words
        prices_file: rule(_prices_file) = None
        openinference: rule(rules.switch) = None

        @model_validator(mode="after")
        def _across_keys(self) -> Any:
            currency = self.currency or "USD"
            if currency == "USD":
                if self.usd_rate is not None:
                    self.usd_rate = Decimal(1)  # prices are USD: a rate left in the file for another currency
            elif self.usd_rate is None:
                problem = f"currency {currency} needs 'usd_rate' (1 USD in {currency}) in the config file"
                raise TableError("currency", problem)
            names = [budget.name for budget in self.budgets or ()]
            for index, name in enumerate(names):
                if name in names[:index]:
                    raise TableError(f"budgets[{index}].name", f"budget name {show(name)} is used twice")
            return self

    return ConfigKeys


def _currency(value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value.upper()):
        raise ValueError(f"must be an ISO 4217 code like 'EUR', got {show(value)}")
    return value.upper()


def _usd_rate(value: Any) -> Decimal:
    rate = rules.number(value)
    if rate <= 0:
        raise ValueError(f"must be a positive number, got {show(value)}")
    return rate


def _tag_cap(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"must be a whole number of at least 1, got {show(value)}")
    return value


def _capture_content(value: Any) -> str:
    mode = capture_mode(value)
    if mode is None:
        raise ValueError(f"must be true, false or one of {', '.join(CAPTURE_MODES)}, got {show(value)}")
    return mode


def _prices(value: Any) -> tuple[Any, ...]:
    """``[[prices]]``: each table typed by ``models.price_table``."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"must be a list of price tables ([[prices]]), got {type(value).__name__}")
    return tuple(_nested(models.price_table(), item, f"[{index}]") for index, item in enumerate(value))


def _deployments(value: Any) -> dict[str, Any]:
    """``[deployments.NAME]``: each table typed by ``models.deployment_table``."""
    if not isinstance(value, Mapping):
        raise ValueError("must be a table of deployment name -> settings")
    return {str(name): _nested(models.deployment_table(), item, str(name)) for name, item in value.items()}


def _nested(model: Any, item: Any, where: str) -> Any:
    try:
        return validate(model, item)
    except TableError as error:
        raise error.inside(where) from None


def _budgets(value: Any) -> tuple[Any, ...]:
    """``[[budgets]]``: each table by the rules of ``budgets.rules`` (the same for ``Budget(...)`` in code)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"must be a list of budgets ([[budgets]]), got {type(value).__name__}")
    budgets = []
    for index, item in enumerate(value):
        try:
            budgets.append(item if isinstance(item, Budget) else Budget.from_table(item))
        except TableError as error:
            raise error.inside(f"[{index}]") from None
    return tuple(budgets)


def _prices_file(value: Any) -> str:
    """A price catalog from ``otel-aicost prices import``, checked now so a bad one fails at setup."""
    from otel_aicost.cost.pricing import imported  # here: the pricing package imports config.settings

    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be the path of a file written by 'otel-aicost prices import'")
    try:
        imported.load(value)
    except imported.CatalogError as error:
        raise ValueError(str(error)) from None
    return value
