"""Every call read once into one table of sums that every output is derived from: ``CallTable(Plan(...))``.

``report``, the HTML page, ``forecast``, ``anomalies``, FOCUS rows and the cost by tag all sum the same calls by
different keys. Feeding one sink per output did each call's work four times; the table does it once. Per call
(``call_fill.adder``, the hot path) it:

* finds the call's *cell*: its period (the finest an asked output needs: hour, day or the whole window) and its
  dimensions, everything calls are told apart by (``call_cells``: currency, service, provider, models, deployment,
  region, server, operation, pricing status, usage source, unit, failed or not, whether it has a cost, its tags).
  Each set of dimensions gets a small id and, once, what every output needs to know of it (``CellInfo``: the
  report group, the FOCUS status, the budgets it counts for); its calls then just add their tokens, cost and cost
  components;
* keeps beside it what cannot be summed: the cost and latency columns of the report's percentiles (per report
  group, ``Spread``), and, for a call whose cost components do not add up to its cost, the FOCUS rows'
  correction (``EXTRA``);
* adds to the hourly cell of its series group and model (``hourly``), which the forecast and the anomalies read:
  cells of every dimension per hour would be one per call on a busy month.

Outputs roll the cells up (``call_views``): ``report_groups()``, ``series()``, ``focus_sums()``, ``tag_costs()``,
each the object the output's renderer already takes. The table is a scan sink (``add``, ``merge``) for worker
processes; what it sends back to the parent is its cells keyed by integers and one ``CellInfo`` per dimensions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from otel_aicost.finops import call_views, cell_pickle
from otel_aicost.finops.call_cells import EXTRA, ID_SPAN, INFO, PERIODS, SUMS, WHOLE, CellInfo, Spread
from otel_aicost.finops.call_fill import adder
from otel_aicost.finops.focus.sums import FocusSums
from otel_aicost.finops.report import figures as report_figures
from otel_aicost.finops.report.figures import ReportGroups, TagCosts
from otel_aicost.finops.report.groups import TIME_DIMENSIONS, key_function
from otel_aicost.finops.series import NEVER, BudgetSpec, HourlySeries, SeenWindow

__all__ = ["CallTable", "Plan"]


@dataclass(frozen=True)
class Plan:
    """What the read must produce (picklable, for the reader's worker processes).

    ``by``: the report's groups (``report.groups.parse_by``); ``report``: keep the report's figures; ``sample``:
    keep the latency scatter's sample (the HTML page); ``series_by``: keep the hourly series per these groups
    and model (forecast, anomalies, the HTML page), ``None`` for none; ``budgets``: their hourly spend;
    ``focus``: FOCUS rows' charge period (``hour``/``day``), ``None`` for none; ``since_ns``/``until_ns``: the
    window, ``[since, until)``.
    """

    by: tuple[str, ...] = ()
    report: bool = True
    sample: bool = False
    series_by: tuple[str, ...] | None = None
    budgets: tuple[BudgetSpec, ...] = ()
    focus: str | None = None
    since_ns: int | None = None
    until_ns: int | None = None

    @property
    def period_ns(self) -> int:
        """The cells' period: the finest a time dimension of the report or the FOCUS charge period needs."""
        needs = [PERIODS[d] for d in (*self.by, *(self.series_by or ())) if d in PERIODS]
        if self.focus:
            needs.append(PERIODS[self.focus])
        return min(needs, default=WHOLE)


class CallTable(SeenWindow):
    """Scan sink: every call once into its cell (see the module's docstring); outputs are views of the cells."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.dims_ids: dict[tuple, int] = {}  # dimensions -> id (``call_cells``)
        self.infos: list[CellInfo] = []  # id -> what the outputs need to know of those dimensions
        self.cells: dict[int, list] = {}  # period start + dimensions id -> ``call_cells`` layout
        self.hourly: dict[int, list] = {}  # hour start + series id -> series.new_cell() layout
        self.series_ids: dict[tuple, int] = {}  # (series group key, model) -> id
        self.spreads: dict[tuple, Spread] = {}  # report group key -> its per-call columns
        self.budget_cost: dict[tuple[str, str], dict[int, Decimal]] = {}  # (budget, call currency) -> hour -> cost
        self.samples: list[tuple[float, int, float, tuple]] = []
        self.sample_state = [0, 1, 1.0]  # see ``latency_sample.take``
        self.filtered_out = 0
        self.first_seen, self.last_seen = NEVER, -1
        self._transient()

    def _transient(self) -> None:
        plan = self.plan
        self.report_key = key_function(list(plan.by))
        self.series_key = key_function([d for d in plan.series_by or () if d not in TIME_DIMENSIONS])
        self._random = random.Random(0)
        self.recent_hours: dict[int, list] = {}  # series id -> the last hour its calls went to (``CellInfo``)
        self.add = adder(self)

    def __getstate__(self) -> dict:
        transient = ("report_key", "series_key", "_random", "recent_hours", "add", "cells", "hourly")
        state = {k: v for k, v in self.__dict__.items() if k not in transient}
        state["packed_cells"] = cell_pickle.pack(self.cells, self.hourly)  # a worker's table to the parent
        return state

    def __setstate__(self, state: dict) -> None:
        packed = state.pop("packed_cells")
        self.__dict__.update(state)
        self.cells, self.hourly = cell_pickle.unpack(packed, self.infos)
        self._transient()

    def spread(self, group: tuple) -> Spread:
        found = self.spreads.get(group)
        if found is None:
            found = self.spreads[group] = Spread()
        return found

    def new_dims(self, dims: tuple, r) -> int:
        """The id of ``dims``, first seen on call ``r`` (``call_fill`` asks only for dimensions it has not seen)."""
        dims_id = len(self.infos)
        if dims_id >= ID_SPAN:  # pragma: no cover - 3.6e12 distinct dimensions do not fit in memory anyway
            raise OverflowError("too many distinct call dimensions")
        self.infos.append(CellInfo(self, r))
        self.dims_ids[dims] = dims_id
        return dims_id

    # --- merging worker tables --------------------------------------------------------------------------------

    def merge(self, other: CallTable) -> None:
        for group, spread in other.spreads.items():
            mine = self.spreads.get(group)
            if mine is None:
                self.spreads[group] = spread
            else:
                mine.merge(spread)
        ids = self._adopt_dims(other)
        infos = self.infos
        for key, cell in other.cells.items():
            their_id = key % ID_SPAN
            my_id = ids[their_id]
            key += my_id - their_id
            mine = self.cells.get(key)
            if mine is None:
                cell[INFO] = infos[my_id]
                self.cells[key] = cell
                continue
            for slot in SUMS:
                mine[slot] += cell[slot]
            if cell[EXTRA]:
                _merge_extra(mine, cell[EXTRA])
        series_ids = [self._series_id(other, i) for i in range(len(other.series_ids))]
        for slot, cell in other.hourly.items():
            their_id = slot % ID_SPAN
            slot += series_ids[their_id] - their_id
            mine = self.hourly.get(slot)
            if mine is None:
                self.hourly[slot] = cell
            else:
                for index, value in enumerate(cell):
                    mine[index] += value
        for name, costs in other.budget_cost.items():
            mine_costs = self.budget_cost.setdefault(name, {})
            for hour, cost in costs.items():
                mine_costs[hour] = mine_costs.get(hour, 0) + cost
        # Merge two uniform samples into one, keeping each side in proportion to what it saw.
        total = self.seen + other.seen
        if total:
            size = report_figures.SAMPLE_SIZE
            take_mine = round(size * self.seen / total)
            rng = random.Random(total)
            mine_points = rng.sample(self.samples, min(take_mine, len(self.samples)))
            theirs = rng.sample(other.samples, min(size - len(mine_points), len(other.samples)))
            self.samples[:] = mine_points + theirs
        self.sample_state[0] = total
        self.filtered_out += other.filtered_out
        self.merge_seen(other)

    def _adopt_dims(self, other: CallTable) -> list[int]:
        """My id of each of ``other``'s dimensions (their index), taking over the info of those new to me."""
        ids = [0] * len(other.infos)
        for dims, their_id in other.dims_ids.items():
            my_id = self.dims_ids.get(dims)
            if my_id is None:
                my_id = self.dims_ids[dims] = len(self.infos)
                info = other.infos[their_id]
                info.forget()  # its last cells may be merged into mine below
                if info.spread is not None:
                    info.spread = self.spreads[info.group]
                if info.series is not None:
                    info.series = self._series_id(other, info.series)
                self.infos.append(info)
            ids[their_id] = my_id
        return ids

    @property
    def seen(self) -> int:
        """Successful calls offered to the latency sample."""
        return self.sample_state[0]

    def _series_id(self, other: CallTable, their_id: int) -> int:
        if not hasattr(other, "_id_keys"):
            other._id_keys = {i: k for k, i in other.series_ids.items()}
        key = other._id_keys[their_id]
        return self.series_ids.setdefault(key, len(self.series_ids))

    # --- views (``call_views``) -----------------------------------------------------------------------------------

    def tag_keys(self) -> set[str]:
        """Every tag key a call in the window carries."""
        return call_views.tag_keys(self)

    def report_groups(self) -> ReportGroups:
        """The report's groups, as ``report.figures.ReportGroups`` holds them (``report_from`` takes it)."""
        return call_views.report_groups(self)

    def series(self, by: list[str] | None = None) -> HourlySeries:
        """The hourly series per group and model (``series.HourlySeries``), grouped ``by`` (default: the plan's
        ``series_by``; any coarser grouping of it, ``[]`` for the total per currency)."""
        return call_views.series(self, by)

    def tag_costs(self) -> TagCosts:
        """Cost per set of tags (``report.figures.TagCosts``: the HTML page's cost by tag)."""
        return call_views.tag_costs(self)

    def focus_sums(self) -> FocusSums:
        """FOCUS rows' sums per charge period, dimensions and token type (``focus.sums.FocusSums``)."""
        return call_views.focus_sums(self)


def _merge_extra(cell: list, other: dict) -> None:
    extra = cell[EXTRA]
    if extra is None:
        extra = cell[EXTRA] = {}
    for kind, values in other.items():
        mine = extra.setdefault(kind, [0, Decimal(0), 0, 0])
        for index in range(4):
            mine[index] += values[index]
