"""FOCUS 1.2 column rules, written from the specification's column tables (reference/azure-focus.md section 5.1).

``violations(header, rows)`` checks rows as text (the way a CSV reader sees them) and returns what is wrong.
Independent of the code under test: nothing here imports otel_aicost.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

FOCUS_12_COLUMNS = {
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId",
    "CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
    "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "SubAccountType", "Tags",
}  # fmt: skip
assert len(FOCUS_12_COLUMNS) == 57

MANDATORY = {
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
}  # fmt: skip
NOT_NULL = {
    "BilledCost", "BillingAccountId", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "ChargeCategory", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost",
    "InvoiceIssuerName", "ListCost", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
    "ChargeFrequency", "ServiceSubcategory",
}  # fmt: skip
DECIMALS = {
    "BilledCost", "ContractedCost", "EffectiveCost", "ListCost", "PricingQuantity", "ConsumedQuantity",
    "ContractedUnitPrice", "ListUnitPrice", "CommitmentDiscountQuantity", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
}  # fmt: skip
DATETIMES = {"BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart"}
ALLOWED = {
    "ChargeCategory": {"Usage", "Purchase", "Tax", "Credit", "Adjustment"},
    "ChargeClass": {"Correction"},
    "ChargeFrequency": {"One-Time", "Recurring", "Usage-Based"},
    "PricingCategory": {"Standard", "Dynamic", "Committed", "Other"},
    "ServiceCategory": {
        "AI and Machine Learning",
        "Analytics",
        "Business Applications",
        "Compute",
        "Databases",
        "Developer Tools",
        "Multicloud",
        "Identity",
        "Integration",
        "Internet of Things",
        "Management and Governance",
        "Media",
        "Migration",
        "Mobile",
        "Networking",
        "Security",
        "Storage",
        "Web",
        "Other",
    },
}
AI_SUBCATEGORIES = {
    "AI Platforms", "Bots", "Generative AI", "Machine Learning", "Natural Language Processing",
    "Other (AI and Machine Learning)",
}  # fmt: skip
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
UNIT = re.compile(r"^(\d+ )?[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)?(/[A-Z][A-Za-z]*)?$")
PASCAL = re.compile(r"^[A-Z][A-Za-z]*$")


def violations(header: list[str], rows: list[dict[str, str]]) -> list[str]:
    problems = []
    missing = MANDATORY - set(header)
    if missing:
        problems.append(f"mandatory columns missing: {sorted(missing)}")
    seen_custom = False
    for name in header:
        if name in FOCUS_12_COLUMNS:
            if seen_custom:
                problems.append(f"FOCUS column {name} after a custom column")
            if not PASCAL.match(name) or len(name) > 50:
                problems.append(f"bad column name {name}")
        elif name.startswith("x_"):
            seen_custom = True
        else:
            problems.append(f"custom column {name} lacks the x_ prefix")
    for number, row in enumerate(rows, start=2):

        def bad(column: str, why: str, row: dict = row, number: int = number) -> None:
            problems.append(f"row {number} {column}={row.get(column)!r}: {why}")

        for column in NOT_NULL & set(header):
            if row[column] == "":
                bad(column, "must not be null")
        for column in DECIMALS & set(header):
            if row[column] != "" and not NUMBER.match(row[column]):
                bad(column, "not a FOCUS decimal")
        for column in DATETIMES & set(header):
            if row[column] != "" and not DATETIME.match(row[column]):
                bad(column, "not an ISO 8601 UTC date-time (YYYY-MM-DDTHH:mm:ssZ)")
        for column, allowed in ALLOWED.items():
            if column in row and row[column] != "" and row[column] not in allowed:
                bad(column, "not an allowed value")
        subcategory = row.get("ServiceSubcategory")
        if (
            row.get("ServiceCategory") == "AI and Machine Learning"
            and subcategory
            and subcategory not in AI_SUBCATEGORIES
        ):
            bad("ServiceSubcategory", "not a subcategory of AI and Machine Learning")
        if not CURRENCY.match(row.get("BillingCurrency", "")):
            bad("BillingCurrency", "not an ISO 4217 code")
        for column in ("ConsumedUnit", "PricingUnit"):
            if row.get(column) and not UNIT.match(row[column]):
                bad(column, "not in FOCUS unit format")
        usage_or_purchase = row.get("ChargeCategory") in ("Usage", "Purchase")
        if usage_or_purchase and row.get("ChargeClass") != "Correction" and not row.get("PricingCategory"):
            bad("PricingCategory", "must not be null for Usage/Purchase rows")
        if row.get("ConsumedQuantity"):
            try:
                if Decimal(row["ConsumedQuantity"]) % 1 != 0:
                    bad("ConsumedQuantity", "tokens are a count: must be whole")
            except InvalidOperation:
                pass
        try:
            start, end = (_moment(row[c]) for c in ("ChargePeriodStart", "ChargePeriodEnd"))
            bill_start, bill_end = (_moment(row[c]) for c in ("BillingPeriodStart", "BillingPeriodEnd"))
            if not start < end:
                bad("ChargePeriodStart", "must be before ChargePeriodEnd")
            if not bill_start < bill_end:
                bad("BillingPeriodStart", "must be before BillingPeriodEnd")
            if not (bill_start <= start and end <= bill_end):
                bad("ChargePeriodStart", "charge period outside its billing period")
        except (KeyError, ValueError):
            pass
        if row.get("Tags"):
            try:
                tags = json.loads(row["Tags"])
            except ValueError:
                bad("Tags", "not JSON")
            else:
                if not isinstance(tags, dict):
                    bad("Tags", "not a JSON object")
                elif any(isinstance(v, (dict, list)) for v in tags.values()):
                    bad("Tags", "values must be scalars")
        for status, ident in (
            ("CommitmentDiscountStatus", "CommitmentDiscountId"),
            ("CapacityReservationStatus", "CapacityReservationId"),
        ):
            if row.get(status) and not row.get(ident):
                bad(status, f"must be null when {ident} is null")
    return problems


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
