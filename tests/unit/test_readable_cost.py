"""What a person sees without a backend: one line per call (``OTEL_AICOST_EXPORTER=console``) and the exit
summary (``OTEL_AICOST_SUMMARY=stderr``). Spans are real SDK spans with typed-in figures."""

from __future__ import annotations

import io

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_aicost.export.console_lines import ReadableConsoleSpanExporter, call_line
from otel_aicost.export.summary import SummaryProcessor

CALL = {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": "chat-prod",
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "aicost.pricing.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.usage.input_tokens": 1204,
    "gen_ai.usage.output_tokens": 312,
    "gen_ai.usage.cost": 0.0003678,
    "aicost.currency": "USD",
    "aicost.tag.team": "search",
}


def _spans(*attribute_sets, processor=None):
    out = io.StringIO()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ReadableConsoleSpanExporter(out)))
    if processor is not None:
        provider.add_span_processor(processor)
    tracer = provider.get_tracer("t")
    for index, attributes in enumerate(attribute_sets):
        span = tracer.start_span("chat", attributes=attributes, start_time=1_000_000_000)
        span.end(end_time=1_000_000_000 + 840_000_000 + index)
    return out.getvalue()


def test_one_line_per_call_with_operation_model_tokens_cost_latency_and_tags():
    printed = _spans(CALL)
    assert printed == (
        "otel-aicost: chat gpt-4o-mini-2024-07-18  in 1,204 / out 312 tokens  $0.000368  0.84 s  team=search\n"
    )


def test_unpriced_calls_say_why_and_other_spans_print_nothing():
    unpriced = {**CALL, "aicost.pricing.status": "unknown_model"}
    del unpriced["gen_ai.usage.cost"]
    printed = _spans(unpriced, {"http.method": "GET"})
    assert printed.splitlines() == [
        "otel-aicost: chat gpt-4o-mini-2024-07-18  in 1,204 / out 312 tokens  not priced (unknown_model)  0.84 s  "
        "team=search"
    ]


def test_call_line_is_none_for_a_span_that_is_not_a_genai_call():
    class Span:
        attributes = {"http.method": "GET"}

    assert call_line(Span()) is None


def test_summary_adds_calls_tokens_and_cost_by_model_and_tag():
    summary = SummaryProcessor()
    other = {**CALL, "aicost.pricing.model": "gpt-4o-2024-08-06", "gen_ai.usage.cost": 0.001, "aicost.tag.team": "ads"}
    unpriced = {key: value for key, value in CALL.items() if key != "gen_ai.usage.cost"}
    _spans(CALL, CALL, other, unpriced, processor=summary)
    table = summary.table().splitlines()
    assert table[0] == "otel-aicost summary: 4 calls, $0.001736 USD"  # 2 x 0.0003678 + 0.001, Decimal sums
    rows = {line.split()[0] + " " + line.split()[1]: line.split()[2:] for line in table[2:]}
    assert rows["gpt-4o-mini-2024-07-18 3"][:3] == ["3,612", "936", "$0.000736"]
    assert rows["gpt-4o-mini-2024-07-18 3"][3:] == ["(1", "not", "priced)"]
    assert rows["gpt-4o-2024-08-06 1"] == ["1,204", "312", "$0.001000"]
    assert rows["tag team=search"] == ["3", "3,612", "936", "$0.000736", "(1", "not", "priced)"]
    assert rows["tag team=ads"] == ["1", "1,204", "312", "$0.001000"]


def test_an_empty_summary_prints_nothing():
    out = io.StringIO()
    SummaryProcessor().print_table(out)
    assert out.getvalue() == ""


def test_openinference_names_carry_the_priced_model_not_the_azure_deployment():
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_aicost.export.openinference import OpenInferenceSpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(OpenInferenceSpanExporter(memory)))
    tracer = provider.get_tracer("t")
    embedding = {"gen_ai.operation.name": "embeddings", "gen_ai.request.model": "embed-prod",
                 "gen_ai.response.model": "text-embedding-3-small", "gen_ai.usage.input_tokens": 42}  # fmt: skip
    for attributes in (CALL, embedding, {"http.method": "GET"}):
        tracer.start_span("s", attributes=attributes).end()
    chat, embed, other = (dict(span.attributes) for span in memory.get_finished_spans())
    assert chat == {**CALL, "llm.model_name": "gpt-4o-mini-2024-07-18"}
    assert embed == {**embedding, "llm.model_name": "text-embedding-3-small",
                     "embedding.model_name": "text-embedding-3-small", "llm.token_count.total": 42}  # fmt: skip
    assert other == {"http.method": "GET"}
