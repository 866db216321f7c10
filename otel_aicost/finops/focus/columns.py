"""The FOCUS 1.2 columns the rows carry, in order, with their types, and the fixed values and names they take:
token types, meter names, providers."""

from __future__ import annotations

from decimal import Decimal

from otel_aicost import semconv

FOCUS_VERSION = "1.2"
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
CONSUMED_UNIT = "Tokens"
PRICING_UNIT = "1000 Tokens"
PRICING_BLOCK = Decimal(1000)
UNIT_PRICE_QUANTUM = Decimal("1e-15")
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
