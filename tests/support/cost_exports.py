"""Azure Cost Management FOCUS cost exports for tests, built from the documented column sets.

No real export can be used here, so rows are made the way Cost Management fills them for Azure OpenAI
(reference/azure-focus.md 5.3; FinOps toolkit docs-mslearn/focus/convert.md): ConsumedQuantity = tokens,
ConsumedUnit = PricingUnit = ``Units``, x_PricingUnitDescription ``1K`` or ``1M`` with x_PricingBlockSize,
PricingQuantity = tokens / block size, unit prices per block, ResourceId the lower-cased ARM id of the Cognitive
Services account, ServiceName ``Azure AI Services``, x_SkuMeterCategory ``Azure OpenAI``, RegionName a display
name. Column sets: microsoft/finops-toolkit
``src/templates/finops-hub/modules/Microsoft.CostManagement/Exports/schemas/focuscost_1.0.json`` and
``focuscost_1.2.json`` (HEAD 04d370f3, 2026-05-20), typed in below. Nothing here imports otel_aicost.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

FOCUSCOST_1_0 = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "SkuId",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_AccountId",
    "x_AccountName",
    "x_AccountOwnerId",
    "x_BilledCostInUsd",
    "x_BilledUnitPrice",
    "x_BillingAccountId",
    "x_BillingAccountName",
    "x_BillingExchangeRate",
    "x_BillingExchangeRateDate",
    "x_BillingProfileId",
    "x_BillingProfileName",
    "x_ContractedCostInUsd",
    "x_CostAllocationRuleName",
    "x_CostCenter",
    "x_CustomerId",
    "x_CustomerName",
    "x_EffectiveCostInUsd",
    "x_EffectiveUnitPrice",
    "x_InvoiceId",
    "x_InvoiceIssuerId",
    "x_InvoiceSectionId",
    "x_InvoiceSectionName",
    "x_ListCostInUsd",
    "x_PartnerCreditApplied",
    "x_PartnerCreditRate",
    "x_PricingBlockSize",
    "x_PricingCurrency",
    "x_PricingSubcategory",
    "x_PricingUnitDescription",
    "x_PublisherCategory",
    "x_PublisherId",
    "x_ResellerId",
    "x_ResellerName",
    "x_ResourceGroupName",
    "x_ResourceType",
    "x_ServicePeriodEnd",
    "x_ServicePeriodStart",
    "x_SkuDescription",
    "x_SkuDetails",
    "x_SkuIsCreditEligible",
    "x_SkuMeterCategory",
    "x_SkuMeterId",
    "x_SkuMeterName",
    "x_SkuMeterSubcategory",
    "x_SkuOfferId",
    "x_SkuOrderId",
    "x_SkuOrderName",
    "x_SkuPartNumber",
    "x_SkuRegion",
    "x_SkuServiceFamily",
    "x_SkuTerm",
    "x_SkuTier",
]
FOCUSCOST_1_2 = [
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_AccountId",
    "x_AccountName",
    "x_AccountOwnerId",
    "x_AmortizationClass",
    "x_BilledCostInUsd",
    "x_BilledUnitPrice",
    "x_BillingAccountId",
    "x_BillingAccountName",
    "x_BillingExchangeRate",
    "x_BillingExchangeRateDate",
    "x_BillingProfileId",
    "x_BillingProfileName",
    "x_ContractedCostInUsd",
    "x_CostAllocationRuleName",
    "x_CostCenter",
    "x_CustomerId",
    "x_CustomerName",
    "x_EffectiveCostInUsd",
    "x_EffectiveUnitPrice",
    "x_InvoiceIssuerId",
    "x_InvoiceSectionId",
    "x_InvoiceSectionName",
    "x_ListCostInUsd",
    "x_PartnerCreditApplied",
    "x_PartnerCreditRate",
    "x_PricingBlockSize",
    "x_PricingSubcategory",
    "x_PricingUnitDescription",
    "x_PublisherCategory",
    "x_PublisherId",
    "x_ResellerId",
    "x_ResellerName",
    "x_ResourceGroupName",
    "x_ResourceType",
    "x_ServiceModel",
    "x_ServicePeriodEnd",
    "x_ServicePeriodStart",
    "x_SkuDescription",
    "x_SkuIsCreditEligible",
    "x_SkuMeterCategory",
    "x_SkuMeterId",
    "x_SkuMeterSubcategory",
    "x_SkuOfferId",
    "x_SkuOrderId",
    "x_SkuOrderName",
    "x_SkuPartNumber",
    "x_SkuPlanName",
    "x_SkuRegion",
    "x_SkuServiceFamily",
    "x_SkuTerm",
    "x_SkuTier",
]
assert len(FOCUSCOST_1_0) == 96 and len(FOCUSCOST_1_2) == 104  # 1.2 names the meter SkuMeter, 1.0 x_SkuMeterName

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1"
BLOCKS = {"1K": 1000, "1M": 1_000_000}


def resource_id(account: str, resource_group: str = "rg-genai") -> str:
    return (
        f"/subscriptions/{SUBSCRIPTION}/resourcegroups/{resource_group}"
        f"/providers/microsoft.cognitiveservices/accounts/{account}"
    )


@dataclass
class Charge:
    """One billed Azure OpenAI usage row: ``tokens`` of ``meter`` on ``day`` at ``unit_price`` per block."""

    day: date
    account: str
    meter: str
    tokens: int
    list_price: Decimal  # per block of the unit (USD per 1K or 1M tokens)
    discount: Decimal = Decimal(0)  # negotiated: ContractedUnitPrice = list x (1 - discount)
    unit: str = "1K"
    category: str = "Usage"
    service_name: str = "Azure AI Services"
    meter_category: str = "Azure OpenAI"
    resource: str | None = None  # ResourceId; default: the account's
    extra: dict = field(default_factory=dict)

    @property
    def unit_price(self) -> Decimal:
        return self.list_price * (1 - self.discount)

    @property
    def cost(self) -> Decimal:
        return self.tokens * self.unit_price / BLOCKS[self.unit]


def row(charge: Charge, version: str = "1.2") -> dict:
    """A full export row (every column of the version; empty where Cost Management leaves it empty)."""
    start = datetime(charge.day.year, charge.day.month, charge.day.day, tzinfo=timezone.utc)
    month = start.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    block = BLOCKS[charge.unit]
    rid = charge.resource if charge.resource is not None else resource_id(charge.account)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    values = {
        "BilledCost": charge.cost,
        "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/1234567",
        "BillingAccountName": "Contoso",
        "BillingAccountType": "Billing Profile",
        "BillingCurrency": "USD",
        "BillingPeriodEnd": next_month.strftime(iso),
        "BillingPeriodStart": month.strftime(iso),
        "ChargeCategory": charge.category,
        "ChargeDescription": "Azure OpenAI",
        "ChargeFrequency": "Usage-Based" if charge.category == "Usage" else "One-Time",
        "ChargePeriodEnd": (start + timedelta(days=1)).strftime(iso),
        "ChargePeriodStart": start.strftime(iso),
        "ConsumedQuantity": Decimal(charge.tokens),
        "ConsumedUnit": "Units",
        "ContractedCost": charge.cost,
        "ContractedUnitPrice": charge.unit_price,
        "EffectiveCost": charge.cost,
        "InvoiceIssuerName": "Microsoft",
        "ListCost": charge.tokens * charge.list_price / block,
        "ListUnitPrice": charge.list_price,
        "PricingCategory": "Standard",
        "PricingCurrency": "USD",
        "PricingQuantity": Decimal(charge.tokens) / block,
        "PricingUnit": "Units",
        "ProviderName": "Microsoft",
        "PublisherName": "Microsoft",
        "RegionId": "swedencentral",
        "RegionName": "Sweden Central",
        "ResourceId": rid,
        "ResourceName": rid.rsplit("/", 1)[-1],
        "ResourceType": "Azure AI Foundry",
        "ServiceCategory": "AI and Machine Learning",
        "ServiceName": charge.service_name,
        "ServiceSubcategory": "AI Platforms",
        "SkuId": "DZH318Z08M22",
        "SkuMeter": charge.meter,
        "SkuPriceId": "DZH318Z08M22/0001",
        "SubAccountId": f"/subscriptions/{SUBSCRIPTION}",
        "SubAccountName": "genai-prod",
        "SubAccountType": "Subscription",
        "Tags": json.dumps({"env": "prod"}),
        "InvoiceId": "",
        "x_BilledCostInUsd": charge.cost,
        "x_BilledUnitPrice": charge.unit_price,
        "x_BillingExchangeRate": Decimal(1),
        "x_BillingProfileId": "/providers/Microsoft.Billing/billingAccounts/1234567/billingProfiles/ABCD",
        "x_BillingProfileName": "Contoso",
        "x_ContractedCostInUsd": charge.cost,
        "x_EffectiveCostInUsd": charge.cost,
        "x_EffectiveUnitPrice": charge.unit_price,
        "x_ListCostInUsd": charge.tokens * charge.list_price / block,
        "x_PricingBlockSize": Decimal(block),
        "x_PricingCurrency": "USD",
        "x_PricingSubcategory": "Standard",
        "x_PricingUnitDescription": charge.unit,
        "x_PublisherCategory": "Cloud Provider",
        "x_ResourceGroupName": "rg-genai",
        "x_ResourceType": "microsoft.cognitiveservices/accounts",
        "x_ServicePeriodEnd": (start + timedelta(days=1)).strftime(iso),
        "x_ServicePeriodStart": start.strftime(iso),
        "x_SkuIsCreditEligible": "true",
        "x_SkuMeterCategory": charge.meter_category,
        "x_SkuMeterId": "0b6c4c1f-0000-4d8e-9a57-000000000001",
        "x_SkuMeterName": charge.meter,
        "x_SkuMeterSubcategory": charge.meter,
        "x_SkuRegion": "Sweden Central",
        "x_SkuServiceFamily": "AI + Machine Learning",
    }
    values.update(charge.extra)
    columns = FOCUSCOST_1_2 if version == "1.2" else FOCUSCOST_1_0
    return {c: values.get(c, "") for c in columns} | {k: v for k, v in charge.extra.items() if k not in columns}


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return "" if value is None else str(value)


def _columns(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(name for r in rows for name in r))


def write_csv(path: Path, rows: list[dict], *, gz: bool = False, bom: bool = True) -> Path:
    """CSV the way Cost Management writes it (UTF-8 with a byte-order mark; optionally gzip-compressed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=_columns(rows), restval="")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: _text(v) for k, v in r.items()})
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    """Parquet as a FinOps hub converts it: money and quantities as doubles (hubs' ``real``), text as strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    columns = {}
    for name in _columns(rows):
        values = [r.get(name, "") for r in rows]
        if any(isinstance(v, Decimal) for v in values):
            columns[name] = pa.array([None if v in ("", None) else float(v) for v in values], pa.float64())
        else:
            columns[name] = pa.array([_text(v) or None for v in values], pa.string())
    pq.write_table(pa.table(columns), path)
    return path


def write_manifest(folder: Path, export_name: str, start: str, end: str, submitted: str, blobs: dict[str, int]):
    """A Cost Management export run's ``manifest.json`` (manifestVersion 2024-04-01 fields we read)."""
    manifest = {
        "manifestVersion": "2024-04-01",
        "blobCount": len(blobs),
        "dataRowCount": sum(blobs.values()),
        "exportConfig": {
            "exportName": export_name,
            "resourceId": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.CostManagement/exports/{export_name}",
            "dataVersion": "1.2",
            "exportDatasetType": "FocusCost",
            "granularity": "Daily",
        },
        "runInfo": {"executionType": "Scheduled", "submittedTime": submitted, "startDate": start, "endDate": end},
        "blobs": [{"blobName": f"exports/{export_name}/{name}", "dataRowCount": n} for name, n in blobs.items()],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
