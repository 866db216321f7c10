"""Async streams left every way (bare SDK against instrumented), and content capture off: the completion text, the
prompt and the tool arguments never reach a span, whichever way the stream is consumed or fails."""

from __future__ import annotations

import asyncio
import gc
import json

import pytest

from tests.integration.adversarial.shapes import chat_helpers, chat_kwargs, chat_reply, exact
from tests.integration.adversarial.test_stream_exits import one_call
from tests.support.scripted_openai import Reply, asked_usage, client, sse


def _async(case):
    def run_case(run):
        async def main():
            api = client(run.server, is_async=True)
            try:
                await case(api, run)
            finally:
                await api.close()

        asyncio.run(main())

    return run_case


def _with_server(server, case):
    def run_case(run):
        run.server = server
        case(run)

    return run_case


async def _iterate(api, run):
    run.seen = [exact(c) async for c in await api.chat.completions.create(**chat_kwargs(stream=True))]
    run.checkpoint()


async def _async_with_break(api, run):
    async with await api.chat.completions.create(**chat_kwargs(stream=True)) as stream:
        async for chunk in stream:
            run.seen = exact(chunk)
            break
    run.checkpoint()


async def _closed(api, run):
    stream = await api.chat.completions.create(**chat_kwargs(stream=True))
    run.seen = exact(await stream.__anext__())
    await stream.close()
    run.checkpoint()


async def _released(api, run):
    stream = await api.chat.completions.create(**chat_kwargs(stream=True))
    run.seen = exact(await stream.__anext__())
    del stream
    gc.collect()
    run.checkpoint()


async def _raw_lines(api, run):
    async with api.chat.completions.with_streaming_response.create(**chat_kwargs(
            stream=True, stream_options={"include_usage": True})) as response:  # fmt: skip
        run.seen = [line async for line in response.iter_lines()]
    run.checkpoint()


async def _helper_to_the_end(api, run):
    async with chat_helpers(api).stream(**chat_kwargs()) as stream:
        run.seen = [event.type async for event in stream]
        run.seen.append(exact(await stream.get_final_completion()))
    run.checkpoint()


async def _closed_in_except_block(api, run):
    try:
        raise KeyError("an earlier, unrelated failure")
    except KeyError:
        stream = await api.chat.completions.create(**chat_kwargs(stream=True))
        run.seen = exact(await stream.__anext__())
        await stream.close()
    run.checkpoint()


ASYNC_EXITS = {
    "iterate": (_iterate, True), "async_with_break": (_async_with_break, False), "closed": (_closed, False),
    "released": (_released, False), "raw_lines": (_raw_lines, True), "helper_to_the_end": (_helper_to_the_end, True),
    "closed_in_except_block": (_closed_in_except_block, False),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(ASYNC_EXITS))
def test_async_exit(server, oracle, telemetry, name):
    case, priced = ASYNC_EXITS[name]
    server.answer = chat_reply()
    assert oracle(_with_server(server, _async(case))).checkpoints == [1, 1]
    one_call(telemetry, priced=priced)


# --- content capture off --------------------------------------------------------------------------------------------

SECRET_TEXT = "ZEPHYR-QUOKKA-7731"  # the reply
SECRET_ARGS = "MARMOSET-4412"  # tool call arguments
SECRET_PROMPT = "OCELOT-9902"


def _secret_answer(body):
    asked = asked_usage(body)
    base = {"id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1733140800,
            "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_1"}  # fmt: skip

    def chunk(delta, finish=None):
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
                **({"usage": None} if asked else {})}  # fmt: skip

    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"content": piece}) for piece in ("ZEPHYR-", "QUOKKA-", "7731")]
    events.append(chunk({"tool_calls": [{"index": 0, "id": "call_s", "type": "function",
                                         "function": {"name": "f", "arguments": SECRET_ARGS}}]}))
    events.append(chunk({}, "length"))
    if asked:
        usage = {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}
        events.append({**base, "choices": [], "usage": usage})
    return Reply(body=sse([(None, event) for event in events]))


def _exported(telemetry):
    spans = telemetry.spans()
    assert spans
    return json.dumps([[span.name, span.status.description, dict(span.attributes),
                        [(e.name, dict(e.attributes)) for e in span.events]] for span in spans], default=str)


CAPTURE_PATHS = {
    "iterate": lambda api: list(api.chat.completions.create(**_secret_kwargs(stream=True))),
    "raw_lines": lambda api: _secret_raw(api),
    "helper": lambda api: _secret_helper(api),
    "user_error_in_with": lambda api: _secret_user_error(api),
}


def _secret_kwargs(**extra):
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": SECRET_PROMPT}], **extra}


def _secret_raw(api):
    with api.chat.completions.with_streaming_response.create(**_secret_kwargs(
            stream=True, stream_options={"include_usage": True})) as response:  # fmt: skip
        return list(response.iter_lines())


def _secret_helper(api):
    try:
        with chat_helpers(api).stream(**_secret_kwargs()) as stream:
            return [event.type for event in stream]
    except Exception as error:  # noqa: BLE001 - the helper may refuse a cut reply; the span must still be clean
        return type(error).__name__


def _secret_user_error(api):
    with pytest.raises(ValueError):
        with api.chat.completions.create(**_secret_kwargs(stream=True)) as stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content:
                    raise ValueError("unexpected reply")


@pytest.mark.parametrize("path", sorted(CAPTURE_PATHS))
@pytest.mark.parametrize("setting", [None, "false", "no_content", "event_only"])
def test_capture_off_leaks_nothing(server, telemetry, instrument, monkeypatch, path, setting):
    if setting is None:
        monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    else:
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", setting)
    server.answer = _secret_answer
    instrument()
    with client(server) as api:
        CAPTURE_PATHS[path](api)
    exported = _exported(telemetry)
    for secret in (SECRET_TEXT, "ZEPHYR", "QUOKKA", SECRET_ARGS, SECRET_PROMPT):
        assert secret not in exported, (secret, exported)
