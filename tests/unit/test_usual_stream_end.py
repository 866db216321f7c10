"""A usual stream's end in one step (``usual_stream_end.end_usual_stream``) exports exactly what the general end
exports.

The oracle is the general end itself: the same streams with the one-step end switched off give every span attribute,
in order, and every metric point (the timings masked: time to first chunk, chunk gaps, duration; their counts kept).
Each scenario also says whether the one-step end must really be taken."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from otel_aicost import allocate, semconv
from otel_aicost.instrumentation import stream_state, usual_stream_end
from tests.support import mock_openai, payloads
from tests.unit.test_histogram_records import exported
from tests.unit.test_usual_end import both_ends_export_alike, needs_responses

MESSAGES = [{"role": "user", "content": "Hi"}]
_TIMINGS = (semconv.METRIC_OPERATION_DURATION, semconv.METRIC_TIME_TO_FIRST_CHUNK, semconv.METRIC_TIME_PER_OUTPUT_CHUNK)
_ERROR = {"error": {"message": "the server broke off", "type": "server_error"}}
_TOOL = {"type": "function", "function": {"name": "lookup", "description": "Look a word up.",
                                          "parameters": {"type": "object", "properties": {"word": {"type": "string"}}}}}

SCENARIOS = {
    # name: (chunk options, create kwargs, how the caller reads it, config, one-step end taken)
    "usage asked by us": ({}, {}, "all", {}, True),
    "usage asked by the caller": ({}, {"stream_options": {"include_usage": True}}, "all", {}, True),
    "usage not asked (injection off)": ({}, {}, "all", {"stream_usage": "off"}, True),
    "broken off (estimated)": ({"pieces": ("a",) * 8}, {}, "cut", {}, True),
    # a null content among the texts (not a str: not counted, and no reason to leave the one-step end)
    "broken off, a chunk without content": ({"pieces": ("a",) * 8, "null_content": True}, {}, "cut", {}, True),
    "broken off, with tools (estimated by outcome)": ({}, {"tools": [_TOOL]}, "cut", {}, True),
    "broken off at once": ({}, {}, "none", {}, True),
    "next() calls": ({}, {}, "next", {}, True),
    "with block": ({}, {}, "with", {}, True),
    "cached": ({"cached_tokens": 4}, {}, "all", {}, True),
    "all cached": ({"cached_tokens": 12}, {}, "all", {}, True),
    "cached over input": ({"cached_tokens": 50}, {}, "all", {}, True),
    "cache writes": ({"writes": {"cache_write_tokens": 9}}, {}, "all", {}, True),  # GPT-5.6 on: at their own rate
    "cache writes and reads": ({"cached_tokens": 4, "writes": {"cache_write_tokens": 6}}, {}, "all", {}, True),
    "cache writes over input": ({"cached_tokens": 4, "writes": {"cache_write_tokens": 40}}, {}, "all", {}, True),
    "cache writes, all cached": ({"cached_tokens": 12, "writes": {"cache_write_tokens": 3}}, {}, "all", {}, True),
    "cache writes, gpt-6-sol": ({"model": "gpt-6-sol", "prompt_tokens": 3438, "cached_tokens": 3423,
                                 "writes": {"cache_write_tokens": 12}}, {"model": "gpt-6-sol"}, "all", {}, True),
    "cache writes' 12-hour share": ({"model": "gpt-6-sol", "writes": {
        "cache_write_tokens": 9, "cache_write_tokens_details": {"ttl_12h_tokens": 4}}}, {"model": "gpt-6-sol"}, "all",
        {}, False),  # fmt: skip
    "implausible": ({"prompt_tokens": 10**9}, {}, "all", {}, False),
    "error mid-stream": ({}, {}, "error", {}, False),
    "content capture": ({}, {}, "all", {"capture_content": "span_only"}, False),
    "content capture, broken off": ({}, {}, "cut", {"capture_content": "span_only"}, False),
    "budget": ({}, {}, "all", {"budgets": [{"name": "b", "limit": 10}]}, False),
    "budget, broken off": ({}, {}, "cut", {"budgets": [{"name": "b", "limit": 10}]}, False),
    "unknown price": ({"model": "no-such-model"}, {"model": "no-such-model"}, "all", {}, False),
    "unknown price, broken off": ({"model": "no-such-model"}, {"model": "no-such-model"}, "cut", {}, False),
    "tags": ({}, {"tags": {"team": "a"}}, "all", {}, True),
    "metric tags, broken off": ({}, {"tags": {"team": "a", "x": "b"}}, "cut", {"metric_tags": ["x"]}, True),
    "requested flex": ({}, {"service_tier": "flex"}, "all", {}, True),
    "EUR": ({}, {}, "all", {"currency": "EUR", "usd_rate": "0.9137"}, True),
    "async": ({}, {}, "async", {}, True),
    "async, broken off": ({}, {}, "async cut", {}, True),
    "async, error mid-stream": ({}, {}, "async error", {}, False),
}


def _server(options: dict):
    def respond(request: object) -> object:
        body = json.loads(request.content)
        asked = bool((body.get("stream_options") or {}).get("include_usage"))
        options_ = {key: value for key, value in options.items() if key not in ("error", "null_content", "writes")}
        chunks = payloads.chat_chunks(include_usage=asked, **options_)
        if options.get("writes") and asked:  # the usage chunk's prompt details
            chunks[-1]["usage"]["prompt_tokens_details"].update(options["writes"])
        if options.get("null_content"):
            chunks[0]["choices"][0]["delta"]["content"] = None
        if options.get("error"):
            chunks = [*chunks[:2], _ERROR]
        return mock_openai.sse_response(mock_openai.sse(chunks))

    return respond


def _calls(options: dict, kwargs: dict, how: str) -> None:
    kwargs = dict(kwargs)
    tags = kwargs.pop("tags", None)
    model = kwargs.pop("model", "gpt-4o-mini")
    options = dict(options, error=how.endswith("error"))
    if options.get("model") is None:
        options.pop("model", None)
    if how.startswith("async"):
        asyncio.run(_async_calls(options, kwargs, how, tags, model))
        return
    client = mock_openai.client(_server(options))
    for _ in range(3):
        with allocate(**tags) if tags else contextlib.nullcontext():
            stream = client.chat.completions.create(model=model, messages=MESSAGES, stream=True, **kwargs)
        if how == "all":
            list(stream)
        elif how == "cut":
            chunks = iter(stream)
            for _ in range(3):
                next(chunks)
            stream.close()
        elif how == "none":
            stream.close()
        elif how == "next":
            with contextlib.suppress(StopIteration):
                while True:
                    next(stream)
        elif how == "with":
            with stream as entered:
                list(entered)
        elif how == "error":
            with contextlib.suppress(Exception):
                list(stream)


async def _async_calls(options: dict, kwargs: dict, how: str, tags: dict | None, model: str) -> None:
    client = mock_openai.async_client(_server(options))
    for _ in range(3):
        with allocate(**tags) if tags else contextlib.nullcontext():
            stream = await client.chat.completions.create(model=model, messages=MESSAGES, stream=True, **kwargs)
        if how == "async":
            async for _ in stream:
                pass
        elif how == "async cut":
            count = 0
            async for _ in stream:
                count += 1
                if count == 3:
                    break
            await stream.close()
        else:
            with contextlib.suppress(Exception):
                async for _ in stream:
                    pass


def _exported(telemetry) -> tuple[list, list]:
    spans = [(span.name, [(key, "timing" if key == semconv.RESPONSE_TIME_TO_FIRST_CHUNK else value)
                          for key, value in span.attributes.items()],
              span.status.status_code, span.status.description, [e.name for e in span.events])
             for span in telemetry.exporter.get_finished_spans()]  # fmt: skip
    points = exported(telemetry.reader)
    for point in points:
        if point["metric"] in _TIMINGS:
            for timing in ("sum", "min", "max", "bucket_counts"):
                point.pop(timing, None)
    return spans, sorted(points, key=repr)  # sorted again: exported() sorts with the timings in


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_usual_stream_end_exports_what_the_general_end_exports(name: str, instrument, telemetry,
                                                                    monkeypatch) -> None:  # fmt: skip
    options, kwargs, how, config, taken = SCENARIOS[name]
    spans = both_ends_export_alike(
        telemetry, instrument, monkeypatch, config, lambda: _calls(options, kwargs, how), _exported,
        taken=taken, step=(usual_stream_end, "end_in_one_step"), off=((stream_state, "end_usual_stream"),),
    )  # fmt: skip
    assert len(spans) == 3
    if how.endswith("cut") and "unknown" not in name:
        assert (semconv.USAGE_SOURCE, "estimated") in spans[0][1]
    if "writes" in options:  # (the scenario is what it says: the writes reached the span)
        assert semconv.USAGE_CACHE_CREATION_INPUT_TOKENS in dict(spans[0][1])


# --- Responses API streams: their facts come whole from the final event's response (surfaces/responses.read) ----------

def _response_events(change: str) -> list[dict]:
    """A Responses stream's events, the final response changed as ``change`` says."""
    events = payloads.response_events(model="gpt-4o-mini", pieces=("Hi", " there", "!", " How", " are", " you"))
    final = events[-1]["response"]
    if change == "incomplete":
        final.update(status="incomplete", incomplete_details={"reason": "max_output_tokens"})
        events[-1]["type"] = "response.incomplete"
    elif change == "cached":
        final["usage"]["input_tokens_details"]["cached_tokens"] = 4
    elif change == "cache writes":  # GPT-5.6 on
        final["usage"]["input_tokens_details"].update(cached_tokens=4, cache_write_tokens=6)
    elif change == "cache writes' 12-hour share":
        final["usage"]["input_tokens_details"].update(cache_write_tokens=6,
                                                      cache_write_tokens_details={"ttl_12h_tokens": 2})
    elif change == "web search":
        final["output"].append({"type": "web_search_call", "id": "ws_1", "status": "completed",
                                "action": {"type": "search", "query": "q"}})  # fmt: skip
    elif change == "function call":
        final["output"].append({"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f",
                                "arguments": "{}", "status": "completed"})  # fmt: skip
    elif change == "no usage":
        final["usage"] = None
    return events


