"""``span_writes.set_attributes`` leaves a span exactly as the SDK's own ``set_attributes`` would (oracle: the same
calls through ``Span.set_attributes`` on a second, identically configured provider): values, order, limits, ended
spans and values the SDK cleans."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_aicost.instrumentation import span_writes

START = {"gen_ai.operation.name": "chat", "server.port": 443, "gen_ai.request.model": "gpt-4o-mini"}
END = {
    "gen_ai.response.id": "chatcmpl-1", "gen_ai.response.finish_reasons": ("stop", "length"),
    "gen_ai.usage.input_tokens": 12, "gen_ai.usage.cost": 4.8e-06, "aicost.flag": True,
    "gen_ai.request.model": "moved to the end", "aicost.pricing.source": "genai-prices 0.2.3",
}  # fmt: skip


def spans_both_ways(end: dict, limits: SpanLimits | None = None, ended: bool = False) -> tuple[list, list]:
    results = []
    for setter in (lambda span, attributes: span.set_attributes(attributes), span_writes.set_attributes):
        exporter = InMemorySpanExporter()
        provider = TracerProvider(span_limits=limits) if limits is not None else TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        span = provider.get_tracer("test").start_span("chat", attributes=START)
        if ended:
            span.end()
        setter(span, end)
        if not ended:
            span.end()
        (finished,) = exporter.get_finished_spans()
        results.append([(key, value, type(value)) for key, value in finished.attributes.items()]
                       + [("dropped", finished.dropped_attributes, int)])  # fmt: skip
    return results[0], results[1]


def test_plain_values_same_attributes_same_order() -> None:
    sdk, ours = spans_both_ways(END)
    assert ours == sdk
    assert [key for key, _, _ in sdk].index("gen_ai.request.model") == len(START) - 1 + 5, "set again: moved to the end"


@pytest.mark.parametrize(
    "limits",
    [SpanLimits(max_attribute_length=5), SpanLimits(max_span_attributes=6), SpanLimits(max_span_attributes=3)],
    ids=["value length", "count, room for the start", "count below the start"],
)
def test_limits_are_honored_as_the_sdk_does(limits: SpanLimits) -> None:
    sdk, ours = spans_both_ways(END, limits)
    assert ours == sdk


def test_values_the_sdk_cleans() -> None:
    odd = {"a.list": ["x", "y"], "a.none": None, "a.bytes": b"x", "an.object": object(), "": 1, "empty": (),
           "ints": (1, 2), "str.subclass": type("S", (str,), {})("s")}  # fmt: skip
    sdk, ours = spans_both_ways({**END, **odd})
    assert [(k, type(v)) for k, v, _ in ours if k != "an.object"] == [(k, type(v)) for k, v, _ in sdk if k != "an.object"]
    assert [v for k, v, _ in ours if k not in ("an.object",)] == [v for k, v, _ in sdk if k not in ("an.object",)]


def test_an_ended_span_is_left_alone_with_the_sdk_warning(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        sdk, ours = spans_both_ways(END, ended=True)
    assert ours == sdk
    assert sum("ended span" in record.getMessage() for record in caplog.records) == 2


def test_the_fast_path_is_taken_on_this_sdk() -> None:
    provider = TracerProvider()
    span = provider.get_tracer("test").start_span("chat")
    assert span_writes._usable(span)
    calls = []
    span.set_attributes = lambda attributes: calls.append(attributes)  # type: ignore[method-assign]
    span_writes.set_attributes(span, END)
    assert calls == [] and span.attributes["gen_ai.response.id"] == "chatcmpl-1"
    span_writes.set_attributes(span, {"a.list": ["x"]})
    assert calls == [{"a.list": ["x"]}], "a value the SDK would clean goes through set_attributes"


def test_instrumented_calls_export_the_same_spans_with_and_without_the_fast_path(monkeypatch) -> None:
    from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
    from tests.support import mock_openai
    from tests.unit.test_call_budget import cases, respond

    def run(fast: bool) -> list:
        if not fast:
            monkeypatch.setattr(span_writes, "_usable", lambda span: False)
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        instrumentor = OpenAICostInstrumentor()
        instrumentor.instrument(tracer_provider=provider)
        try:
            for instrumented_call, _ in cases(mock_openai.client(respond)).values():
                instrumented_call()
        finally:
            instrumentor.uninstrument()
            monkeypatch.undo()
        timings = ("gen_ai.response.time_to_first_chunk",)
        return [(s.name, [(k, v, type(v)) for k, v in s.attributes.items() if k not in timings])
                for s in exporter.get_finished_spans()]  # fmt: skip

    fast = run(True)
    assert len(fast) == 3
    assert fast == run(False)
