"""Every stream's events are decoded once by our decoder (msgspec's, else json's C scanner) in place of the SDK's
``json()`` (``usage_events.py``), not only the chat streams whose usage we ask for: the other streams a caller can open
get exactly what the bare SDK gives (objects field for field, the helpers' events and final objects, exceptions with
their type, message and body), including events whose text the decoders reject or read differently (too deep, a huge
int, an int past 64 bits, a lone surrogate, not UTF-8, empty, cut short) and the API's error events mid-stream."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from otel_aicost.instrumentation import safety
from tests.integration.adversarial.shapes import CHAT, chat_helpers, chat_kwargs, chat_reply, exact, run_async
from tests.integration.conformance.recordings import STREAMS
from tests.support.mock_openai import httpx
from tests.support.scripted_openai import Recut, Reply, asked_usage, client, sse

RESPONSES = STREAMS["response_stream"]
RESPONSES_TOOLS = STREAMS["response_stream_tools"]
COMPLETIONS = STREAMS["completion_stream"]
RESPONSES_KWARGS = {"model": "gpt-4o-mini", "input": "Say hi"}
COMPLETIONS_KWARGS = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"}
# openai before ~1.66 has no Responses API (the oldest supported, 1.40, among them): its ways skip there
needs_responses = pytest.mark.skipif(not hasattr(openai.OpenAI, "responses"), reason="this openai has no Responses API")


def recorded(recording):
    return lambda body: Reply(body=recording.payload(asked_usage(body)))


def failure(error):
    """What a caller can read of an exception."""
    return (type(error).__module__, type(error).__qualname__, str(error), getattr(error, "message", None),
            getattr(error, "body", None), getattr(error, "code", None), getattr(error, "type", None))  # fmt: skip


def seen_of(items, run):
    """Read ``items`` (an iterable of SDK objects) into ``run.seen``, the exception that ends it included."""
    run.seen = []
    try:
        for item in items:
            run.seen.append(exact(item))
    except Exception as error:  # the caller's view of the failure, compared with bare
        run.seen.append(failure(error))


async def aseen_of(items, run):
    run.seen = []
    try:
        async for item in items:
            run.seen.append(exact(item))
    except Exception as error:
        run.seen.append(failure(error))


# --- the ways of opening a stream ------------------------------------------------------------------------------------


def responses_create(api, run):
    seen_of(api.responses.create(stream=True, **RESPONSES_KWARGS), run)


def responses_helper(api, run):
    try:
        with api.responses.stream(**RESPONSES_KWARGS) as stream:
            seen_of(stream, run)
            run.seen.append(exact(stream.get_final_response()))
    except Exception as error:  # get_final_response() after a failed stream
        run.seen.append(failure(error))


def completions_create(api, run):
    seen_of(api.completions.create(stream=True, **COMPLETIONS_KWARGS), run)


def chat_create(api, run):
    seen_of(api.chat.completions.create(**chat_kwargs(stream=True)), run)


def chat_helper(api, run):
    try:
        with chat_helpers(api).stream(**chat_kwargs()) as stream:
            seen_of(stream, run)
            run.seen.append(exact(stream.get_final_completion()))
    except Exception as error:  # get_final_completion() after a failed stream
        run.seen.append(failure(error))


def responses_raw(api, run):
    raw = api.responses.with_raw_response.create(stream=True, **RESPONSES_KWARGS)
    seen_of(raw.parse(), run)


def responses_streaming(api, run):
    with api.responses.with_streaming_response.create(stream=True, **RESPONSES_KWARGS) as raw:
        seen_of(raw.parse(), run)


def completions_raw(api, run):
    raw = api.completions.with_raw_response.create(stream=True, **COMPLETIONS_KWARGS)
    seen_of(raw.parse(), run)


def completions_streaming(api, run):
    with api.completions.with_streaming_response.create(stream=True, **COMPLETIONS_KWARGS) as raw:
        seen_of(raw.parse(), run)


async def aresponses_create(api, run):
    await aseen_of(await api.responses.create(stream=True, **RESPONSES_KWARGS), run)


async def aresponses_helper(api, run):
    try:
        async with api.responses.stream(**RESPONSES_KWARGS) as stream:
            await aseen_of(stream, run)
            run.seen.append(exact(await stream.get_final_response()))
    except Exception as error:
        run.seen.append(failure(error))


async def acompletions_create(api, run):
    await aseen_of(await api.completions.create(stream=True, **COMPLETIONS_KWARGS), run)


async def achat_helper(api, run):
    try:
        async with chat_helpers(api).stream(**chat_kwargs()) as stream:
            await aseen_of(stream, run)
            run.seen.append(exact(await stream.get_final_completion()))
    except Exception as error:
        run.seen.append(failure(error))


async def aresponses_streaming(api, run):
    async with api.responses.with_streaming_response.create(stream=True, **RESPONSES_KWARGS) as raw:
        await aseen_of(await raw.parse(), run)


def case(server, way, transport=None):
    def run_case(run):
        if asyncio.iscoroutinefunction(way):
            async def main():
                api = client(server, is_async=True)
                try:
                    await way(api, run)
                finally:
                    await api.close()

            run_async(main)
        else:
            with client(server, transport=transport) as api:
                way(api, run)

    return run_case


RESPONSE_WAYS = [responses_create, responses_helper, responses_raw, responses_streaming, aresponses_create,
                 aresponses_helper, aresponses_streaming]  # fmt: skip


def one_stream(oracle, run_case):
    """``oracle(run_case)`` for a case that opens one stream: also its span ended, once."""
    ours = oracle(run_case)
    assert ours.checkpoints == [1], "the stream's span must end once"
    return ours


def ways(*kinds):
    """The ways of opening a stream as test parameters, the Responses API's skipped where openai has none."""
    return [pytest.param(way, marks=needs_responses) if "responses" in way.__name__ else way for way in kinds]