RESPONSES_SCENARIOS = {
    # name: (the final response's change, how the caller reads it, config, one-step end taken)
    "read to its end": ("", "all", {}, True),
    "incomplete": ("incomplete", "all", {}, True),
    "a function call": ("function call", "all", {}, True),
    "broken off (estimated)": ("", "cut", {}, True),
    "no usage (estimated)": ("no usage", "all", {}, True),
    "cached": ("cached", "all", {}, True),
    "cache writes": ("cache writes", "all", {}, True),
    "cache writes' 12-hour share": ("cache writes' 12-hour share", "all", {}, False),
    "a web search (its fee)": ("web search", "all", {}, False),
    "budget": ("", "all", {"budgets": [{"name": "b", "limit": 10}]}, False),
    "async": ("", "async", {}, True),
}


def _responses_calls(change: str, how: str) -> None:
    body = mock_openai.sse(_response_events(change), done=False)

    def respond(request: object) -> object:
        return mock_openai.sse_response(body)

    if how == "async":
        async def calls() -> None:
            client = mock_openai.async_client(respond)
            for _ in range(3):
                async for _ in await client.responses.create(model="gpt-4o-mini", input="Hi", stream=True):
                    pass

        asyncio.run(calls())
        return
    client = mock_openai.client(respond)
    for _ in range(3):
        stream = client.responses.create(model="gpt-4o-mini", input="Hi", stream=True)
        if how == "all":
            list(stream)
        else:  # cut: three events read, no final response
            events = iter(stream)
            for _ in range(3):
                next(events)
            stream.close()


@needs_responses
@pytest.mark.parametrize("name", sorted(RESPONSES_SCENARIOS))
def test_a_responses_stream_ends_in_one_step_as_the_general_end_ends_it(name: str, instrument, telemetry,
                                                                          monkeypatch) -> None:  # fmt: skip
    change, how, config, taken = RESPONSES_SCENARIOS[name]
    spans = both_ends_export_alike(
        telemetry, instrument, monkeypatch, config, lambda: _responses_calls(change, how), _exported,
        taken=taken, step=(usual_stream_end, "end_in_one_step"), off=((stream_state, "end_usual_stream"),),
    )  # fmt: skip
    assert len(spans) == 3
    if how == "cut" or change == "no usage":
        assert (semconv.USAGE_SOURCE, "estimated") in spans[0][1]
    if "writes" in change:
        assert semconv.USAGE_CACHE_CREATION_INPUT_TOKENS in dict(spans[0][1])
