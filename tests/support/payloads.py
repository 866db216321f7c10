"""Canned OpenAI response bodies for tests, with the usage the test names.

They are built by the demo's fake endpoint builders (``otel_aicost.demo.payloads``), so
the tests, the demo and the benchmarks answer with one set of shapes; here only the figures are chosen.
"""

from __future__ import annotations

from typing import Any

from otel_aicost.demo.payloads import chat as chat_bodies
from otel_aicost.demo.payloads import completions as completion_bodies
from otel_aicost.demo.payloads import embeddings as embedding_bodies
from otel_aicost.demo.payloads.generation import Generation
from otel_aicost.demo.payloads.responses import ResponseBuilder

CREATED = 1700000000
FINGERPRINT = "fp_abc"


def _generation(model: str, pieces: list[str], usage: dict[str, Any] | None, *, n: int = 1,
                finish_reason: str = "stop", service_tier: str = "default",
                include_usage: bool = False) -> Generation:  # fmt: skip
    return Generation(
        model=model, pieces=pieces, finish_reason=finish_reason, n=n, prompt_tokens=0, cached_tokens=0,
        reasoning_tokens=0, service_tier=service_tier, include_usage=include_usage, usage=usage,
        system_fingerprint=FINGERPRINT,
    )  # fmt: skip


def _chat_usage(prompt_tokens: int, completion_tokens: int, cached_tokens: int | None = None,
                reasoning_tokens: int | None = None) -> dict[str, Any]:  # fmt: skip
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens, "audio_tokens": 0}
    if reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return usage


def chat_completion(
    model: str = "gpt-4o-mini-2024-07-18",
    content: str = "Hello there",
    prompt_tokens: int = 12,
    completion_tokens: int = 5,
    cached_tokens: int | None = None,
    reasoning_tokens: int | None = None,
    finish_reason: str = "stop",
    service_tier: str | None = "default",
    choices: int = 1,
    azure: bool = False,
) -> dict[str, Any]:
    usage = _chat_usage(prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens)
    gen = _generation(model, [content], usage, n=choices, finish_reason=finish_reason)
    body = chat_bodies.chat_completion(gen, "chatcmpl-123", CREATED, azure=azure)
    if service_tier is None:
        del body["service_tier"]
    else:
        body["service_tier"] = service_tier
    return body


def chat_chunks(
    model: str = "gpt-4o-mini-2024-07-18",
    pieces: tuple[str, ...] = ("Hel", "lo", " there"),
    include_usage: bool = False,
    prompt_tokens: int = 12,
    completion_tokens: int = 3,
    cached_tokens: int = 0,
) -> list[dict[str, Any]]:
    """Chunks as the API streams them; the usage chunk (and ``usage: null`` on others) only when asked."""
    usage = _chat_usage(prompt_tokens, completion_tokens)
    usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens}
    gen = _generation(model, list(pieces), usage, include_usage=include_usage)
    return chat_bodies.chat_chunks(gen, "chatcmpl-s1", CREATED, azure=False)


def completion(model: str = "gpt-3.5-turbo-instruct", text: str = "Hi") -> dict[str, Any]:
    gen = _generation(model, [text], _chat_usage(4, 2))
    return completion_bodies.completion(gen, "cmpl-1", CREATED)


def embeddings(model: str = "text-embedding-3-small", dimensions: int = 8, prompt_tokens: int = 7) -> dict[str, Any]:
    request = {"model": model, "input": "hello", "dimensions": dimensions, "fake_prompt_tokens": prompt_tokens}
    return embedding_bodies.embeddings(request)


def _responses(model: str, pieces: tuple[str, ...], input_tokens: int, output_tokens: int, cached_tokens: int,
               reasoning_tokens: int) -> ResponseBuilder:  # fmt: skip
    usage = {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": cached_tokens},
             "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
             "total_tokens": input_tokens + output_tokens}  # fmt: skip
    return ResponseBuilder(_generation(model, list(pieces), usage), {}, "resp_1", CREATED, reasoning=False)


def response(model: str = "gpt-4o-2024-08-06", text: str = "Hi!", input_tokens: int = 20, output_tokens: int = 6,
             cached_tokens: int = 0, reasoning_tokens: int = 0, status: str = "completed",
             tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    """A Responses API body; ``tools``: the built-in tools asked for, whose call items it then records."""
    builder = _responses(model, (text,), input_tokens, output_tokens, cached_tokens, reasoning_tokens)
    if tools:
        builder.body = {**builder.body, "tools": tools}
    body = builder.response(final=True)
    body["status"] = status
    return body


def response_events(model: str = "gpt-4o-2024-08-06", pieces: tuple[str, ...] = ("Hi", "!")) -> list[dict[str, Any]]:
    return _responses(model, pieces, 20, 6, 0, 0).events()
