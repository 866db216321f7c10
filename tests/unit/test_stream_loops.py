"""A stream read by a ``for`` loop (the proxy's generator, its plain chunks noted inline) and by ``next()`` calls
(``StreamState.take`` on each chunk the SDK built), over bodies streamed one event per read, as a server flushing
each event sends them (a body read whole when the response is made is closed before the first chunk: the tests
elsewhere use those). Two oracles: what the caller gets is what the bare SDK gives (chunks, or the exception's type
and message, in order), and the two ways of reading export the same (span attributes but the time to first chunk,
status, exception events, and each metric's count and, but for the timings, sum). Hostile bodies, errors the SDK
raises between two chunks (an ``error`` event, text that is not JSON, a failed read) and a stream that never sends
``[DONE]`` included."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from otel_aicost.demo.payloads import completions as completion_bodies
from tests.support import payloads
from tests.support.mock_openai import client, httpx, raw

MESSAGES = [{"role": "user", "content": "Say hello"}]
SSE = {"content-type": "text/event-stream"}
ERROR = {"error": {"message": "The server had an error while processing your request.", "type": "server_error"}}


def _chunks(asked: bool, **kwargs: Any) -> list[dict[str, Any]]:
    return payloads.chat_chunks(include_usage=asked, **kwargs)


def _base(chunk: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in chunk.items() if key != "choices"}


# name: the events of the body (dicts as JSON, str as they are), given whether the request asked for the usage
BODIES: dict[str, Callable[[bool], list[Any]]] = {
    "plain": lambda asked: _chunks(asked),
    "no usage reported": lambda asked: [c for c in _chunks(asked) if c.get("choices") != [] or "usage" not in c],
    "two choices": lambda asked: [
        {**c, "choices": [{**choice, "index": i} for choice in c["choices"] for i in (0, 1)]} if c["choices"] else c
        for c in _chunks(asked)
    ],
    "tool call": lambda asked: [
        {**c, "choices": [{**c["choices"][0], "delta": {"tool_calls": [
            {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}}]}
        if index == 1 else c
        for index, c in enumerate(_chunks(asked))
    ],
    "first chunk without an id": lambda asked: [
        {**c, "id": ""} if index == 0 else c for index, c in enumerate(_chunks(asked))
    ],
    "azure's prompt filter chunk first": lambda asked: [
        {"choices": [], "created": 0, "id": "", "model": "", "object": "",
         "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]},
        *_chunks(asked),
    ],
    "hostile values": lambda asked: [
        {**c, "choices": [{**c["choices"][0], "delta": {"content": 5}}]} if index == 1
        else {**c, "choices": [{**c["choices"][0], "finish_reason": 7}]} if index == 2
        else {**c, "choices": {"a": 1}} if index == 3
        else {**c, "choices": ["x"]} if index == 4
        else c
        for index, c in enumerate(_chunks(asked, pieces=("a", "b", "c", "d", "e")))
    ],
    "a usage that is not an object": lambda asked: [  # the usage chunk answering the ask, broken
        *[c for c in _chunks(asked) if c.get("choices") != []],
        *([{**_base(_chunks(asked)[0]), "choices": [], "usage": 5}] if asked else []),
    ],
    "no [DONE]": lambda asked: _chunks(asked),
    "an error event mid-stream": lambda asked: [*_chunks(asked)[:3], ERROR, *_chunks(asked)[3:]],
    "text that is not JSON mid-stream": lambda asked: [*_chunks(asked)[:3], "{not json", *_chunks(asked)[3:]],
    "a read failing mid-stream": lambda asked: [*_chunks(asked)[:3], OSError],
}


def _parts(events: list[Any], done: bool) -> Iterator[bytes]:
    for event in events:
        if event is OSError:
            raise httpx.ReadError("connection reset")
        text = event if isinstance(event, str) else json.dumps(event)
        yield f"data: {text}\n\n".encode()
    if done:
        yield b"data: [DONE]\n\n"


def _server(name: str) -> Callable[[Any], Any]:
    def respond(request: Any) -> Any:
        asked = bool((json.loads(request.content).get("stream_options") or {}).get("include_usage"))
        events = BODIES[name](asked)
        return httpx.Response(200, headers=SSE, content=_parts(events, done=name != "no [DONE]"))

    return respond


def _for_loop(stream: Any) -> list[Any]:
    got = []
    try:
        for chunk in stream:
            got.append(chunk.to_dict())
    except Exception as error:
        got.append((type(error).__name__, str(error)))
    return got


def _next_calls(stream: Any) -> list[Any]:
    got = []
    try:
        while True:
            got.append(next(stream).to_dict())
    except StopIteration:
        pass
    except Exception as error:
        got.append((type(error).__name__, str(error)))
    return got


def _bare(create: Any, resource: Any, **kwargs: Any) -> list[Any]:
    return _for_loop(raw(create)(resource, **kwargs))


def _exported(telemetry: Any, before: dict[str, tuple[int, float]]) -> dict[str, Any]:
    """The last span (its attributes but the time to first chunk, status, exception events) and what each metric
    took since ``before`` (count, and sum but for the timings)."""
    span = telemetry.spans()[-1]
    attributes = {key: value for key, value in span.attributes.items() if "time_to_first_chunk" not in key}
    events = [(event.name, event.attributes.get("exception.type"), event.attributes.get("exception.message"))
              for event in span.events]  # fmt: skip
    return {
        "attributes": attributes,
        "status": (span.status.status_code, span.status.description),
        "events": events,
        "metrics": {name: (count - before.get(name, (0, 0))[0],
                           None if "time" in name or "duration" in name else total - before.get(name, (0, 0))[1])
                    for name, (count, total) in _totals(telemetry).items()},  # fmt: skip
    }


def _totals(telemetry: Any) -> dict[str, tuple[int, float]]:
    return {metric.name: (sum(point.count for point in metric.data.data_points),
                          sum(point.sum for point in metric.data.data_points))
            for metric in telemetry.metrics()}  # fmt: skip


@pytest.mark.parametrize("caller_asks", [False, True], ids=["we ask for the usage", "the caller asks"])
@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_for_loop_and_next_calls_get_the_bare_chunks_and_export_the_same(
    telemetry, instrumented, name: str, caller_asks: bool
) -> None:
    api = client(_server(name))
    kwargs: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    if caller_asks:
        kwargs["stream_options"] = {"include_usage": True}
    bare = _bare(type(api.chat.completions).__dict__["create"], api.chat.completions, **kwargs)

    before = _totals(telemetry)
    looped = _for_loop(api.chat.completions.create(**kwargs))
    loop_exported = _exported(telemetry, before)

    before = _totals(telemetry)
    chunk_by_chunk = _next_calls(api.chat.completions.create(**kwargs))
    next_exported = _exported(telemetry, before)

    assert looped == bare, "the caller got something else than bare"
    assert chunk_by_chunk == bare
    assert loop_exported == next_exported
    assert len(telemetry.spans()) == 2, "each stream ends its span once"


def test_a_legacy_completions_stream_read_both_ways(telemetry, instrumented) -> None:
    def respond(request: Any) -> Any:
        asked = bool((json.loads(request.content).get("stream_options") or {}).get("include_usage"))
        usage = payloads._chat_usage(9, 3)
        gen = payloads._generation("gpt-3.5-turbo-instruct", ["Hel", "lo", "!"], usage, include_usage=asked)
        events = completion_bodies.completion_chunks(gen, "cmpl-1", payloads.CREATED)
        return httpx.Response(200, headers=SSE, content=_parts(events, done=True))

    api = client(respond)
    kwargs = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hello", "stream": True}
    bare = _bare(type(api.completions).__dict__["create"], api.completions, **kwargs)
    before = _totals(telemetry)
    looped = _for_loop(api.completions.create(**kwargs))
    loop_exported = _exported(telemetry, before)
    before = _totals(telemetry)
    assert _next_calls(api.completions.create(**kwargs)) == bare == looped
    assert loop_exported == _exported(telemetry, before)
    assert loop_exported["attributes"]["gen_ai.usage.output_tokens"] == 3


def test_a_for_loop_left_early_ends_its_call_when_the_loop_lets_go(telemetry, instrumented) -> None:
    """``for chunk in create(...): break`` with nothing else holding the stream: the call ends as the loop lets go
    of it (the proxy's generator holds the proxy), without waiting for the cyclic collector."""
    api = client(_server("plain"))
    gc.disable()
    try:
        for _chunk in api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
            break
        assert len(telemetry.spans()) == 1, "the call did not end when the loop let go of the stream"
    finally:
        gc.enable()
    gc.collect()
    assert len(telemetry.spans()) == 1
    span = telemetry.span()
    assert span.attributes["aicost.usage.source"] == "estimated"
    assert span.attributes["gen_ai.response.id"] == "chatcmpl-s1"


def test_next_after_a_for_loop_left_early_notes_every_chunk_once(telemetry, instrumented) -> None:
    """A ``next()`` after a ``for`` loop left early, and a second ``for`` loop over the rest: each chunk noted once."""
    api = client(_server("plain"))
    kwargs = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    bare = _bare(type(api.chat.completions).__dict__["create"], api.chat.completions, **kwargs)
    before = _totals(telemetry)
    stream = api.chat.completions.create(**kwargs)
    got = []
    for chunk in stream:
        got.append(chunk.to_dict())
        break
    got.append(next(stream).to_dict())
    got.extend(chunk.to_dict() for chunk in stream)
    resumed = _exported(telemetry, before)
    before = _totals(telemetry)
    assert _next_calls(api.chat.completions.create(**kwargs)) == bare == got
    assert resumed == _exported(telemetry, before)
