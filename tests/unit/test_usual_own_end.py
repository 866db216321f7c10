"""The usual end specialized for openai's own reply classes (``instrumentation/usual_own_chat_end.py``: ``end_chat``,
``end_embeddings``) exports exactly what the usual end it stands in front of (``usual_end.end_usual``, and the general
end behind that) exports.

Oracle: the same calls made again on fresh providers with the specialized end switched off (``results.end_chat`` or
``results.end_embeddings`` made to answer False): every span (name, attributes in order with their types and reprs,
status, events, parent), every metric point (counts, sums, buckets, attributes, exemplars with the span they point at;
the durations' timings left out) and what the caller receives (the reply's ``model_dump`` and fields set; against the
bare SDK's too). Tables of replies: with and without usage, cached, reasoning and audio tokens, several choices, finish
reasons, a refusal, service tiers, no system fingerprint, extra fields, a model not priced, an Azure deployment, tags, a
budget, content capture, a sampled span around the calls (exemplars), async; embeddings with dimension counts or none.
Each says which of its calls the specialized end must take."""
from __future__ import annotations

import asyncio
import contextlib
import copy
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_aicost import allocate, semconv
from otel_aicost.instrumentation import results
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from otel_aicost.instrumentation.surfaces.usual_usage import _CACHE_WRITES_DECLARED
from otel_aicost.instrumentation.usual_own_chat_end import CHAT_COMPLETION
from otel_aicost.instrumentation.usual_own_embeddings_end import EMBEDDINGS_RESPONSE
from tests.support import mock_openai, payloads
from tests.unit.test_histogram_records import exported

MESSAGES = [{"role": "user", "content": "Hi"}]


def _body(**options: Any) -> dict:
    """A chat reply (``payloads.chat_completion``); ``change`` edits it after."""
    change = options.pop("change", None)
    body = payloads.chat_completion(**options)
    if change is not None:
        change(body)
    return body


def _set(*path: str, value: Any) -> Any:
    """A change setting ``value`` at ``path`` of a body (a key of the last dict)."""

    def change(body: dict) -> None:
        place: Any = body
        for key in path[:-1]:
            place = place[key] if not isinstance(place, list) else place[int(key)]
        place[path[-1]] = value

    return change


def _drop(key: str) -> Any:
    return lambda body: body.pop(key)


def _reasons(*reasons: Any) -> Any:
    def change(body: dict) -> None:
        for choice, reason in zip(body["choices"], reasons):
            choice["finish_reason"] = reason

    return change


def _refusal(body: dict) -> None:
    body["choices"][0]["message"].update(content=None, refusal="I can't help with that.")


def _write(count: Any, ttl: dict | None = None) -> Any:
    """A change: the reply's cache writes (``prompt_tokens_details.cache_write_tokens``; ``ttl``: their details)."""

    def change(body: dict) -> None:
        details = body["usage"]["prompt_tokens_details"]
        details["cache_write_tokens"] = count
        if ttl is not None:
            details["cache_write_tokens_details"] = ttl

    return change


def _ids(body: dict) -> None:  # another id and fingerprint than the plain body's: the same layout, new values
    body.update(id="chatcmpl-other", system_fingerprint="fp_other")


def _usage_extra(body: dict) -> None:
    body["usage"]["surprise_tokens"] = 3


def _details_extra(body: dict) -> None:
    body["usage"]["completion_tokens_details"]["surprise_tokens"] = 3


def _azure_filters(body: dict) -> None:  # what Azure OpenAI adds to a reply (fields openai does not declare)
    verdicts = {"hate": {"filtered": False, "severity": "safe"}, "violence": {"filtered": False, "severity": "safe"}}
    body["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": verdicts}]
    for choice in body["choices"]:
        choice["content_filter_results"] = verdicts


PLAIN = _body(cached_tokens=0, reasoning_tokens=0)
WRITES = _CACHE_WRITES_DECLARED  # cache writes read by attribute: this openai declares them (else they are extras)

