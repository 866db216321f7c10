"""The usage-only chunk we asked for, taken out of the SDK's events before it builds it (``usage_events.py``): the
caller sees exactly the bare SDK's chunks (``exact``: values, fields set, JSON) on every way of reading a stream,
in the demo's and the API's byte layouts, split across reads anywhere; the call is priced exactly from the usage
the filter read; events that only look like it pass to the SDK untouched. When the caller asks for the usage
itself, the events are only decoded (once, in place of the SDK's ``json()``): the caller gets the usage-only chunk
and every ``"usage": null``, exactly as bare."""

from __future__ import annotations

import json

import pytest
from openai._base_client import BaseClient

from otel_aicost.instrumentation import stream_state
from tests.integration.adversarial.shapes import CHAT, chat_helpers, chat_kwargs, chat_reply, exact, run_async
from tests.integration.adversarial.test_stream_exits import one_call
from tests.support.scripted_openai import Recut, Reply, asked_usage, client, sse


def api_layout(data: bytes, asked: bool) -> bytes:
    """Each event as the API writes it (captured 2025): compact, ``usage`` after ``choices``, ``obfuscation`` last."""
    lines = []
    for line in data.split(b"\n"):
        if line.startswith(b"data: {"):
            event = json.loads(line[6:])
            ordered = {key: value for key, value in event.items() if key != "usage"}
            if "usage" in event:
                ordered["usage"] = event["usage"]
            ordered["obfuscation"] = "Xy12"
            line = b"data: " + json.dumps(ordered, separators=(",", ":")).encode()
        lines.append(line)
    return b"\n".join(lines)


def _parsed(api, run):
    run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True, **run.extra))]


def _next(api, run):
    stream = api.chat.completions.create(**chat_kwargs(stream=True, **run.extra))
    run.seen = []
    while True:
        try:
            run.seen.append(exact(next(stream)))
        except StopIteration:
            break


def _helper(api, run):
    with chat_helpers(api).stream(**chat_kwargs(**run.extra)) as stream:
        run.seen = [type(event).__name__ for event in stream]
        run.seen.append(exact(stream.get_final_completion()))


def _async(api, run):
    async def main():
        async_api = client(run.server, is_async=True)
        try:
            chunks = await async_api.chat.completions.create(**chat_kwargs(stream=True, **run.extra))
            run.seen = [exact(c) async for c in chunks]
        finally:
            await async_api.close()

    run_async(main)


WAYS = {"for_loop": _parsed, "next": _next, "helper": _helper, "async_for": _async}
LAYOUTS = {"demo": None, "api": api_layout}
ASKS = {"stream_options": {"include_usage": True}}  # the caller asks for the usage itself


@pytest.fixture
def taken(monkeypatch):
    """The usage-only chunks the filter took (their dicts)."""
    seen = []
    original = stream_state.StreamState.take_usage_event

    def spy(self, document):
        seen.append(document)
        return original(self, document)

    monkeypatch.setattr(stream_state.StreamState, "take_usage_event", spy)
    return seen


def _case(server, way, transport=None, **extra):
    def case(run):
        run.server = server
        run.extra = extra
        with client(server, transport=transport) as api:
            WAYS[way](api, run)

    return case


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("way", sorted(WAYS))
def test_the_usage_chunk_never_reaches_the_sdk_and_the_caller_sees_the_bare_chunks(
    server, oracle, telemetry, taken, way, layout
):
    server.answer = chat_reply(transform=LAYOUTS[layout])
    oracle(_case(server, way))
    assert [document["usage"]["completion_tokens"] for document in taken] == [CHAT.usage[1]]
    one_call(telemetry)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("way", sorted(WAYS))
def test_the_caller_asking_for_the_usage_gets_the_bare_chunks_from_events_decoded_once(
    server, oracle, telemetry, taken, decoded, way, layout
):
    """The caller asked for the usage: nothing is taken out (the usage-only chunk and every ``"usage": null`` reach
    the caller as bare: the same values and fields set), yet every event is decoded by the filter, once."""
    server.answer = chat_reply(transform=LAYOUTS[layout])
    oracle(_case(server, way, **ASKS))
    assert taken == []
    # the bare run decodes nothing of ours; the instrumented run each chunk's event and the usage-only one
    assert len(decoded) == len(CHAT.events) + 1
    assert all('"usage"' in text for text in decoded)
    one_call(telemetry)


