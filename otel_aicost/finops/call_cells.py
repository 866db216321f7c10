"""What the call table (``call_table.CallTable``) keeps per cell: the cell's layout, what tells cells apart, what
every output needs to know of a cell (``CellInfo``) and a report group's per-call columns (``Spread``).

A cell is one period (the finest an asked output needs: hour, day or the whole window) of one set of
*dimensions*: everything calls are told apart by (currency, pricing status, the FOCUS attributes, the report's and
the series' dimensions, models, tags, failed or not, usage source, how the deployment type is known, whether the
call has a cost). The dimensions are looked up once per call in a small dict that gives their id, and their
``CellInfo`` is made once per id; the cell itself is found by one integer, ``period start + dimensions id``.
Why: on a month of calls there are tens of thousands of cells (days x dimensions), and a key of a dozen freshly
decoded strings compared against a stored one cost a dozen cache misses per call; the dimensions are a few hundred
to a few thousand, so their dict stays in the cache, and the cell's key is one integer.
"""

from __future__ import annotations

import math
from array import array
from decimal import Decimal
from typing import TYPE_CHECKING

from otel_aicost import semconv
from otel_aicost.finops.report.figures import KNOWN_COST
from otel_aicost.finops.report.groups import TIME_DIMENSIONS
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS

if TYPE_CHECKING:
    from otel_aicost.finops.call_table import CallTable, Plan

WHOLE = 1 << 62  # a "period" longer than any start time: one cell per dimensions for the whole window
PERIODS = {"hour": HOUR_NS, "day": DAY_NS, "month": DAY_NS}  # the cell period a time dimension needs
ID_SPAN = HOUR_NS  # dimension ids stay below it, so ``key % ID_SPAN`` is the id and ``key - id`` the period

# The record attribute behind each dimension of ``report.groups`` (``model``: response model, else requested).
_DIMENSION_ATTRS = {
    "request_model": "request_model", "response_model": "response_model", "provider": "provider",
    "deployment": "deployment_name", "deployment_type": "deployment_type", "region": "region", "service": "service",
    "operation": "operation", "pricing_status": "pricing_status", "usage_source": "usage_source",
    "server": "server_address", "unit": "unit",
}  # fmt: skip
_FOCUS_ATTRS = ("provider", "server_address", "deployment_name", "region", "deployment_type")


def dimension_attrs(plan: Plan) -> tuple[str, ...]:
    """The record attributes a cell's calls share (with their tags and whether they have a cost)."""
    names = ["currency", "pricing_status", "response_model", "request_model", "is_error"]
    if plan.report:
        names += ["usage_source", "deployment_type_source"]  # the estimated and assumed shares
    if plan.focus:
        names += _FOCUS_ATTRS
    for dim in (*plan.by, *(plan.series_by or ())):
        attr = _DIMENSION_ATTRS.get(dim)
        if attr is not None and attr not in names:
            names.append(attr)
    return tuple(names)


def timed(plan: Plan) -> bool:
    """Whether a report group depends on the call's time (``--by day``): then each cell has its own dimensions."""
    return any(d in TIME_DIMENSIONS for d in plan.by)


# Cell layout: one list per cell, mutated in place.
(INFO, REQUESTS, INPUT, CACHED, CACHE_WRITE, OUTPUT, REASONING, COST, COST_INPUT, COST_CACHED, COST_WRITE,
 COST_OUTPUT, UNCACHED, CALLS_INPUT, CALLS_CACHED, CALLS_WRITE, CALLS_OUTPUT, FOCUS_REASONING, SAVINGS,
 SAVINGS_UNKNOWN, EXTRA) = range(21)  # fmt: skip
SUMS = range(REQUESTS, EXTRA)  # the slots merged by addition


def new_cell(info: CellInfo) -> list:
    zero = Decimal(0)
    # fmt: off
    return [info, 0, 0, 0, 0, 0, 0, zero, zero, zero, zero, zero, 0, 0, 0, 0, 0, 0, zero, 0, None]
    # fmt: on


