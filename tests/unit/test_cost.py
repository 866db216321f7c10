"""Pricer rules: which model is priced, overrides, tiers, caching, and that no input breaks it."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, PriceOverride, Settings
from otel_aicost.cost.call_cost import Cost, PricingRequest, effective_service_tier
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.pricing import Catalog
from otel_aicost.instrumentation.usage import Usage

D = Decimal
M = D(1_000_000)
USAGE = Usage(input_tokens=1_000, output_tokens=500)
AZURE = semconv.PROVIDER_AZURE


def price(pricer: Pricer, **fields) -> Cost:
    return pricer.price(PricingRequest(fields.pop("operation", "chat"), fields.pop("usage", USAGE), **fields))


def test_response_model_wins_over_request_model():
    pricer = Pricer(Settings())
    cost = price(pricer, request_model="gpt-4o-mini", response_model="gpt-4o-2024-05-13")
    assert cost.model == "gpt-4o-2024-05-13"
    assert cost.total == (1_000 * D(5) + 500 * D(15)) / M


def test_request_model_is_used_when_the_response_model_is_unknown_or_missing():
    pricer = Pricer(Settings())
    assert price(pricer, request_model="gpt-4o-mini").model == "gpt-4o-mini"
    assert price(pricer, request_model="gpt-4o-mini", response_model="no-such-model").model == "gpt-4o-mini"


def test_configured_deployment_model_is_the_last_resort():
    deployments = {"chat-prod": Deployment("chat-prod", model="gpt-4o-2024-08-06", type="data_zone_standard")}
    pricer = Pricer(Settings(deployments=deployments))
    cost = price(pricer, request_model="chat-prod", deployment=Deployment("chat-prod"), provider=AZURE)
    assert cost.status == semconv.STATUS_PRICED
    assert cost.model == "gpt-4o-2024-08-06"
    assert cost.source == "azure-retail-prices 2026-08 (data_zone_standard)"
    assert cost.total == (1_000 * D("2.75") + 500 * D(11)) / M


def test_deployment_of_unknown_type_prices_as_global_standard_and_says_so():
    pricer = Pricer(Settings())
    cost = price(
        pricer,
        request_model="my-dep",
        response_model="gpt-4o-2024-08-06",
        deployment=Deployment("my-dep"),
        provider=AZURE,
    )
    assert cost.status == semconv.STATUS_PRICED
    assert "global_standard" in cost.source and "unknown" in cost.source
    assert cost.total == (1_000 * D("2.5") + 500 * D(10)) / M


def test_azure_model_without_an_azure_price_falls_back_to_the_openai_list_price_and_says_so():
    pricer = Pricer(Settings())
    cost = price(
        pricer,
        request_model="d",
        response_model="gpt-4o-search-preview",
        deployment=Deployment("d", type="data_zone_standard"),
        provider=AZURE,
    )
    assert cost.status == semconv.STATUS_PRICED
    assert cost.source.startswith("genai-prices") and "no Azure data_zone_standard price" in cost.source


def test_region_specific_azure_price_is_used_when_the_region_differs():
    pricer = Pricer(Settings())
    usage = Usage(input_tokens=1_000_000)
    eastus = price(
        pricer,
        usage=usage,
        response_model="gpt-4o-2024-08-06",
        deployment=Deployment("d", type="regional_standard", region="eastus"),
        provider=AZURE,
    )
    north = price(
        pricer,
        usage=usage,
        response_model="gpt-4o-2024-08-06",
        deployment=Deployment("d", type="regional_standard", region="northeurope"),
        provider=AZURE,
    )
    assert eastus.total == D("2.75")
    assert north.total > eastus.total and "northeurope" in north.source


def test_service_tier_response_wins_over_request():
    assert effective_service_tier("flex", "default") == "default"
    assert effective_service_tier("priority", None) == "priority"
    assert effective_service_tier(None, None) is None


def test_flex_without_a_flex_price_is_standard_and_says_so():
    cost = price(Pricer(Settings()), request_model="gpt-4o-mini", service_tier="flex")
    assert cost.total == (1_000 * D("0.15") + 500 * D("0.6")) / M
    assert "no flex price" in cost.source


def test_cache_write_tokens_are_charged_at_the_cache_write_price():
    override = PriceOverride("house-model", input=D(2), output=D(8), cached_input=D("0.2"), cache_write=D("2.5"))
    pricer = Pricer(Settings(prices=(override,)))
    usage = Usage(input_tokens=10_000, output_tokens=100, cache_read_tokens=6_000, cache_write_tokens=3_000)
    cost = price(pricer, request_model="house-model", usage=usage)
    assert cost.input == 1_000 * D(2) / M
    assert cost.cache_read == 6_000 * D("0.2") / M
    assert cost.cache_write == 3_000 * D("2.5") / M
    assert cost.output == 100 * D(8) / M
    assert cost.source == "config"


def test_overrides_win_exact_beats_glob_and_future_dates_wait():
    today = datetime.now(timezone.utc).date()
    overrides = (
        PriceOverride("ft:gpt-4o-mini*", input=D("0.30"), output=D("1.20")),
        PriceOverride("ft:gpt-4o-mini-2024-07-18:acme::x1", input=D(1), output=D(1)),
        PriceOverride("gpt-4o", input=D(9), output=D(9), effective_from=today + timedelta(days=3)),
        PriceOverride("gpt-4o-mini", input=D(3), output=D(3), effective_from=date(2020, 1, 1)),
        PriceOverride("gpt-4o-mini", input=D(4), output=D(4), effective_from=today),
    )
    pricer = Pricer(Settings(prices=overrides))
    assert price(pricer, request_model="ft:gpt-4o-mini-2024-07-18:acme::x1").total == D(1500) / M
    assert price(pricer, request_model="ft:gpt-4o-mini-2024-07-18:acme::zz").total == (300 + 600) * D(1) / M
    assert price(pricer, request_model="gpt-4o").source.startswith("genai-prices")  # override not yet effective
    assert price(pricer, request_model="gpt-4o-mini").total == D(6000) / M  # the latest effective one


def test_override_wins_over_azure_prices():
    pricer = Pricer(Settings(prices=(PriceOverride("gpt-4o-2024-08-06", input=D(1), output=D(2)),)))
    cost = price(
        pricer,
        response_model="gpt-4o-2024-08-06",
        deployment=Deployment("d", type="data_zone_standard"),
        provider=AZURE,
    )
    assert cost.source == "config" and cost.total == D(2000) / M


def test_dated_price_changes_are_honoured():
    catalog = Catalog()
    before = catalog.resolve(["o3"], when=datetime(2025, 5, 1, tzinfo=timezone.utc))
    after = catalog.resolve(["o3"], when=datetime(2025, 7, 1, tzinfo=timezone.utc))
    assert (before.input, before.output) == (D(10), D(40))  # o3 before OpenAI's June 2025 price cut
    assert (after.input, after.output) == (D(2), D(8))


def test_long_context_calls_are_priced_wholly_at_the_long_context_rate():
    pricer = Pricer(Settings())
    short = price(pricer, request_model="gpt-5.4", usage=Usage(input_tokens=272_000))
    long = price(pricer, request_model="gpt-5.4", usage=Usage(input_tokens=272_001))
    assert long.input / 272_001 == 2 * short.input / 272_000


def test_repeated_calls_hit_the_cache_and_a_new_day_clears_it():
    pricer = Pricer(Settings())
    first = price(pricer, request_model="gpt-4o")
    assert price(pricer, request_model="gpt-4o") == first
    assert len(pricer._cache) == 1
    pricer._expires = 0.0
    price(pricer, request_model="gpt-4.1")
    assert len(pricer._cache) == 1


def test_garbage_counts_are_clamped_not_raised():
    pricer = Pricer(Settings())
    cost = price(
        pricer,
        request_model="gpt-4o",
        usage=Usage(input_tokens=-5, output_tokens="12", cache_read_tokens=10**30, cache_write_tokens=None),
    )  # type: ignore[arg-type]
    assert cost.status == semconv.STATUS_PRICED
    assert cost.total == 12 * D(10) / M  # input -5 -> 0, cache clamped to the (zero) input, output "12" -> 12


MODELS = st.sampled_from(
    [
        "gpt-4o",
        "gpt-4o-mini-2024-07-18",
        "o3",
        "gpt-5",
        "gpt-5.4",
        "text-embedding-3-small",
        "ft:gpt-4o-mini:x::y",
        "gpt-4o-mini-2024-07-18.ft-abc",
        "gpt-35-turbo",
        "my-deployment",
        "",
        "FT:",
        "gpt-4o-2024-05-13",
    ]
) | st.text(max_size=30)
COUNTS = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.text(max_size=5),
    st.booleans(),
)
TIERS = st.sampled_from([None, "auto", "default", "flex", "priority", "scale", "FLEX"]) | st.text(max_size=8)
TYPES = st.sampled_from([None, *semconv.DEPLOYMENT_TYPES, "weird"])
REGIONS = st.sampled_from([None, "eastus", "northeurope", "australiaeast", "nowhere"])
PRICERS = [
    Pricer(Settings()),
    Pricer(Settings(currency="JPY", usd_rate=D("151.123456789"))),
    Pricer(Settings(prices=(PriceOverride("gpt-*", input=D("0.1"), output=D("0.3"), cached_input=D(0)),))),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PRICERS),
    MODELS,
    MODELS,
    TYPES,
    REGIONS,
    TIERS,
    st.booleans(),
    st.booleans(),
    COUNTS,
    COUNTS,
    COUNTS,
    COUNTS,
    COUNTS,
)
def test_no_input_produces_a_negative_nan_or_raised_cost(
    pricer, request_model, response_model, kind, region, tier, azure, batch, inputs, outputs, cached, written, reasoning
):
    usage = Usage(inputs, outputs, cached, written, reasoning)  # type: ignore[arg-type]
    deployment = Deployment("dep", type=kind, region=region) if azure or kind else None
    request = PricingRequest(
        "chat",
        usage,
        request_model,
        response_model,
        deployment=deployment,
        service_tier=tier,
        provider=AZURE if azure else semconv.PROVIDER_OPENAI,
        batch=batch,
    )
    cost = pricer.price(request)
    assert cost.status in (
        semconv.STATUS_PRICED,
        semconv.STATUS_UNKNOWN_MODEL,
        semconv.STATUS_PROVISIONED,
        semconv.STATUS_IMPLAUSIBLE_USAGE,
    )
    parts = (cost.input, cost.cache_read, cost.cache_write, cost.output)
    if cost.status != semconv.STATUS_PRICED:
        assert cost.total is None and all(part is None for part in parts)
        return
    for amount in (*parts, cost.total):
        assert isinstance(amount, Decimal) and amount.is_finite() and amount >= 0
        assert math.isfinite(float(amount))
    assert exact_sum(*parts) == cost.total


def exact_sum(*amounts: Decimal) -> Decimal:
    """Sum without rounding (the default context keeps 28 digits; huge counts in JPY need more)."""
    with localcontext() as context:
        context.prec = 200
        return sum(amounts, D(0))


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**6),  # what one call of these models can bill (more is implausible_usage, tested apart)
    st.integers(0, 10**5),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.sampled_from(["gpt-4o", "o3", "gpt-5.4", "text-embedding-3-large", "gpt-4.1-nano"]),
)
def test_components_always_add_up_to_the_total(inputs, outputs, cached, written, model):
    operation = "embeddings" if "embedding" in model else "chat"
    cost = PRICERS[1].price(PricingRequest(operation, Usage(inputs, outputs, cached, written), model))
    assert cost.status == semconv.STATUS_PRICED
    assert exact_sum(cost.input, cost.cache_read, cost.cache_write, cost.output) == cost.total
    assert min(cost.input, cost.cache_read, cost.cache_write, cost.output) >= 0


def test_priced_cost_is_an_ordinary_cost():
    import dataclasses

    cost = price(Pricer(Settings()), request_model="gpt-4o")
    rebuilt = Cost(*(getattr(cost, field.name) for field in dataclasses.fields(Cost)))
    assert cost == rebuilt and hash(cost) == hash(rebuilt)
    assert dataclasses.replace(cost, currency="EUR").currency == "EUR"


def test_region_dependent_price_without_a_region_says_so_and_preload_works():
    pricer = Pricer(Settings())
    pricer.preload()
    cost = price(
        pricer,
        response_model="gpt-4o-mini-2024-07-18",
        deployment=Deployment("d", type="regional_standard"),
        provider=AZURE,
    )
    assert cost.total == (1_000 * D("0.165") + 500 * D("0.66")) / M
    assert "varies by region" in cost.source