@pytest.mark.parametrize("asks", [False, True], ids=["we_ask", "caller_asks"])
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("sizes", [[1], [5], [1, 64, 2, 255]], ids=str)
def test_events_split_across_reads(server, oracle, telemetry, taken, layout, sizes, asks):
    server.answer = chat_reply(transform=LAYOUTS[layout])
    oracle(_case(server, "for_loop", Recut(sizes), **(ASKS if asks else {})))
    assert len(taken) == (0 if asks else 1)
    one_call(telemetry)


def _answer(events):
    def answer(body):
        asked = asked_usage(body)
        chosen = [(name, data) for name, data, only_asked in events if asked or not only_asked]
        return Reply(body=sse(chosen))

    return answer


BASE = {"id": "chatcmpl-X", "object": "chat.completion.chunk", "created": 1733140800, "model": "gpt-4o-mini-2024-07-18"}
USAGE = {"prompt_tokens": 19, "completion_tokens": 7, "total_tokens": 26}


def _chunk(delta, finish=None, **extra):
    return {**BASE, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}


LOOKALIKES = {
    # text that spells what the filter looks for, inside strings: JSON escapes its quotes
    "content_spells_it": [
        (None, _chunk({"role": "assistant", "content": 'x,"usage":null}'}), False),
        (None, _chunk({"content": '"choices":[],"usage":{"prompt_tokens":1}}'}), False),
        (None, _chunk({"content": "[]"}), False),
    ],
    # a usage object nested in a choice, and an Azure prompt-filter chunk (empty choices, no usage)
    "nested_usage": [
        (None, {**BASE, "choices": [], "prompt_filter_results": [{"prompt_index": 0, "usage": {"x": 1}}]}, False),
        (None, _chunk({"content": "Hi", "usage": {"prompt_tokens": 3}}), False),
    ],
    # empty choices with a usage that is not an object: left to the proxy
    "usage_not_an_object": [(None, {**BASE, "choices": [], "usage": [1, 2]}, True)],
}


# the caller asking: the chunk with a usage not an object reaches it (and pydantic warns when it is dumped, bare too)
@pytest.mark.parametrize(
    ("name", "asks"),
    [(name, False) for name in sorted(LOOKALIKES)]
    + [(name, True) for name in sorted(LOOKALIKES) if name != "usage_not_an_object"],
)
def test_events_that_only_look_like_the_usage_chunk_pass_to_the_sdk(server, oracle, telemetry, taken, name, asks):
    events = [
        *LOOKALIKES[name],
        (None, _chunk({}, "stop"), False),
        (None, {**BASE, "choices": [], "usage": USAGE}, True),
    ]
    server.answer = _answer(events)
    oracle(_case(server, "for_loop", **(ASKS if asks else {})))
    if asks:  # the caller's own usage chunk: it gets it, nothing taken
        assert taken == [] and ours_usage(telemetry) == USAGE["completion_tokens"]
    else:
        assert len(taken) == 1 and taken[0]["usage"] == USAGE


def ours_usage(telemetry):
    """The output tokens the call's span reports."""
    return telemetry.span().attributes["gen_ai.usage.output_tokens"]


def _read_to_an_error(server, **extra):
    """A for loop over the stream that keeps each chunk, and a ``ValueError`` it raises (its type and message)."""

    def case(run):
        run.seen = []
        with client(server) as api:
            try:
                for chunk in api.chat.completions.create(**chat_kwargs(stream=True, **extra)):
                    run.seen.append(exact(chunk))
            except ValueError as error:
                run.seen.append((type(error).__name__, str(error)))

    return case


