"""Real instrumentation -> embedded file exporter -> report and FOCUS: the money adds up to published prices.

Prices (USD per 1M tokens, from OpenAI's price page, not read from our catalog): gpt-4o-mini 0.15 input,
0.075 cached input, 0.60 output; gpt-4o 2.50 / 1.25 / 10.00.
"""

from __future__ import annotations

import csv
from decimal import Decimal

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from otel_aicost import allocate
from otel_aicost.export import JsonLinesFileSpanExporter
from otel_aicost.finops.focus.build import build_focus
from otel_aicost.finops.focus.write import write_csv
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from otel_aicost.finops.report.build import build_report
from tests.support import payloads
from tests.support.focus_rules import violations
from tests.support.mock_openai import client, json_response

M = Decimal(1_000_000)
MESSAGES = [{"role": "user", "content": "hi"}]


def test_instrumented_calls_report_and_export_exactly(tmp_path):
    tracer_provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    tracer_provider.add_span_processor(BatchSpanProcessor(JsonLinesFileSpanExporter(tmp_path / "data")))
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=MeterProvider([InMemoryMetricReader()]))
    try:
        mini = client(
            lambda r: json_response(
                payloads.chat_completion(prompt_tokens=1200, completion_tokens=300, cached_tokens=1024)
            )
        )
        big = client(
            lambda r: json_response(
                payloads.chat_completion(model="gpt-4o-2024-08-06", prompt_tokens=100, completion_tokens=50)
            )
        )
        unknown = client(
            lambda r: json_response(
                payloads.chat_completion(model="no-such-model-xyz", prompt_tokens=10, completion_tokens=5)
            )
        )
        with allocate(team="search"):
            for _ in range(3):
                mini.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with allocate(team="ads"):
            big.chat.completions.create(model="gpt-4o", messages=MESSAGES)
            unknown.chat.completions.create(model="no-such-model-xyz", messages=MESSAGES)
    finally:
        instrumentor.uninstrument()
        tracer_provider.shutdown()

    mini_cost = ((1200 - 1024) * Decimal("0.15") + 1024 * Decimal("0.075") + 300 * Decimal("0.60")) / M
    big_cost = (100 * Decimal("2.50") + 50 * Decimal("10.00")) / M
    report = build_report([str(tmp_path / "data")], "team,model", workers=1)
    by_key = {(g.key["tag.team"], g.key["model"]): g for g in report.groups}
    search = by_key[("search", "gpt-4o-mini-2024-07-18")]
    assert (search.requests, search.cost, search.cached_input_tokens) == (3, 3 * mini_cost, 3 * 1024)
    assert search.cached_savings == 3 * 1024 * (Decimal("0.15") - Decimal("0.075")) / M
    assert by_key[("ads", "gpt-4o-2024-08-06")].cost == big_cost
    assert by_key[("ads", "no-such-model-xyz")].unpriced_share == 1.0
    assert report.totals[0].cost == 3 * mini_cost + big_cost
    assert report.stats.corrupt_lines == 0 and report.stats.records == 5

    result = build_focus([str(tmp_path / "data")], workers=1)
    write_csv(result.rows, tmp_path / "focus.csv")
    with open(tmp_path / "focus.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert violations(reader.fieldnames, rows) == []
    assert sum(Decimal(r["BilledCost"]) for r in rows) == 3 * mini_cost + big_cost
    cached = [r for r in rows if r["x_TokenType"] == "cached_input"]
    assert [(r["ConsumedQuantity"], Decimal(r["BilledCost"])) for r in cached] == [
        ("3072.0", 3 * 1024 * Decimal("0.075") / M)
    ]
