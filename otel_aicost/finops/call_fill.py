"""The call table's hot path: ``adder(table)`` is the function that takes each call read (``CallTable.add``).

Per call it finds the call's cell (``call_cells``: the id of its dimensions, then one integer key), adds its
tokens, cost and cost components, appends what cannot be summed to its report group's columns (``Spread``), adds
to the hourly cell of its series group and model, and keeps the FOCUS rows' per-token-type sums; a call whose cost
components do not add up to its cost, or that has per-unit or tool charges, also gets its FOCUS correction
(``_focus_extra``). The HTML page's latency sample is a reservoir sample (``latency_sample.take``).
"""

from __future__ import annotations

from decimal import Decimal
from operator import attrgetter
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
    INPUT,
    OUTPUT,
    REASONING,
    REQUESTS,
    SAVINGS,
    SAVINGS_UNKNOWN,
    UNCACHED,
    dimension_attrs,
    new_cell,
    timed,
)
from otel_aicost.finops.focus.columns import (
    TOKEN_CACHE_WRITE,
    TOKEN_CACHED,
    TOKEN_INPUT,
    TOKEN_OUTPUT,
    TOKEN_UNSPECIFIED,
    UNIT_KINDS,
)
from otel_aicost.finops.latency_sample import take
from otel_aicost.finops.report.figures import SAVINGS_QUANTUM
from otel_aicost.finops.series import CACHED as S_CACHED
from otel_aicost.finops.series import COST as S_COST
from otel_aicost.finops.series import COST_CACHED as S_COST_CACHED
from otel_aicost.finops.series import COST_INPUT as S_COST_INPUT
from otel_aicost.finops.series import COST_OUTPUT as S_COST_OUTPUT
from otel_aicost.finops.series import ERRORS as S_ERRORS
from otel_aicost.finops.series import INPUT as S_INPUT
from otel_aicost.finops.series import NEVER
from otel_aicost.finops.series import OUTPUT as S_OUTPUT
from otel_aicost.finops.series import PRICED as S_PRICED
from otel_aicost.finops.series import REQUESTS as S_REQUESTS
from otel_aicost.finops.series import new_cell as new_hour_cell
from otel_aicost.finops.time_slots import HOUR_NS

if TYPE_CHECKING:
    from otel_aicost.finops.call_table import CallTable


def adder(table: CallTable):
    """The function that adds one call to ``table`` (everything it needs bound once, as locals)."""
    plan = table.plan
    cells, hourly, budget_cost = table.cells, table.hourly, table.budget_cost
    dims_ids, infos = table.dims_ids, table.infos
    attrs = attrgetter(*dimension_attrs(plan))
    period = plan.period_ns
    since, until = plan.since_ns, plan.until_ns
    windowed = since is not None or until is not None
    since = -1 if since is None else since
    until = NEVER if until is None else until
    report = plan.report
    unit_dim = "unit" in plan.by  # the ``unit`` of a call without one depends on its tokens
    timed_dims = timed(plan)
    series = plan.series_by is not None
    focus = plan.focus is not None
    sampling = plan.sample
    state = table.sample_state  # [successful calls seen, the count at which the next one is taken, W]
    zero = Decimal(0)

    def add(r) -> None:
        start = r.start_ns
        if windowed and (start < since or start >= until):
            table.filtered_out += 1
            return
        cost = r.cost
        if unit_dim:
            dims = (attrs(r), tuple(r.tags.items()), cost is None, r.input_tokens > 0 or r.output_tokens > 0)
        else:
            dims = (attrs(r), tuple(r.tags.items()), cost is None)
        if timed_dims:
            dims = (start - start % period, dims)
        dims_id = dims_ids.get(dims)
        if dims_id is None:
            dims_id = table.new_dims(dims, r)
        info = infos[dims_id]
        if info.since <= start < info.until:  # the period of the last call of these dimensions: its cell
            cell = info.cell
        else:
            slot = start - start % period
            key = slot + dims_id
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = new_cell(info)
            info.since, info.until, info.cell = slot, slot + period, cell
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
                if sampling:
                    state[0] += 1
                    if state[0] >= state[1]:
                        take(table, (duration, out, float(cost or 0), info.group))
            if info.priced:
                spread.costs.append(float(cost))
                spread.priced_durations.append(r.duration_s)
                if cached:
                    uncached = inp - cached - write
                    if uncached > 0 and c_in is not None and c_cached is not None:
                        cell[SAVINGS] += (c_in * cached / uncached - c_cached).quantize(SAVINGS_QUANTUM)
                    else:
                        cell[SAVINGS_UNKNOWN] += 1
        if info.budgets:
            hour = start - start % HOUR_NS
            for key in info.budgets:  # (budget, this call's currency)
                costs = budget_cost[key]
                costs[hour] = costs.get(hour, 0) + cost
        if series:  # the series' first and last call: the forecast's "as of", the anomalies' end
            if start > table.last_seen:  # noqa: PLR1730 - max() costs a call per call read
                table.last_seen = start
            if start < table.first_seen:  # noqa: PLR1730
                table.first_seen = start
            recent = info.recent_hour  # [since, until, cell]: its series group's last hour (``CellInfo``)
            if recent[0] <= start < recent[1]:
                hour_cell = recent[2]
            else:
                hour = start - start % HOUR_NS
                slot = hour + info.series
                hour_cell = hourly.get(slot)
                if hour_cell is None:
                    hour_cell = hourly[slot] = new_hour_cell()
                recent[0], recent[1], recent[2] = hour, hour + HOUR_NS, hour_cell
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


def _focus_extra(cell: list, r, residual: Decimal | None) -> None:
    """FOCUS rows of a call the plain sums do not describe: per-unit or tool charges, or cost components that do
    not add up to the call's cost (``residual``; ``None`` for a call whose cost the rows do not carry).

    The difference goes to the output row, else the row with the most of its units,
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
        if residual < 0:  # components above the cost by rounding only (the reader skips more): off the largest one,
            # which stays non-negative, never a negative price (F20)
            index = max(range(len(parts)), key=lambda i: parts[i][2] or 0)
        elif r.output_tokens or r.cost_output is not None:
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