# name: (the replies, in order, each with whether the specialized end takes it and optionally the create kwargs of
# its call; create kwargs of every call; config; azure; a sampled span around the calls; async). Each reply gets an id
# of its own (but for a test of the id itself)
SCENARIOS: dict[str, tuple[list[tuple[Any, ...]], dict, dict, bool, bool, bool]] = {
    "plain": ([(PLAIN, True), (PLAIN, True)], {}, {}, False, False, False),
    "mixed replies": ([
        (PLAIN, True),
        (_body(change=_ids), True),
        (_body(), True),  # no token details at all
        (_body(reasoning_tokens=3), True),
        (_body(reasoning_tokens=30), True),  # more than the output: clamped
        (_body(cached_tokens=0), True),
        (_body(cached_tokens=4), True),  # at the cache read rate
        (_body(cached_tokens=12), True),  # all of the input
        (_body(cached_tokens=13), True),  # more than the input: clamped
        (_body(prompt_tokens=0, cached_tokens=3), True),  # clamped to none
        (_body(cached_tokens=4, reasoning_tokens=2), True),
        (_body(cached_tokens=0, change=_write(9)), WRITES),  # cache writes (GPT-5.6 on): at their own rate
        (_body(cached_tokens=4, change=_write(6)), WRITES),
        (_body(cached_tokens=4, change=_write(40)), WRITES),  # more than the input: clamped, 8 of them priced
        (_body(cached_tokens=4, change=_write(0)), WRITES),
        (_body(cached_tokens=12, change=_write(3)), False),  # every input token read from the cache: end_usual's
        (_body(cached_tokens=0, change=_write(9, {"ttl_12h_tokens": 4})), False),  # their 12-hour share: undeclared
        (_body(cached_tokens=0, change=_write("nine")), False),
        (_body(cached_tokens=0, change=_write(-9)), False),
        (_body(model="gpt-6-sol", cached_tokens=3423, prompt_tokens=3438, change=_write(12)), WRITES),  # its rate
        (_body(model="gpt-6-sol", cached_tokens=0, prompt_tokens=3438, reasoning_tokens=2, change=_write(3435)),
         WRITES),
        (_body(cached_tokens=-1), False),  # not a count: the general end's reader
        (_body(cached_tokens=2**60), False),
        (_body(finish_reason="length"), True),
        (_body(finish_reason="tool_calls"), True),
        (_body(finish_reason="content_filter"), True),
        (_body(change=_refusal), True),
        (_body(choices=3), True),
        (_body(choices=3, change=_reasons("stop", None, "length")), True),
        (_body(change=_reasons(None)), True),
        (_body(change=_reasons("")), True),
        (_body(change=_reasons(5)), True),
        (_body(change=_set("choices", value=[])), True),
        (_body(service_tier=None), True),
        (_body(service_tier="flex"), True),
        (_body(service_tier="priority"), True),
        (_body(service_tier=""), True),
        (_body(change=_set("service_tier", value=5)), True),
        (_body(change=_set("system_fingerprint", value=None)), True),
        (_body(change=_set("system_fingerprint", value="")), True),
        (_body(change=_drop("system_fingerprint")), True),
        (_body(change=_set("system_fingerprint", value=7)), True),
        (_body(model="gpt-4o-mini"), True),
        (_body(model="no-such-model"), True),  # priced by the request model
        (PLAIN, True),
        (_body(change=_drop("usage")), False),
        (_body(change=_set("usage", value=None)), False),
        (_body(change=_usage_extra), False),
        (_body(cached_tokens=0, change=_set("usage", "prompt_tokens_details", "audio_tokens", value=3)), False),
        (_body(reasoning_tokens=0, change=_set("usage", "completion_tokens_details", "audio_tokens", value=3)),
         False),
        (_body(reasoning_tokens=0, change=_details_extra), False),
        (_body(change=_set("region", value="eu")), True),  # a reply field the SDK does not declare, read by no reader
        (_body(change=_azure_filters), True),  # every Azure OpenAI reply's content filter results
        (_body(change=_set("id", value="")), False),
        (_body(model=""), False),
        (_body(prompt_tokens=10**9), False),  # beyond the model's limits
        (_body(prompt_tokens=-1), False),
        (_body(completion_tokens=2**60), False),
        (PLAIN, True),
    ], {"temperature": 0.2, "max_tokens": 64}, {}, False, False, False),  # fmt: skip
    "cache writes, gpt-6-sol": ([(_body(model="gpt-6-sol", cached_tokens=cached, prompt_tokens=3438,
                                        change=_write(writes)), WRITES) for cached, writes in (
        (0, 3435), (3423, 12), (3423, 12), (0, 0), (3000, 438), (3000, 500))], {"model": "gpt-6-sol"}, {}, False, False,
        False),  # fmt: skip
    "requested flex": ([(_body(service_tier="flex"), True), (_body(service_tier=None), True)],
                       {"service_tier": "flex"}, {}, False, False, False),
    "requested tiers": ([(_body(service_tier=None), True, {"service_tier": tier}) for tier in (
        "flex", None, "priority", "flex", "auto", None)], {}, {}, False, False, False),  # fmt: skip
    "requested tier not a string": ([(PLAIN, True)], {"extra_body": {"service_tier": 3}}, {}, False, False, False),
    "model not priced": ([(_body(model="no-such-model"), False)] * 2, {"model": "no-such-model"}, {}, False, False,
                         False),
    "EUR": ([(PLAIN, True), (_body(reasoning_tokens=2), True)], {}, {"currency": "EUR", "usd_rate": "0.9137"}, False,
            False, False),
    "azure deployment": ([(_body(model="gpt-4o-mini"), True), (_body(model="gpt-4o-mini", service_tier=None), True)],
                         {"model": "my-deployment"}, {}, True, False, False),
    "tags": ([(PLAIN, True)] * 2, {"tags": {"team": "a"}}, {}, False, False, False),
    "metric tags": ([(PLAIN, True), (_body(finish_reason="length"), True)], {"tags": {"team": "a", "x": "b"}},
                    {"metric_tags": ["x"]}, False, False, False),
    "metric tags per call": ([(PLAIN, True, {"tags": tags}) for tags in (
        {"x": "b"}, {"x": "c"}, {}, {"x": "b", "team": "a"}, {"team": "a"}, {"x": "c"})], {}, {"metric_tags": ["x"]},
        False, False, False),  # fmt: skip
    "budget": ([(PLAIN, False)] * 2, {}, {"budgets": [{"name": "b", "limit": 10}]}, False, False, False),
    "content capture": ([(PLAIN, False)], {}, {"capture_content": "span_only"}, False, False, False),
    "in a sampled span": ([(PLAIN, True), (_body(reasoning_tokens=4), True)], {}, {}, False, True, False),
    "async": ([(PLAIN, True), (_body(choices=2), True), (_body(cached_tokens=5), True)], {}, {}, False, True, True),
}


