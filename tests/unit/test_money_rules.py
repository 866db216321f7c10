"""Issue 11's money rules: implausible usage, promotions that end, assumptions on the span, imported catalogs,
and the properties every cost keeps (components add up, nothing negative or NaN, implausible usage never reaches a
budget)."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_aicost import semconv
from otel_aicost.budgets.book import BudgetBook
from otel_aicost.budgets.guard import BudgetGuard
from otel_aicost.budgets.rules import Budget
from otel_aicost.cli import main as cli
from otel_aicost.config.settings import ConfigError, Deployment, PriceOverride, Settings, load_settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.pricing import imported, importers
from otel_aicost.instrumentation.usage import Usage, breakdown

D = Decimal
M = D(1_000_000)
AZURE = semconv.PROVIDER_AZURE
DAY = datetime(2026, 12, 2, tzinfo=timezone.utc)


def chat(pricer: Pricer, model: str, usage: Usage, **kw) -> object:
    return pricer.price(PricingRequest("chat", usage, model, model, **kw))


# --- implausible usage -------------------------------------------------------------------------------------------


def test_a_claim_of_10_to_the_15_prompt_tokens_is_recorded_not_priced_and_said_once(caplog):
    pricer = Pricer(Settings())
    with caplog.at_level(logging.WARNING, logger="otel_aicost.cost.pricer"):
        first = chat(pricer, "gpt-4o", Usage(10**15, 10))
        second = chat(pricer, "gpt-4o", Usage(10**15, 10))
    assert first.status == second.status == semconv.STATUS_IMPLAUSIBLE_USAGE
    assert first.total is None and first.model == "gpt-4o"
    assert len([r for r in caplog.records if "beyond what it can bill" in r.getMessage()]) == 1
    assert chat(pricer, "gpt-4o", Usage(100_000, 16_000)).status == semconv.STATUS_PRICED  # a real big call


def test_an_embeddings_call_may_carry_many_inputs_without_being_implausible():
    pricer = Pricer(Settings())
    many = pricer.price(PricingRequest("embeddings", Usage(2_000_000), "text-embedding-3-small"))
    assert many.status == semconv.STATUS_PRICED and many.total == 2_000_000 * D("0.02") / M


def test_implausible_usage_never_reaches_a_budget():
    pricer = Pricer(Settings())
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    guard = BudgetGuard(book, pricer)
    cost = chat(pricer, "gpt-4o-mini", Usage(10**15, 10**12))
    guard.settle(SimpleNamespace(reservation=None, tags={}), cost, None)
    assert book.spent() == {"cap": D(0)}
    assert book.reserve({}, D("9.99")) is not None  # the next call is not blocked by a fantasy


# --- promotions and validity --------------------------------------------------------------------------------------


def test_a_price_after_its_end_date_is_stale_and_before_it_priced():
    promo = PriceOverride("promo-model", input=D("1"), output=D("2"), valid_until=date(2026, 11, 30))
    pricer = Pricer(Settings(prices=(promo,)))
    during = chat(pricer, "promo-model", Usage(1_000, 100), when=datetime(2026, 11, 30, 23, tzinfo=timezone.utc))
    after = chat(pricer, "promo-model", Usage(1_000, 100), when=DAY)
    assert during.status == semconv.STATUS_PRICED and during.total == (1_000 * 1 + 100 * 2) / M
    assert after.status == semconv.STATUS_STALE_PRICE and after.total is None
    assert "valid until 2026-11-30" in after.source


def test_after_a_promotion_the_rate_that_follows_applies():
    prices = (
        PriceOverride("promo-model", input=D("1"), output=D("2"), valid_until=date(2026, 11, 30)),
        PriceOverride("promo-model", input=D("3"), output=D("6"), effective_from=date(2026, 12, 1)),
    )
    pricer = Pricer(Settings(prices=prices))
    after = chat(pricer, "promo-model", Usage(1_000, 100), when=DAY)
    assert after.status == semconv.STATUS_PRICED and after.total == (1_000 * 3 + 100 * 6) / M


def test_valid_until_in_the_config_file_is_read(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[[prices]]\nmodel = "m"\ninput = 1\noutput = 2\nvalid_until = "2026-12-31"\n')
    assert load_settings({"config": str(path)}, environ={}).prices[0].valid_until == date(2026, 12, 31)
    path.write_text('[[prices]]\nmodel = "m"\ninput = 1\noutput = 2\nvalid_until = "soon"\n')
    with pytest.raises(ConfigError, match=r"prices\[0\]\.valid_until"):
        load_settings({"config": str(path)}, environ={})


# --- assumptions made visible ------------------------------------------------------------------------------------


def test_the_deployment_type_source_says_declared_or_assumed():
    declared = Pricer(Settings(deployments={"prod": Deployment("prod", "gpt-4o", "data_zone_standard")}))
    usage = Usage(1_000, 100)
    known = declared.price(PricingRequest("chat", usage, "prod", "gpt-4o-2024-08-06", Deployment("prod"), provider=AZURE))
    unknown = declared.price(
        PricingRequest("chat", usage, "other", "gpt-4o-2024-08-06", Deployment("other"), provider=AZURE)
    )
    openai = declared.price(PricingRequest("chat", usage, "gpt-4o"))
    assert known.deployment_type_source == "declared" and "data_zone_standard" in known.source
    assert unknown.deployment_type_source == "assumed" and "priced as global_standard" in unknown.source
    assert openai.deployment_type_source is None


def test_regional_processing_hosts_add_the_uplift_and_say_so():
    pricer = Pricer(Settings())
    usage = Usage(100_000, 0)  # below the 272k long-context threshold
    eu = chat(pricer, "gpt-5.5", usage, server_address="eu.api.openai.com")
    plain = chat(pricer, "gpt-5.5", usage, server_address="api.openai.com")
    assert eu.total == D("0.55") and plain.total == D("0.5")
    assert "regional processing (eu): +10%" in eu.source


# --- imported catalogs ---------------------------------------------------------------------------------------------


LITELLM = {
    "sample_spec": {"input_cost_per_token": 0},
    "gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05},
    "azure/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05},
    "azure/eu/gpt-4o": {"litellm_provider": "azure", "input_cost_per_token": 2.75e-06, "output_cost_per_token": 1.1e-05},
}
AZURE_PAGE = {
    "Items": [
        {"meterName": "gpt-4o-0806-Inp-glbl Tokens", "retailPrice": 0.0025, "unitOfMeasure": "1K", "type": "Consumption"},
        {"meterName": "gpt-4o-0806-Outp-glbl Tokens", "retailPrice": 0.01, "unitOfMeasure": "1K", "type": "Consumption"},
        {"meterName": "gpt 4o 0806 Inp Data Zone Tokens", "retailPrice": 0.00275, "unitOfMeasure": "1K"},
        {"meterName": "gpt 4o 0806 Outp Data Zone Tokens", "retailPrice": 0.011, "unitOfMeasure": "1K"},
    ],
    "NextPageLink": None,
}
GENAI = [
    {"id": "openai", "models": [{"id": "gpt-4o", "prices": {"input_mtok": 2.5, "output_mtok": 10}}]},
    {"id": "anthropic", "models": [{"id": "claude", "prices": {"input_mtok": 3, "output_mtok": 15}}]},
]


@pytest.mark.parametrize(("name", "data"), [("litellm.json", LITELLM), ("azure.json", AZURE_PAGE), ("genai.json", GENAI)])
def test_prices_import_writes_a_catalog_that_prices_calls_and_names_itself(tmp_path, name, data, monkeypatch):
    source = tmp_path / name
    source.write_text(json.dumps(data))
    out = tmp_path / "catalog.json"
    result = CliRunner().invoke(cli, ["prices", "import", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    settings = load_settings({}, environ={"OTEL_AICOST_PRICES": str(out)})
    pricer = Pricer(settings)
    usage = Usage(1_000_000, 1_000_000)
    if name == "azure.json":
        zone = Deployment("d", "gpt-4o-2024-08-06", "data_zone_standard")
        cost = pricer.price(PricingRequest("chat", usage, "d", "gpt-4o-2024-08-06", zone, provider=AZURE))
        assert cost.total == D("2.75") + D("11")
    else:
        cost = chat(pricer, "gpt-4o", usage)
        assert cost.total == D("12.5")
    assert cost.source.startswith(name.split(".")[0].replace("genai", "genai-prices").replace("azure", "azure-retail"))
    assert f"{name} imported" in cost.source


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"input": -1, "output": 1}, "must be a finite number >= 0"),
        ({"input": "NaN", "output": 1}, "must be a finite number >= 0"),
        ({"input": 25_000, "output": 1}, "absurd"),
        ({"output": 1}, "missing 'input'"),
        ({"input": 1, "outptu": 1}, "unknown key"),
        ({"input": 1, "valid_until": "tomorrow"}, "expected a date"),
    ],
)
def test_a_bad_catalog_fails_at_setup_naming_the_file_and_key(tmp_path, row, problem):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"format": imported.FORMAT, "source": "x", "imported_at": "2026-12-02",
                                "openai": {"gpt-4o": row}}))  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        load_settings({"prices_file": str(path)}, environ={})
    assert str(path) in str(raised.value) and "openai.gpt-4o" in str(raised.value) and problem in str(raised.value)


def test_an_unknown_file_is_refused_with_exit_2(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2, 3]")
    result = CliRunner().invoke(cli, ["prices", "import", str(path)])
    assert result.exit_code == 2 and "not a price file I know" in result.output
    with pytest.raises(imported.CatalogError):
        importers.convert({"nothing": 1}, "x.json")


def test_prices_shows_unit_currency_and_the_overrides_unit(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('currency = "EUR"\nusd_rate = 0.5\n[[prices]]\nmodel = "mine"\ninput = 2\noutput = 4\n')
    result = CliRunner().invoke(cli, ["prices", "mine"], env={"OTEL_AICOST_CONFIG": str(path)})
    assert result.exit_code == 0, result.output
    assert "input           1\n" in result.output  # 2 USD at 0.5 EUR per USD
    assert "[[prices]] overrides in the config are USD per 1M tokens" in result.output


# --- usage readers ------------------------------------------------------------------------------------------------


def test_breakdown_reads_audio_cache_writes_and_images_from_the_sdk_objects():
    from openai.types.completion_usage import CompletionUsage

    usage = CompletionUsage.model_validate(
        {
            "prompt_tokens": 1_200,
            "completion_tokens": 600,
            "total_tokens": 1_800,
            "prompt_tokens_details": {"audio_tokens": 1_000, "cached_tokens": 0, "cache_write_tokens": 5_000},
            "completion_tokens_details": {"audio_tokens": 500},
        }
    )
    found = breakdown(usage.prompt_tokens_details, usage.completion_tokens_details, 1_200, 600)
    assert found == {"cache_write_tokens": 1_200, "input_audio_tokens": 1_000, "output_audio_tokens": 500}
    realtime = {"audio_tokens": 70, "cached_tokens_details": {"audio_tokens": 90}, "image_tokens": 5}
    assert breakdown(realtime, {"audio_tokens": -3}, 100, 10) == {
        "input_audio_tokens": 70,
        "cache_read_audio_tokens": 70,
        "input_image_tokens": 5,
    }
    responses = {"cache_write_tokens": 40, "cache_write_tokens_details": {"ttl_12h_tokens": 30, "ttl_30m_tokens": 10}}
    assert breakdown(responses, None, 100, 0) == {"cache_write_tokens": 40, "cache_write_12h_tokens": 30}


# --- properties ---------------------------------------------------------------------------------------------------

COUNTS = st.integers(min_value=-5, max_value=3_000_000) | st.none() | st.floats(allow_nan=True) | st.text(max_size=3)
MODELS = st.sampled_from(
    ["gpt-4o", "gpt-audio", "gpt-realtime", "gpt-realtime-mini", "gpt-6-sol", "gpt-5.4", "ft:gpt-4.1-2025-04-14:a::b",
     "text-embedding-3-small", "o3", "gpt-4o-audio-preview-2024-12-17", "unknown-model"]
)  # fmt: skip
VARIANTS = st.sampled_from(
    [{}, {"batch": True}, {"service_tier": "flex"}, {"service_tier": "priority"},
     {"server_address": "eu.api.openai.com"}, {"deployment": Deployment("d", type="data_zone_standard"),
     "provider": AZURE}, {"deployment": Deployment("d"), "provider": AZURE}]
)  # fmt: skip
PRICERS = [Pricer(Settings()), Pricer(Settings(currency="JPY", usd_rate=D("151.123456789")))]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PRICERS), MODELS, VARIANTS, st.tuples(*(COUNTS,) * 10))
def test_components_add_up_and_are_never_negative_or_nan(pricer, model, variant, counts):
    names = (
        "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens",
        "cache_write_12h_tokens", "input_audio_tokens", "cache_read_audio_tokens", "input_image_tokens",
        "output_audio_tokens",
    )  # fmt: skip
    usage = Usage(**dict(zip(names, counts)))  # type: ignore[arg-type]
    cost = pricer.price(PricingRequest("chat", usage, model, model, **variant))
    parts = (cost.input, cost.cache_read, cost.cache_write, cost.output, cost.audio_input, cost.audio_output,
             cost.image_output)  # fmt: skip
    if cost.status != semconv.STATUS_PRICED:
        assert cost.total is None and all(part is None for part in parts)
        return
    for amount in (*parts, cost.total):
        assert isinstance(amount, Decimal) and amount.is_finite() and amount >= 0
    assert sum(parts, D(0)) == cost.total


@settings(max_examples=100, deadline=None)
@given(st.integers(10**9, 10**18), st.integers(0, 10**18), MODELS)
def test_implausible_usage_never_adds_to_a_budget(inputs, outputs, model):
    pricer = PRICERS[0]
    book = BudgetBook([Budget("cap", 1, action="block")], "USD")
    cost = chat(pricer, model, Usage(inputs, outputs))
    BudgetGuard(book, pricer).settle(SimpleNamespace(reservation=None, tags={}), cost, None)
    assert cost.status in (semconv.STATUS_IMPLAUSIBLE_USAGE, semconv.STATUS_UNKNOWN_MODEL)
    assert book.spent() == {"cap": D(0)}


def test_the_report_shows_the_share_of_cost_priced_on_an_assumed_deployment_type():
    from otel_aicost.finops.call_table import Plan
    from otel_aicost.finops.cost_record import CostRecord
    from otel_aicost.finops.report.output import COLUMN_NAMES
    from tests.support.call_tables import table_of

    records = [
        CostRecord(0, 0.1, "chat", deployment_type="global_standard", deployment_type_source=source, cost=D(cost),
                   pricing_status="priced")
        for source, cost in (("assumed", "3"), ("declared", "1"), (None, "0"))
    ]  # fmt: skip
    builder = table_of(records, Plan(by=("deployment_type",))).report_groups()
    groups, totals = builder.summaries()
    assert totals[0].assumed_share == 0.75
    assert "assumed_type" in COLUMN_NAMES
    from otel_aicost.finops.records import ReadStats
    from otel_aicost.finops.report.build import report_from
    from otel_aicost.finops.report.output import to_table

    table = to_table(report_from(builder, ReadStats(), None, None))
    assert "75.0% of the USD cost was priced on an assumed Azure deployment type" in table
