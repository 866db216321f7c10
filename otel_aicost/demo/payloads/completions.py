"""Legacy Completions bodies of the fake endpoint: the completion, and the chunks of its stream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from otel_aicost.demo.payloads.generation import Generation

def completion(gen: Generation, ident: str, created: int) -> dict[str, Any]:
    choices = [
        {"text": gen.text, "index": i, "logprobs": None, "finish_reason": gen.finish_reason} for i in range(gen.n)
    ]
    payload = {"id": ident, "object": "text_completion", "created": created, "model": gen.model, "choices": choices}
    if gen.report_usage:
        payload["usage"] = _completion_usage(gen)
    return payload


def completion_chunks(gen: Generation, ident: str, created: int) -> list[dict[str, Any]]:
    base = {"id": ident, "object": "text_completion", "created": created, "model": gen.model}
    if gen.include_usage:
        base["usage"] = None

    def chunk(index: int, text: str, finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"text": text, "index": index, "logprobs": None, "finish_reason": finish}]}

    chunks = [chunk(i, piece) for piece in gen.pieces for i in range(gen.n)]
    chunks += [chunk(i, "", gen.finish_reason) for i in range(gen.n)]
    if gen.include_usage and gen.report_usage:
        chunks.append({**base, "choices": [], "usage": _completion_usage(gen)})
    return chunks


def _completion_usage(gen: Generation) -> dict[str, Any]:
    usage = gen.chat_usage()
    return {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens") if k in usage}
