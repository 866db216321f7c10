"""FOCUS rows made from their sums (``FocusSums``) one at a time, as they are written: every column's value."""

from __future__ import annotations

import calendar
import functools
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost import semconv, version
from otel_aicost.finops.focus.columns import (
    CONSUMED_UNIT,
    FOCUS_VERSION,
    METER_NAMES,
    PRICING_BLOCK,
    PRICING_UNIT,
    PROVIDERS,
    SERVICE_CATEGORY,
    SERVICE_SUBCATEGORY,
    SOURCE_NAME,
    SOURCE_TYPE,
    TOKEN_OUTPUT,
    UNIT_KINDS,
    UNIT_PRICE_QUANTUM,
)
from otel_aicost.finops.focus.sums import FocusSums


class FocusRows:
    """The FOCUS rows of a builder, made one at a time as they are iterated (sorted by period and dimensions).

    Nothing but the builder's sums is held: a row dict lives only until the writer has written it, so memory
    does not grow with the number of rows (``--granularity hour`` over months of calls).
    """

    def __init__(self, builder: FocusSums, billing_account: str, invoice_issuer: str | None) -> None:
        self.builder, self.billing_account, self.invoice_issuer = builder, billing_account, invoice_issuer

    def __len__(self) -> int:
        return len(self.builder.rows)

    def __iter__(self) -> Iterator[dict]:
        return focus_rows(self.builder, self.billing_account, self.invoice_issuer)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FocusRows) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def focus_rows(builder: FocusSums, billing_account: str, invoice_issuer: str | None) -> Iterator[dict]:
    """The FOCUS rows of ``builder``, sorted by period and dimensions, one at a time."""
    periods: dict[int, tuple[datetime, datetime, datetime, datetime]] = {}
    for key, (tokens, cost, calls, reasoning) in builder.items():
        period, currency, provider, server, deployment, region, model, deployment_type, tags, status, kind = key
        provider_name, publisher, service, resource_type = PROVIDERS.get(
            provider, (provider or "Unknown", provider or "Unknown", provider or "Unknown", "API endpoint")
        )
        moments = periods.get(period)
        if moments is None:
            moments = periods[period] = _period_moments(period, builder.period_ns)
        start, end, month_start, month_end = moments
        if deployment:
            resource_id = f"{server}/openai/deployments/{deployment}" if server else f"deployments/{deployment}"
        else:
            resource_id = server or None
        sku = f"{model}:{deployment_type}" if deployment_type else model
        unit = UNIT_KINDS.get(kind)  # images, minutes, characters, tool calls: priced per 1, not per 1000 tokens
        block = Decimal(1) if unit else PRICING_BLOCK
        quantity = Decimal(tokens) / block
        unit_price = (cost / quantity).quantize(UNIT_PRICE_QUANTUM).normalize() if quantity else None
        priced = status == semconv.STATUS_PRICED
        meter = METER_NAMES[kind]
        price_id = f"{sku}:{kind}" if sku else None
        yield (
            {
                "BilledCost": cost,
                "BillingAccountId": billing_account,
                "BillingAccountName": billing_account,
                "BillingCurrency": currency,
                "BillingPeriodEnd": month_end,
                "BillingPeriodStart": month_start,
                "ChargeCategory": "Usage",
                "ChargeClass": None,
                "ChargeDescription": f"{model or 'unknown model'} {meter.lower()} ({service})",
                "ChargePeriodEnd": end,
                "ChargePeriodStart": start,
                "ContractedCost": cost,
                "EffectiveCost": cost,
                "InvoiceIssuerName": invoice_issuer or provider_name,
                "ListCost": cost,
                "PricingQuantity": quantity,
                "PricingUnit": unit or PRICING_UNIT,
                "ProviderName": provider_name,
                "PublisherName": publisher,
                "ServiceCategory": SERVICE_CATEGORY,
                "ServiceName": service,
                "ChargeFrequency": "Usage-Based",
                "CommitmentDiscountStatus": None,  # no commitment discount known to telemetry
                "ConsumedQuantity": Decimal(tokens),
                "ConsumedUnit": unit or CONSUMED_UNIT,
                "ContractedUnitPrice": unit_price if priced else None,
                "InvoiceId": None,  # telemetry is on no invoice; reconcile matches rows to the bill
                "ListUnitPrice": unit_price if priced else None,
                "PricingCategory": "Standard" if priced else "Other",
                "PricingCurrency": currency,  # prices are converted to the billing currency before pricing
                "PricingCurrencyContractedUnitPrice": unit_price if priced else None,
                "PricingCurrencyEffectiveCost": cost,
                "PricingCurrencyListUnitPrice": unit_price if priced else None,
                "RegionId": region or None,
                "RegionName": region or None,
                "ResourceId": resource_id,
                "ResourceName": deployment or server or None,
                "ResourceType": resource_type if resource_id else None,
                "ServiceSubcategory": SERVICE_SUBCATEGORY,
                "SkuId": sku or None,
                "SkuMeter": f"{model} {meter}".strip(),
                "SkuPriceDetails": _price_details(model, kind, deployment_type) if price_id else None,
                "SkuPriceId": price_id,
                "Tags": tags,
                "x_SourceName": SOURCE_NAME,
                "x_SourceType": SOURCE_TYPE,
                "x_SourceProvider": SOURCE_NAME,
                "x_SourceVersion": version.__version__,
                "x_SkuMeterCategory": service,
                "x_SkuMeterSubcategory": model or None,
                "x_SkuTier": deployment_type or None,
                "x_PricingBlockSize": block,
                "x_PricingUnitDescription": unit or PRICING_UNIT,
                "x_TokenType": kind,
                "x_Model": model or None,
                "x_DeploymentType": deployment_type or None,
                "x_PricingStatus": status,
                "x_RequestCount": calls,
                "x_ReasoningTokens": reasoning if kind == TOKEN_OUTPUT else None,
                "x_FocusVersion": FOCUS_VERSION,
                "x_DataSource": "otel-aicost telemetry",
            }
        )


def _period_moments(period: int, length_ns: int) -> tuple[datetime, datetime, datetime, datetime]:
    """Charge period start and end, billing period (its month) start and end, as UTC date-times."""
    start = datetime.fromtimestamp(period // 10**9, timezone.utc)
    end = datetime.fromtimestamp((period + length_ns) // 10**9, timezone.utc)
    month_start = start.replace(day=1, hour=0, minute=0, second=0)
    days = calendar.monthrange(start.year, start.month)[1]
    month_end = datetime.fromtimestamp(month_start.timestamp() + days * 86400, timezone.utc)
    return start, end, month_start, month_end


@functools.lru_cache(maxsize=4096)  # a few models x token types x deployment types; once each, not once a row
def _price_details(model: str, kind: str, deployment_type: str) -> str:
    """SkuPriceDetails: what the price is for, as FOCUS key-value JSON (custom keys prefixed ``x_``)."""
    details = {"x_Model": model, "x_TokenType": kind}
    if deployment_type:
        details["x_DeploymentType"] = deployment_type
    return json.dumps(details, sort_keys=True)