COMPLETION_WAYS = [completions_create, completions_raw, completions_streaming, acompletions_create]


@pytest.mark.parametrize("recording", [RESPONSES, RESPONSES_TOOLS], ids=lambda r: r.name)
@pytest.mark.parametrize("way", RESPONSE_WAYS, ids=lambda w: w.__name__)
@needs_responses
def test_responses_streams_as_bare(server, oracle, telemetry, decoded, way, recording):
    """The Responses API's events (with ``event:`` names), every way of reading them, as bare; priced."""
    server.answer = recorded(recording)
    ours = one_stream(oracle, case(server, way))
    assert len(decoded) == len(recording.events)  # each decoded by our decoder, once
    assert len(ours.seen) >= len(recording.events)
    assert telemetry.span().attributes["gen_ai.usage.input_tokens"] == recording.usage[0]


@pytest.mark.parametrize("way", COMPLETION_WAYS, ids=lambda w: w.__name__)
def test_legacy_completions_streams_as_bare(server, oracle, telemetry, decoded, way):
    server.answer = recorded(COMPLETIONS)
    ours = one_stream(oracle, case(server, way))
    assert len(decoded) >= len(COMPLETIONS.events)  # each decoded by our decoder (and the usage-only chunk we asked)
    assert len(ours.seen) == len(COMPLETIONS.events)


@pytest.mark.parametrize("way", [chat_helper, achat_helper], ids=lambda w: w.__name__)
def test_chat_stream_helper_as_bare(server, oracle, telemetry, decoded, way):
    """``chat.completions.stream()``, sync and async: its events and ``get_final_completion()`` as bare."""
    server.answer = chat_reply()
    ours = one_stream(oracle, case(server, way))
    assert len(decoded) > len(CHAT.events)  # each decoded by our decoder, the usage-only chunk we asked too
    assert ours.seen[-1][1].startswith("ParsedChatCompletion") and len(ours.seen) > len(CHAT.events)


def test_azure_chat_stream_as_bare(server, oracle, telemetry, decoded):
    def way(run):
        api = openai.AzureOpenAI(
            api_key="sk-test", azure_endpoint=f"http://127.0.0.1:{server.port}", api_version="2024-10-21",
            max_retries=0, http_client=httpx.Client(verify=False),
        )  # fmt: skip
        with api:
            seen_of(api.chat.completions.create(**chat_kwargs(stream=True)), run)

    server.answer = chat_reply()
    ours = one_stream(oracle, way)
    assert len(ours.seen) == len(CHAT.events) and len(decoded) > len(CHAT.events)


# --- error events mid-stream -----------------------------------------------------------------------------------------

ERROR = {"message": "The server had an error while processing your request.", "type": "server_error",
         "param": None, "code": "internal"}  # fmt: skip


def _first_chat_then(name, data):
    return lambda body: Reply(body=sse([CHAT.events[0], (name, data)]))


@pytest.mark.parametrize(
    "event",
    [(None, {"error": ERROR}), ("error", {"error": ERROR}), (None, {"error": {"code": "no message"}}),
     (None, {"error": "plain text"}), ("thread.run.failed", {"error": ERROR}), ("error", {"type": "error", **ERROR})],
    ids=["data", "event_error", "no_message", "not_a_mapping", "thread_event", "responses_shape"],
)
@pytest.mark.parametrize("way", [chat_create, chat_helper, achat_helper], ids=lambda w: w.__name__)
def test_error_events_mid_stream_raise_as_bare(server, oracle, telemetry, way, event):
    server.answer = _first_chat_then(*event)
    ours = one_stream(oracle, case(server, way))
    assert ours.seen  # the first chunk, then what the error event gives


@pytest.mark.parametrize("way", [responses_create, responses_helper, aresponses_helper], ids=lambda w: w.__name__)
@needs_responses
def test_responses_error_event_as_bare(server, oracle, telemetry, way):
    """The Responses API's ``error`` event and a ``response.failed`` after the first events."""
    first = list(RESPONSES.events[:2])
    failed = {"type": "response.failed", "sequence_number": 2,
              "response": {**RESPONSES.events[0][1]["response"], "status": "failed", "error": ERROR}}  # fmt: skip
    events = first + [("error", {"type": "error", "sequence_number": 2, **ERROR}), ("response.failed", failed)]
    server.answer = lambda body: Reply(body=sse(events, done=False))
    one_stream(oracle, case(server, way))


