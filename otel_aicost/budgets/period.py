"""One budget's current period: its bounds (UTC hour, day or calendar month), the spend in it, the estimates of
calls in flight, and the thresholds already crossed. ``BudgetBook`` keeps one per budget, under its lock.

Periods only move forward: a clock that steps back keeps the current period; the spend of a new period starts
at zero (estimates of calls still in flight carry over).
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost.budgets.crossings import ThresholdCrossing
from otel_aicost.budgets.rules import Budget

_ZERO = Decimal(0)


def period_bounds(period: str, now: float) -> tuple[float, float]:
    """Start and end (epoch seconds) of the UTC hour, day or calendar month holding ``now``."""
    moment = datetime.fromtimestamp(now, timezone.utc)
    if period == "hour":
        start = moment.replace(minute=0, second=0, microsecond=0)
        return start.timestamp(), start.timestamp() + 3600
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return start.timestamp(), start.timestamp() + 86400
    start = start.replace(day=1)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start.timestamp(), end.timestamp()


class BudgetPeriod:
    """One budget in its current period: spend, estimates held, thresholds crossed. Only under the book's lock."""

    __slots__ = ("budget", "limit", "match", "blocks", "amounts", "next", "start", "end", "spent", "reserved", "fired")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.limit = budget.limit_amount
        self.match = tuple((budget.match or {}).items())
        self.blocks = budget.action == "block"
        self.amounts = tuple(Decimal(str(t)) * self.limit for t in budget.thresholds)  # ascending
        self.start = self.end = float("-inf")
        self.spent = _ZERO
        self.reserved = _ZERO  # estimates of calls in flight (block budgets only)
        self.fired = 0  # thresholds already crossed this period (they are sorted, spend only grows)
        self.next: Decimal | None = self.amounts[0]  # the amount of the next threshold, None when all fired

    def roll(self, now: float) -> None:
        if now >= self.end:
            self.start, self.end = period_bounds(self.budget.period, now)
            self.spent, self.fired, self.next = _ZERO, 0, self.amounts[0]

    def add(self, amount: Decimal, currency: str, crossings: list[ThresholdCrossing]) -> None:
        """Add a finished call's cost; append the thresholds it crossed (each fires once per period)."""
        self.spent += amount
        while self.next is not None and self.spent >= self.next:
            crossings.append(self._crossing(self.budget.thresholds[self.fired], currency))
            self.fired += 1
            self.next = self.amounts[self.fired] if self.fired < len(self.amounts) else None

    def _crossing(self, threshold: float, currency: str) -> ThresholdCrossing:
        budget = self.budget
        return ThresholdCrossing(
            budget=budget.name,
            threshold=threshold,
            spent=self.spent,
            limit=self.limit,
            currency=currency,
            period=budget.period,
            period_start=datetime.fromtimestamp(self.start, timezone.utc),
            action=budget.action,
        )