class CellInfo:
    """What every output needs to know of a set of dimensions, worked out once when its first call arrives."""

    _KEPT = (
        "assumed", "budgets", "costed", "error", "estimated", "focus", "focus_priced", "group", "priced", "series",
        "spread", "status", "tags",
    )  # fmt: skip
    # The cell the last call of these dimensions went to and the start times it takes (``[since, until)``), and
    # the same of the hourly cell of their series group (``recent_hour``: ``[since, until, cell]``, one list shared
    # by the group's dimensions): the next call of the same period finds its cells with a comparison, not a
    # division and a dict lookup (real files come in time order). Only the filling table's: not pickled.
    __slots__ = (*_KEPT, "cell", "recent_hour", "since", "until")

    def __init__(self, table: CallTable, r) -> None:
        self.forget()
        plan = table.plan
        self.costed = r.cost is not None
        self.priced = self.costed and r.pricing_status in KNOWN_COST  # the report's and the series' "priced"
        self.status = r.pricing_status or (semconv.STATUS_PRICED if self.costed else semconv.STATUS_NO_USAGE)
        self.focus_priced = self.costed and self.status == semconv.STATUS_PRICED  # FOCUS rows carry the cost
        self.error = r.is_error
        self.estimated = r.usage_source == "estimated"
        self.assumed = r.deployment_type_source == "assumed"
        self.tags = tuple(r.tags.items())
        model = r.response_model or r.request_model
        self.focus = (  # FOCUS rows' dimensions, but for the tags (see ``call_views.focus_sums``)
            r.currency,
            r.provider or "",
            r.server_address or "",
            r.deployment_name or "",
            r.region or "",
            model or "",
            r.deployment_type or "",
        )
        self.group = table.report_key(r) if plan.report else None
        self.spread = table.spread(self.group) if plan.report else None
        self.series = None
        if plan.series_by is not None:
            key = (table.series_key(r), model or "(none)")
            self.series = table.series_ids.setdefault(key, len(table.series_ids))
            self.recent_hour = table.recent_hours.setdefault(self.series, [1, 0, None])
        tags = r.tags
        # (budget, currency) keys of ``table.budget_cost``: spend in each currency apart, never added together
        self.budgets = tuple(
            (b.name, r.currency) for b in plan.budgets if self.priced and all(tags.get(k) == v for k, v in b.match)
        )
        for key in self.budgets:
            table.budget_cost.setdefault(key, {})

    def forget(self) -> None:
        """No last cells (a call's start is never in ``[1, 0)``)."""
        self.since, self.until, self.cell = 1, 0, None
        self.recent_hour = [1, 0, None]

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self._KEPT)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self._KEPT, state):
            setattr(self, name, value)
        self.forget()


class Spread:
    """A report group's per-call columns (for percentiles, the correlation and the sums of durations), in call
    order. Durations are summed from these columns with ``math.fsum`` (``out_duration``, ``priced_duration``):
    correctly rounded, so the same whatever the order of the calls and the number of reader processes; a running
    float sum would change in its last digits with them."""

    __slots__ = ("costs", "durations", "out_tokens", "priced_durations")

    def __init__(self) -> None:
        self.costs = array("d")  # per priced call
        self.priced_durations = array("d")  # per priced call, aligned with costs
        self.durations = array("d")  # per successful call
        self.out_tokens = array("d")  # per successful call, aligned with durations

    def __getstate__(self) -> tuple:
        return self.costs, self.durations, self.out_tokens, self.priced_durations

    def __setstate__(self, state: tuple) -> None:
        self.costs, self.durations, self.out_tokens, self.priced_durations = state

    def merge(self, other: Spread) -> None:
        self.costs.extend(other.costs)
        self.durations.extend(other.durations)
        self.out_tokens.extend(other.out_tokens)
        self.priced_durations.extend(other.priced_durations)

    def out_duration(self) -> float:
        """Seconds of the successful calls that produced output."""
        return math.fsum(d for d, out in zip(self.durations, self.out_tokens) if out)

    def priced_duration(self) -> float:
        """Seconds of the priced calls."""
        return math.fsum(self.priced_durations)
