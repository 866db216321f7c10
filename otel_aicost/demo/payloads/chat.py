"""Chat Completions bodies of the fake endpoint: the completion, and every chunk of its stream in order
(Azure's prompt filter results included when the client is Azure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from otel_aicost.demo.payloads.generation import Generation

AZURE_FILTER = {
    name: {"filtered": False, "severity": "safe"} for name in ("hate", "self_harm", "sexual", "violence")
}


def chat_completion(gen: Generation, ident: str, created: int, azure: bool) -> dict[str, Any]:
    choices = []
    for index in range(gen.n):
        message: dict[str, Any] = {"role": "assistant", "content": gen.text, "refusal": None, "annotations": []}
        if gen.tool:
            call = {"id": gen.tool_call_id, "type": "function", "function": {"name": gen.tool, "arguments": gen.text}}
            message.update(content=None, tool_calls=[call])
        choice: dict[str, Any] = {
            "index": index,
            "message": message,
            "logprobs": None,
            "finish_reason": gen.finish_reason,
        }
        if azure:
            choice["content_filter_results"] = AZURE_FILTER
        choices.append(choice)
    payload: dict[str, Any] = {
        "id": ident,
        "object": "chat.completion",
        "created": created,
        "model": gen.model,
        "choices": choices,
        "service_tier": gen.service_tier,
        "system_fingerprint": gen.fingerprint,
    }
    if gen.report_usage:
        payload["usage"] = gen.chat_usage()
    if azure:
        payload["prompt_filter_results"] = [{"prompt_index": 0, "content_filter_results": AZURE_FILTER}]
    return payload


def chat_chunks(gen: Generation, ident: str, created: int, azure: bool) -> list[dict[str, Any]]:
    """Every chunk of a chat stream, in order, as the real API sends them."""
    base = {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": gen.model,
        "service_tier": gen.service_tier,
        "system_fingerprint": gen.fingerprint,
    }
    if gen.include_usage:
        base["usage"] = None

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**base, "choices": [choice]}

    chunks: list[dict[str, Any]] = []
    if azure:  # Azure first sends the prompt filter results in a chunk without choices
        chunks.append(
            {
                "choices": [],
                "created": 0,
                "id": "",
                "model": "",
                "object": "",
                "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": AZURE_FILTER}],
            }
        )
    for index in range(gen.n):
        chunks.append(chunk(index, {"role": "assistant", "content": "", "refusal": None}))
    if gen.tool:
        call = {"index": 0, "id": gen.tool_call_id, "type": "function", "function": {"name": gen.tool, "arguments": ""}}
        chunks.extend(chunk(index, {"tool_calls": [call]}) for index in range(gen.n))
    for piece in gen.pieces:
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} if gen.tool else {"content": piece}
        chunks.extend(chunk(index, delta) for index in range(gen.n))
    for index in range(gen.n):
        chunks.append(chunk(index, {}, gen.finish_reason))
    if gen.include_usage and gen.report_usage:
        chunks.append({**base, "choices": [], "usage": gen.chat_usage()})
    return chunks
