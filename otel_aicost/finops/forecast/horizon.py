"""The forecast's days and amounts: the share of each day from the last call to ``--until`` still to come, the
end of a month, and money read off the paths (to 1e-6)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost.finops.time_slots import DAY_NS

MONEY_QUANTUM = Decimal("1e-6")


def money(value: float) -> Decimal:
    """A float amount of the paths as money."""
    return Decimal(repr(value)).quantize(MONEY_QUANTUM)


def money_of(value: Decimal) -> Decimal:
    return value.quantize(MONEY_QUANTUM)


def end_of_month(moment: datetime) -> datetime:
    """The first instant of the next UTC month."""
    return datetime(moment.year + (moment.month == 12), moment.month % 12 + 1, 1, tzinfo=timezone.utc)


def day_fractions(as_of_ns: int, until_ns: int) -> list[float]:
    """Per day from as_of's day to until: the share of it still to come."""
    out, day = [], as_of_ns - as_of_ns % DAY_NS
    while day < until_ns:
        start, end = max(day, as_of_ns), min(day + DAY_NS, until_ns)
        out.append(max(0, end - start) / DAY_NS)
        day += DAY_NS
    return out
