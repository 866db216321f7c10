"""The span's start under hostile SDK set-ups: a sampler and an ``on_start`` processor that read the start
attributes (semconv: the attributes set at creation can drive sampling), and span limits. The exported span must be
what the SDK's own path gives: compared with a provider whose processor forces that path."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import SpanLimits, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from tests.integration.adversarial.shapes import chat_kwargs, chat_reply
from tests.support.scripted_openai import client

START = ("gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model", "server.address", "server.port")


class ModelSampler(Sampler):
    """Samples only calls of one request model, reading the start attributes as a real sampler may."""

    def __init__(self, model):
        self.model = model
        self.seen = []

    def should_sample(self, parent_context, trace_id, name, kind=None, attributes=None, links=None, trace_state=None):
        self.seen.append(dict(attributes or {}))
        keep = (attributes or {}).get("gen_ai.request.model") == self.model
        return SamplingResult(Decision.RECORD_AND_SAMPLE if keep else Decision.DROP, attributes)

    def get_description(self):
        return "ModelSampler"


class StartReader(SpanProcessor):
    def __init__(self):
        self.seen = []

    def on_start(self, span, parent_context=None):
        self.seen.append(dict(span.attributes or {}))


def _run(server, tracer_provider, calls=(("gpt-4o-mini", True),)):
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=MeterProvider())
    try:
        with client(server) as api:
            for model, stream in calls:
                result = api.chat.completions.create(**chat_kwargs(model=model, stream=stream))
                if stream:
                    list(result)
    finally:
        instrumentor.uninstrument()


def test_sampler_sees_the_start_attributes(server):
    server.answer = chat_reply()
    exporter = InMemorySpanExporter()
    sampler = ModelSampler("gpt-4o-mini")
    provider = TracerProvider(sampler=sampler)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    _run(server, provider, calls=(("gpt-4o-mini", True), ("gpt-4o", True), ("gpt-4o-mini", False)))
    assert len(sampler.seen) == 3
    for seen in sampler.seen:
        assert set(START) <= set(seen), seen
    assert [s.attributes["gen_ai.request.model"] for s in exporter.get_finished_spans()] == ["gpt-4o-mini"] * 2


def test_on_start_processor_sees_the_start_attributes(server):
    server.answer = chat_reply()
    reader = StartReader()
    provider = TracerProvider()
    provider.add_span_processor(reader)
    _run(server, provider)
    [seen] = reader.seen
    assert set(START) <= set(seen), seen


def _exported(server, limits, force_plain):
    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=limits)
    if force_plain:
        provider.add_span_processor(StartReader())  # an on_start of its own: the SDK's plain path
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    _run(server, provider, calls=(("gpt-4o-mini", True), ("gpt-4o-mini", False)))
    timed = ("gen_ai.response.time_to_first_chunk",)  # seconds: differ from run to run
    return [(s.name, [(k, "<s>" if k in timed else v) for k, v in s.attributes.items()], s.dropped_attributes, [(e.name, dict(e.attributes)) for e in s.events])
            for s in exporter.get_finished_spans()]  # fmt: skip


@pytest.mark.parametrize("limits", [
    SpanLimits(max_attributes=4), SpanLimits(max_attributes=12), SpanLimits(max_attribute_length=3),
    SpanLimits(max_attributes=200),
], ids=["count_4", "count_12", "length_3", "roomy"])  # fmt: skip
def test_span_limits_as_the_sdk_applies_them(server, limits):
    server.answer = chat_reply()
    ours = _exported(server, limits, force_plain=False)
    assert len(ours) == 2, "two calls, two spans"  # (else the comparison holds of nothing)
    assert ours == _exported(server, limits, force_plain=True)


def _exported_with(server, force_plain, kwargs, tags):
    """The spans of one chat call with these extra arguments and allocation tags, our start path or the SDK's."""
    from otel_aicost import allocate

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    if force_plain:
        provider.add_span_processor(StartReader())  # an on_start of its own: the SDK's plain path
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=provider, meter_provider=MeterProvider())
    try:
        with client(server) as api, allocate(**tags):
            api.chat.completions.create(**chat_kwargs(**kwargs))
    finally:
        instrumentor.uninstrument()
    return [(s.name, list(s.attributes.items())) for s in exporter.get_finished_spans()]


@pytest.mark.parametrize("kwargs", [
    {}, {"temperature": 0.5, "max_tokens": 9}, {"temperature": 1}, {"stop": ["a", "b"]}, {"stop": "end"},
    {"seed": True}, {"top_p": 0.5, "frequency_penalty": 0, "stop": ("x",)}, {"stop": []},
], ids=["none", "floats", "int", "stop_list", "stop_str", "bool", "mixed", "stop_empty_not_plain"])  # fmt: skip
@pytest.mark.parametrize("tags", [{}, {"team": "search"}], ids=["no_tags", "tags"])
def test_start_attributes_of_any_parameters_and_tags_as_the_sdk_stores_them(server, kwargs, tags):
    """The start attributes' plainness is decided per part (the profile's once, the parameters and tags per call):
    whatever the parameters and tags, the exported span is the SDK's own path's, in the same order."""
    server.answer = chat_reply()
    ours = _exported_with(server, False, kwargs, tags)
    assert ours == _exported_with(server, True, kwargs, tags)
    assert ours and ("gen_ai.request.model", "gpt-4o-mini") in ours[0][1]
