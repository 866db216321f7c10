"""Forecast: known series (trend, weekly pattern, bursts) and budgets whose run-out day is worked out by hand."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from otel_aicost.finops.forecast import forecast_days, forecast_series
from otel_aicost.finops.records import CostRecord
from otel_aicost.finops.series import BudgetSpec
from otel_aicost.finops.time_slots import HOUR_NS
from tests.support.call_tables import series_of

NOV_1 = int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp()) * 10**9


def _series(days, level=100.0, growth=0.0, weekend=1.0, sigma=0.0, seed=0, first_weekday=0):
    rng = random.Random(seed)
    out = []
    for d in range(days):
        value = level * (1 + growth) ** d * (weekend if (first_weekday + d) % 7 >= 5 else 1.0)
        out.append(value * math.exp(rng.gauss(0, sigma)) if sigma else value)
    return out


def test_trend_and_weekly_pattern_are_carried_forward():
    history = _series(42, growth=0.01, weekend=0.3, sigma=0.05, seed=3)
    paths = forecast_days(history, 14, first_weekday=0)
    expected, low, high = paths.total()
    truth = sum(_series(56, growth=0.01, weekend=0.3)[42:])  # the noiseless future
    assert abs(expected - truth) / truth < 0.08
    assert low <= truth <= high  # how often a noisy truth falls inside: bench/backtest_forecast.py
    # the weekend days of the forecast are the low ones, as in the history
    weekdays = [(42 + d) % 7 for d in range(14)]
    weekend_mean = sum(m for m, w in zip(paths.mean, weekdays) if w >= 5) / 4
    weekday_mean = sum(m for m, w in zip(paths.mean, weekdays) if w < 5) / 10
    assert 0.2 < weekend_mean / weekday_mean < 0.45


def test_a_burst_lifts_the_mean_by_its_share_but_does_not_bend_the_trend():
    history = _series(42, sigma=0.05, seed=1)
    history[-3] = 2000.0  # one day of a batch backfill
    paths = forecast_days(history, 14)
    expected, low, high = paths.total()
    naive = sum(history[-7:]) / 7 * 14  # 5,000-odd: the burst taken as the new normal
    assert low < 1500 < high  # no burst in the next two weeks is well inside the interval
    assert expected < 0.5 * naive
    assert 1300 < expected < (1400 + 14 / 42 * 1900) * 1.1  # base + the burst's expected share, give or take 10%


def test_flat_history_gives_a_tight_interval_around_it():
    expected, low, high = forecast_days([50.0] * 30, 10).total()
    assert expected == pytest.approx(500.0) and low == pytest.approx(500.0) and high == pytest.approx(500.0)


def _record(start_ns, cost, tags):
    return CostRecord(
        start_ns=start_ns, duration_s=1.0, operation="chat", request_model="gpt-4o", cost=Decimal(cost), tags=tags
    )


def _records(start_ns, days, per_day, cost, **tags):
    for d in range(days):
        for i in range(per_day):
            yield _record(start_ns + d * 86_400 * 10**9 + (i * 24 // per_day) * HOUR_NS, cost, dict(tags))


def test_budgets_run_out_on_the_day_worked_out_by_hand():
    budgets = [
        BudgetSpec("search-month", Decimal(250), "month", (("team", "search"),)),  # 150 spent, 10 a day: Nov 25
        BudgetSpec("search-day-low", Decimal(9), "day", (("team", "search"),)),  # 10 a day: today, already
        BudgetSpec("search-day-high", Decimal(50), "day", (("team", "search"),)),  # never
        BudgetSpec("other-month", Decimal(1), "month", (("team", "other"),)),  # nothing matches
    ]
    series = series_of(_records(NOV_1, 15, 20, "0.5", team="search"), budgets=budgets)
    result = forecast_series(series, by=[])  # to the end of the last call's month
    assert result.until == datetime(2026, 12, 1, tzinfo=timezone.utc)
    (group,) = result.groups
    assert group.spent == Decimal(150)
    assert Decimal(290) <= group.low <= group.forecast <= group.high <= Decimal(310)
    found = {b.name: b for b in result.budgets}
    month = found["search-month"]
    assert month.spent == Decimal(150)
    assert month.exhausted_on == date(2026, 11, 25)
    assert Decimal(290) <= month.forecast <= Decimal(310)
    assert found["search-day-low"].exhausted_on == date(2026, 11, 15)
    assert found["search-day-high"].exhausted_on is None
    assert found["other-month"].spent == 0 and found["other-month"].exhausted_on is None


def test_until_must_be_after_the_data():
    series = series_of(_records(NOV_1, 3, 4, "1"))
    try:
        forecast_series(series, by=[], until=datetime(2026, 11, 2, tzinfo=timezone.utc))
    except ValueError as error:
        assert "not after the last call" in str(error)
    else:
        raise AssertionError("no error")


def _hourly(start_ns, hours, cost, **tags):
    return [_record(start_ns + h * HOUR_NS, cost, dict(tags)) for h in range(hours)]


def test_two_days_with_one_burst_give_groups_that_add_up_to_the_total():
    # Telemetry from Nov 14 12:00 to Nov 16 11:00 (48 hourly calls): team "chat" spends 0.10 every hour; team
    # "batch" made one call of 1.20 at Nov 16 09:00. Two days are too short for a trend: each group goes on at
    # its rate over the whole window seen (48 hours), from the last call (as_of, Nov 16 11:00) to Dec 1 00:00,
    # 349 hours: chat 4.80 + 349 * 0.10 = 39.70, batch 1.20 + 349 * 1.20 / 48 = 9.925, total 6.00 + 349 * 6.00 / 48
    # = 49.625. (Before the fix: batch's one hour was taken for a day's rate, 24 * 1.20 a day, and its forecast
    # came out several times the total's.)
    start = NOV_1 + 13 * 86_400 * 10**9 + 12 * HOUR_NS
    series = series_of(_hourly(start, 48, "0.10", team="chat") + _hourly(start + 45 * HOUR_NS, 1, "1.20", team="batch"),
                       by=["tag.team"])
    result = forecast_series(series, by=["tag.team"])
    found = {g.key["tag.team"]: g for g in result.groups}
    (total,) = result.totals
    assert total.forecast == pytest.approx(Decimal("49.625"), abs=Decimal("0.01"))
    assert found["chat"].forecast == pytest.approx(Decimal("39.70"), abs=Decimal("0.01"))
    assert found["batch"].forecast == pytest.approx(Decimal("9.925"), abs=Decimal("0.01"))
    for group in found.values():
        assert group.spent <= group.low <= group.forecast <= group.high
        assert group.forecast <= total.forecast
    assert sum(g.forecast for g in found.values()) == pytest.approx(total.forecast, abs=Decimal("0.00001"))


def test_groups_fitted_on_their_own_are_scaled_to_add_up_to_the_total():
    # Three weeks: "chat" 0.25 an hour (6 a day, flat), "batch" one 30.00 job on Nov 10. Fitted one by one (log
    # scale, the burst clipped and replayed), the parts' forecasts need not sum to the whole's: the total's stands
    # and the groups' spend to come is scaled to it. Oracle: the groups add up to the total to the micro-unit, none
    # is above it, and chat, flat and far the larger, is still about its rate times the 9 days left (6 * 9 = 54).
    chat = _hourly(NOV_1, 21 * 24, "0.25", team="chat")
    series = series_of(chat + _hourly(NOV_1 + 9 * 86_400 * 10**9 + 3 * HOUR_NS, 1, "30", team="batch"), by=["tag.team"])
    result = forecast_series(series, by=["tag.team"])
    found = {g.key["tag.team"]: g for g in result.groups}
    (total,) = result.totals
    assert sum(g.forecast for g in found.values()) == total.forecast
    for group in found.values():
        assert group.spent <= group.low <= group.forecast <= group.high
        assert group.forecast <= total.forecast
    assert found["chat"].forecast - found["chat"].spent == pytest.approx(Decimal(54), rel=Decimal("0.15"))
