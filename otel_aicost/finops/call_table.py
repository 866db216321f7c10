"""Every call read once into one table of sums that every output is derived from: ``CallTable(Plan(...))``.

``report``, the HTML page, ``forecast``, ``anomalies``, FOCUS rows and the cost by tag all sum the same calls by
different keys. Feeding one sink per output did each call's work four times; the table does it once. Per call it:

* finds the call's *cell*: its period (the finest an asked output needs: hour, day or the whole window) and
  everything calls are told apart by (currency, service, provider, models, deployment, region, server, operation,
  pricing status, usage source, unit, failed or not, whether it has a cost, its tags). A cell is made once, with
  what every output needs to know of it (``CellInfo``: the report group, the FOCUS status, the budgets it counts
  for); its calls then just add their tokens, cost and cost components;
* keeps beside it what cannot be summed: the cost and latency columns of the report's percentiles (per report
  group, ``Spread``), and, for a call whose cost components do not add up to its cost, the FOCUS rows'
  correction (``EXTRA``);
* adds to the hourly cell of its series group and model (``hourly``), which the forecast and the anomalies read:
  cells of every dimension per hour would be one per call on a busy month.

Outputs roll the cells up: ``report_groups()``, ``series()``, ``focus_sums()``, ``tag_costs()``, each the
object the output's renderer already takes. The table is a scan sink (``add``, ``merge``) for worker processes.
"""

from __future__ import annotations

import json
import math
import random
from array import array
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from otel_aicost import semconv
from otel_aicost.finops.focus.columns import (
    TOKEN_CACHE_WRITE,
    TOKEN_CACHED,
    TOKEN_INPUT,
    TOKEN_OUTPUT,
    TOKEN_UNSPECIFIED,
    UNIT_KINDS,
)
from otel_aicost.finops.focus.sums import FocusSums
from otel_aicost.finops.report import figures as report_figures
from otel_aicost.finops.report.figures import KNOWN_COST, SAVINGS_QUANTUM, GroupSums, ReportGroups, TagCosts
from otel_aicost.finops.report.groups import TIME_DIMENSIONS, key_function
from otel_aicost.finops.series import CACHED as S_CACHED
from otel_aicost.finops.series import COST as S_COST
from otel_aicost.finops.series import COST_CACHED as S_COST_CACHED
from otel_aicost.finops.series import COST_INPUT as S_COST_INPUT
from otel_aicost.finops.series import COST_OUTPUT as S_COST_OUTPUT
from otel_aicost.finops.series import ERRORS as S_ERRORS
from otel_aicost.finops.series import INPUT as S_INPUT
from otel_aicost.finops.series import NEVER, BudgetSpec, HourlySeries, SeenWindow, new_cell
from otel_aicost.finops.series import OUTPUT as S_OUTPUT
from otel_aicost.finops.series import PRICED as S_PRICED
from otel_aicost.finops.series import REQUESTS as S_REQUESTS
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS

WHOLE = 1 << 62  # a "period" longer than any start time: one cell per dimensions for the whole window
_PERIODS = {"hour": HOUR_NS, "day": DAY_NS, "month": DAY_NS}  # the cell period a time dimension needs

# The record attribute behind each dimension of ``report.groups`` (``model``: response model, else requested).
_DIMENSION_ATTRS = {
    "request_model": "request_model", "response_model": "response_model", "provider": "provider",
    "deployment": "deployment_name", "deployment_type": "deployment_type", "region": "region", "service": "service",
    "operation": "operation", "pricing_status": "pricing_status", "usage_source": "usage_source",
    "server": "server_address", "unit": "unit",
}  # fmt: skip
_FOCUS_ATTRS = ("provider", "server_address", "deployment_name", "region", "deployment_type")


def _key_attrs(plan: Plan) -> tuple[str, ...]:
    """The record attributes a cell's calls share (beyond model, tags, failed or not and cost known or not)."""
    names = ["currency", "pricing_status"]
    if plan.focus:
        names += _FOCUS_ATTRS
    for dim in (*plan.by, *(plan.series_by or ())):
        attr = _DIMENSION_ATTRS.get(dim)
        if attr is not None and attr not in names:
            names.append(attr)
    return tuple(names)


