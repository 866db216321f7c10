"""Canned OpenAI response bodies, shaped like the real API's."""

from __future__ import annotations

from typing import Any


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
) -> dict[str, Any]:
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": cached_tokens, "audio_tokens": 0}
    if reasoning_tokens is not None:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    body = {
        "id": "chatcmpl-123",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "system_fingerprint": "fp_abc",
        "choices": [
            {"index": i, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}
            for i in range(choices)
        ],
        "usage": usage,
    }
    if service_tier is not None:
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
    base = {"id": "chatcmpl-s1", "object": "chat.completion.chunk", "created": 1700000000, "model": model,
            "system_fingerprint": "fp_abc", "service_tier": "default"}  # fmt: skip
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    for piece in pieces:
        chunks.append({**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    if include_usage:
        for chunk in chunks:
            chunk["usage"] = None
        chunks.append({**base, "choices": [], "usage": {
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached_tokens}}})  # fmt: skip
    return chunks


def completion(model: str = "gpt-3.5-turbo-instruct", text: str = "Hi") -> dict[str, Any]:
    return {
        "id": "cmpl-1", "object": "text_completion", "created": 1700000000, "model": model,
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6},
    }  # fmt: skip


def embeddings(model: str = "text-embedding-3-small", dimensions: int = 8, prompt_tokens: int = 7) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1] * dimensions}],
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def response(model: str = "gpt-4o-2024-08-06", text: str = "Hi!", input_tokens: int = 20, output_tokens: int = 6,
             cached_tokens: int = 0, reasoning_tokens: int = 0, status: str = "completed") -> dict[str, Any]:  # fmt: skip
    return {
        "id": "resp_1", "object": "response", "created_at": 1700000000, "status": status, "model": model,
        "output": [{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [], "service_tier": "default",
        "usage": {"input_tokens": input_tokens, "input_tokens_details": {"cached_tokens": cached_tokens},
                  "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
                  "total_tokens": input_tokens + output_tokens},
    }  # fmt: skip


def response_events(model: str = "gpt-4o-2024-08-06", pieces: tuple[str, ...] = ("Hi", "!")) -> list[dict[str, Any]]:
    final = response(model=model, text="".join(pieces))
    created = {**final, "status": "in_progress", "output": [], "usage": None}
    text = "".join(pieces)
    item = {"type": "message", "id": "msg_1", "status": "in_progress", "role": "assistant", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": created},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.content_part.added", "item_id": "msg_1", "output_index": 0, "content_index": 0,
         "part": part},
    ]  # fmt: skip
    for piece in pieces:
        events.append({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                       "content_index": 0, "delta": piece, "logprobs": []})  # fmt: skip
    events.append({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0,
                   "content_index": 0, "text": text, "logprobs": []})
    events.append({"type": "response.content_part.done", "item_id": "msg_1", "output_index": 0, "content_index": 0,
                   "part": {**part, "text": text}})
    events.append({"type": "response.output_item.done", "output_index": 0, "item": final["output"][0]})
    events.append({"type": "response.completed", "response": final})
    for number, event in enumerate(events):
        event["sequence_number"] = number
    return events