def _embeddings(change: Any = None, **options: Any) -> dict:
    body = payloads.embeddings(**options)
    if change is not None:
        change(body)
    return body


EMBEDDINGS = {"kind": "embeddings"}
EMBEDDINGS_PLAIN = _embeddings()
SCENARIOS.update({  # openai's own embeddings reply (usual_own_embeddings_end.end_embeddings)
    "embeddings": ([(EMBEDDINGS_PLAIN, True)] * 2, EMBEDDINGS, {}, False, False, False),
    "embeddings, mixed replies": ([
        (EMBEDDINGS_PLAIN, True),
        (_embeddings(dimensions=5, prompt_tokens=9), True),
        (_embeddings(dimensions=5, prompt_tokens=0), True),
        (_embeddings(change=lambda body: body["data"][0].update(embedding="AAAAAA==")), True,
         {"encoding_format": "base64"}),  # asked for by the caller: not decoded by the SDK, no dimension count
        (_embeddings(change=lambda body: body["data"][0].pop("embedding")), True),
        (_embeddings(model="text-embedding-3-large"), True),
        (_embeddings(model="no-such-model"), True),  # priced by the request model
        (EMBEDDINGS_PLAIN, True),
        (_embeddings(model=""), False),
        (_embeddings(change=lambda body: body.pop("usage")), False),
        (_embeddings(change=lambda body: body["usage"].update(audio_tokens=3)), False),
        (_embeddings(change=lambda body: body.update(region="eu")), False),
        (_embeddings(prompt_tokens=-1), False),
        (_embeddings(prompt_tokens=2**60), False),
        (_embeddings(prompt_tokens=10**9), False),  # beyond the model's limits
        (_embeddings(dimensions=3), True),
    ], EMBEDDINGS, {}, False, False, False),  # fmt: skip
    "embeddings, model not priced": ([(_embeddings(model="no-such-model"), False)], {**EMBEDDINGS,
                                     "model": "no-such-model"}, {}, False, False, False),  # fmt: skip
    "embeddings, requested tiers": ([(EMBEDDINGS_PLAIN, True, {"extra_body": {"service_tier": tier}}) for tier in (
        "flex", None, "priority", "flex")], EMBEDDINGS, {}, False, False, False),  # fmt: skip
    "embeddings, metric tags per call": ([(EMBEDDINGS_PLAIN, True, {"tags": tags}) for tags in (
        {"x": "b"}, {"x": "c"}, {}, {"x": "b", "team": "a"})], EMBEDDINGS, {"metric_tags": ["x"]}, False, False,
        False),  # fmt: skip
    "embeddings, EUR": ([(EMBEDDINGS_PLAIN, True)], EMBEDDINGS, {"currency": "EUR", "usd_rate": "0.9137"}, False,
                        False, False),
    "embeddings, azure deployment": ([(_embeddings(model="text-embedding-3-small"), True)] * 2,
                                     {**EMBEDDINGS, "model": "my-embeddings"}, {}, True, False, False),
    "embeddings, budget": ([(EMBEDDINGS_PLAIN, False)], EMBEDDINGS, {"budgets": [{"name": "b", "limit": 10}]}, False,
                           False, False),
    "embeddings, in a sampled span": ([(EMBEDDINGS_PLAIN, True)] * 2, EMBEDDINGS, {}, False, True, False),
    "embeddings, async": ([(EMBEDDINGS_PLAIN, True), (_embeddings(prompt_tokens=-1), False)], EMBEDDINGS, {}, False,
                          True, True),
})


