"""Daily spend to sample paths: ``forecast_days(history, horizon) -> SamplePaths``.

It takes complete days of spend (oldest first) and returns ``SamplePaths`` (``paths.py``):
``PATHS`` simulated futures, one value per day, from which the expected total, its 10th-90th percentile range and
the day a cumulative limit is crossed are read off. How the paths are made:

1. **Weekly seasonality**: per weekday, the median ratio of a day to the centred 7-day median around it (needs two
   weeks; with less, all weekdays weigh the same).
2. **Bursts**: on the deseasonalised series, a day above its local median by more than ``BURST_MADS`` robust
   deviations is a burst; it is clipped to that bound for fitting, and its excess is kept. Bursts are then
   replayed in the future at their observed rate, with excesses drawn from the observed ones, so they widen the
   interval and lift the mean by what they cost on average, without bending the trend.
3. **Level and trend** of the clipped series, in log space (spend grows in proportion to itself): a local level
   (mean of the last week) with a Theil-Sen slope over the last four weeks (``simple``, the default). Holt's
   damped trend from ``statsmodels`` (``ets``, when installed) is the comparison: in the backtest it is no more
   accurate (MAPE 17.7% against 17.6%, 300 series), its 80% interval holds less often (65% against 77%) and it
   costs six times the CPU, so the package does not depend on it. The spread of the paths comes from
   the one-day-ahead errors of the fit, drawn with replacement: each day gets one, and the share of it the level
   keeps (the smoothing weight) carries into the following days, so uncertainty grows with the horizon.

``bench/backtest_forecast.py`` measures both against naive baselines on synthetic series with a known answer.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

from otel_aicost.finops.forecast.paths import SamplePaths

PATHS = 400
BURST_MADS = 5.0
MAD_SCALE = 1.4826  # a normal distribution's standard deviation, from its median absolute deviation
TREND_DAYS = 28
DAMPING = 0.98
# Fitted errors understate what the future does (the model is fitted to the very days it is judged on); the
# backtest (bench/backtest_forecast.py, seeds other than the one used to pick it) shows the 80% interval holding
# about 80% of the time with this widening.
INTERVAL_SCALE = 1.6


def forecast_days(
    history: Sequence[float],
    horizon: int,
    *,
    first_weekday: int = 0,
    method: str = "auto",
    seed: int = 0,
) -> SamplePaths:
    """Future daily spends for ``horizon`` days after ``history`` (complete days, oldest first).

    ``first_weekday``: weekday (Monday = 0) of ``history[0]``. ``method``: ``auto``, ``ets`` or ``simple``.
    """
    rng = random.Random(seed)
    values = [max(0.0, float(v)) for v in history]
    if horizon <= 0:
        return SamplePaths([[]], "none")
    if not values or not any(values):
        return SamplePaths([[0.0] * horizon], "none")
    factors = weekday_factors(values, first_weekday)
    deseason = [v / factors[(first_weekday + i) % 7] for i, v in enumerate(values)]
    clipped, excesses = clip_bursts(deseason)
    # Spend grows and varies in proportion to itself: fit the logarithm (floor keeps empty days finite).
    positive = [v for v in clipped if v > 0]
    floor = 0.01 * statistics.median(positive)
    logs = [math.log(v + floor) for v in clipped]
    if method == "auto":
        method = "simple"
    if method == "ets":
        means, errors, carry = _ets(logs, horizon)
    elif method == "simple":
        means, errors, carry = _simple(logs, horizon)
    else:
        raise ValueError(f"unknown forecast method {method!r}")
    errors = [INTERVAL_SCALE * e for e in errors]
    slope_error = INTERVAL_SCALE * _slope_standard_error(logs[-TREND_DAYS:])
    # The level itself is an estimate: its error is shared by every day of a path.
    level_error = statistics.pstdev(errors) * math.sqrt(carry / (2 - carry)) if len(errors) > 1 else 0.0
    # Drawn in log space, errors would lift the mean (a log-normal's mean exceeds its median): take that back.
    noise_lift = math.log(sum(math.exp(e) for e in errors) / len(errors)) if errors else 0.0
    step_lift = math.log(sum(math.exp(carry * e) for e in errors) / len(errors)) if errors else 0.0
    burst_rate = len(excesses) / len(values)
    # Per day, what is the same on every path: the day's number (1, 2...), its trend correction, its weekday factor.
    # The loop below runs PATHS x horizon times per group: it draws from ``rng`` in the same order with the same
    # arithmetic as the plain formula (``tilt * (d + 1) - (slope_error * (d + 1)) ** 2 / 2``), only not redone.
    days = [(d + 1, (slope_error * (d + 1)) ** 2 / 2, means[d], factors[(first_weekday + len(values) + d) % 7])
            for d in range(horizon)]  # fmt: skip
    draw = rng.choice if errors else _no_error
    uniform, gauss, exp = rng.random, rng.gauss, math.exp
    paths = []
    for _ in range(PATHS):
        path = []
        tilt = gauss(0.0, slope_error)
        shift = gauss(0.0, level_error) - level_error**2 / 2
        for step, correction, mean, factor in days:
            noise = draw(errors) - noise_lift
            trend = tilt * step - correction
            day = max(0.0, exp(mean + shift + noise + trend) - floor)
            shift += carry * draw(errors) - step_lift
            if excesses and uniform() < burst_rate:
                day += rng.choice(excesses)
            path.append(day * factor)
        paths.append(path)
    return SamplePaths(paths, method)


def _no_error(_errors: Sequence[float]) -> float:
    return 0.0


def weekday_factors(values: Sequence[float], first_weekday: int) -> list[float]:
    """Per weekday (Monday = 0), how a day compares with the week around it; 1.0 each without two full weeks."""
    if len(values) < 14:
        return [1.0] * 7
    ratios: list[list[float]] = [[] for _ in range(7)]
    for i in range(3, len(values) - 3):
        local = statistics.median(values[i - 3 : i + 4])
        if local > 0:
            ratios[(first_weekday + i) % 7].append(values[i] / local)
    factors = [statistics.median(r) if r else 1.0 for r in ratios]
    mean = sum(factors) / 7
    if mean <= 0:
        return [1.0] * 7
    return [max(f / mean, 1e-3) for f in factors]


def clip_bursts(values: Sequence[float]) -> tuple[list[float], list[float]]:
    """(values with bursts clipped to their bound, the clipped-off excesses). Local median and MAD over 15 days."""
    clipped, excesses = [], []
    for i, v in enumerate(values):
        window = values[max(0, i - 7) : i + 8]
        middle = statistics.median(window)
        spread = MAD_SCALE * statistics.median(abs(x - middle) for x in window)
        bound = middle + BURST_MADS * max(spread, 0.05 * middle)
        if len(window) >= 7 and v > bound:
            clipped.append(bound)
            excesses.append(v - bound)
        else:
            clipped.append(v)
    return clipped, excesses


def _simple(values: list[float], horizon: int) -> tuple[list[float], list[float], float]:
    """Local level (last week's mean) and Theil-Sen slope over the last four weeks; one-day-ahead errors."""
    recent = values[-TREND_DAYS:]
    slope = _theil_sen(recent)
    level_days = min(7, len(values))
    level = sum(values[-level_days:]) / level_days + slope * (level_days - 1) / 2
    means = [level + slope * (d + 1) for d in range(horizon)]
    errors = []
    for i in range(level_days + 1, len(values)):
        past = values[i - level_days : i]
        errors.append(values[i] - (sum(past) / level_days + slope * (level_days + 1) / 2))
    return means, _centred(errors), 1 / level_days


def _slope_standard_error(values: Sequence[float]) -> float:
    """Standard error of a least-squares slope through ``values`` (how unsure the trend is)."""
    n = len(values)
    if n < 4:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in range(n))
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / sxx
    residual = sum((y - mean_y - slope * (x - mean_x)) ** 2 for x, y in enumerate(values)) / (n - 2)
    return math.sqrt(residual / sxx)


def _theil_sen(values: Sequence[float]) -> float:
    slopes = [(values[j] - values[i]) / (j - i) for i in range(len(values)) for j in range(i + 1, len(values))]
    return statistics.median(slopes) if slopes else 0.0


def _ets(values: list[float], horizon: int) -> tuple[list[float], list[float], float]:
    import warnings

    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short or flat series
        fit = ExponentialSmoothing(values, trend="add", damped_trend=True, initialization_method="estimated").fit(
            damping_trend=DAMPING
        )
    means = [float(x) for x in fit.forecast(horizon)]
    alpha = float(fit.params.get("smoothing_level", 0.5))
    # Each day's error moves the level by alpha times itself: that part carries into the days after.
    return means, _centred([float(e) for e in fit.resid[1:]]), alpha


def _centred(errors: list[float]) -> list[float]:
    if not errors:
        return []
    mean = sum(errors) / len(errors)
    return [e - mean for e in errors]
