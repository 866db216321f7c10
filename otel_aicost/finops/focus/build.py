"""FOCUS 1.2 cost rows from GenAI telemetry: ``build_focus(paths) -> FocusResult`` (writing: ``write``).

One row per charge period (hour or day, UTC), currency, provider, resource (Azure deployment or API endpoint),
region, model, deployment type, token type, allocation tags and pricing status. Token types and the cost
component each one carries:

========================  ============================================  ==========================
x_TokenType               ConsumedQuantity (tokens)                      cost
========================  ============================================  ==========================
``input``                 input - cached input - cache write             ``aicost.cost.input``
``cached_input``          ``gen_ai.usage.cache_read.input_tokens``       ``aicost.cost.cache_read``
``cache_write``           ``gen_ai.usage.cache_creation.input_tokens``   ``aicost.cost.cache_write``
``output``                output (reasoning included)                    ``aicost.cost.output``
========================  ============================================  ==========================

Exactness: the total of a call is ``gen_ai.usage.cost``. When its components do not add up to it to the last
digit (or are missing), the difference goes to the output row (or to an ``unspecified`` row when the call has
no tokens), so the rows of every call add up to exactly its total and the file adds up to exactly the telemetry.
BilledCost = EffectiveCost = ListCost = ContractedCost: telemetry knows the price it was given, no invoice
discounts. Calls without a price (``unknown_model``, ``provisioned``) still get rows for their tokens, with cost 0,
PricingCategory ``Other`` and ``x_PricingStatus`` saying why; ``no_usage`` calls have nothing to bill and no row.
"""

from __future__ import annotations

import calendar
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial

from otel_aicost import semconv, version
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.report.build import to_ns
from otel_aicost.finops.scan import scan

FOCUS_VERSION = "1.2"
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
CONSUMED_UNIT = "Tokens"
PRICING_UNIT = "1000 Tokens"
PRICING_BLOCK = Decimal(1000)
UNIT_PRICE_QUANTUM = Decimal("1e-15")
HOUR_NS = 3600 * 10**9
DAY_NS = 24 * HOUR_NS
DEFAULT_BILLING_ACCOUNT = "otel-aicost"

TOKEN_INPUT, TOKEN_CACHED, TOKEN_CACHE_WRITE, TOKEN_OUTPUT, TOKEN_UNSPECIFIED = (
    "input", "cached_input", "cache_write", "output", "unspecified",
)  # fmt: skip
UNIT_KINDS = {  # x_TokenType of per-unit charges (aicost.cost.units) and tool fees -> ConsumedUnit
    "images": "Images", "minutes": "Minutes", "characters": "Characters", "tool_calls": "Calls",
}  # fmt: skip
METER_NAMES = {
    "images": "Images",
    "minutes": "Audio Minutes",
    "characters": "Characters",
    "tool_calls": "Tool Calls",
    TOKEN_INPUT: "Input Tokens",
    TOKEN_CACHED: "Cached Input Tokens",
    TOKEN_CACHE_WRITE: "Cache Write Tokens",
    TOKEN_OUTPUT: "Output Tokens",
    TOKEN_UNSPECIFIED: "Tokens",
}
PROVIDERS = {  # gen_ai.provider.name -> (ProviderName, PublisherName, ServiceName, ResourceType)
    semconv.PROVIDER_OPENAI: ("OpenAI", "OpenAI", "OpenAI API", "OpenAI API endpoint"),
    semconv.PROVIDER_AZURE: ("Microsoft", "Microsoft", "Azure OpenAI", "Azure OpenAI deployment"),
}

# Every FOCUS 1.2 mandatory column, then the conditional/recommended ones we can fill, then ours (x_).
MANDATORY_COLUMNS = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
)  # fmt: skip
OPTIONAL_COLUMNS = (
    "ChargeFrequency", "CommitmentDiscountStatus", "ConsumedQuantity", "ConsumedUnit", "ContractedUnitPrice",
    "InvoiceId", "ListUnitPrice", "PricingCategory", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "RegionId", "RegionName", "ResourceId",
    "ResourceName", "ResourceType", "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId",
    "Tags",
)  # fmt: skip
# Ours. The x_Source* columns tell FinOps hubs that these rows are telemetry, not the provider's bill (hub
# ingestion fills them from ProviderName when absent, which would make them look like Microsoft's billed rows).
# Hubs keep only a fixed set of x_ columns (Costs_raw); of ours, x_SkuMeterCategory (the service),
# x_SkuMeterSubcategory (the model), x_SkuTier (the deployment type), x_PricingBlockSize and
# x_PricingUnitDescription survive ingestion, as do SkuMeter (model and token type) and SkuPriceDetails
# (x_Model, x_TokenType, x_DeploymentType). The other x_ columns are for every other FOCUS reader.
CUSTOM_COLUMNS = (
    "x_SourceName", "x_SourceType", "x_SourceProvider", "x_SourceVersion", "x_SkuMeterCategory",
    "x_SkuMeterSubcategory", "x_SkuTier", "x_PricingBlockSize", "x_PricingUnitDescription", "x_TokenType",
    "x_Model", "x_DeploymentType", "x_PricingStatus", "x_RequestCount", "x_ReasoningTokens", "x_FocusVersion",
    "x_DataSource",
)  # fmt: skip
COLUMNS = MANDATORY_COLUMNS + OPTIONAL_COLUMNS + CUSTOM_COLUMNS
MONEY_COLUMNS = (
    "BilledCost", "ContractedCost", "EffectiveCost", "ListCost", "ContractedUnitPrice", "ListUnitPrice",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice",
)  # fmt: skip
QUANTITY_COLUMNS = ("PricingQuantity", "ConsumedQuantity", "x_PricingBlockSize")
DECIMAL_COLUMNS = MONEY_COLUMNS + QUANTITY_COLUMNS
SOURCE_NAME = "otel-aicost"  # x_SourceName; reconcile skips rows that carry it
SOURCE_TYPE = "telemetry"
DATETIME_COLUMNS = ("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart")
INTEGER_COLUMNS = ("x_RequestCount", "x_ReasoningTokens")


