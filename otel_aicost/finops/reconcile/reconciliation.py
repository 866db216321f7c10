"""One reconciliation: read the bill and the telemetry, match them into groups, classify each group's gap.

``reconcile(export_paths, telemetry_paths)`` returns a ``Reconciliation``: the groups, both sides as read, the
telemetry window, and warnings (a bill in another currency than the telemetry).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from otel_aicost.finops.reconcile.export_reader import Export, read_export
from otel_aicost.finops.reconcile.match import DEFAULT_LAG_DAYS, DEFAULT_TOLERANCE, Group, build_groups, classify
from otel_aicost.finops.reconcile.telemetry_side import TelemetrySide, read_telemetry


@dataclass
class Reconciliation:
    groups: list[Group]
    export: Export
    telemetry: TelemetrySide
    since: datetime | None
    until: datetime | None
    warnings: list[str]

    def totals_by_currency(self) -> dict[tuple[str, str], dict[str, Decimal]]:
        """Per (gap class, currency): billed cost, telemetry cost and their difference, and the number of groups.
        Money is never summed across currencies."""
        out: dict[tuple[str, str], dict[str, Decimal]] = {}
        for group in self.groups:
            entry = out.setdefault(
                (group.gap_class, group.currency),
                {"groups": Decimal(0), "billed": Decimal(0), "telemetry": Decimal(0), "gap": Decimal(0)},
            )
            entry["groups"] += 1
            entry["billed"] += group.billed_cost
            entry["telemetry"] += group.telemetry.cost
            entry["gap"] += group.gap
        return out

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """``totals_by_currency`` named for the JSON: by gap class alone when the groups are in one currency, else
        ``"<gap class> <currency>"``."""
        by_currency = self.totals_by_currency()
        several = len({currency for _, currency in by_currency}) > 1
        return {f"{gap_class} {currency}" if several else gap_class: total
                for (gap_class, currency), total in by_currency.items()}  # fmt: skip


def days_window(days: Iterable[date], lead_days: int = 0) -> tuple[datetime | None, datetime | None]:
    """From midnight (UTC) ``lead_days`` before the first day to the midnight after the last day."""
    days = list(days)
    if not days:
        return None, None
    return (
        datetime.combine(min(days), time(0), timezone.utc) - timedelta(days=lead_days),
        datetime.combine(max(days), time(0), timezone.utc) + timedelta(days=1),
    )


def reconcile(
    export_paths: Iterable[str],
    telemetry_paths: Iterable[str],
    *,
    cost_column: str = "BilledCost",
    aliases: Mapping[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    lag_days: int = DEFAULT_LAG_DAYS,
    tolerance: Decimal = DEFAULT_TOLERANCE,
    workers: int | None = None,
    export: Export | None = None,
    telemetry: TelemetrySide | None = None,
) -> Reconciliation:
    """Read the export and the telemetry, match and classify.

    The telemetry window defaults to the export's days and the ``lag_days`` before them (usage of those days may
    be billed on the export's first days); telemetry-only groups before the export's first day are not shown:
    the bill does not cover them.

    ``export`` and ``telemetry`` may be passed already read (the CLI reads telemetry once for the gateway too).
    """
    export = export if export is not None else read_export(export_paths, cost_column)
    warnings: list[str] = []
    if since is None and until is None:
        since, until = days_window((r.day for r in export.rows), lead_days=lag_days)
    if telemetry is None:
        telemetry = read_telemetry(telemetry_paths, aliases=aliases, since=since, until=until, workers=workers)
    billed_currencies = {r.currency for r in export.rows}
    in_usd = False
    if telemetry.currencies and billed_currencies and telemetry.currencies != billed_currencies:
        in_usd = telemetry.currencies == {"USD"} and all(r.usd_cost is not None for r in export.rows)
        if in_usd:
            warnings.append(
                f"the bill is in {', '.join(sorted(billed_currencies))}, telemetry in USD: compared with the "
                f"export's x_{cost_column}InUsd; showback splits the billing-currency amounts"
            )
        else:
            warnings.append(
                f"the bill is in {', '.join(sorted(billed_currencies))}, telemetry in "
                f"{', '.join(sorted(telemetry.currencies))}: each group keeps its own currency (amounts in two "
                "currencies are never added); where a group has one currency on each side, costs are compared as "
                "they are (set otel-aicost's currency and usd_rate to the billing currency for a like-for-like "
                "comparison)"
            )
    groups = build_groups(export.rows, telemetry.groups, in_usd)
    classify(groups, lag_days, tolerance)
    if export.rows:
        first_day = min(r.day for r in export.rows)
        groups = [g for g in groups if g.billed or g.day >= first_day]
    return Reconciliation(groups, export, telemetry, since, until, warnings)
