"""What the outputs read from a call table (``call_table.CallTable``): its cells rolled up into the objects their
renderers take. ``report_groups`` (the report's groups and columns), ``series`` (the hourly series, any coarser
grouping of the kept one), ``tag_costs`` (the HTML page's cost by tag), ``focus_sums`` (FOCUS rows' sums), and
``tag_keys`` (to check ``--by`` against). Each is one pass over the cells (tens of thousands), not the calls.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from otel_aicost.finops.call_cells import (
    CACHE_WRITE,
    CACHED,
    CALLS_CACHED,
    CALLS_INPUT,
    CALLS_OUTPUT,
    CALLS_WRITE,
    COST,
    COST_CACHED,
    COST_INPUT,
    COST_OUTPUT,
    COST_WRITE,
    EXTRA,
    FOCUS_REASONING,
    ID_SPAN,
    INFO,
    INPUT,
    OUTPUT,
    REASONING,
    REQUESTS,
    SAVINGS,
    SAVINGS_UNKNOWN,
    UNCACHED,
)
from otel_aicost.finops.focus.columns import TOKEN_CACHE_WRITE, TOKEN_CACHED, TOKEN_INPUT, TOKEN_OUTPUT
from otel_aicost.finops.focus.sums import FocusSums
from otel_aicost.finops.report.figures import GroupSums, ReportGroups, TagCosts
from otel_aicost.finops.report.groups import TIME_DIMENSIONS
from otel_aicost.finops.series import HourlySeries

if TYPE_CHECKING:
    from otel_aicost.finops.call_table import CallTable


def tag_keys(table: CallTable) -> set[str]:
    """Every tag key a call in the window carries."""
    return {key for info in table.infos for key, _ in info.tags}


def report_groups(table: CallTable) -> ReportGroups:
    """The report's groups, as ``report.figures.ReportGroups`` holds them (``report_from`` takes it)."""
    plan = table.plan
    builder = ReportGroups(list(plan.by), plan.since_ns, plan.until_ns)
    groups = builder.groups
    for cell in table.cells.values():
        info = cell[INFO]
        group = groups.get(info.group)
        if group is None:
            group = groups[info.group] = GroupSums()
            spread = table.spreads[info.group]
            group.costs, group.durations, group.out_tokens = spread.costs, spread.durations, spread.out_tokens
            group.priced_duration, group.out_duration = spread.priced_duration(), spread.out_duration()
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
    builder.samples = table.samples
    builder.seen = table.seen
    builder.filtered_out = table.filtered_out
    return builder


def series(table: CallTable, by: list[str] | None = None) -> HourlySeries:
    """The hourly series per group and model (``series.HourlySeries``), grouped ``by`` (default: the plan's
    ``series_by``; any coarser grouping of it, ``[]`` for the total per currency)."""
    plan = table.plan
    by = [d for d in (plan.series_by if by is None else by) or () if d not in TIME_DIMENSIONS]
    own = [d for d in plan.series_by or () if d not in TIME_DIMENSIONS]
    missing = [d for d in by if d not in own]
    if missing:
        raise ValueError(f"the series were kept by {own}, not by {missing}")
    positions = [own.index(d) for d in by] + [len(own)]  # the group key ends with the currency
    series = HourlySeries(by, budgets=plan.budgets, since_ns=plan.since_ns, until_ns=plan.until_ns)
    keys = {i: ((tuple(k[0][p] for p in positions)), k[1]) for k, i in table.series_ids.items()}
    cells = series.cells
    for slot, cell in table.hourly.items():
        series_id = slot % ID_SPAN
        group, model = keys[series_id]
        hour = slot - series_id
        slot = (hour, group, model)
        mine = cells.get(slot)
        if mine is None:
            cells[slot] = list(cell)
        else:
            for index, value in enumerate(cell):
                mine[index] += value
    series.budget_cost = {key: dict(costs) for key, costs in table.budget_cost.items()}
    series.first_seen, series.last_seen = table.first_seen, table.last_seen
    return series


def tag_costs(table: CallTable) -> TagCosts:
    """Cost per set of tags (``series.TagCosts``: the HTML page's cost by tag)."""
    tags = TagCosts()
    by_tags = tags.by_tags
    for cell in table.cells.values():
        info = cell[INFO]
        if info.costed:
            by_tags[info.tags] = by_tags.get(info.tags, 0) + cell[COST]
    return tags


def focus_sums(table: CallTable) -> FocusSums:
    """FOCUS rows' sums per charge period, dimensions and token type (``focus.sums.FocusSums``)."""
    plan = table.plan
    if plan.focus is None:
        raise ValueError("the table was not asked to keep FOCUS rows")
    builder = FocusSums(plan.focus, plan.since_ns, plan.until_ns)
    step = builder.period_ns
    tags_json: dict[tuple, str] = {}
    rows = builder.rows
    for key, cell in table.cells.items():
        period = key - key % ID_SPAN
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
    builder.filtered_out = table.filtered_out
    return builder
