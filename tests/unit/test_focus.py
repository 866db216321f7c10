"""FOCUS 1.2 export: valid by the spec's column rules, and the money adds up exactly to the telemetry."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from otel_aicost.finops.focus.build import build_focus
from otel_aicost.finops.focus.write import csv_line, write_csv, write_finops_hub, write_parquet
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
        assert "." in r["ConsumedQuantity"]  # a decimal column, even for whole numbers (1200.0)
        quantity = Decimal(r["ConsumedQuantity"])
        assert quantity == quantity.to_integral_value()
        tokens[r["x_TokenType"]] += int(quantity)
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


def test_rows_identify_themselves_as_telemetry_for_finops_hubs(tmp_path):
    calls = [
        SyntheticCall(server_address="acct.openai.azure.com", provider="azure.ai.openai",
                      deployment_type="data_zone_standard", deployment_name="chat").priced(),
        SyntheticCall(response_model="mystery-model", request_model="mystery-model", pricing_status="unknown_model"),
    ]  # fmt: skip
    write_lines(tmp_path / "t.jsonl", calls)
    rows = list(build_focus([str(tmp_path / "t.jsonl")], workers=1).rows)
    assert {(r["x_SourceName"], r["x_SourceType"], r["x_SourceProvider"]) for r in rows} == {
        ("otel-aicost", "telemetry", "otel-aicost")
    }
    assert all(r["InvoiceId"] is None for r in rows)
    azure_input = next(r for r in rows if r["ProviderName"] == "Microsoft" and r["x_TokenType"] == "input")
    # the columns FinOps hubs keep (Costs_raw) carry model, token type and deployment type
    assert json.loads(azure_input["SkuPriceDetails"]) == {
        "x_DeploymentType": "data_zone_standard", "x_Model": "gpt-4o-2024-08-06", "x_TokenType": "input",
    }  # fmt: skip
    assert azure_input["SkuMeter"] == "gpt-4o-2024-08-06 Input Tokens"
    assert (azure_input["x_SkuMeterCategory"], azure_input["x_SkuMeterSubcategory"], azure_input["x_SkuTier"]) == (
        "Azure OpenAI", "gpt-4o-2024-08-06", "data_zone_standard",
    )  # fmt: skip
    assert azure_input["PricingCurrency"] == "USD"
    assert azure_input["PricingCurrencyEffectiveCost"] == azure_input["EffectiveCost"]
    # SkuPriceDetails is null exactly where SkuPriceId is (FOCUS 1.2 SkuPriceDetails nullability)
    assert all((r["SkuPriceDetails"] is None) == (r["SkuPriceId"] is None) for r in rows)


def test_rows_are_made_as_they_are_written(telemetry):
    """The rows are not held: each iteration makes them anew from the builder's sums (bounded memory)."""
    import types

    result = build_focus([str(telemetry)], workers=1)
    first = iter(result.rows)
    assert isinstance(first, types.GeneratorType)
    assert len(result.rows) == sum(1 for _ in first) == sum(1 for _ in result.rows)


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow (extra 'parquet') not installed")
def test_parquet_schema_is_fixed_whatever_the_data(tmp_path):
    import pyarrow.parquet as pq

    small = [SyntheticCall(input_tokens=1, output_tokens=1).priced()]
    odd = [SyntheticCall(input_tokens=7, output_tokens=3, cost=Decimal("1.234567890123456789012"),
                         cost_input=Decimal("0.000000000000000000001"), cost_output=None)]  # fmt: skip
    schemas = []
    for name, calls in (("a", small), ("b", odd)):
        write_lines(tmp_path / f"{name}.jsonl", calls)
        result = build_focus([str(tmp_path / f"{name}.jsonl")], workers=1)
        write_parquet(result.rows, tmp_path / f"{name}.parquet")
        schemas.append(pq.read_schema(tmp_path / f"{name}.parquet"))
    assert schemas[0] == schemas[1]
    assert str(schemas[0].field("BilledCost").type) == "decimal128(38, 24)"
    assert str(schemas[0].field("ConsumedQuantity").type) == "decimal128(38, 6)"
    table = pq.read_table(tmp_path / "b.parquet")
    assert sum(table.column("BilledCost").to_pylist()) == result.total_cost["USD"]  # the span's double, exactly
    assert Decimal("1e-21") in table.column("BilledCost").to_pylist()  # a tiny component keeps its digits


def _csv_writer_line(values: list) -> str:
    out = io.StringIO(newline="")
    csv.writer(out).writerow(values)
    return out.getvalue()


def test_csv_line_is_what_csv_writer_writes():
    """The FOCUS CSV's own line writer against the stdlib's csv.writer (the oracle), on cells of every kind:
    separators, quotes, CR, LF, non-ASCII, NUL, empty and None cells, a lone empty cell, numbers, floats."""
    rnd = random.Random(7)
    alphabet = ["a", "Z", ",", '"', "\r", "\n", " ", "\t", "'", "é", "\u2028", "\x00", "\\", ";", "0", ".", "-"]
    cases = [[""], [None], ["", ""], [None, None], ['"'], [","], ["\r\n"], ['a"b'], [' {"team": "a,b"} ']]
    for _ in range(5000):
        row = []
        for _ in range(rnd.randint(1, 6)):
            kind = rnd.random()
            if kind < 0.1:
                row.append(None)
            elif kind < 0.2:
                row.append(rnd.randint(-(10**20), 10**20))
            elif kind < 0.3:
                row.append(rnd.choice([0.1, 1e300, float("nan"), -0.0, 1.5, float("inf"), True, False]))
            else:
                row.append("".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 8))))
        cases.append(row)
    for row in cases:
        try:
            expected = _csv_writer_line(row)
        except csv.Error:  # Python 3.10's writer refuses a NUL ("need to escape"); 3.11+ write it as is, as we do
            assert any(isinstance(cell, str) and "\x00" in cell for cell in row)
            continue
        assert csv_line(row) == expected, row
