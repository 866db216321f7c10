"""``span_writes.set_attributes`` leaves a span exactly as the SDK's own ``set_attributes`` would (oracle: the same
calls through ``Span.set_attributes`` on a second, identically configured provider): values, order, limits, ended
spans and values the SDK cleans."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.sdk.trace import SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult
from opentelemetry.trace import SpanKind

from otel_aicost.export import sdk_internals
from otel_aicost.export.sdk_internals import spans as sdk_spans
from otel_aicost.instrumentation import span_writes, usual_end

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
    assert sdk_internals._span_usable(span)
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
            monkeypatch.setattr(span_writes, "store_clean_span_attributes", lambda span, attributes: False)
            monkeypatch.setattr(usual_end, "store_clean_span_attributes", lambda span, attributes, count: False)
            monkeypatch.setattr(sdk_spans, "_started_plainly", {})  # no known answer: asked below, False
            monkeypatch.setattr(sdk_spans, "attributes_can_follow_start", lambda tracer: False)
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
    assert len(fast) == len(cases(mock_openai.client(respond)))  # one span a case
    assert fast == run(False)


class Reading(SpanProcessor):
    """A processor whose ``on_start`` reads the span's attributes into ``seen``."""

    def __init__(self, seen: list) -> None:
        self.seen = seen

    def on_start(self, span, parent_context=None) -> None:  # noqa: ANN001
        self.seen.append(("processor", dict(span.attributes)))


class Choosy(Sampler):
    """A sampler that reads the attributes it is given into ``seen``."""

    def __init__(self, seen: list) -> None:
        self.seen = seen

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None,
                      trace_state=None):  # noqa: ANN001  # fmt: skip
        self.seen.append(("sampler", dict(attributes or {})))
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        return "choosy"


def test_start_attributes_reach_samplers_and_on_start_processors_that_may_read_them() -> None:
    """The start attributes are stored after the start only where nothing could have read them at the start: a
    sampler of the user's, or a processor with its own ``on_start``, gets them as the SDK hands them over."""
    from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased

    seen = []

    start = {"gen_ai.operation.name": "chat", "server.port": 443}
    plain = TracerProvider(sampler=ParentBased(ALWAYS_ON))
    plain.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    assert sdk_internals.attributes_can_follow_start(plain.get_tracer("t"))
    for provider in (TracerProvider(sampler=Choosy(seen)), TracerProvider()):
        if not seen:
            provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        else:
            provider.add_span_processor(Reading(seen))
        tracer = provider.get_tracer("t")
        assert not sdk_internals.attributes_can_follow_start(tracer)
        span, _ = span_writes.start_span(tracer, "chat", None, start)
        assert dict(span.attributes) == start
        span.end()
    assert seen == [("sampler", start), ("processor", start)]


def test_a_plain_start_asks_again_when_the_tracers_processors_or_sampler_change() -> None:
    """``attributes_can_follow_start`` remembers its answer per tracer: a processor with its own ``on_start`` added
    after a plain start, or a sampler that reads the attributes put in the tracer's place, must see the start
    attributes as the SDK hands them over (the answer asked again, not the one kept; fails with the remembered
    answer's processors or sampler check taken out)."""

    seen = []

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    tracer = provider.get_tracer("t")
    for _ in range(2):  # the second start from the remembered answer
        span, count = sdk_internals.start_plain_span(tracer, "chat", None, START)
        assert count == len(START) and seen == []
        span.end()
    provider.add_span_processor(Reading(seen))
    span, count = sdk_internals.start_plain_span(tracer, "chat", None, START)
    span.end()
    assert (count, seen) == (-1, [("processor", START)])
    provider = TracerProvider()
    tracer = provider.get_tracer("t")
    sdk_internals.start_plain_span(tracer, "chat", None, START)[0].end()
    tracer.sampler = Choosy(seen)
    span, count = sdk_internals.start_plain_span(tracer, "chat", None, START)
    span.end()
    assert (count, seen[1:]) == (-1, [("sampler", START)])


def test_started_spans_are_the_sdks_own_with_and_without_the_fast_start() -> None:
    start = {**{k: v for k, v in END.items()}, "server.port": 443, "gen_ai.request.temperature": 0.2}
    exported = []
    for fast in (True, False):
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("t")
        assert sdk_internals.attributes_can_follow_start(tracer)
        if fast:
            span, _ = span_writes.start_span(tracer, "chat", None, start)
        else:
            span = tracer.start_span("chat", kind=SpanKind.CLIENT, attributes=start)
        span.set_attribute("later", 1)
        span.end()
        (finished,) = exporter.get_finished_spans()
        exported.append((finished.name, finished.kind, [(k, v, type(v)) for k, v in finished.attributes.items()],
                         finished.dropped_attributes))  # fmt: skip
    assert exported[0] == exported[1]


@pytest.mark.parametrize("value", [(), (1, 2), ("stop", 1), ("stop", type("S", (str,), {})("s")), ("stop", None)],
                         ids=repr)  # fmt: skip
def test_a_tuple_the_sdk_would_clean_is_not_plain(value: tuple) -> None:
    """Only tuples of plain str (finish reasons) skip the SDK's cleaning, wherever they stand among the values."""
    assert span_writes.all_plain({**END, "gen_ai.response.finish_reasons": ("stop",)})
    assert not span_writes.all_plain({"a": 1, "odd": value, **END})
    assert not span_writes.all_plain({**END, "odd": value})