# a value missing at the end (json's C scanner raises StopIteration there), a bad value, a key without its value
@pytest.mark.parametrize("asks", [False, True], ids=["we_ask", "caller_asks"])
@pytest.mark.parametrize("text", ['{"id": "chatcmpl-X", "choices": [', '{"id": }', '{"id"'])
def test_an_event_that_is_not_json_fails_as_it_does_bare(server, oracle, telemetry, taken, text, asks):
    """The filter decodes each event in place of the SDK: text that does not decode is left to the SDK's own
    ``json()``, so the caller gets the chunks before it and then the SDK's own error, as bare."""
    events = [
        (None, _chunk({"role": "assistant", "content": "Hi"}), False),
        (None, text, False),
        (None, _chunk({}, "stop"), False),
        (None, {**BASE, "choices": [], "usage": USAGE}, True),
    ]
    server.answer = _answer(events)

    ours = oracle(_read_to_an_error(server, **(ASKS if asks else {})))
    assert ours.seen[-1][0] == "JSONDecodeError" and len(ours.seen) == 2
    assert taken == []  # the stream failed before the usage-only chunk
    one_call(telemetry, error="json.decoder.JSONDecodeError", priced=False)


@pytest.mark.parametrize("asks", [False, True], ids=["we_ask", "caller_asks"])
@pytest.mark.parametrize("after", [" ", "\t \t", "{}", "x", ' {"a": 1}'])
def test_text_after_an_events_object_decodes_as_json_loads_does(server, oracle, telemetry, taken, after, asks):
    """The filter decodes with json's C scanner and takes its document only when the object ends the event's text;
    anything after it goes to ``json.loads`` (whitespace: the same document; anything else: the SDK's own error, as
    bare)."""
    events = [
        (None, _chunk({"role": "assistant", "content": "Hi"}), False),
        (None, json.dumps(_chunk({"content": " there"})) + after, False),
        (None, _chunk({}, "stop"), False),
        (None, json.dumps({**BASE, "choices": [], "usage": USAGE}) + after, True),
    ]
    server.answer = _answer(events)

    ours = oracle(_read_to_an_error(server, **(ASKS if asks else {})))
    if after.strip():
        assert ours.seen[-1][0] == "JSONDecodeError" and len(ours.seen) == 2 and taken == []
    elif asks:  # the caller's own usage chunk reaches it
        assert len(ours.seen) == 4 and taken == [] and ours_usage(telemetry) == USAGE["completion_tokens"]
    else:
        assert len(ours.seen) == 3 and len(taken) == 1 and taken[0]["usage"] == USAGE


def test_a_usage_beside_choices_reaches_the_sdk_in_the_texts_own_key_order(server, oracle, telemetry, taken,
                                                                           monkeypatch):  # fmt: skip
    """We asked: each event's top-level ``"usage"`` is popped (the null we caused, gone); one that is not null and not
    the usage-only chunk (a server that sends the usage beside the last choices, then more keys) is handed to the SDK
    as the text says, its keys in their own order (``json.loads`` of the text is the oracle), not with the usage
    moved last."""
    handed = []
    build = BaseClient._process_response_data  # what the SDK builds each chunk from: the document it got

    def spy(self, *, data, **kwargs):
        handed.append(list(data.items()))
        return build(self, data=data, **kwargs)

    monkeypatch.setattr(BaseClient, "_process_response_data", spy)
    last = json.dumps(_chunk({}, "stop", usage=USAGE, x_after={"k": 1}))

    def answer(body):  # the null in the first chunk only when asked, as the API does
        asked = asked_usage(body)
        first = _chunk({"role": "assistant", "content": "Hi"}, **({"usage": None} if asked else {}))
        return Reply(body=sse([(None, first), (None, last)]))

    server.answer = answer
    oracle(_case(server, "for_loop"))
    assert len(handed) == 4  # the bare run's two chunks, then ours (the oracle runs bare first)
    ours_first, ours_last = handed[2:]
    assert ours_last == list(json.loads(last).items())
    assert "usage" not in dict(ours_first)  # the null we caused: gone, as bare
    assert taken == []
    assert ours_usage(telemetry) == USAGE["completion_tokens"]
