"""Async clients: the same telemetry as sync, streams ended on every exit path."""

from __future__ import annotations

import asyncio

import openai
import pytest

from tests.support import payloads
from tests.support.mock_openai import async_client, chat_stream_server, json_response

MESSAGES = [{"role": "user", "content": "Say hello"}]


def test_async_chat(telemetry, instrumented):
    api = async_client(lambda request: json_response(payloads.chat_completion()))
    result = asyncio.run(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    assert result.usage.prompt_tokens == 12
    span = telemetry.span()
    assert span.name == "chat gpt-4o-mini"
    assert span.attributes["gen_ai.usage.output_tokens"] == 5


def test_async_error(telemetry, instrumented):
    api = async_client(lambda request: json_response({"error": {"message": "bad"}}, status=500))
    with pytest.raises(openai.InternalServerError):
        asyncio.run(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES))
    assert telemetry.span().attributes["error.type"] == "openai.InternalServerError"


def test_async_stream(telemetry, instrumented):
    recorder = chat_stream_server()
    api = async_client(recorder)

    async def run():
        stream = await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        return [chunk async for chunk in stream]

    chunks = asyncio.run(run())
    assert all(chunk.choices for chunk in chunks)
    assert telemetry.span().attributes["gen_ai.usage.input_tokens"] == 12


@pytest.mark.parametrize("exit_path", ["aclose", "async_with"])
def test_async_stream_early_exit_ends_once(telemetry, instrumented, exit_path):
    api = async_client(chat_stream_server(pieces=("x",) * 10))

    async def run():
        if exit_path == "aclose":
            stream = await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
            async for _ in stream:
                break
            await stream.close()
        else:
            async with await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                                         stream=True) as stream:  # fmt: skip
                await stream.__anext__()

    asyncio.run(run())
    assert len(telemetry.spans()) == 1


def test_async_embeddings_and_raw(telemetry, instrumented):
    api = async_client(lambda request: json_response(payloads.embeddings()))

    async def run():
        await api.embeddings.create(model="text-embedding-3-small", input="x")
        raw = await api.embeddings.with_raw_response.create(model="text-embedding-3-small", input="x")
        return raw.parse()

    assert asyncio.run(run()).usage.prompt_tokens == 7
    spans = telemetry.spans()
    assert [s.attributes["gen_ai.usage.input_tokens"] for s in spans] == [7, 7]


def test_async_with_streaming_response(telemetry, instrumented):
    api = async_client(lambda request: json_response(payloads.chat_completion()))

    async def run():
        async with api.chat.completions.with_streaming_response.create(model="gpt-4o-mini",
                                                                       messages=MESSAGES) as response:  # fmt: skip
            return await response.parse()

    assert asyncio.run(run()).usage.prompt_tokens == 12
    assert telemetry.span().attributes["gen_ai.usage.input_tokens"] == 12
