"""Hourly spend series per group and model: what ``forecast`` and ``anomalies`` read.

``HourlySeries`` (made by ``call_table.CallTable.series()``) holds, per hour, per group (the ``--by`` key) and per
model, what the spend identity needs,

    spend = requests x tokens per request x price per token,

that is: calls, failed calls, priced calls, and over priced calls the input, cached input and output tokens, the
exact cost (``Decimal``) and its input, cached input and output components. Per budget of the config it keeps the
hourly cost of the calls the budget matches. A month of hourly cells for a few hundred groups and models fits in a few MB.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS

# Cell layout: one list per (hour, group, model), mutated in place (cheaper than an object per cell).
REQUESTS, ERRORS, PRICED, INPUT, CACHED, OUTPUT, COST, COST_INPUT, COST_CACHED, COST_OUTPUT = range(10)


NEVER = 1 << 80  # later than any start time


def new_cell() -> list:
    return [0, 0, 0, 0, 0, 0, Decimal(0), Decimal(0), Decimal(0), Decimal(0)]


def add_cells(mine: list, other: list) -> None:
    for index, value in enumerate(other):
        mine[index] += value


@dataclass(frozen=True)
class BudgetSpec:
    """What the series needs of a config budget (picklable for the reader's worker processes)."""

    name: str
    limit: Decimal
    period: str
    match: tuple[tuple[str, str], ...]
    currency: str = "USD"  # the config's: the limit is in it, and only calls priced in it count

    @classmethod
    def of(cls, budget, currency: str = "USD") -> BudgetSpec:  # an ``otel_aicost`` ``Budget``
        match = tuple(sorted((budget.match or {}).items()))
        return cls(budget.name, Decimal(budget.limit), budget.period, match, currency)


class SeenWindow:
    """The start (ns) of the first and the last call a sink has taken, kept in ``first_seen`` / ``last_seen``
    (``NEVER`` / -1 before the first) by the sink's own hot path; shared here: their views and their merge."""

    first_seen: int
    last_seen: int

    @property
    def first_ns(self) -> int | None:
        return None if self.first_seen == NEVER else self.first_seen

    @property
    def last_ns(self) -> int | None:
        return None if self.last_seen < 0 else self.last_seen

    def merge_seen(self, other: SeenWindow) -> None:
        self.first_seen = min(self.first_seen, other.first_seen)
        self.last_seen = max(self.last_seen, other.last_seen)


class HourlySeries(SeenWindow):
    """Hourly cells per (group key, model) and hourly cost per budget, as ``CallTable.series()`` rolls them up."""

    def __init__(
        self,
        by: Sequence[str] = (),
        *,
        budgets: Sequence[BudgetSpec] = (),
        since_ns: int | None = None,
        until_ns: int | None = None,
    ) -> None:
        self.by = list(by)  # the report's dimensions (``report.groups.parse_by``); the key ends with the currency
        self.budgets = tuple(budgets)
        self.since_ns, self.until_ns = since_ns, until_ns
        self.cells: dict[tuple[int, tuple, str], list] = {}  # (hour, group key, model) -> cell
        self.budget_cost: dict[tuple[str, str], dict[int, Decimal]] = {}  # (budget, currency) -> hour -> cost
        self.first_seen, self.last_seen = NEVER, -1  # start of the first and last call (ns)

    # --- views -------------------------------------------------------------------------------------------------

    def periods(self, period_ns: int = HOUR_NS) -> dict[tuple, dict[int, dict[str, list]]]:
        """group -> period start -> model -> cell (periods without calls are absent)."""
        out: dict[tuple, dict[int, dict[str, list]]] = {}
        for (hour, group, model), cell in self.cells.items():
            models = out.setdefault(group, {}).setdefault(hour - hour % period_ns, {})
            mine = models.get(model)
            if mine is None:
                models[model] = list(cell)
            else:
                add_cells(mine, cell)
        return out


def daily_totals(hourly: dict[int, Decimal] | Iterable[tuple[int, Decimal]]) -> dict[int, Decimal]:
    """hour start -> cost  ==>  day start (UTC) -> cost."""
    items = hourly.items() if isinstance(hourly, dict) else hourly
    out: dict[int, Decimal] = {}
    for hour, cost in items:
        day = hour - hour % DAY_NS
        out[day] = out.get(day, 0) + cost
    return out