class FocusSums:
    """FOCUS rows' sums per charge period, dimensions and token type, as ``CallTable.focus_sums()`` rolls them up
    from its cells; ``items()`` gives them sorted, ``focus_rows`` makes the rows."""

    def __init__(self, granularity: str = "day", since_ns: int | None = None, until_ns: int | None = None) -> None:
        if granularity not in ("hour", "day"):
            raise ValueError(f"granularity must be hour or day, not {granularity!r}")
        self.granularity = granularity
        self.period_ns = HOUR_NS if granularity == "hour" else DAY_NS
        self.since_ns, self.until_ns = since_ns, until_ns
        # (period start ns, dimensions id, token type) -> [tokens, cost, calls, reasoning tokens]. The dimensions
        # (currency, provider, server, deployment, region, model, deployment type, tags JSON, pricing status) are
        # interned in ``dims``: a key is 3 fields, not 11 (memory, --granularity hour).
        self.rows: dict[tuple[int, int, str], list] = {}
        self.dims: list[tuple] = []
        self.total_cost: dict[str, Decimal] = {}  # per currency, straight from gen_ai.usage.cost
        self.calls = 0
        self.status_counts: dict[str, int] = {}
        self.filtered_out = 0
        self._dims_index: dict[tuple, int] = {}

    def dims_id(self, dims: tuple) -> int:
        """The id of a row's dimensions (interned: the same tuple once)."""
        found = self._dims_index.get(dims)
        if found is None:
            found = self._dims_index[dims] = len(self.dims)
            self.dims.append(dims)
        return found

    def items(self) -> Iterator[tuple[tuple, list]]:
        """``(key, [tokens, cost, calls, reasoning])`` sorted by key; the key: period start (ns), currency,
        provider, server, deployment, region, model, deployment type, tags JSON, pricing status, token type."""
        order = sorted(range(len(self.dims)), key=self.dims.__getitem__)
        rank = [0] * len(self.dims)
        for position, dims_id in enumerate(order):
            rank[dims_id] = position
        for key in sorted(self.rows, key=lambda k: (k[0], rank[k[1]], k[2])):
            yield (key[0], *self.dims[key[1]], key[2]), self.rows[key]


@dataclass
class FocusResult:
    rows: FocusRows  # iterable (again and again) of dicts column -> Decimal, datetime (UTC), int, str or None
    total_cost: dict[str, Decimal]  # per currency, summed straight from the telemetry
    calls: int
    status_counts: dict[str, int]
    stats: ReadStats
    filtered_out: int = 0


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


def _price_details(model: str, kind: str, deployment_type: str) -> str:
    """SkuPriceDetails: what the price is for, as FOCUS key-value JSON (custom keys prefixed ``x_``)."""
    details = {"x_Model": model, "x_TokenType": kind}
    if deployment_type:
        details["x_DeploymentType"] = deployment_type
    return json.dumps(details, sort_keys=True)


def build_focus(
    paths: Iterable[str],
    *,
    granularity: str = "day",
    billing_account: str = DEFAULT_BILLING_ACCOUNT,
    invoice_issuer: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> FocusResult:
    """Read ``paths`` and return FOCUS 1.2 rows aggregated per ``granularity`` (``hour`` or ``day``)."""
    from otel_aicost.finops.call_table import CallTable, Plan

    FocusSums(granularity)  # fail here, in the parent, on a bad granularity
    plan = Plan(report=False, focus=granularity, since_ns=to_ns(since), until_ns=to_ns(until))
    table, stats = scan(paths, partial(CallTable, plan), workers=workers, progress=progress)
    builder = table.focus_sums()
    return FocusResult(
        rows=FocusRows(builder, billing_account, invoice_issuer),
        total_cost=builder.total_cost,
        calls=builder.calls,
        status_counts=builder.status_counts,
        stats=stats,
        filtered_out=builder.filtered_out,
    )
