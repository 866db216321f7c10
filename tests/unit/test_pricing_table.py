"""Costs compared exactly against an independent price table.

The table below is written by hand from OpenAI's and Azure's published price pages (USD per 1M tokens), not
read from genai-prices, azure.json or any of our code. Expected costs are computed here with Decimal.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.usage import Usage

D = Decimal
M = D(1_000_000)
ONE = D(1)

# name: (input, cached input, output) per 1M tokens. Published list prices.
OPENAI = {
    "gpt-4o": (D("2.50"), D("1.25"), D("10.00")),
    "gpt-4o-2024-05-13": (D("5.00"), None, D("15.00")),
    "gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")),
    "gpt-4.1": (D("2.00"), D("0.50"), D("8.00")),
    "gpt-4.1-mini": (D("0.40"), D("0.10"), D("1.60")),
    "gpt-4.1-nano": (D("0.10"), D("0.025"), D("0.40")),
    "o1": (D("15.00"), D("7.50"), D("60.00")),
    "o3": (D("2.00"), D("0.50"), D("8.00")),
    "o3-mini": (D("1.10"), D("0.55"), D("4.40")),
    "o4-mini": (D("1.10"), D("0.275"), D("4.40")),
    "gpt-5": (D("1.25"), D("0.125"), D("10.00")),
    "gpt-5-mini": (D("0.25"), D("0.025"), D("2.00")),
    "gpt-5-nano": (D("0.05"), D("0.005"), D("0.40")),
    "gpt-3.5-turbo-instruct": (D("1.50"), None, D("2.00")),
    "text-embedding-3-small": (D("0.02"), None, D("0")),
    "text-embedding-3-large": (D("0.13"), None, D("0")),
    "text-embedding-ada-002": (D("0.10"), None, D("0")),
    # variants
    "gpt-4o-mini/batch": (D("0.075"), D("0.075"), D("0.30")),  # Batch API: half price
    "gpt-4o/batch": (D("1.25"), D("1.25"), D("5.00")),
    "gpt-5/flex": (D("0.625"), D("0.0625"), D("5.00")),
    "gpt-5/priority": (D("2.50"), D("0.25"), D("20.00")),
    "o3/flex": (D("1.00"), D("0.25"), D("4.00")),
    # fine-tuned inference (the fine-tuned rate, not the base model's)
    "ft:gpt-4o-mini": (D("0.30"), None, D("1.20")),
    "ft:gpt-4o": (D("3.75"), None, D("15.00")),
}
# Azure OpenAI per deployment type (USD per 1M; Data Zone and Regional are +10% over Global in the US/EU).
AZURE = {
    ("gpt-4o", "global_standard"): (D("2.50"), D("1.25"), D("10.00")),
    ("gpt-4o", "data_zone_standard"): (D("2.75"), D("1.375"), D("11.00")),
    ("gpt-4o", "regional_standard"): (D("2.75"), D("1.375"), D("11.00")),
    ("gpt-4o", "global_batch"): (D("1.25"), D("1.25"), D("5.00")),
    ("gpt-4o", "data_zone_batch"): (D("1.375"), D("1.375"), D("5.50")),
    ("gpt-4o-mini", "global_standard"): (D("0.15"), D("0.075"), D("0.60")),
    ("gpt-4o-mini", "data_zone_standard"): (D("0.165"), D("0.083"), D("0.66")),
    ("gpt-4o-mini", "global_batch"): (D("0.075"), D("0.075"), D("0.30")),
    ("gpt-4.1", "data_zone_standard"): (D("2.20"), D("0.55"), D("8.80")),
    ("gpt-4.1", "regional_standard"): (D("2.20"), D("0.55"), D("8.80")),
    ("o3", "global_standard"): (D("2.00"), D("0.50"), D("8.00")),
    ("o3", "data_zone_standard"): (D("2.20"), D("0.55"), D("8.80")),
    ("gpt-5", "data_zone_standard"): (D("1.375"), D("0.1375"), D("11.00")),
    ("text-embedding-3-small", "global_standard"): (D("0.02"), None, D("0")),
    ("ft:gpt-4o-mini", "regional_standard"): (D("0.165"), D("0.083"), D("0.66")),
}


def expected(prices: tuple[Decimal, Decimal | None, Decimal], usage: Usage, rate: Decimal = ONE) -> Decimal:
    price_in, price_cached, price_out = prices
    cached_price = price_in if price_cached is None else price_cached
    uncached = usage.input_tokens - usage.cache_read_tokens
    usd = (uncached * price_in + usage.cache_read_tokens * cached_price + usage.output_tokens * price_out) / M
    return usd * rate


CHAT = Usage(input_tokens=12_345, output_tokens=678)
CACHED = Usage(input_tokens=100_000, output_tokens=2_000, cache_read_tokens=90_112)
REASONING = Usage(input_tokens=2_000, output_tokens=15_000, reasoning_tokens=12_800)
EMBED = Usage(input_tokens=123_456)

OPENAI_CASES = [
    # (table key, operation, request model, response model, service tier, batch, usage)
    ("gpt-4o", "chat", "gpt-4o", "gpt-4o-2024-08-06", None, False, CHAT),
    ("gpt-4o", "chat", "gpt-4o", "gpt-4o-2024-11-20", None, False, CACHED),
    ("gpt-4o-2024-05-13", "chat", "gpt-4o-2024-05-13", None, None, False, CHAT),
    ("gpt-4o-mini", "chat", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", None, False, CACHED),
    ("gpt-4.1", "chat", "gpt-4.1", "gpt-4.1-2025-04-14", None, False, CACHED),  # Responses API: same operation
    ("gpt-4.1-mini", "chat", "gpt-4.1-mini", None, "default", False, CHAT),
    ("gpt-4.1-nano", "chat", "gpt-4.1-nano", None, "auto", False, CACHED),
    ("o1", "chat", "o1", "o1-2024-12-17", None, False, REASONING),
    ("o3", "chat", "o3", "o3-2025-04-16", None, False, REASONING),
    ("o3-mini", "chat", "o3-mini", "o3-mini-2025-01-31", None, False, REASONING),
    ("o4-mini", "chat", "o4-mini", "o4-mini-2025-04-16", None, False, CACHED),
    ("gpt-5", "chat", "gpt-5", "gpt-5-2025-08-07", None, False, REASONING),
    ("gpt-5-mini", "chat", "gpt-5-mini", None, None, False, CACHED),
    ("gpt-5-nano", "chat", "gpt-5-nano", None, None, False, REASONING),
    ("gpt-3.5-turbo-instruct", "text_completion", "gpt-3.5-turbo-instruct", None, None, False, CHAT),
    ("text-embedding-3-small", "embeddings", "text-embedding-3-small", None, None, False, EMBED),
    ("text-embedding-3-large", "embeddings", "text-embedding-3-large", None, None, False, EMBED),
    ("text-embedding-ada-002", "embeddings", "text-embedding-ada-002", None, None, False, EMBED),
    ("gpt-4o-mini/batch", "chat", "gpt-4o-mini", None, None, True, CHAT),
    ("gpt-4o/batch", "chat", "gpt-4o", None, None, True, CHAT),
    ("gpt-5/flex", "chat", "gpt-5", None, "flex", False, CACHED),
    ("gpt-5/priority", "chat", "gpt-5", None, "priority", False, REASONING),
    ("o3/flex", "chat", "o3", None, "flex", False, CACHED),
    ("ft:gpt-4o-mini", "chat", "ft:gpt-4o-mini-2024-07-18:acme::9abcDEF", None, None, False, CHAT),
    ("ft:gpt-4o", "chat", "ft:gpt-4o-2024-08-06:acme:support:Xy12", None, None, False, CHAT),
]


@pytest.fixture(scope="module")
def pricer() -> Pricer:
    return Pricer(Settings())


@pytest.mark.parametrize(
    ("key", "operation", "request_model", "response_model", "tier", "batch", "usage"),
    OPENAI_CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(OPENAI_CASES)],
)
def test_openai_prices_match_the_published_table(
    pricer, key, operation, request_model, response_model, tier, batch, usage
):
    request = PricingRequest(operation, usage, request_model, response_model, service_tier=tier, batch=batch)
    cost = pricer.price(request)
    assert cost.status == semconv.STATUS_PRICED, cost
    assert cost.total == expected(OPENAI[key], usage), (key, cost)
    assert cost.input + cost.cache_read + cost.cache_write + cost.output == cost.total


AZURE_CASES = [
    # (table key, deployment type, region, response model, usage)
    (("gpt-4o", "global_standard"), "global_standard", None, "gpt-4o-2024-08-06", CHAT),
    (("gpt-4o", "data_zone_standard"), "data_zone_standard", "swedencentral", "gpt-4o-2024-08-06", CACHED),
    (("gpt-4o", "regional_standard"), "regional_standard", "eastus", "gpt-4o-2024-08-06", CHAT),
    (("gpt-4o", "global_batch"), "global_batch", None, "gpt-4o-2024-08-06", CHAT),
    (("gpt-4o", "data_zone_batch"), "data_zone_batch", "westeurope", "gpt-4o-2024-08-06", CHAT),
    (("gpt-4o-mini", "global_standard"), "global_standard", None, "gpt-4o-mini-2024-07-18", CACHED),
    (("gpt-4o-mini", "data_zone_standard"), "data_zone_standard", "eastus2", "gpt-4o-mini-2024-07-18", CACHED),
    (("gpt-4o-mini", "global_batch"), "global_batch", None, "gpt-4o-mini-2024-07-18", CHAT),
    (("gpt-4.1", "data_zone_standard"), "data_zone_standard", None, "gpt-4.1-2025-04-14", CACHED),
    (("gpt-4.1", "regional_standard"), "regional_standard", "eastus", "gpt-4.1-2025-04-14", CHAT),
    (("o3", "global_standard"), "global_standard", None, "o3-2025-04-16", REASONING),
    (("o3", "data_zone_standard"), "data_zone_standard", "francecentral", "o3-2025-04-16", REASONING),
    (("gpt-5", "data_zone_standard"), "data_zone_standard", None, "gpt-5-2025-08-07", REASONING),
    (("text-embedding-3-small", "global_standard"), "global_standard", None, "text-embedding-3-small", EMBED),
    (
        ("ft:gpt-4o-mini", "regional_standard"),
        "regional_standard",
        "northcentralus",
        "gpt-4o-mini-2024-07-18.ft-0a1b2c3d4e5f",
        CHAT,
    ),
]


@pytest.mark.parametrize(
    ("key", "kind", "region", "response_model", "usage"), AZURE_CASES, ids=[f"{c[0][0]}-{c[1]}" for c in AZURE_CASES]
)
def test_azure_prices_match_the_published_table(pricer, key, kind, region, response_model, usage):
    deployment = Deployment(name="my-deployment", type=kind, region=region)
    operation = "embeddings" if "embedding" in response_model else "chat"
    request = PricingRequest(
        operation, usage, "my-deployment", response_model, deployment=deployment, provider=semconv.PROVIDER_AZURE
    )
    cost = pricer.price(request)
    assert cost.status == semconv.STATUS_PRICED, cost
    assert cost.total == expected(AZURE[key], usage), (key, cost)
    assert kind in cost.source


def test_reasoning_tokens_are_not_added_to_output_twice(pricer):
    with_breakdown = pricer.price(PricingRequest("chat", REASONING, "o3"))
    without = pricer.price(PricingRequest("chat", Usage(2_000, 15_000), "o3"))
    assert with_breakdown.total == without.total == expected(OPENAI["o3"], REASONING)


def test_cached_tokens_are_part_of_input_not_on_top(pricer):
    cost = pricer.price(PricingRequest("chat", CACHED, "gpt-4o-mini"))
    assert cost.input == (CACHED.input_tokens - CACHED.cache_read_tokens) * D("0.15") / M
    assert cost.cache_read == CACHED.cache_read_tokens * D("0.075") / M


def test_currency_conversion_uses_the_configured_rate():
    pricer = Pricer(Settings(currency="EUR", usd_rate=D("0.92")))
    cost = pricer.price(PricingRequest("chat", CACHED, "gpt-4.1"))
    assert cost.currency == "EUR"
    assert cost.total == expected(OPENAI["gpt-4.1"], CACHED, D("0.92"))


def test_provisioned_deployment_has_tokens_but_no_per_token_cost(pricer):
    deployment = Deployment(name="ptu-prod", model="gpt-4o-2024-08-06", type="provisioned")
    cost = pricer.price(
        PricingRequest(
            "chat", CHAT, "ptu-prod", "gpt-4o-2024-08-06", deployment=deployment, provider=semconv.PROVIDER_AZURE
        )
    )
    assert cost.status == semconv.STATUS_PROVISIONED
    assert cost.total is None and cost.input is None and cost.output is None


def test_no_usage_is_no_usage_never_zero(pricer):
    cost = pricer.price(PricingRequest("chat", None, "gpt-4o"))
    assert cost.status == semconv.STATUS_NO_USAGE
    assert cost.total is None


def test_unknown_model_is_unknown_not_zero(pricer):
    cost = pricer.price(PricingRequest("chat", CHAT, "my-gpt4o-deployment"))
    assert cost.status == semconv.STATUS_UNKNOWN_MODEL
    assert cost.total is None


def test_fine_tuned_model_without_a_fine_tuned_price_is_not_priced_at_its_base_rate(pricer):
    cost = pricer.price(PricingRequest("chat", CHAT, "ft:o3-2025-04-16:acme::abc"))
    assert cost.status == semconv.STATUS_UNKNOWN_MODEL
