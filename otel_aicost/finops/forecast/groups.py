"""Spend to the end of a period per group and per budget, from the hourly series: ``forecast_series``.

Every group's hourly cost (and the total's, per currency) becomes sample paths (``history.paths_of``; a short
history gives every group its rate over one window, so they add up). With a longer history each series is fitted
on its own (log scale, bursts clipped), and separate forecasts of the parts need not sum to the forecast of the
whole: **groups are reconciled to the total**. The total's series is the steadier one, so its forecast stands, and
each group's forecast spend from now on is scaled by the same factor (total's / sum of the groups') per currency:
the groups keep their own shares, trends and bursts, and add up to the total, none above it. Their 80% intervals
are scaled alike (intervals themselves never add up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from otel_aicost.finops.forecast.budgets import BudgetForecast, budget_forecast, period_of, spent_in
from otel_aicost.finops.forecast.history import paths_of
from otel_aicost.finops.forecast.horizon import day_fractions, end_of_month, money, money_of
from otel_aicost.finops.series import COST, HourlySeries
from otel_aicost.finops.time_slots import DAY_NS, moment, to_ns

MAX_HORIZON = timedelta(days=5 * 366)  # the farthest --until: five years after the last call


@dataclass
class GroupForecast:
    """One group: what it spent from ``since`` to the last call seen (``as_of``), and what it will have by ``until``."""

    key: dict[str, str]
    currency: str
    spent: Decimal
    forecast: Decimal  # spent + expected spend from as_of to until
    low: Decimal  # 80% interval: 10th percentile
    high: Decimal  # 90th percentile
    history_days: int
    method: str
    daily: list[Decimal] = field(default_factory=list)  # expected spend per day from as_of's day on
    bands: dict[str, list[float]] = field(default_factory=dict)  # SamplePaths.bands: 80% ranges per day


@dataclass
class ForecastResult:
    since: datetime
    until: datetime
    as_of: datetime
    groups: list[GroupForecast]
    totals: list[GroupForecast]  # one per currency
    budgets: list[BudgetForecast]


def forecast_series(
    series: HourlySeries,
    *,
    by: Sequence[str],
    until: datetime | None = None,
    since: datetime | None = None,
) -> ForecastResult:
    """Forecast every group of ``series`` and every budget it tracked to ``until``.

    ``until`` defaults to the end of the last call's month (UTC): this month for telemetry that is up to date, and
    the same answer whenever it is run (``report --forecast`` and the HTML page use the same default).
    """
    if series.last_ns is None:
        raise ValueError("no priced GenAI calls to forecast from")
    as_of_ns = series.last_ns + 1
    as_of = moment(as_of_ns)
    if until is None:
        until = end_of_month(as_of)
    if until <= as_of:
        raise ValueError(f"--until {until.isoformat()} is not after the last call seen ({as_of.isoformat()})")
    if until - as_of > MAX_HORIZON:  # a typo (9999-12-31) would simulate millions of days for minutes
        raise ValueError(
            f"--until {until.isoformat()} is more than {MAX_HORIZON.days} days after the last call seen "
            f"({as_of.isoformat()}): forecast a nearer date"
        )
    if since is not None and since > as_of:  # nothing spent in the window, yet a forecast from calls outside it
        raise ValueError(f"--since {since.isoformat()} is not before the last call seen ({as_of.isoformat()})")
    since = since or datetime(as_of.year, as_of.month, 1, tzinfo=timezone.utc)
    since_ns, until_ns = to_ns(since), to_ns(until)
    per_group: dict[tuple, dict[int, Decimal]] = {}
    per_currency: dict[str, dict[int, Decimal]] = {}
    for (hour, key, _model), cell in series.cells.items():
        cost = cell[COST]
        if cost:
            hourly = per_group.setdefault(key, {})
            hourly[hour] = hourly.get(hour, 0) + cost
            total = per_currency.setdefault(key[-1], {})
            total[hour] = total.get(hour, 0) + cost
    hours = [hour for hourly in per_currency.values() for hour in hourly]
    window = (min(hours), max(hours)) if hours else None  # the hours the telemetry covers, the same for every group
    horizon = _Horizon(since_ns, as_of_ns, until_ns, window)
    groups = [horizon.group(dict(zip(by, key[:-1])), key[-1], hourly) for key, hourly in per_group.items()]
    totals = [horizon.group({}, currency, hourly) for currency, hourly in sorted(per_currency.items())]
    _reconcile(groups, totals)
    groups.sort(key=lambda g: (-g.forecast, tuple(g.key.values())))
    budgets = []
    for spec in series.budgets:  # the limit is in the config's currency: other currencies' spend only listed
        budget = budget_forecast(
            spec, series.budget_cost.get((spec.name, spec.currency), {}), as_of_ns, until_ns, spec.currency, window
        )
        start_ns, _end = period_of(spec.period, as_of_ns, until_ns)
        for (name, currency), hourly in sorted(series.budget_cost.items()):
            if name == spec.name and currency != spec.currency:
                budget.other_currencies[currency] = spent_in(hourly, start_ns, as_of_ns)
        budgets.append(budget)
    return ForecastResult(since, until, as_of, groups, totals, budgets)


@dataclass
class _Horizon:
    since_ns: int
    as_of_ns: int
    until_ns: int
    window: tuple[int, int] | None = None

    def group(self, key: dict[str, str], currency: str, hourly: dict[int, Decimal]) -> GroupForecast:
        spent = sum((c for h, c in hourly.items() if self.since_ns <= h < self.as_of_ns), Decimal(0))
        fractions = day_fractions(self.as_of_ns, self.until_ns)
        paths, days = paths_of(hourly, self.as_of_ns - self.as_of_ns % DAY_NS, len(fractions), self.window)
        expected, low, high = paths.total(fractions)
        return GroupForecast(
            key=key,
            currency=currency,
            spent=spent,
            forecast=spent + money(expected),
            low=spent + money(low),
            high=spent + money(high),
            history_days=days,
            method=paths.method,
            daily=[money(m * f) for m, f in zip(paths.mean, fractions)],
            bands=paths.bands(fractions),
        )


def _reconcile(groups: list[GroupForecast], totals: list[GroupForecast]) -> None:
    """Scale each group's spend to come so that, per currency, the groups add up to the total (module docstring)."""
    for total in totals:
        members = [g for g in groups if g.currency == total.currency]
        to_come = sum((g.forecast - g.spent for g in members), Decimal(0))
        if not members or not to_come:
            continue
        factor = (total.forecast - total.spent) / to_come
        for g in members:
            g.forecast = g.spent + money_of(factor * (g.forecast - g.spent))
            g.low = g.spent + money_of(factor * (g.low - g.spent))
            g.high = g.spent + money_of(factor * (g.high - g.spent))
            g.daily = [money_of(factor * d) for d in g.daily]
            g.bands = {name: [float(factor) * v for v in values] for name, values in g.bands.items()}
        # the rounding left over goes to the largest group, so the sum is the total to the last digit
        largest = max(members, key=lambda g: g.forecast)
        largest.forecast += total.forecast - sum((g.forecast for g in members), Decimal(0))
