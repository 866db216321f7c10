"""A budget threshold crossed by a call (``ThresholdCrossing``), and how it is reported (``emit``): a span event
``aicost.budget.threshold`` and a WARNING on the ``otel_aicost.budgets`` logger (SPEC section 7).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.safety import report_internal_error

_LOGGER = logging.getLogger(semconv.BUDGET_LOGGER)


@dataclass(frozen=True)
class ThresholdCrossing:
    """One budget threshold crossed by one call. Each fires once per budget per period."""

    budget: str
    threshold: float
    spent: Decimal
    limit: Decimal
    currency: str
    period: str
    period_start: datetime
    action: str

    @property
    def utilization(self) -> float:
        return float(self.spent / self.limit)

    def attributes(self) -> dict[str, Any]:
        """The attributes of the ``aicost.budget.threshold`` span event (and of the log record)."""
        return {
            semconv.BUDGET_NAME: self.budget,
            semconv.BUDGET_THRESHOLD: self.threshold,
            semconv.BUDGET_SPENT: float(self.spent),
            semconv.BUDGET_LIMIT: float(self.limit),
            semconv.BUDGET_UTILIZATION: self.utilization,
            semconv.CURRENCY: self.currency,
            semconv.BUDGET_PERIOD: self.period,
            semconv.BUDGET_PERIOD_START: self.period_start.isoformat(),
            semconv.BUDGET_ACTION: self.action,
        }


def emit(crossing: ThresholdCrossing, span: Any = None, logger: logging.Logger | None = None) -> None:
    """Report a crossing: span event ``aicost.budget.threshold`` and a WARNING on ``otel_aicost.budgets``.

    Never raises.
    """
    try:
        attributes = crossing.attributes()
        if span is not None and span.is_recording():
            span.add_event(semconv.BUDGET_THRESHOLD_EVENT, attributes)
        (logger or _LOGGER).warning(
            "budget '%s' reached %d%% of its %s limit: spent %s of %s %s (period from %s)",
            crossing.budget,
            round(crossing.threshold * 100),
            crossing.period,
            crossing.spent,
            crossing.limit,
            crossing.currency,
            crossing.period_start.isoformat(),
            extra=attributes,
        )
    except Exception:  # reporting must never break the user's call
        report_internal_error("budget threshold report")
