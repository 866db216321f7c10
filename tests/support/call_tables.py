"""Records straight into the one table every output derives from (``finops.call_table.CallTable``), no files."""

from __future__ import annotations

from collections.abc import Iterable

from otel_aicost.finops.call_table import CallTable, Plan


def table_of(records: Iterable, plan: Plan) -> CallTable:
    """A ``CallTable`` of ``plan`` that has taken ``records`` (``CostRecord``s), in order, as a read would."""
    table = CallTable(plan)
    for record in records:
        table.add(record)
    return table


def series_of(records: Iterable, by: Iterable[str] = (), budgets: Iterable = ()):
    """The hourly series (``HourlySeries``) of ``records`` grouped ``by``, with the hourly cost of ``budgets``."""
    return table_of(records, Plan(report=False, series_by=tuple(by), budgets=tuple(budgets))).series()
