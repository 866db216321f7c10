"""Backtest of ``otel_aicost.finops.forecast`` on synthetic daily spend with a known future.

    python bench/backtest_forecast.py [--series 300] [--seed 1] [--horizon 14]

Each series: a level (5-500 a day), a trend (-1%..+3% a day, compounding), a weekly pattern (weekend days at
20-80% of a weekday), log-normal day-to-day noise (sigma 0.05-0.3) and bursts (5% of days, 2-6x the day),
28-75 days of history, then ``--horizon`` days whose generated total is the truth. Per method: MAPE of the
horizon total (mean of |forecast - truth| / truth), its median, and how often the truth fell in the 80% interval
(methods without one show "-"). ``ets`` (statsmodels' damped Holt) runs too when statsmodels is installed. Baselines: ``naive`` (the last 7 days' mean per day), ``last day`` (the last
day repeated), ``straight line`` (least-squares line through the history, the old KQL query's method).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otel_aicost.finops.forecast import forecast_days


def synthetic(rng: random.Random, days: int) -> tuple[list[float], int]:
    level = math.exp(rng.uniform(math.log(5), math.log(500)))
    growth = rng.uniform(-0.01, 0.03)
    weekend = rng.uniform(0.2, 0.8)
    sigma = rng.uniform(0.05, 0.3)
    first_weekday = rng.randrange(7)
    values = []
    for d in range(days):
        weekday = (first_weekday + d) % 7
        day = level * (1 + growth) ** d * (weekend if weekday >= 5 else 1.0)
        day *= math.exp(rng.gauss(-sigma * sigma / 2, sigma))
        if rng.random() < 0.05:
            day *= rng.uniform(2, 6)
        values.append(day)
    return values, first_weekday


def naive(history, horizon, _weekday):
    return sum(history[-7:]) / 7 * horizon, None


def last_day(history, horizon, _weekday):
    return history[-1] * horizon, None


def straight_line(history, horizon, _weekday):
    n = len(history)
    mean_x, mean_y = (n - 1) / 2, sum(history) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(history)) / sum((x - mean_x) ** 2 for x in range(n))
    return sum(max(0.0, mean_y + slope * (n + d - mean_x)) for d in range(horizon)), None


def ours(method):
    def run(history, horizon, weekday):
        expected, low, high = forecast_days(history, horizon, first_weekday=weekday, method=method).total()
        return expected, (low, high)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--horizon", type=int, default=14)
    args = parser.parse_args()
    methods = {"simple": ours("simple")}
    try:
        import statsmodels  # noqa: F401

        methods["ets (statsmodels)"] = ours("ets")
    except ImportError:
        print("statsmodels is not installed: the ets comparison is skipped (pip install statsmodels)")
    methods |= {
        "naive (last 7 days' mean)": naive,
        "last day": last_day,
        "straight line": straight_line,
    }
    errors: dict[str, list[float]] = {name: [] for name in methods}
    covered: dict[str, int] = {name: 0 for name in methods}
    seconds: dict[str, float] = {name: 0.0 for name in methods}
    rng = random.Random(args.seed)
    for _ in range(args.series):
        history_days = rng.randrange(28, 76)
        values, weekday = synthetic(rng, history_days + args.horizon)
        history, truth = values[:history_days], sum(values[history_days:])
        for name, method in methods.items():
            started = time.process_time()
            expected, interval = method(history, args.horizon, weekday)
            seconds[name] += time.process_time() - started
            errors[name].append(abs(expected - truth) / truth)
            if interval is not None and interval[0] <= truth <= interval[1]:
                covered[name] += 1
    print(f"{args.series} series, horizon {args.horizon} days, seed {args.seed}")
    print(f"{'method':28} {'MAPE':>7} {'median APE':>11} {'80% interval holds':>19} {'CPU ms/series':>14}")
    for name in methods:
        has_interval = name in ("ets (statsmodels)", "simple")
        coverage = f"{covered[name] / args.series:.0%}" if has_interval else "-"
        print(
            f"{name:28} {statistics.mean(errors[name]):7.1%} {statistics.median(errors[name]):11.1%} "
            f"{coverage:>19} {seconds[name] * 1000 / args.series:14.1f}"
        )


if __name__ == "__main__":
    main()
