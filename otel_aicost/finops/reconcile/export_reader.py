"""Read an Azure Cost Management FOCUS cost export: ``read_export(paths) -> Export``.

Input: FOCUS 1.0 / 1.0r2 / 1.2-preview / 1.2 exports as Cost Management writes them, CSV or Parquet
(``export_tables``); a file, a folder of them, or a FinOps hub storage folder, newest run only (``export_files``);
a data file shorter than its manifest says is an error.

Columns used (the names of both versions): ChargePeriodStart/End, BilledCost or EffectiveCost, BillingCurrency,
ChargeCategory, ResourceId, ``SkuMeter`` (1.2) or ``x_SkuMeterName`` (1.0), ConsumedQuantity (tokens; else
PricingQuantity x x_PricingBlockSize), and, where present, x_SourceName / x_SourceType (rows otel-aicost wrote
into a hub are never counted as billed). Rows of other services (neither on a Cognitive Services account nor
in meter category Azure OpenAI) and charges that are not usage (purchases, taxes...) are counted, not matched.
Money and quantities become ``Decimal`` (``cells``). A missing column or a value that is not a number or a date
stops the read with ``ExportError`` naming file:line and the column: a bill is not something to half-read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from otel_aicost.finops.reconcile.accounts import account_of_resource, is_cognitive_services
from otel_aicost.finops.reconcile.cells import ExportError, moment, optional_number, text
from otel_aicost.finops.reconcile.export_files import export_files, manifest_rows
from otel_aicost.finops.reconcile.export_tables import COST_COLUMNS, METER_COLUMNS, raw_rows

__all__ = ["BilledRow", "Export", "ExportError", "read_export"]

OUR_SOURCE_NAME = "otel-aicost"
OUR_SOURCE_TYPE = "telemetry"
BLOCK_SIZES = {"1k": 1000, "1m": 1_000_000, "1000": 1000, "1000000": 1_000_000, "10k": 10_000, "100k": 100_000}


@dataclass(slots=True)
class BilledRow:
    """One usage row of the bill, as much of it as reconciliation needs."""

    where: str  # file:line (CSV) or file:row N (Parquet)
    day: date
    period_start: datetime
    period_end: datetime | None
    currency: str
    cost: Decimal
    usd_cost: Decimal | None  # x_BilledCostInUsd / x_EffectiveCostInUsd, for telemetry priced in USD
    tokens: Decimal | None
    meter_name: str
    resource_id: str
    account: str | None
    charge_category: str
    extra: dict[str, str]  # SubAccountId, ResourceName, RegionId, x_SkuMeterCategory, Tags, InvoiceId


@dataclass
class Export:
    rows: list[BilledRow] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: dict[str, list] = field(default_factory=dict)  # reason -> [rows, {currency: cost}]
    ignored_runs: list[str] = field(default_factory=list)  # older runs of the same export and period
    focus_versions: set[str] = field(default_factory=set)

    def skip(self, reason: str, currency: str, cost: Decimal) -> None:
        entry = self.skipped.setdefault(reason, [0, {}])
        entry[0] += 1
        entry[1][currency] = entry[1].get(currency, Decimal(0)) + cost


EXTRA_COLUMNS = ("SubAccountId", "ResourceName", "RegionId", "x_SkuMeterCategory", "Tags", "InvoiceId")


def read_export(paths: Iterable[str | os.PathLike[str]], cost_column: str = "BilledCost") -> Export:
    """Every row of the export files under ``paths``; raises ``ExportError`` on anything unreadable."""
    if cost_column not in COST_COLUMNS:
        raise ExportError(f"cost column must be one of {', '.join(COST_COLUMNS)}, not {cost_column!r}")
    export = Export()
    files, export.ignored_runs = export_files(paths)
    for path in files:
        export.files.append(str(path))
        expected = manifest_rows(path)
        count = 0
        for where, raw in raw_rows(path):
            count += 1
            _take(export, where, raw, cost_column)
        if expected is not None and count != expected:
            raise ExportError(f"{path}: {count} data rows, but its manifest.json says {expected} (truncated copy?)")
    return export


def _take(export: Export, where: str, raw: dict, cost_column: str) -> None:
    column = cost_column if cost_column in raw else next(c for c in COST_COLUMNS if c in raw)
    cost = optional_number(where, raw, column)
    if cost is None:
        raise ExportError(f"{where}: column {column}: empty")
    currency = text(raw, "BillingCurrency")
    if not currency:
        raise ExportError(f"{where}: column BillingCurrency: empty")
    start = moment(where, raw, "ChargePeriodStart", required=True)
    end = moment(where, raw, "ChargePeriodEnd", required=False)
    if text(raw, "x_SourceName").lower() == OUR_SOURCE_NAME or text(raw, "x_SourceType").lower() == OUR_SOURCE_TYPE:
        export.skip("telemetry rows (written by otel-aicost, not billed)", currency, cost)
        return
    version = text(raw, "x_SourceVersion")
    if version:
        export.focus_versions.add(version)
    category = text(raw, "ChargeCategory") or "Usage"
    if category.lower() != "usage":
        export.skip(f"ChargeCategory {category}", currency, cost)
        return
    meter = next((text(raw, c) for c in METER_COLUMNS if text(raw, c)), "")
    resource_id = text(raw, "ResourceId")
    if not is_cognitive_services(resource_id) and "openai" not in text(raw, "x_SkuMeterCategory").lower():
        export.skip("not Azure OpenAI", currency, cost)
        return
    tokens = optional_number(where, raw, "ConsumedQuantity")
    if tokens is None:
        quantity = optional_number(where, raw, "PricingQuantity")
        block = optional_number(where, raw, "x_PricingBlockSize")
        if block is None:
            block = BLOCK_SIZES.get(text(raw, "x_PricingUnitDescription").lower().replace(" ", ""))
        if quantity is not None and block is not None:
            tokens = quantity * Decimal(block)
    assert start is not None
    export.rows.append(
        BilledRow(
            where=where,
            day=start.date(),
            period_start=start,
            period_end=end,
            currency=currency.upper(),
            cost=cost,
            usd_cost=optional_number(where, raw, f"x_{column}InUsd"),
            tokens=tokens,
            meter_name=meter,
            resource_id=resource_id,
            account=account_of_resource(resource_id),
            charge_category=category,
            extra={c: text(raw, c) for c in EXTRA_COLUMNS if text(raw, c)},
        )
    )
