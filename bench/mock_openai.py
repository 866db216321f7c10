"""Canned OpenAI responses served through the SDK's own mock HTTP transport (no socket, no network).

The bodies look like the real API's: ids, system fingerprint, service tier, usage with the cached/reasoning
details. A streamed chat completion has 50 chunks (48 content deltas, a role chunk first and a finish chunk
last) and, like the real API, the trailing usage-only chunk only when the request sent
``stream_options.include_usage``. A stream's body arrives one event per read, as from a server that flushes each
event. Embeddings answer in the encoding the client asked for (the SDK asks for base64 by default).

``AICOST_BENCH_SSE_LAYOUT=api`` writes each stream event as the API itself does (captured 2025: compact JSON,
``"usage"`` after ``"choices"``, then ``"obfuscation"``, a padding string, in every chunk); the default is the
demo's (``json.dumps`` spacing, ``"usage"`` before ``"choices"``, no obfuscation). Every mode gets the same bytes
either way (``cache_misses.py --sse-layout``).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import openai
from openai import _base_client

# the HTTP client package openai itself uses (httpx2 from openai 3.x, httpx before), whichever else is installed
httpx = getattr(_base_client, "httpx2", None) or _base_client.httpx

CHAT_MODEL = "gpt-4o-mini"
CHAT_RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
EMBEDDING_MODEL = "text-embedding-3-small"
# Chunks of a streamed reply; AICOST_BENCH_STREAM_CHUNKS changes it, to split a stream's cost into per chunk and
# per stream (cache_misses.py --stream-chunks).
STREAM_CHUNKS = int(os.environ.get("AICOST_BENCH_STREAM_CHUNKS", "50"))
SSE_LAYOUT = os.environ.get("AICOST_BENCH_SSE_LAYOUT", "demo")  # "api": the API's own byte layout (above)
STREAM_BROKEN_AFTER = 5  # chunks the broken-off stream case reads before it closes the stream
EMBEDDING_DIMENSIONS = 1536
CREATED = 1763900000

USAGE = {
    "prompt_tokens": 24,
    "completion_tokens": 48,
    "total_tokens": 72,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {
        "reasoning_tokens": 0,
        "audio_tokens": 0,
        "accepted_prediction_tokens": 0,
        "rejected_prediction_tokens": 0,
    },
}

# the chat_cached case: a long system prompt (about 1,100 tokens, as a production prompt of instructions and
# examples), whose first 1,024 tokens the API's prompt caching serves from its cache (prompt caching applies by
# itself to prompts of 1,024 tokens or more); the reply's usage says so (cached_tokens)
CACHED_SYSTEM_PROMPT = "You are a terse assistant. " + " ".join(
    f"Rule {number}: answer in one sentence, name the animals, keep the tone plain." for number in range(80))
CACHED_MESSAGES = [
    {"role": "system", "content": CACHED_SYSTEM_PROMPT},
    {"role": "user", "content": "Write one sentence about a fox and a dog."},
]
CACHED_USAGE = {**USAGE, "prompt_tokens": 1100, "total_tokens": 1148,
                "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0}}
# the chat_cache_write case: the same prompt to a model that reports cache writes (GPT-5.6 and later: the prompt's
# tokens past the cached prefix written to the cache, billed at their own rate), as its reply's usage says
# (cache_write_tokens); gpt-6-sol, whose price lists a cache write rate
CACHE_WRITE_MODEL = "gpt-6-sol"
CACHE_WRITE_USAGE = {**USAGE, "prompt_tokens": 1100, "total_tokens": 1148,
                     "prompt_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 70, "audio_tokens": 0}}

# the Responses API case's request (the chat cases' messages as its instructions and input) and usage (the chat
# cases' in the Responses API's shape)
RESPONSES_REQUEST = {"model": CHAT_MODEL, "instructions": "You are a terse assistant.",
                     "input": "Write one sentence about a fox and a dog.", "temperature": 0.2, "max_output_tokens": 64}
RESPONSES_USAGE = {"input_tokens": 24, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 48,
                   "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 72}

_WORDS = ("The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".")

_JSON_HEADERS = {"content-type": "application/json", "x-request-id": "req_bench0001", "openai-processing-ms": "312"}
_SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_bench0002"}


# the demo's payload builders this file uses (stdlib only)
_BUILDERS = ("generation", "chat", "embeddings", "responses")


def _load_builders() -> dict[str, object]:
    """The demo's payload builders. Peer venvs have no otel_aicost installed: there each module is loaded by path
    under its own name (no package ``__init__`` runs), so their imports of each other still resolve."""
    names = [f"otel_aicost.demo.payloads.{name}" for name in _BUILDERS]
    if importlib.util.find_spec("otel_aicost") is not None:
        return {name.rpartition(".")[2]: importlib.import_module(name) for name in names}
    folder = Path(__file__).resolve().parents[1] / "otel_aicost" / "demo" / "payloads"
    for name in names:
        spec = importlib.util.spec_from_file_location(name, folder / f"{name.rpartition('.')[2]}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses, and the builders' imports of each other, look it up there
        spec.loader.exec_module(module)
    return {name.rpartition(".")[2]: sys.modules[name] for name in names}


_builders = _load_builders()
Generation = _builders["generation"].Generation
chat_bodies = _builders["chat"]
embedding_bodies = _builders["embeddings"]
responses_bodies = _builders["responses"]


def _generation(include_usage: bool, usage: dict = USAGE, model: str = CHAT_RESPONSE_MODEL) -> object:
    pieces = [_WORDS[i % len(_WORDS)] for i in range(STREAM_CHUNKS - 2)]
    return Generation(model=model, pieces=pieces, finish_reason="stop", n=1, prompt_tokens=0,
                      cached_tokens=0, reasoning_tokens=0, service_tier="default", include_usage=include_usage,
                      usage=usage, system_fingerprint="fp_bench01")  # fmt: skip


def _chat_body(usage: dict = USAGE, azure: bool = False, model: str = CHAT_RESPONSE_MODEL) -> bytes:
    generation = _generation(False, usage, model)
    return json.dumps(chat_bodies.chat_completion(generation, "chatcmpl-BENCH01", CREATED, azure=azure)).encode()


def _api_layout(chunk: dict, index: int) -> str:
    """A chunk as the API writes it: compact, ``usage`` after ``choices``, an ``obfuscation`` padding last."""
    ordered = {key: value for key, value in chunk.items() if key != "usage"}
    if "usage" in chunk:
        ordered["usage"] = chunk["usage"]
    ordered["obfuscation"] = "aBcD3fGh"[: 2 + index % 7]
    return json.dumps(ordered, separators=(",", ":"))


def _stream_body(include_usage: bool) -> bytes:
    chunks = chat_bodies.chat_chunks(_generation(include_usage), "chatcmpl-BENCH02", CREATED, azure=False)
    if SSE_LAYOUT == "api":
        events = [_api_layout(chunk, index) for index, chunk in enumerate(chunks)]
    else:
        events = [json.dumps(chunk) for chunk in chunks]
    return ("".join(f"data: {event}\n\n" for event in events) + "data: [DONE]\n\n").encode()


def _embedding_body(encoding: str) -> bytes:
    request = {"model": EMBEDDING_MODEL, "input": "bench", "fake_prompt_tokens": 9, "encoding_format": encoding}
    return json.dumps(embedding_bodies.embeddings(request)).encode()


def _responses_builder(stream: bool) -> object:
    """The Responses API's reply to ``RESPONSES_REQUEST`` (the stream's: its events), the text of the chat cases'."""
    body = {**RESPONSES_REQUEST, "stream": True} if stream else RESPONSES_REQUEST
    return responses_bodies.ResponseBuilder(_generation(True, RESPONSES_USAGE), body, "resp_BENCH03", CREATED, False)