# Cell layout: one list per cell, mutated in place.
(INFO, REQUESTS, INPUT, CACHED, CACHE_WRITE, OUTPUT, REASONING, COST, COST_INPUT, COST_CACHED, COST_WRITE,
 COST_OUTPUT, UNCACHED, CALLS_INPUT, CALLS_CACHED, CALLS_WRITE, CALLS_OUTPUT, FOCUS_REASONING, SAVINGS,
 SAVINGS_UNKNOWN, EXTRA) = range(21)  # fmt: skip
_SUMS = range(REQUESTS, EXTRA)  # the slots merged by addition


def _new_cell(info: CellInfo) -> list:
    zero = Decimal(0)
    # fmt: off
    return [info, 0, 0, 0, 0, 0, 0, zero, zero, zero, zero, zero, 0, 0, 0, 0, 0, 0, zero, 0, None]
    # fmt: on


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
        needs = [_PERIODS[d] for d in (*self.by, *(self.series_by or ())) if d in _PERIODS]
        if self.focus:
            needs.append(_PERIODS[self.focus])
        return min(needs, default=WHOLE)


class CellInfo:
    """What every output needs to know of a cell, worked out once when its first call arrives."""

    __slots__ = (
        "assumed", "budgets", "costed", "error", "estimated", "focus", "focus_priced", "group", "priced", "series",
        "spread", "status", "tags",
    )  # fmt: skip

    def __init__(self, table: CallTable, r) -> None:
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
        self.focus = (  # FOCUS rows' dimensions, but for the tags (see ``focus_sums``)
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
        tags = r.tags
        self.budgets = tuple(b.name for b in plan.budgets if self.priced and all(tags.get(k) == v for k, v in b.match))

    def __getstate__(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple) -> None:
        for name, value in zip(self.__slots__, state):
            setattr(self, name, value)


class Spread:
    """A report group's per-call columns (for percentiles and the correlation) and float sums, in call order."""

    __slots__ = ("costs", "durations", "out_duration", "out_tokens", "priced_duration")

    def __init__(self) -> None:
        self.costs = array("d")  # per priced call
        self.durations = array("d")  # per successful call
        self.out_tokens = array("d")  # per successful call, aligned with durations
        self.priced_duration = self.out_duration = 0.0

    def __getstate__(self) -> tuple:
        return self.costs, self.durations, self.out_tokens, self.priced_duration, self.out_duration

    def __setstate__(self, state: tuple) -> None:
        self.costs, self.durations, self.out_tokens, self.priced_duration, self.out_duration = state

    def merge(self, other: Spread) -> None:
        self.costs.extend(other.costs)
        self.durations.extend(other.durations)
        self.out_tokens.extend(other.out_tokens)
        self.priced_duration += other.priced_duration
        self.out_duration += other.out_duration


class CallTable(SeenWindow):
    """Scan sink: every call once into its cell (see the module's docstring); outputs are views of the cells."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cells: dict[tuple, list] = {}
        self.hourly: dict[tuple[int, int], list] = {}  # (hour, series id) -> series.new_cell() layout
        self.series_ids: dict[tuple, int] = {}  # (series group key, model) -> id
        self.spreads: dict[tuple, Spread] = {}  # report group key -> its per-call columns
        self.budget_cost: dict[str, dict[int, Decimal]] = {b.name: {} for b in plan.budgets}
        self.samples: list[tuple[float, int, float, tuple]] = []
        self.sample_state = [0, 1, 1.0]  # see ``_take``
        self.filtered_out = 0
        self.first_seen, self.last_seen = NEVER, -1
        self._transient()

    def _transient(self) -> None:
        plan = self.plan
        self.report_key = key_function(list(plan.by))
        self.series_key = key_function([d for d in plan.series_by or () if d not in TIME_DIMENSIONS])
        self._random = random.Random(0)
        self.add = self._adder()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("report_key", "series_key", "_random", "add")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._transient()

    def spread(self, group: tuple) -> Spread:
        found = self.spreads.get(group)
        if found is None:
            found = self.spreads[group] = Spread()
        return found

    # --- the hot path: once per call --------------------------------------------------------------------------

    def _adder(self):
        plan = self.plan
        cells, hourly, budget_cost = self.cells, self.hourly, self.budget_cost
        attrs = attrgetter(*_key_attrs(plan))
        period = plan.period_ns
        since, until = plan.since_ns, plan.until_ns
        windowed = since is not None or until is not None
        since = -1 if since is None else since
        until = NEVER if until is None else until
        report = plan.report
        unit_dim = "unit" in plan.by  # the ``unit`` of a call without one depends on its tokens
        series = plan.series_by is not None
        focus = plan.focus is not None
        sampling = plan.sample
        state = self.sample_state  # [successful calls seen, the count at which the next one is taken, W]
        table = self
        zero = Decimal(0)

        def add(r) -> None:
            start = r.start_ns
            if windowed and (start < since or start >= until):
                table.filtered_out += 1
                return
            cost = r.cost
            if not report:
                key = (start - start % period, attrs(r), r.response_model or r.request_model, tuple(r.tags.items()),
                       cost is None, r.is_error)  # fmt: skip
            elif unit_dim:
                key = (start - start % period, attrs(r), r.response_model or r.request_model, tuple(r.tags.items()),
                       cost is None, r.is_error, r.usage_source == "estimated", r.deployment_type_source == "assumed",
                       r.unit, r.input_tokens > 0 or r.output_tokens > 0)  # fmt: skip
            else:
                key = (start - start % period, attrs(r), r.response_model or r.request_model, tuple(r.tags.items()),
                       cost is None, r.is_error, r.usage_source == "estimated",
                       r.deployment_type_source == "assumed")  # fmt: skip
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = _new_cell(CellInfo(table, r))
            info = cell[INFO]
            inp, cached, write, out = r.input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens
            cell[REQUESTS] += 1
            cell[INPUT] += inp
            cell[CACHED] += cached
            cell[CACHE_WRITE] += write
            cell[OUTPUT] += out
            cell[REASONING] += r.reasoning_tokens
            if info.costed:
                cell[COST] += cost
                c_in, c_cached, c_out = r.cost_input, r.cost_cache_read, r.cost_output
            if report:
                spread = info.spread
                if info.error:
                    pass
                else:
                    duration = r.duration_s
                    spread.durations.append(duration)
                    spread.out_tokens.append(out)
                    if out:
                        spread.out_duration += duration
                    if sampling:
                        state[0] += 1
                        if state[0] >= state[1]:
                            _take(table, (duration, out, float(cost or 0), info.group))
                if info.priced:
                    spread.costs.append(float(cost))
                    spread.priced_duration += r.duration_s
                    if cached:
                        uncached = inp - cached - write
                        if uncached > 0 and c_in is not None and c_cached is not None:
                            cell[SAVINGS] += (c_in * cached / uncached - c_cached).quantize(SAVINGS_QUANTUM)
                        else:
                            cell[SAVINGS_UNKNOWN] += 1
            if info.budgets:
                hour = start - start % HOUR_NS
                for name in info.budgets:
                    costs = budget_cost[name]
                    costs[hour] = costs.get(hour, 0) + cost
            if series:  # the series' first and last call: the forecast's "as of", the anomalies' end
                if start > table.last_seen:  # noqa: PLR1730 - max() costs a call per call read
                    table.last_seen = start
                if start < table.first_seen:  # noqa: PLR1730
                    table.first_seen = start
                slot = (start - start % HOUR_NS, info.series)
                hour_cell = hourly.get(slot)
                if hour_cell is None:
                    hour_cell = hourly[slot] = new_cell()
                hour_cell[S_REQUESTS] += 1
                if info.error:
                    hour_cell[S_ERRORS] += 1
                if info.priced:
                    hour_cell[S_PRICED] += 1
                    hour_cell[S_INPUT] += inp
                    hour_cell[S_CACHED] += cached
                    hour_cell[S_OUTPUT] += out
                    hour_cell[S_COST] += cost
                    if c_in is not None:
                        hour_cell[S_COST_INPUT] += c_in
                    if c_cached is not None:
                        hour_cell[S_COST_CACHED] += c_cached
                    if c_out is not None:
                        hour_cell[S_COST_OUTPUT] += c_out
            if focus:
                uncached = inp - cached - write
                if uncached > 0:
                    cell[UNCACHED] += uncached
                if info.focus_priced:
                    c_write = r.cost_cache_write
                    parts = zero
                    if c_in is not None:
                        cell[COST_INPUT] += c_in
                        parts += c_in
                        if uncached > 0 or c_in:
                            cell[CALLS_INPUT] += 1
                    elif uncached > 0:
                        cell[CALLS_INPUT] += 1
                    if c_cached is not None:
                        cell[COST_CACHED] += c_cached
                        parts += c_cached
                        if cached or c_cached:
                            cell[CALLS_CACHED] += 1
                    elif cached:
                        cell[CALLS_CACHED] += 1
                    if c_write is not None:
                        cell[COST_WRITE] += c_write
                        parts += c_write
                        if write or c_write:
                            cell[CALLS_WRITE] += 1
                    elif write:
                        cell[CALLS_WRITE] += 1
                    if c_out is not None:
                        cell[COST_OUTPUT] += c_out
                        parts += c_out
                        if out or c_out:
                            cell[CALLS_OUTPUT] += 1
                            cell[FOCUS_REASONING] += r.reasoning_tokens
                    elif out:
                        cell[CALLS_OUTPUT] += 1
                        cell[FOCUS_REASONING] += r.reasoning_tokens
                    if parts != cost or r.unit_quantity is not None or r.tool_calls:
                        _focus_extra(cell, r, cost - parts)
                else:
                    if uncached > 0:
                        cell[CALLS_INPUT] += 1
                    if cached:
                        cell[CALLS_CACHED] += 1
                    if write:
                        cell[CALLS_WRITE] += 1
                    if out:
                        cell[CALLS_OUTPUT] += 1
                        cell[FOCUS_REASONING] += r.reasoning_tokens
                    if r.unit_quantity is not None or r.tool_calls:
                        _focus_extra(cell, r, None)

        return add

    # --- merging worker tables --------------------------------------------------------------------------------

    def merge(self, other: CallTable) -> None:
        for group, spread in other.spreads.items():
            mine = self.spreads.get(group)
            if mine is None:
                self.spreads[group] = spread
            else:
                mine.merge(spread)
        for key, cell in other.cells.items():
            mine = self.cells.get(key)
            if mine is None:
                info = cell[INFO]
                if info.spread is not None:
                    info.spread = self.spreads[info.group]
                if info.series is not None:
                    info.series = self._series_id(other, info.series)
                self.cells[key] = cell
                continue
            for slot in _SUMS:
                mine[slot] += cell[slot]
            if cell[EXTRA]:
                _merge_extra(mine, cell[EXTRA])
        for (hour, series_id), cell in other.hourly.items():
            slot = (hour, self._series_id(other, series_id))
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

    @property
    def seen(self) -> int:
        """Successful calls offered to the latency sample."""
        return self.sample_state[0]

    def _series_id(self, other: CallTable, their_id: int) -> int:
        if not hasattr(other, "_id_keys"):
            other._id_keys = {i: k for k, i in other.series_ids.items()}
        key = other._id_keys[their_id]
        return self.series_ids.setdefault(key, len(self.series_ids))

    # --- views ------------------------------------------------------------------------------------------------

    def tag_keys(self) -> set[str]:
        """Every tag key a call in the window carries."""
        return {key for info in (cell[INFO] for cell in self.cells.values()) for key, _ in info.tags}

    def report_groups(self) -> ReportGroups:
        """The report's groups, as ``report.figures.ReportGroups`` holds them (``report_from`` takes it)."""
        plan = self.plan
        builder = ReportGroups(list(plan.by), plan.since_ns, plan.until_ns)
        groups = builder.groups
        for cell in self.cells.values():
            info = cell[INFO]
            group = groups.get(info.group)
            if group is None:
                group = groups[info.group] = GroupSums()
                spread = self.spreads[info.group]
                group.costs, group.durations, group.out_tokens = spread.costs, spread.durations, spread.out_tokens
                group.priced_duration, group.out_duration = spread.priced_duration, spread.out_duration
            requests = cell[REQUESTS]
            group.requests += requests
            group.input += cell[INPUT]
            group.cached += cell[CACHED]
            group.cache_write += cell[CACHE_WRITE]
            group.output += cell[OUTPUT]
            group.reasoning += cell[REASONING]
            if info.error:
                group.errors += requests
            else:
                group.out_tokens_timed += cell[OUTPUT]
            if info.priced:
                cost = cell[COST]
                group.priced += requests
                group.cost += cost
                group.priced_tokens += cell[INPUT] + cell[OUTPUT]
                group.savings += cell[SAVINGS]
                group.savings_unknown += cell[SAVINGS_UNKNOWN]
                if info.estimated:
                    group.estimated_cost += cost
                if info.assumed:
                    group.assumed_cost += cost
            elif not info.error:
                group.unpriced += requests
        builder.samples = self.samples
        builder.seen = self.seen
        builder.filtered_out = self.filtered_out
        return builder

    def series(self, by: list[str] | None = None) -> HourlySeries:
        """The hourly series per group and model (``series.HourlySeries``), grouped ``by`` (default: the plan's
        ``series_by``; any coarser grouping of it, ``[]`` for the total per currency)."""
        plan = self.plan
        by = [d for d in (plan.series_by if by is None else by) or () if d not in TIME_DIMENSIONS]
        own = [d for d in plan.series_by or () if d not in TIME_DIMENSIONS]
        missing = [d for d in by if d not in own]
        if missing:
            raise ValueError(f"the series were kept by {own}, not by {missing}")
        positions = [own.index(d) for d in by] + [len(own)]  # the group key ends with the currency
        series = HourlySeries(by, budgets=plan.budgets, since_ns=plan.since_ns, until_ns=plan.until_ns)
        keys = {i: ((tuple(k[0][p] for p in positions)), k[1]) for k, i in self.series_ids.items()}
        cells = series.cells
        for (hour, series_id), cell in self.hourly.items():
            group, model = keys[series_id]
            slot = (hour, group, model)
            mine = cells.get(slot)
            if mine is None:
                cells[slot] = list(cell)
            else:
                for index, value in enumerate(cell):
                    mine[index] += value
        series.budget_cost = {name: dict(costs) for name, costs in self.budget_cost.items()}
        series.first_seen, series.last_seen = self.first_seen, self.last_seen
        return series

    def tag_costs(self) -> TagCosts:
        """Cost per set of tags (``report.figures.TagCosts``: the HTML page's cost by tag)."""
        tags = TagCosts()
        by_tags = tags.by_tags
        for cell in self.cells.values():
            info = cell[INFO]
            if info.costed:
                by_tags[info.tags] = by_tags.get(info.tags, 0) + cell[COST]
        return tags

    def focus_sums(self) -> FocusSums:
        """FOCUS rows' sums per charge period, dimensions and token type (``focus.sums.FocusSums``)."""
        plan = self.plan
        if plan.focus is None:
            raise ValueError("the table was not asked to keep FOCUS rows")
        builder = FocusSums(plan.focus, plan.since_ns, plan.until_ns)
        step = builder.period_ns
        tags_json: dict[tuple, str] = {}
        rows = builder.rows
        for key, cell in self.cells.items():
            period = key[0]
            info = cell[INFO]
            requests = cell[REQUESTS]
            builder.calls += requests
            builder.status_counts[info.status] = builder.status_counts.get(info.status, 0) + requests
            currency = info.focus[0]
            if info.focus_priced:
                builder.total_cost[currency] = builder.total_cost.get(currency, 0) + cell[COST]
            key_tags = tuple(sorted(info.tags))
            tags = tags_json.get(key_tags)
            if tags is None:
                tags = tags_json[key_tags] = json.dumps(dict(key_tags), ensure_ascii=False, sort_keys=True)
            dims_id = builder.dims_id((*info.focus, tags, info.status))
            start = period - period % step
            priced = info.focus_priced
            zero = Decimal(0)
            parts = {
                TOKEN_INPUT: [cell[UNCACHED], cell[COST_INPUT] if priced else zero, cell[CALLS_INPUT], 0],
                TOKEN_CACHED: [cell[CACHED], cell[COST_CACHED] if priced else zero, cell[CALLS_CACHED], 0],
                TOKEN_CACHE_WRITE: [cell[CACHE_WRITE], cell[COST_WRITE] if priced else zero, cell[CALLS_WRITE], 0],
                TOKEN_OUTPUT: [cell[OUTPUT], cell[COST_OUTPUT] if priced else zero, cell[CALLS_OUTPUT],
                               cell[FOCUS_REASONING]],
            }  # fmt: skip
            for kind, extra in (cell[EXTRA] or {}).items():
                mine = parts.setdefault(kind, [0, zero, 0, 0])
                for index in range(4):
                    mine[index] += extra[index]
            for kind, (tokens, cost, calls, reasoning) in parts.items():
                if not calls:
                    continue
                key = (start, dims_id, kind)
                row = rows.get(key)
                if row is None:
                    rows[key] = [tokens, cost, calls, reasoning]
                else:
                    row[0] += tokens
                    row[1] += cost
                    row[2] += calls
                    row[3] += reasoning
        builder.filtered_out = self.filtered_out
        return builder


def _take(table: CallTable, point: tuple) -> None:
    """Keep ``point`` in the latency sample: a uniform reservoir sample of ``SAMPLE_SIZE`` (Li's algorithm L: it
    draws how many calls to skip, so that the calls in between cost one comparison, not a random number each)."""
    state, samples, rng = table.sample_state, table.samples, table._random
    size = report_figures.SAMPLE_SIZE
    if len(samples) < size:
        samples.append(point)
        state[1] = state[0] + 1
        if len(samples) == size:
            state[2] = math.exp(math.log(1.0 - rng.random()) / size)
            state[1] = state[0] + _skip(rng, state[2])
        return
    samples[rng.randrange(size)] = point
    state[2] *= math.exp(math.log(1.0 - rng.random()) / size)
    state[1] = state[0] + _skip(rng, state[2])


def _skip(rng: random.Random, weight: float) -> int:
    """How far ahead the next call to keep is (1: the very next one)."""
    if weight >= 1.0:
        return 1
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - weight)) + 1


