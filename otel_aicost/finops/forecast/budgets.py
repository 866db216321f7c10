"""Per config budget: its spend in the current period, its forecast, and the day it is expected to run out.

A budget's limit is in the config's currency: only calls priced in that currency count. Spend of matching calls
in other currencies (the currency setting changed, or telemetry of several configs) is never added to it: it is
listed apart (``other_currencies``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from otel_aicost.finops.forecast.history import paths_of
from otel_aicost.finops.forecast.horizon import day_fractions, end_of_month, money
from otel_aicost.finops.forecast.paths import SamplePaths, quantile
from otel_aicost.finops.series import BudgetSpec
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS, moment, to_ns


@dataclass
class BudgetForecast:
    """A config budget: its current period's spend and forecast, and when it is expected to run out."""

    name: str
    period: str
    limit: Decimal
    currency: str
    spent: Decimal  # in the period that holds as_of
    forecast: Decimal  # at the end of that period (for ``hour`` budgets: the busiest hour forecast)
    exhausted_on: date | None  # median path; None: not before ``until``
    earliest: date | None  # 90th percentile path (one chance in ten it runs out this early)
    latest: date | None  # 10th percentile path
    other_currencies: dict[str, Decimal] = field(default_factory=dict)  # matching spend this period, not counted


def budget_forecast(
    spec: BudgetSpec,
    hourly: dict[int, Decimal],
    as_of_ns: int,
    until_ns: int,
    currency: str,
    window: tuple[int, int] | None = None,
) -> BudgetForecast:
    today = as_of_ns - as_of_ns % DAY_NS
    as_of = moment(as_of_ns)
    limit = spec.limit
    period_start, period_end = period_of(spec.period, as_of_ns, until_ns)
    spent = spent_in(hourly, period_start, as_of_ns)
    empty = BudgetForecast(spec.name, spec.period, limit, currency, spent, spent, None, None, None)
    if not hourly:
        return empty
    fractions = day_fractions(as_of_ns, max(until_ns, period_end))
    paths, _ = paths_of(hourly, today, len(fractions), window)
    if spec.period == "month":
        month_days = day_fractions(as_of_ns, period_end)
        expected, _, _ = paths.total(month_days)
        crossing = paths.crossing_day(float(limit - spent), month_days)
        forecast = spent + money(expected)
    else:
        # per day (or per busiest hour of a day): the first future period whose own spend passes the limit
        scale = 1.0 if spec.period == "day" else _peak_hour_share(hourly)
        already = float(spent) if spec.period == "day" else 0.0
        crossing = _first_period_over(paths, fractions, float(limit), scale, already)
        forecast = spent + money(paths.mean[0] * fractions[0] * scale) if paths.mean else spent
        if spec.period == "hour":
            forecast = money(max(paths.mean[:1] or [0.0]) * scale)
    dates = tuple(
        None if d is None else (datetime.fromtimestamp(today // 10**9, timezone.utc) + timedelta(days=d)).date()
        for d in crossing
    )
    if spent >= limit:
        dates = (as_of.date(),) * 3
    return BudgetForecast(spec.name, spec.period, limit, currency, spent, forecast, *dates)


def period_of(period: str, as_of_ns: int, until_ns: int) -> tuple[int, int]:
    """The ``[start, end)`` (ns) of the budget period that holds ``as_of``."""
    today = as_of_ns - as_of_ns % DAY_NS
    if period == "month":
        as_of = moment(as_of_ns)
        start = to_ns(datetime(as_of.year, as_of.month, 1, tzinfo=timezone.utc))
        return start, min(to_ns(end_of_month(as_of)), max(until_ns, as_of_ns + DAY_NS))
    if period == "day":
        return today, today + DAY_NS
    hour = as_of_ns - as_of_ns % HOUR_NS
    return hour, hour + HOUR_NS


def spent_in(hourly: dict[int, Decimal], start_ns: int, end_ns: int) -> Decimal:
    return sum((c for h, c in hourly.items() if start_ns <= h < end_ns), Decimal(0))


def _first_period_over(paths: SamplePaths, fractions, limit: float, scale: float, already: float) -> tuple:
    """Day index (median, early, late path) of the first day whose spend (or busiest hour: ``scale``) passes ``limit``.

    Today counts what was ``already`` spent plus the rest of the day still to come.
    """
    days = []
    for path in paths.paths:
        hit = math.inf
        for d, value in enumerate(path):
            amount = value * scale
            if d == 0 and already:
                amount = already + value * fractions[0]
            if amount >= limit:
                hit = d
                break
        days.append(hit)
    days.sort()
    return tuple(None if math.isinf(x) else int(x) for x in (quantile(days, q) for q in (0.5, 0.1, 0.9)))


def _peak_hour_share(hourly: dict[int, Decimal]) -> float:
    """The busiest hour of the day's share of a day's spend (from the history's hour-of-day profile)."""
    by_hour = [0.0] * 24
    for hour, cost in hourly.items():
        by_hour[(hour // HOUR_NS) % 24] += float(cost)
    total = sum(by_hour)
    return max(by_hour) / total if total else 1 / 24