def _responses_stream_body() -> bytes:
    events = _responses_builder(True).events()
    return "".join(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n" for event in events).encode()


CHAT_BODY = _chat_body()
CACHED_CHAT_BODY = _chat_body(CACHED_USAGE)  # the reply to CACHED_MESSAGES
CACHE_WRITE_CHAT_BODY = _chat_body(CACHE_WRITE_USAGE, model=CACHE_WRITE_MODEL)  # the reply of CACHE_WRITE_MODEL
# the chat_azure case's reply: Azure OpenAI's, with prompt_filter_results and each choice's content_filter_results
AZURE_CHAT_BODY = _chat_body(azure=True)
STREAM_BODY = _stream_body(include_usage=False)
STREAM_BODY_WITH_USAGE = _stream_body(include_usage=True)
STREAM_PARTS = tuple(event + b"\n\n" for event in STREAM_BODY.split(b"\n\n")[:-1])
STREAM_PARTS_WITH_USAGE = tuple(event + b"\n\n" for event in STREAM_BODY_WITH_USAGE.split(b"\n\n")[:-1])
RESPONSES_BODY = json.dumps(_responses_builder(False).response(final=True)).encode()
RESPONSES_STREAM_PARTS = tuple(event + b"\n\n" for event in _responses_stream_body().split(b"\n\n")[:-1])
EMBEDDING_BODIES = {"base64": _embedding_body("base64"), "float": _embedding_body("float")}


def respond(request: httpx.Request) -> httpx.Response:
    """The fake API: route on the path, read the JSON body like the real server would."""
    return _answer(request, iter)


async def respond_async(request: httpx.Request) -> httpx.Response:
    """``respond`` for the async client, whose stream body must be an async iterable."""
    return _answer(request, _one_event_a_read)


def _answer(request: httpx.Request, stream_body: Callable[[tuple[bytes, ...]], Any]) -> httpx.Response:
    body = json.loads(request.content)
    path = request.url.path
    if path.endswith("/chat/completions"):
        if body.get("stream"):
            # One read per event, as a server flushing each event delivers them (a bytes body would be read whole
            # when the response is made, and no instrumentation would see the body's stream at all).
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            parts = STREAM_PARTS_WITH_USAGE if include_usage else STREAM_PARTS
            return httpx.Response(200, headers=_SSE_HEADERS, content=stream_body(parts))
        if path.startswith("/openai/deployments/"):  # the AzureOpenAI client's (chat_azure)
            return httpx.Response(200, headers=_JSON_HEADERS, content=AZURE_CHAT_BODY)
        if body.get("model") == CACHE_WRITE_MODEL:  # the chat_cache_write case's
            return httpx.Response(200, headers=_JSON_HEADERS, content=CACHE_WRITE_CHAT_BODY)
        cached = body["messages"][0]["content"] == CACHED_SYSTEM_PROMPT  # the chat_cached case's prompt
        return httpx.Response(200, headers=_JSON_HEADERS, content=CACHED_CHAT_BODY if cached else CHAT_BODY)
    if path.endswith("/responses"):  # (the stream: one read per event, as for chat)
        if body.get("stream"):
            return httpx.Response(200, headers=_SSE_HEADERS, content=stream_body(RESPONSES_STREAM_PARTS))
        return httpx.Response(200, headers=_JSON_HEADERS, content=RESPONSES_BODY)
    if path.endswith("/embeddings"):
        encoding = body.get("encoding_format") or "float"
        return httpx.Response(200, headers=_JSON_HEADERS, content=EMBEDDING_BODIES[encoding])
    return httpx.Response(404, headers=_JSON_HEADERS, content=b'{"error": {"message": "not found"}}')


async def _one_event_a_read(parts: tuple[bytes, ...]) -> AsyncIterator[bytes]:
    """A stream's body for the async client, one event per read as ``iter`` gives it to the sync one."""
    for part in parts:
        yield part


def sync_client() -> openai.OpenAI:
    http_client = openai.DefaultHttpxClient(transport=httpx.MockTransport(respond))
    return openai.OpenAI(api_key="sk-bench", base_url="https://api.openai.com/v1", http_client=http_client)


def azure_client() -> openai.AzureOpenAI:
    """openai's Azure client, at an Azure OpenAI resource's address (answered here, as every request of the bench)."""
    http_client = openai.DefaultHttpxClient(transport=httpx.MockTransport(respond))
    return openai.AzureOpenAI(api_key="bench-key", api_version="2024-10-21",
                              azure_endpoint="https://bench-resource.openai.azure.com", http_client=http_client)


def async_client() -> openai.AsyncOpenAI:
    http_client = openai.DefaultAsyncHttpxClient(transport=httpx.MockTransport(respond_async))
    return openai.AsyncOpenAI(api_key="sk-bench", base_url="https://api.openai.com/v1", http_client=http_client)


MESSAGES = [
    {"role": "system", "content": "You are a terse assistant."},
    {"role": "user", "content": "Write one sentence about a fox and a dog."},
]


# Each case takes the ``create`` to call: ``client.chat.completions.create`` (through whatever instrumentation is
# installed) or the SDK's original function bound to the same resource (see worker.original_create).


def chat(create) -> object:
    return create(model=CHAT_MODEL, messages=MESSAGES, temperature=0.2, max_tokens=64)


def stream(create) -> int:
    """A streamed chat completion, consumed fully, as an application would: returns the chunk count."""
    count = 0
    for _chunk_ in create(model=CHAT_MODEL, messages=MESSAGES, stream=True):
        count += 1
    return count


def stream_usage(create) -> int:
    """The same stream, with the caller itself asking for the usage chunk (so every mode gets the same bytes)."""
    count = 0
    for _chunk_ in create(model=CHAT_MODEL, messages=MESSAGES, stream=True, stream_options={"include_usage": True}):
        count += 1
    return count


def stream_broken(create) -> int:
    """The same stream, broken off after a few chunks and closed, as when a user presses stop: no usage chunk
    arrives, so otel-aicost estimates the usage with tiktoken. Returns the chunks read."""
    count = 0
    stream = create(model=CHAT_MODEL, messages=MESSAGES, stream=True)
    for _chunk_ in stream:
        count += 1
        if count == STREAM_BROKEN_AFTER:
            break
    stream.close()
    return count


def chat_cached(create) -> object:
    """``chat`` with a long system prompt most of whose tokens the API served from its prompt cache."""
    return create(model=CHAT_MODEL, messages=CACHED_MESSAGES, temperature=0.2, max_tokens=64)


def chat_cache_write(create) -> object:
    """``chat_cached`` to a model whose reply reports cache writes beside the cache reads."""
    return create(model=CACHE_WRITE_MODEL, messages=CACHED_MESSAGES, temperature=0.2, max_tokens=64)


# the chat_json case's structured parameters: JSON mode and two stop sequences
JSON_MODE = {"response_format": {"type": "json_object"}, "stop": ["\n\n", "END"]}


def chat_json(create) -> object:
    """``chat`` in JSON mode, with two stop sequences: parameters whose values are structures (a dict, a list)."""
    return create(model=CHAT_MODEL, messages=MESSAGES, temperature=0.2, max_tokens=64, **JSON_MODE)


async def async_chat(create) -> object:
    return await create(model=CHAT_MODEL, messages=MESSAGES, temperature=0.2, max_tokens=64)


async def async_stream(create) -> int:
    """The stream of ``stream`` on the async client, read to its end with ``async for``: returns the chunk count."""
    count = 0
    async for _chunk_ in await create(model=CHAT_MODEL, messages=MESSAGES, stream=True):
        count += 1
    return count


def responses(create) -> object:
    """A Responses API call (``client.responses.create``) of the chat cases' request."""
    return create(**RESPONSES_REQUEST)


def responses_stream(create) -> int:
    """The same call streamed and read to its end: returns the event count."""
    count = 0
    for _event_ in create(**RESPONSES_REQUEST, stream=True):
        count += 1
    return count


def embeddings(create) -> object:
    return create(model=EMBEDDING_MODEL, input="The quick brown fox jumps over the lazy dog")
