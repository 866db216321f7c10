"""In-process budgets (SPEC section 7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

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


@dataclass(frozen=True)
class Budget:
    """A spending limit over a period for the calls whose allocation tags match ``match``."""

    name: str
    limit: Decimal | float | int | str
    period: str = "day"
    match: Mapping[str, str] | None = None
    thresholds: tuple[float, ...] = (0.8, 1.0)
    action: str = "warn"
    _limit: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"budget name must be a non-empty string, got {self.name!r}")
        try:
            limit = Decimal(str(self.limit))
        except Exception:
            raise ValueError(f"limit must be a number, got {self.limit!r}") from None
        if not limit.is_finite() or limit <= 0:
            raise ValueError(f"limit must be a positive number, got {self.limit!r}")
        object.__setattr__(self, "_limit", limit)
        object.__setattr__(self, "limit", limit)  # always a Decimal once built, whatever was passed
        if self.period not in PERIODS:
            raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {self.period!r}")
        if self.action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {self.action!r}")
        match: Any = self.match or {}
        if not isinstance(match, Mapping) or not all(isinstance(k, str) for k in match):
            raise ValueError(f"match must be a table of tag key -> value, got {self.match!r}")
        object.__setattr__(self, "match", {k: str(v) for k, v in match.items()})
        thresholds = tuple(self.thresholds)
        if not thresholds or not all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 10 for t in thresholds
        ):
            raise ValueError(f"thresholds must be fractions of the limit like 0.8, 1.0, got {self.thresholds!r}")
        object.__setattr__(self, "thresholds", tuple(sorted({float(t) for t in thresholds})))

    def __hash__(self) -> int:  # ``match`` is a dict, so the generated hash would fail
        match = self.match or {}
        return hash((self.name, self._limit, self.period, tuple(sorted(match.items())), self.thresholds, self.action))

    @property
    def limit_amount(self) -> Decimal:
        return self._limit
