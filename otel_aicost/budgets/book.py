"""Spend per budget per period, kept in process (SPEC section 7).

The instrumentation calls, around every GenAI call::

    reservation = book.reserve(tags, estimate)      # before the request leaves; may raise BudgetExceeded
    try:
        response = send()
    except BaseException:
        book.release(reservation)                   # the call failed: it costs nothing here
        raise
    for crossing in book.settle(reservation, tags, cost):   # cost None when unpriced
        emit(crossing, span)                        # budgets/crossings.py

A ``block`` budget holds each call's estimate from ``reserve`` until ``settle``/``release``, so concurrent
calls see each other: the check is spent + estimates in flight + this estimate > limit, done and recorded
under one lock. While other calls are in flight, a call is also refused when spent + twice the estimates in
flight (its own included) is above the limit: estimates are estimates, and this headroom means calls in flight
together cannot take the spend past the limit unless one costs more than twice its estimate. Near the limit
calls therefore run one at a time, and the last one may finish above it: the promise is that a block budget
overshoots by at most one call's true cost.

All methods hold a plain ``threading.Lock`` for a few microseconds and never await or do I/O, so they are
safe from many threads and from coroutines of any number of event loops. Periods are UTC hours, days and
calendar months; the spend of a new period starts at zero (estimates of calls still in flight carry over,
and their cost counts in the period in which they finish). Periods only move forward: a clock that steps
back keeps the current period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.budgets.crossings import ThresholdCrossing
from otel_aicost.budgets.period import BudgetPeriod
from otel_aicost.budgets.rules import Budget, BudgetExceeded
from otel_aicost.instrumentation.safety import report_internal_error

_ZERO = Decimal(0)
HEADROOM = 2  # calls in flight together may each cost up to twice their estimate before the limit is at risk


class Reservation:
    """What ``reserve`` holds for one call; pass it to ``settle`` or ``release`` exactly once (more is harmless)."""

    __slots__ = ("_accounts", "_holds", "_open")

    def __init__(self, accounts: tuple[BudgetPeriod, ...], holds: tuple[tuple[BudgetPeriod, Decimal], ...]) -> None:
        self._accounts = accounts
        self._holds = holds
        self._open = True

    @property
    def budgets(self) -> tuple[Budget, ...]:
        return tuple(account.budget for account in self._accounts)


class BudgetBook:
    """Spend tracking and enforcement for a fixed set of budgets, in ``currency``."""

    def __init__(self, budgets: Sequence[Budget], currency: str = "USD", clock: Callable[[], float] = time.time):
        names = [budget.name for budget in budgets]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"budget names must be unique, repeated: {', '.join(duplicates)}")
        self.budgets = tuple(budgets)
        self.currency = currency
        self._clock = clock
        self._lock = threading.Lock()
        self._accounts = tuple(BudgetPeriod(budget) for budget in self.budgets)

    @classmethod
    def from_settings(cls, settings: Any, clock: Callable[[], float] = time.time) -> BudgetBook:
        """The book for ``Settings.budgets`` in ``Settings.currency``."""
        return cls(settings.budgets, settings.currency, clock)

    def __bool__(self) -> bool:
        return bool(self._accounts)

    def matching(self, tags: Mapping[str, str]) -> tuple[Budget, ...]:
        """The budgets a call with these allocation tags counts against."""
        return tuple(account.budget for account in self._match(tags))

    def _match(self, tags: Mapping[str, str]) -> tuple[BudgetPeriod, ...]:
        found = []
        for account in self._accounts:
            for key, value in account.match:
                if tags.get(key) != value:
                    break
            else:
                found.append(account)
        return tuple(found)

    def reserve(
        self, tags: Mapping[str, str], estimate: Decimal | Callable[[], Decimal | None] | None
    ) -> Reservation | None:
        """Check the call against its ``block`` budgets before it is sent, and hold its estimate.

        Raises ``BudgetExceeded`` (and holds nothing) when, for a matching block budget, spent + estimates in
        flight + ``estimate`` is above the limit, the limit is already used up, or other calls are in flight and
        spent + ``HEADROOM`` x (estimates in flight + ``estimate``) is above the limit. Returns None when no budget
        matches. ``estimate`` None (no estimate possible) counts as zero. ``estimate`` may be a function: it is
        called (outside the lock) only when a block budget matches, so calls that no block budget watches never
        pay for counting tokens; if it raises, the estimate counts as zero.
        """
        if not self._accounts:
            return None
        accounts = self._match(tags)
        if not accounts:
            return None
        blocking = [account for account in accounts if account.blocks]
        if not blocking:
            return Reservation(accounts, ())
        if callable(estimate):
            try:
                estimate = estimate()
            except Exception:  # a failed estimate must not fail the user's call: it counts as zero
                report_internal_error("budget estimate")
                estimate = None
        amount = _amount(estimate)
        holds: list[tuple[BudgetPeriod, Decimal]] = []
        now = self._clock()
        with self._lock:
            for account in blocking:
                account.roll(now)
                committed = account.spent + account.reserved
                crowded = account.reserved > 0 and (
                    account.spent + HEADROOM * (account.reserved + amount) > account.limit
                )
                if committed + amount > account.limit or committed >= account.limit or crowded:
                    raise BudgetExceeded(
                        account.budget.name, account.spent, amount, account.limit, self.currency, account.reserved
                    )
                holds.append((account, amount))
            for account, held in holds:
                account.reserved += held
        return Reservation(accounts, tuple(holds))

    def settle(
        self, reservation: Reservation | None, tags: Mapping[str, str], cost: Decimal | None
    ) -> list[ThresholdCrossing]:
        """Record a finished call: add ``cost`` to its budgets, drop its hold, return the thresholds it crossed.

        The budgets are those matched at ``reserve`` time, or matched by ``tags`` when ``reservation`` is None.
        ``cost`` None (unpriced) adds nothing. Never raises.
        """
        if reservation is None and not self._accounts:
            return []
        try:
            accounts = self._match(tags) if reservation is None else reservation._accounts
            amount = None if cost is None else _amount(cost)
            crossings: list[ThresholdCrossing] = []
            now = self._clock()
            with self._lock:
                if reservation is not None:
                    if not reservation._open:
                        return []
                    _unhold(reservation)
                if amount is None:
                    return []
                for account in accounts:
                    account.roll(now)
                    account.add(amount, self.currency, crossings)
            return crossings
        except Exception:  # bookkeeping must never break the user's call
            report_internal_error("budget settle")
            return []

    def release(self, reservation: Reservation | None) -> None:
        """Drop the hold of a call that failed (it adds no spend). Never raises."""
        if reservation is None:
            return
        try:
            with self._lock:
                if reservation._open:
                    _unhold(reservation)
        except Exception:
            report_internal_error("budget release")

    def spent(self) -> dict[str, Decimal]:
        """Spend of the current period per budget name."""
        return {account.budget.name: spent for account, spent in self._current()}

    def utilization(self) -> dict[str, float]:
        """Spend of the current period / limit, per budget name (what the gauge reports)."""
        return {account.budget.name: float(spent / account.limit) for account, spent in self._current()}

    def _current(self) -> list[tuple[BudgetPeriod, Decimal]]:
        now = self._clock()
        with self._lock:
            return [(a, a.spent if now < a.end else _ZERO) for a in self._accounts]

    def register_gauge(self, meter: Any) -> Any:
        """Create the ``aicost.budget.utilization`` observable gauge (one point per budget) on ``meter``."""
        from opentelemetry.metrics import Observation

        def observe(_options: Any) -> Iterable[Observation]:
            try:
                return [Observation(value, {semconv.BUDGET_NAME: name}) for name, value in self.utilization().items()]
            except Exception:
                report_internal_error("budget gauge")
                return []

        return meter.create_observable_gauge(
            semconv.BUDGET_UTILIZATION,
            callbacks=[observe],
            unit="1",
            description="Spend of the current period as a fraction of the budget's limit",
        )


def _unhold(reservation: Reservation) -> None:
    """Give back the estimates a reservation holds (lock held by the caller)."""
    reservation._open = False
    for account, held in reservation._holds:
        account.reserved -= held


def _amount(value: Decimal | float | int | str | None) -> Decimal:
    """A usable non-negative amount; anything else (None, NaN, negative, junk) counts as zero."""
    if value.__class__ is Decimal and value.is_finite() and value >= 0:  # type: ignore[union-attr]
        return value  # type: ignore[return-value]
    if value is None:
        return _ZERO
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except Exception:
            return _ZERO
    if not value.is_finite() or value < 0:
        return _ZERO
    return value
