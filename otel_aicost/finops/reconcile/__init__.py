"""Reconcile GenAI telemetry with the Azure bill (SPEC section 11): ``reconcile(export_paths, telemetry_paths)``.

Modules: ``export_reader`` (Cost Management FOCUS exports), ``meters`` (meter names from the shipped price
data), ``accounts`` (ARM ResourceId and endpoint host -> account), ``telemetry_side`` (our tokens and cost per
group), ``match`` (groups, late billing, gap classes), ``allocate`` (showback), ``gateway`` (API Management
token metrics against telemetry), ``output`` (table, JSON, CSV).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from .export_reader import Export, ExportError, read_export
from .match import DEFAULT_LAG_DAYS, DEFAULT_TOLERANCE, GAP_CLASSES, Group, build_groups, classify
from .telemetry_side import TelemetrySide, read_telemetry

__all__ = ["GAP_CLASSES", "ExportError", "Reconciliation", "reconcile"]


@dataclass
class Reconciliation:
    groups: list[Group]
    export: Export
    telemetry: TelemetrySide
    since: datetime | None
    until: datetime | None
    warnings: list[str]

    def totals(self) -> dict[str, dict[str, Decimal]]:
        """Per gap class: billed cost, telemetry cost and their difference, and the number of groups."""
        out: dict[str, dict[str, Decimal]] = {}
        for group in self.groups:
            entry = out.setdefault(
                group.gap_class, {"groups": Decimal(0), "billed": Decimal(0), "telemetry": Decimal(0), "gap": Decimal(0)}
            )
            entry["groups"] += 1
            entry["billed"] += group.billed_cost
            entry["telemetry"] += group.telemetry.cost
            entry["gap"] += group.gap
        return out


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
) -> Reconciliation:
    """Read the export and the telemetry, match and classify. The telemetry window defaults to the export's days."""
    export = read_export(export_paths, cost_column)
    warnings: list[str] = []
    if export.rows and since is None:
        since = datetime.combine(min(r.day for r in export.rows), time(0), timezone.utc)
    if export.rows and until is None:
        until = datetime.combine(max(r.day for r in export.rows), time(0), timezone.utc) + timedelta(days=1)
    telemetry = read_telemetry(telemetry_paths, aliases=aliases, since=since, until=until, workers=workers)
    billed_currencies = {r.currency for r in export.rows}
    currency = next(iter(telemetry.currencies)) if len(telemetry.currencies) == 1 else "USD"
    if telemetry.currencies and billed_currencies and telemetry.currencies != billed_currencies:
        warnings.append(
            f"the bill is in {', '.join(sorted(billed_currencies))}, telemetry in "
            f"{', '.join(sorted(telemetry.currencies))}: costs are compared as they are (set otel-aicost's "
            "currency and usd_rate to the billing currency for a like-for-like comparison)"
        )
    groups = build_groups(export.rows, telemetry.groups, currency)
    classify(groups, lag_days, tolerance)
    return Reconciliation(groups, export, telemetry, since, until, warnings)