def _providers() -> tuple[TracerProvider, MeterProvider, InMemorySpanExporter, InMemoryMetricReader]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    return tracer_provider, MeterProvider(metric_readers=[reader]), exporter, reader


def _run(name: str, specialized: bool) -> tuple[list, list, list, list]:
    """The scenario's calls on fresh providers, with or without the specialized end: (spans, metric points, what the
    caller got, whether the specialized end took each call)."""
    replies, kwargs, config, azure, in_span, run_async = SCENARIOS[name]
    kwargs = dict(kwargs)
    chat = kwargs.pop("kind", "chat") == "chat"
    bodies = []
    for number, (body, *_) in enumerate(replies):
        body = copy.deepcopy(body)
        if body.get("id") == PLAIN["id"]:
            body["id"] = f"chatcmpl-{number}"
        bodies.append(body)
    answers = iter(bodies)
    taken: list[bool] = []
    end_name = "end_chat" if chat else "end_embeddings"
    own = getattr(results, end_name)

    def end_chat(call: Any, response: Any) -> bool:
        answer = own(call, response) if specialized else False
        taken.append(answer)
        return answer

    tracer_provider, meter_provider, exporter, reader = _providers()
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, config=config or None)
    each_call = [{**kwargs, **(reply[2] if len(reply) > 2 else {})} for reply in replies]
    tags = [each.pop("tags", None) for each in each_call]
    model = [each.pop("model", "gpt-4o-mini" if chat else "text-embedding-3-small") for each in each_call]

    def create(client: Any, number: int) -> Any:
        if chat:
            return client.chat.completions.create(model=model[number], messages=MESSAGES, **each_call[number])
        return client.embeddings.create(model=model[number], input="hello", **each_call[number])

    def respond(request: object) -> object:
        return mock_openai.json_response(next(answers))

    got = []
    setattr(results, end_name, end_chat)
    try:
        with tracer_provider.get_tracer("app").start_as_current_span("app work") if in_span \
                else contextlib.nullcontext():  # fmt: skip
            if run_async:
                client = mock_openai.async_client(respond, azure=azure)

                async def calls() -> None:
                    for number in range(len(each_call)):
                        got.append(await create(client, number))

                asyncio.run(calls())
            else:
                client = mock_openai.client(respond, azure=azure)
                for number in range(len(each_call)):
                    with allocate(**tags[number]) if tags[number] else contextlib.nullcontext():
                        got.append(create(client, number))
    finally:
        setattr(results, end_name, own)
        instrumentor.uninstrument()
    finished = exporter.get_finished_spans()
    position = {span.context.span_id: index for index, span in enumerate(finished)}
    spans = [(span.name, [(key, type(value).__name__, repr(value)) for key, value in span.attributes.items()],
              span.status.status_code, span.status.description, [event.name for event in span.events],
              position.get(span.parent.span_id) if span.parent else None) for span in finished]  # fmt: skip
    points = exported(reader)
    for point in points:
        exemplars = [(value, attributes, position.get(span_id))  # the trace id: each run its own
                     for value, attributes, span_id, _trace_id in point["exemplars"]]  # fmt: skip
        if point["metric"] == semconv.METRIC_OPERATION_DURATION:  # timings: which of them (their buckets) keep an
            for timing in ("sum", "min", "max", "bucket_counts"):  # exemplar differs from run to run
                point.pop(timing, None)
            exemplars = sorted({repr((attributes, span)) for _, attributes, span in exemplars})
        point["exemplars"] = exemplars
    points.sort(key=repr)  # (sorted by exported() with the timings)
    tracer_provider.shutdown()
    meter_provider.shutdown()
    return spans, points, [(type(each), each.model_dump(warnings=False), each.model_fields_set) for each in got], taken


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_specialized_end_exports_what_the_usual_end_exports(name: str) -> None:
    if (EMBEDDINGS_RESPONSE if SCENARIOS[name][1].get("kind") == "embeddings" else CHAT_COMPLETION) is None:
        pytest.skip("this openai's reply and usage classes are not read by attribute: never specialized")
    specialized = _run(name, True)
    usual = _run(name, False)
    assert specialized[3] == [reply[1] for reply in SCENARIOS[name][0]], "the specialized end took other calls"
    assert not any(usual[3])
    assert specialized[0] == usual[0]  # the spans
    assert usual[1], "the usual end recorded no metric point"  # (else the comparison holds of nothing)
    assert specialized[1] == usual[1]  # the metric points
    assert specialized[2] == usual[2]  # what the caller got
    assert len(specialized[0]) == len(SCENARIOS[name][0]) + SCENARIOS[name][4]
    if SCENARIOS[name][4] and not SCENARIOS[name][1]:  # a sampled span around the calls: exemplars, of our records
        assert any(point["exemplars"] for point in specialized[1])


@pytest.mark.skipif(CHAT_COMPLETION is None, reason="this openai's chat usage classes are not read by attribute")
def test_the_caller_gets_what_the_bare_sdk_gives() -> None:
    """The replies the specialized end read are those the SDK gives without us (compared with the usual end's
    above): the same class, fields and fields set."""
    body = _body(reasoning_tokens=3, cached_tokens=0)
    bare = mock_openai.client(lambda request: mock_openai.json_response(copy.deepcopy(body)))
    expected = bare.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    tracer_provider, meter_provider, _, _ = _providers()
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    taken = []
    own = results.end_chat
    results.end_chat = lambda call, response: taken.append(own(call, response)) or taken[-1]
    try:
        client = mock_openai.client(lambda request: mock_openai.json_response(copy.deepcopy(body)))
        got = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    finally:
        results.end_chat = own
        instrumentor.uninstrument()
    assert taken == [True]
    assert type(got) is type(expected) is CHAT_COMPLETION
    assert got.model_dump() == expected.model_dump()
    assert got.model_fields_set == expected.model_fields_set
    assert got.usage.model_fields_set == expected.usage.model_fields_set
