"""Sample paths of one hourly cost series (a group's or a budget's): ``paths_of(hourly, today, horizon, window)``.

With enough complete days, the daily model (``daily.forecast_days``). Otherwise:

- **Short history, level only**: with fewer than ``SHORT_HISTORY_DAYS`` complete days seen, there is no telling a
  trend (or a weekday) from noise, and a fit on 1-6 points extrapolates one day's jump over the whole month.
  Every group then goes on at its average rate over the *whole window the telemetry covers* (from the first call of
  any group to the last one, hour by hour, quiet hours counting as zero): a group that made one 1.20 call in two
  days is forecast 0.60 a day, not 1.20 an hour. The paths draw each future day's hours from the hours seen, so
  the interval shows how bursty the spend was. Rates over one window add up, so groups add up to the total.
"""

from __future__ import annotations

import random
from decimal import Decimal

from otel_aicost.finops.forecast.daily import PATHS, forecast_days
from otel_aicost.finops.forecast.paths import SamplePaths
from otel_aicost.finops.series import daily_totals
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS

SHORT_HISTORY_DAYS = 7  # below: level only (see the module docstring); the backtest's series all have 28+ days


def paths_of(
    hourly: dict[int, Decimal], today: int, horizon: int, window: tuple[int, int] | None = None
) -> tuple[SamplePaths, int]:
    """Paths from the complete days before ``today`` (from the series' first full day).

    ``window``: (first, last) hour start the telemetry covers, for every group alike; with fewer than
    ``SHORT_HISTORY_DAYS`` complete days in it, the paths are the level-only ones of ``level_paths``.
    """
    first_hour, last_hour = window or (min(hourly), max(hourly))
    first_day = first_hour - first_hour % DAY_NS
    if first_hour % DAY_NS > HOUR_NS:  # the first day is partial: it would look like a drop
        first_day += DAY_NS
    complete_days = max(0, (today - first_day) // DAY_NS)
    if complete_days < SHORT_HISTORY_DAYS:
        return _levelpaths_of(hourly, first_hour, last_hour, horizon), complete_days
    daily = daily_totals(hourly)
    first = min(daily)
    if min(hourly) % DAY_NS > HOUR_NS:  # the group's first day is partial: it would look like a drop
        first += DAY_NS
    history = [float(daily.get(day, 0)) for day in range(first, today, DAY_NS)]
    if not history:  # a group new today: its rate over the last week of the window, as for a short history
        return _levelpaths_of(hourly, max(first_hour, today - SHORT_HISTORY_DAYS * DAY_NS), last_hour, horizon), 0
    weekday = (first // DAY_NS + 3) % 7  # 1970-01-01 was a Thursday
    return forecast_days(history, horizon, first_weekday=weekday), len(history)


def _levelpaths_of(hourly: dict[int, Decimal], first_hour: int, last_hour: int, horizon: int) -> SamplePaths:
    """Short history: each future day is 24 hours drawn from the hours of the window (quiet ones as zero).

    Expected spend per day: 24 times the mean hour, the rate over the whole window; no trend, no weekday.
    """
    seen = [float(hourly.get(hour, 0)) for hour in range(first_hour, last_hour + HOUR_NS, HOUR_NS)]
    if len(set(seen)) == 1:  # one value: nothing to draw
        return SamplePaths([[24 * seen[0]] * horizon], "level")
    rng = random.Random(0)
    paths = []
    for _ in range(PATHS):
        hours = rng.choices(seen, k=24 * horizon)
        paths.append([sum(hours[24 * d : 24 * d + 24]) for d in range(horizon)])
    # Each day's mean made exactly the rate: a rare burst hour would otherwise move it with the draw.
    rate = 24 * sum(seen) / len(seen)
    for d in range(horizon):
        drawn = sum(path[d] for path in paths) / PATHS
        for path in paths:
            path[d] *= rate / drawn if drawn else 1.0
    return SamplePaths(paths, "level")