def _focus_extra(cell: list, r, residual: Decimal | None) -> None:
    """FOCUS rows of a call the plain sums do not describe: per-unit or tool charges, or cost components that do
    not add up to the call's cost (``residual``; ``None`` for a call whose cost the rows do not carry).

    The difference goes where ``focus.build`` says: to the output row, else the row with the most of its units,
    else an ``unspecified`` row. Kept as corrections (``[units, cost, calls, reasoning]`` per token type) to what
    the plain sums of the cell already hold for the call.
    """
    extra = cell[EXTRA]
    if extra is None:
        extra = cell[EXTRA] = {}
    priced = residual is not None
    uncached = max(0, r.input_tokens - r.cache_read_tokens - r.cache_write_tokens)
    # (kind, units, cost component, whether the plain sums hold it)
    parts = [
        [TOKEN_INPUT, uncached, r.cost_input, True],
        [TOKEN_CACHED, r.cache_read_tokens, r.cost_cache_read, True],
        [TOKEN_CACHE_WRITE, r.cache_write_tokens, r.cost_cache_write, True],
        [TOKEN_OUTPUT, r.output_tokens, r.cost_output, True],
    ]
    if r.unit in UNIT_KINDS and r.unit_quantity is not None:
        parts.append([r.unit, r.unit_quantity, r.cost_units, False])
    if r.tool_calls:
        parts.append(["tool_calls", r.tool_calls, r.cost_tools, False])
    if priced:
        # the residual against every component the call has (the plain path subtracted only the token ones)
        residual -= sum((p[2] for p in parts[4:] if p[2] is not None), Decimal(0))
    change = [Decimal(0)] * len(parts)
    if priced and residual:
        if r.output_tokens or r.cost_output is not None:
            index = 3
        elif any(p[1] for p in parts):
            index = max(range(len(parts)), key=lambda i: parts[i][1])
        else:
            index = len(parts)
            parts.append([TOKEN_UNSPECIFIED, 0, Decimal(0), False])
            change.append(Decimal(0))
        change[index] = residual
    for (kind, units, component, counted), delta in zip(parts, change):
        before = component if priced and component is not None else Decimal(0)
        after = before + delta
        if counted:  # the plain sums hold units and ``before``; add the difference and fix the call count
            was, now = bool(units or before), bool(units or after)
            if delta or was != now:
                row = extra.setdefault(kind, [0, Decimal(0), 0, 0])
                row[1] += delta
                row[2] += now - was
                if kind == TOKEN_OUTPUT:
                    row[3] += r.reasoning_tokens * (now - was)
        elif units or after:
            row = extra.setdefault(kind, [0, Decimal(0), 0, 0])
            row[0] += units
            row[1] += after
            row[2] += 1


def _merge_extra(cell: list, other: dict) -> None:
    extra = cell[EXTRA]
    if extra is None:
        extra = cell[EXTRA] = {}
    for kind, values in other.items():
        mine = extra.setdefault(kind, [0, Decimal(0), 0, 0])
        for index in range(4):
            mine[index] += values[index]
