"""Spend to the end of a period with an 80% interval, and the day each budget runs out.

``forecast_series(series, by=...)`` (``groups.py``) forecasts every group of an hourly series and every budget it
tracked; ``forecast_days(history, horizon)`` (``daily.py``) is the daily model underneath, measured by
``bench/backtest_forecast.py``. ``history.py`` turns one hourly series into sample paths (``paths.py``),
``budgets.py`` reads a budget's run-out day off them, ``horizon.py`` holds the days and amounts they share.
"""

from otel_aicost.finops.forecast.budgets import BudgetForecast
from otel_aicost.finops.forecast.daily import forecast_days
from otel_aicost.finops.forecast.groups import ForecastResult, GroupForecast, forecast_series
from otel_aicost.finops.forecast.paths import SamplePaths

__all__ = [
    "BudgetForecast",
    "ForecastResult",
    "GroupForecast",
    "SamplePaths",
    "forecast_days",
    "forecast_series",
]