# --- texts the decoders reject or read differently -------------------------------------------------------------------

CHUNK = json.dumps(CHAT.events[0][1])[:-1]  # the first chunk's text without its closing brace: ``, "x": ...}``
DEPTH = 100_000


def _text_events(*texts):
    return lambda body: Reply(body=b"".join(b"data: " + text + b"\n\n" for text in texts) + b"data: [DONE]\n\n")


ODD = {
    "deep": (CHUNK + ', "x": ' + "[" * DEPTH + "]" * DEPTH + "}").encode(),
    "deep_object": (CHUNK + ', "x": ' + '{"a":' * DEPTH + "1" + "}" * DEPTH + "}").encode(),
    "huge_int": (CHUNK + ', "x": 1' + "0" * 5000 + "}").encode(),
    "huge_int_deep": (CHUNK + ', "x": [[1' + "0" * 5000 + "]]}").encode(),
    "big_float": (CHUNK + ', "x": 1e999, "y": NaN, "z": -Infinity}').encode(),
    "not_utf8": (CHUNK + ', "x": "').encode() + b"\xff\xfe" + b'"}',
    "surrogate": (CHUNK + ', "x": "\\ud800 \\udfff"}').encode(),
    "empty": b"",
    "open_brace": b"{",
    "cut_short": CHUNK.encode(),
    "trailing_space": (CHUNK + "}  \t").encode(),
    "trailing_text": (CHUNK + "} x").encode(),
    "two_objects": (CHUNK + "}{}").encode(),
    "duplicate_keys": (CHUNK + ', "choices": [], "choices": null}').encode(),
    "not_an_object": b'["a"]',
    "bom": "\ufeff".encode() + CHUNK.encode() + b"}",
    # msgspec decodes these where json does: the same value (0.18 wrapped ints of 20 digits round); the texts above
    # it refuses and json decodes ("surrogate", "big_float", "huge_int") take the fallback to json's scanner
    "ints_past_64_bits": (CHUNK + ', "x": [19898510052083131996, -19617837901463434097, 18446744073709551616, '
                          + "-9223372036854775809, 1" + "0" * 4299 + "]}").encode(),
    "float_digits": (CHUNK + ', "x": [0.30000000000000004441, 2.4703282292062327e-324, 5e-324, -0.0, -0, 1E5, '
                     + "1" * 400 + ".5]}").encode(),
}


@pytest.mark.parametrize("text", sorted(ODD))
@pytest.mark.parametrize("way", ways(chat_create, chat_helper, completions_create, responses_create),
                         ids=lambda w: w.__name__)  # fmt: skip
def test_odd_event_texts_as_bare(server, oracle, telemetry, way, text):
    """An event msgspec or json's scanner rejects (or that decodes oddly) reaches the caller as bare: the SDK's own
    ``json()`` decides, and none of it is counted as our internal error."""
    server.answer = _text_events(json.dumps(CHAT.events[0][1]).encode(), ODD[text])
    errors = safety.internal_errors.count
    ours = one_stream(oracle, case(server, way))
    assert safety.internal_errors.count == errors
    assert ours.seen


@pytest.mark.parametrize("sizes", [[1], [7], [6, 1], [3, 5, 11]], ids=str)
@needs_responses
def test_events_cut_anywhere_across_reads(server, oracle, telemetry, sizes):
    """``data: {`` split across reads (the Responses events, pieces of 1..11 bytes): as bare."""
    server.answer = recorded(RESPONSES)
    ours = one_stream(oracle, case(server, responses_create, transport=Recut(sizes)))
    assert len(ours.seen) == len(RESPONSES.events)


@pytest.mark.parametrize("way", ways(chat_create, chat_helper, responses_helper, completions_create),
                         ids=lambda w: w.__name__)  # fmt: skip
def test_the_sdk_reads_each_event_json_once(server, monkeypatch, way):
    """What handing the SDK one document per event (``repeat(document).__next__``, the same dict at each call)
    relies on: bare, the SDK calls an event's ``json()`` once (1.40.0 .. 3.60.0, ``Stream.__stream__``); a second
    call would get the dict the first one's caller may have changed, where bare decodes a fresh one."""
    from openai._streaming import ServerSentEvent

    calls = []  # the events json() was called on, kept alive (their ids never reused)
    original = ServerSentEvent.json

    def counted(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(ServerSentEvent, "json", counted)
    server.answer = recorded(RESPONSES) if way is responses_helper else chat_reply()
    if way is completions_create:
        server.answer = recorded(COMPLETIONS)
    run = type("Run", (), {})()
    case(server, way)(run)
    assert calls and len({id(event) for event in calls}) == len(calls)
