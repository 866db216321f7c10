"""Unit economics of GenAI calls: ``build_report(paths, by=["team", "model"]) -> Report``.

Groups: ``groups.py`` (what ``--by`` means); the figures and how each is computed: ``figures.py``; the per-call
sums: ``finops/call_table.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.report.figures import GroupSummary, ReportGroups
from otel_aicost.finops.report.groups import parse_by
from otel_aicost.finops.scan import scan
from otel_aicost.finops.time_slots import to_ns


@dataclass
class Report:
    by: list[str]
    since: datetime | None
    until: datetime | None
    groups: list[GroupSummary]
    totals: list[GroupSummary]  # one per currency
    stats: ReadStats
    samples: list[tuple[float, int, float, tuple]] = field(default_factory=list)  # latency, output tokens, cost, key
    filtered_out: int = 0


def build_report(
    paths: Iterable[str],
    by: Sequence[str] | str = (),
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> Report:
    """Read ``paths`` and build the report grouped ``by`` dimensions (see ``parse_by``); window [since, until)."""
    plan = Plan(by=tuple(parse_by(by)), sample=True, since_ns=to_ns(since), until_ns=to_ns(until))
    table, stats = scan(paths, partial(CallTable, plan), workers=workers, progress=progress)
    return report_from(table.report_groups(), stats, since, until)


def report_from(builder: ReportGroups, stats: ReadStats, since: datetime | None, until: datetime | None) -> Report:
    """The ``Report`` of the groups a read rolled up."""
    groups, totals = builder.summaries()
    return Report(
        by=builder.by,
        since=since,
        until=until,
        groups=groups,
        totals=totals,
        stats=stats,
        samples=builder.samples,
        filtered_out=builder.filtered_out,
    )
