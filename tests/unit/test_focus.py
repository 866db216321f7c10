"""FOCUS 1.2 export: valid by the spec's column rules, and the money adds up exactly to the telemetry."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import defaultdict
from decimal import Decimal

import pytest

from otel_aicost.finops.focus.build import build_focus
from otel_aicost.finops.focus.write import write_csv, write_finops_hub, write_parquet
from tests.support.focus_rules import violations
from tests.support.otlp_lines import BASE_NS, SyntheticCall, span, traces_line, write_lines

HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


@pytest.fixture(scope="module")
def calls(synthetic_telemetry):
    return synthetic_telemetry(1500, seed=33, per_line=40)[0]


@pytest.fixture(scope="module")
def telemetry(synthetic_telemetry):
    return synthetic_telemetry(1500, seed=33, per_line=40)[1]


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


@pytest.mark.parametrize("granularity", ["day", "hour"])
def test_csv_is_valid_focus_and_adds_up_exactly(tmp_path, telemetry, calls, granularity):
    result = build_focus([str(telemetry)], granularity=granularity, workers=1)
    out = tmp_path / "focus.csv"
    write_csv(result.rows, out)
    header, rows = read_csv(out)
    assert violations(header, rows) == []
    want = sum((c.cost for c in calls if c.cost is not None), Decimal(0))
    for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
        assert sum(Decimal(r[column]) for r in rows) == want, column  # read back from text: exact
    assert result.total_cost == {"USD": want}
    # Tokens by type add up too, against the generator's own numbers.
    tokens = defaultdict(int)
    for r in rows:
        tokens[r["x_TokenType"]] += int(r["ConsumedQuantity"])
    with_usage = [c for c in calls if c.pricing_status != "no_usage"]
    assert tokens["cached_input"] == sum(c.cache_read_tokens for c in with_usage)
    assert tokens["input"] == sum(c.input_tokens - c.cache_read_tokens for c in with_usage)
    assert tokens["output"] == sum(c.output_tokens or 0 for c in with_usage)
    period = 3600 if granularity == "hour" else 86400
    assert all(r["ChargePeriodEnd"] > r["ChargePeriodStart"] for r in rows)
    assert {r["ServiceCategory"] for r in rows} == {"AI and Machine Learning"}
    assert {r["ServiceSubcategory"] for r in rows} == {"Generative AI"}
    assert {r["ChargeCategory"] for r in rows} == {"Usage"}
    assert {r["ConsumedUnit"] for r in rows} == {"Tokens"}
    from datetime import datetime

    spans = {
        (
            datetime.strptime(r["ChargePeriodEnd"], "%Y-%m-%dT%H:%M:%SZ")
            - datetime.strptime(r["ChargePeriodStart"], "%Y-%m-%dT%H:%M:%SZ")
        ).total_seconds()
        for r in rows
    }
    assert spans == {period}


def test_rows_split_by_token_type_tags_and_resource(tmp_path):
    call = SyntheticCall(
        provider="azure.ai.openai",
        input_tokens=3000,
        cache_read_tokens=1024,
        cache_write_tokens=500,
        output_tokens=200,
        deployment_name="chat-prod",
        deployment_type="global_standard",
        server_address="contoso.openai.azure.com",
        region="swedencentral",
        tags={"team": "search"},
    ).priced()
    other_team = SyntheticCall(tags={"team": "ads"}).priced()
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([span(call, 0), span(other_team, 1)]) + "\n")
    result = build_focus([str(path)], workers=1)
    by_key = {(json.loads(r["Tags"])["team"], r["x_TokenType"]): r for r in result.rows}
    assert set(by_key) == {
        ("search", "input"), ("search", "cached_input"), ("search", "cache_write"), ("search", "output"),
        ("ads", "input"), ("ads", "output"),
    }  # fmt: skip
    assert by_key[("search", "input")]["ConsumedQuantity"] == 3000 - 1024 - 500
    assert by_key[("search", "cached_input")]["BilledCost"] == call.cost_cache_read
    assert by_key[("search", "cache_write")]["BilledCost"] == call.cost_cache_write
    assert by_key[("search", "output")]["BilledCost"] == call.cost_output
    azure = by_key[("search", "output")]
    assert azure["ProviderName"] == "Microsoft" and azure["ServiceName"] == "Azure OpenAI"
    assert azure["RegionId"] == "swedencentral" and azure["ResourceName"] == "chat-prod"
    assert "chat-prod" in azure["ResourceId"] and azure["x_DeploymentType"] == "global_standard"
    assert azure["ListUnitPrice"] * azure["PricingQuantity"] == azure["ListCost"]
    assert by_key[("ads", "input")]["ProviderName"] == "OpenAI" and by_key[("ads", "input")]["RegionId"] is None


def test_components_that_do_not_add_up_put_the_difference_on_output(tmp_path):
    call = SyntheticCall(input_tokens=100, output_tokens=10).priced()
    call.cost = call.cost + Decimal("0.0000001")  # a total one digit off its parts
    no_parts = SyntheticCall(input_tokens=100, output_tokens=10, cost=Decimal("0.25"), tags={"team": "x"})
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([span(call, 0), span(no_parts, 1)]) + "\n")
    result = build_focus([str(path)], workers=1)
    assert sum(r["BilledCost"] for r in result.rows) == call.cost + Decimal("0.25")
    outputs = sorted(r["BilledCost"] for r in result.rows if r["x_TokenType"] == "output")
    assert outputs == sorted([call.cost_output + Decimal("0.0000001"), Decimal("0.25")])


def test_unpriced_calls_keep_their_tokens_at_cost_zero(tmp_path):
    unknown = SyntheticCall(request_model="mystery", response_model=None, pricing_status="unknown_model")
    failed = SyntheticCall(input_tokens=None, output_tokens=None, pricing_status="no_usage", error_type="APIError")
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([span(unknown, 0), span(failed, 1)]) + "\n")
    result = build_focus([str(path)], workers=1)
    assert {(r["x_TokenType"], r["ConsumedQuantity"], r["BilledCost"]) for r in result.rows} == {
        ("input", Decimal(100), Decimal(0)),
        ("output", Decimal(20), Decimal(0)),
    }
    assert {r["x_PricingStatus"] for r in result.rows} == {"unknown_model"}
    assert {r["PricingCategory"] for r in result.rows} == {"Other"}
    assert result.status_counts == {"unknown_model": 1, "no_usage": 1}
    write_csv(result.rows, tmp_path / "f.csv")
    assert violations(*read_csv(tmp_path / "f.csv")) == []


def test_billing_account_and_invoice_issuer(tmp_path, telemetry):
    result = build_focus([str(telemetry)], billing_account="ea-123", invoice_issuer="Contoso Reseller", workers=1)
    assert {r["BillingAccountId"] for r in result.rows} == {"ea-123"}
    assert {r["InvoiceIssuerName"] for r in result.rows} == {"Contoso Reseller"}


def test_parallel_build_equals_sequential(telemetry):
    here = build_focus([str(telemetry)], workers=1)
    there = build_focus([str(telemetry)], workers=2)
    assert here.rows == there.rows and here.total_cost == there.total_cost


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow (extra 'parquet') not installed")
def test_parquet_has_explicit_types_and_exact_sums(tmp_path, telemetry, calls):
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = build_focus([str(telemetry)], workers=1)
    write_parquet(result.rows, tmp_path / "f.parquet")
    table = pq.read_table(tmp_path / "f.parquet")
    schema = table.schema
    assert pa.types.is_decimal(schema.field("BilledCost").type)
    assert pa.types.is_timestamp(schema.field("ChargePeriodStart").type)
    assert schema.field("ChargePeriodStart").type.tz == "UTC"
    want = sum((c.cost for c in calls if c.cost is not None), Decimal(0))
    assert sum(table.column("BilledCost").to_pylist()) == want
    assert table.num_rows == len(result.rows)


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow (extra 'parquet') not installed")
def test_finops_hub_layout(tmp_path):
    import pyarrow.parquet as pq

    month = 31 * 86400 * 10**9
    calls = [SyntheticCall(start_ns=BASE_NS).priced(), SyntheticCall(start_ns=BASE_NS + month).priced()]
    write_lines(tmp_path / "t.jsonl", calls)
    result = build_focus([str(tmp_path / "t.jsonl")], workers=1)
    written = write_finops_hub(result.rows, tmp_path / "hub", "otel-aicost/../prod account", ingestion_id="run1")
    relative = sorted(p.relative_to(tmp_path / "hub").as_posix() for p in written)
    assert relative == [
        "ingestion/Costs/2026/09/otel-aicost/prod-account/run1__otel-aicost.parquet",
        "ingestion/Costs/2026/10/otel-aicost/prod-account/run1__otel-aicost.parquet",
    ]
    for path in written:
        assert (path.parent / "manifest.json").exists()
        assert pq.read_table(path).num_rows == 2  # input and output rows of one call
