"""What the page shows beside the figures: the forecast to the end of the last call's month and the hourly
anomalies of the total, worked out once (``insights_of``) and shared with ``report --forecast --anomalies``."""

from __future__ import annotations

from decimal import Decimal

from otel_aicost.finops.anomalies import Anomaly, detect_series
from otel_aicost.finops.forecast import ForecastResult, forecast_series
from otel_aicost.finops.series import COST, HourlySeries

Insights = tuple  # (ForecastResult | None, list[Anomaly]): what the page shows beside the figures


def insights_of(
    series: HourlySeries,
    *,
    grouped: HourlySeries | None = None,
    by: list[str] | None = None,
) -> Insights:
    """What the page shows of ``series`` (the total per currency) beside the figures: the forecast to the end of
    the last call's month (per group of ``grouped``, kept ``by`` those keys, when given; the totals and the
    budgets are the same either way) and the hourly anomalies of the total in the main currency."""
    forecast = _forecast(grouped, by) if grouped is not None else _forecast(series)
    return forecast, _anomalies(series, main_currency(series))


def _forecast(series: HourlySeries, by: list[str] | None = None) -> ForecastResult | None:
    if series.last_ns is None:
        return None
    try:
        return forecast_series(series, by=by or [])
    except ValueError:
        return None


def _anomalies(series: HourlySeries, currency: str) -> list[Anomaly]:
    """Hourly anomalies of the total in ``currency``, most recent first, as ``otel-aicost anomalies`` lists them
    (the page numbers them in time order and marks them on the day they fall in when the chart shows days)."""
    return [a for a in detect_series(series, "hour") if a.group == (currency,)]


def main_currency(series: HourlySeries) -> str:
    spend: dict[str, Decimal] = {}
    for (_, group, _), cell in series.cells.items():
        spend[group[-1]] = spend.get(group[-1], Decimal(0)) + cell[COST]
    return max(spend, key=lambda c: spend[c]) if spend else "USD"
