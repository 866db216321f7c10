"""In-process budgets (SPEC section 7): ``Budget`` and its rules, defined once for code and config files."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

from otel_aicost.config import models, rules
from otel_aicost.config.tables import TableError, validate
from otel_aicost.quoting import show

PERIODS = ("hour", "day", "month")
ACTIONS = ("warn", "block")


class BudgetExceeded(Exception):
    """Raised before a request is sent when a ``block`` budget would be exceeded by it."""

    def __init__(
        self,
        budget: str,
        spent: Decimal,
        estimate: Decimal,
        limit: Decimal,
        currency: str = "USD",
        reserved: Decimal = Decimal(0),
    ):
        self.budget, self.spent, self.estimate, self.limit, self.currency = budget, spent, estimate, limit, currency
        self.reserved = reserved  # estimates of calls of this budget still in flight
        in_flight = f" + {reserved} in flight" if reserved else ""
        super().__init__(
            f"budget '{budget}' would be exceeded: spent {spent}{in_flight} + this call ~{estimate}"
            f" > limit {limit} {currency}"
        )


BudgetError = TableError  # a bad budget: ``path`` in its table (``period``, ``match.team``) and the problem


@dataclass(frozen=True)
class Budget:
    """A spending limit over a period for the calls whose allocation tags match ``match``.

    Built in code (``Budget("search", 50, match={"team": "search"})``) or from a config file table: both go
    through ``budget_fields``, the one place the rules live. A bad budget raises ``BudgetError`` (a ValueError).
    """

    name: str
    limit: Decimal | float | int | str
    period: str = "day"
    match: Mapping[str, str] | None = None
    thresholds: tuple[float, ...] = (0.8, 1.0)
    action: str = "warn"
    _limit: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = {name: getattr(self, name) for name in FIELDS}
        for name, value in budget_fields(table).items():
            object.__setattr__(self, name, value)  # limit always a Decimal, match a dict, thresholds sorted
        object.__setattr__(self, "_limit", self.limit)

    def __hash__(self) -> int:  # ``match`` is a dict, so the generated hash would fail
        match = self.match or {}
        return hash((self.name, self._limit, self.period, tuple(sorted(match.items())), self.thresholds, self.action))

    @property
    def limit_amount(self) -> Decimal:
        return self._limit

    @classmethod
    def from_table(cls, table: Any) -> Budget:
        """A budget from a config file table (a mapping with the keys of ``FIELDS``; unknown keys are errors)."""
        return cls(**budget_fields(table))


FIELDS = ("name", "limit", "period", "match", "thresholds", "action")


def budget_fields(table: Any) -> dict[str, Any]:
    """The validated fields of a budget from a table (pydantic, ``extra="forbid"``). Raises ``BudgetError``."""
    model = validate(_model(), table)
    return {name: getattr(model, name) for name in FIELDS}


@functools.cache
def _model() -> Any:
    """The pydantic model of a budget table, built on first use (pydantic is imported then, not at start-up)."""
    from pydantic import BaseModel, ConfigDict, PlainValidator

    class BudgetTable(BaseModel):
        model_config = ConfigDict(extra="forbid")

        name: Annotated[str, PlainValidator(_name)]
        limit: Annotated[Decimal, PlainValidator(_limit)]
        period: Annotated[str, PlainValidator(functools.partial(rules.choice, PERIODS))] = "day"
        match: models.tag_table() = {}
        thresholds: Annotated[tuple[float, ...], PlainValidator(_thresholds)] = (0.8, 1.0)
        action: Annotated[str, PlainValidator(functools.partial(rules.choice, ACTIONS))] = "warn"

    return BudgetTable


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {show(value)}")
    return value


def _limit(value: Any) -> Decimal:
    limit = rules.number(value)
    if limit <= 0:
        raise ValueError(f"must be a positive amount in the currency, got {show(value)}")
    return limit


def _thresholds(value: Any) -> tuple[float, ...]:
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 10 for t in value)
    ):
        raise ValueError(f"must be a list of fractions of the limit like [0.8, 1.0], got {show(value)}")
    return tuple(sorted({float(t) for t in value}))
