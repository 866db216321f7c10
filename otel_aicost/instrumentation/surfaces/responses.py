"""The Responses API: ``responses.create`` / ``parse`` (``responses.stream()`` calls ``create``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.facts import Chunk, Facts
from otel_aicost.instrumentation.surfaces.shared import common_facts, request_attributes, text, usage_of
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface

_STATUS_REASONS = {"completed": "stop", "failed": "error", "cancelled": "error"}
_TOOL_CALLS = ("function_call", "custom_tool_call")  # calls the caller's code must answer
_INCOMPLETE_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


def _finish_reasons(response: Any) -> tuple[str, ...]:
    status = text(getattr(response, "status", None))
    if status == "incomplete":
        reason = text(getattr(getattr(response, "incomplete_details", None), "reason", None))
        return (_INCOMPLETE_REASONS.get(reason or "", "length"),)
    if status in _STATUS_REASONS:
        reason = _STATUS_REASONS[status]
        output = getattr(response, "output", None)
        if reason == "stop" and isinstance(output, list):
            if any(getattr(item, "type", None) in _TOOL_CALLS for item in output):
                reason = "tool_calls"  # what Chat Completions reports for the same reply
        return (reason,)
    return ()


def responses_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    attributes = request_attributes(kwargs)
    conversation = kwargs.get("conversation")
    if isinstance(conversation, Mapping):
        conversation = conversation.get("id")
    conversation_id = text(conversation)
    if conversation_id is not None:
        attributes[semconv.CONVERSATION_ID] = conversation_id
    return attributes


def read(response: Any) -> Facts:
    """A ``Response`` (a plain call, or the one a stream event carries)."""
    usage = usage_of(
        getattr(response, "usage", None), "input_tokens", "output_tokens", "input_tokens_details",
        "output_tokens_details",
    )  # fmt: skip
    return common_facts(response, usage, _finish_reasons(response))


_FINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed", "response.created")
_NOT_OUTPUT = Chunk(counts=False)


def read_chunk(event: Any, injected_usage: bool, need_common: bool) -> Chunk:
    """One stream event: text deltas are output chunks; the response events carry the facts."""
    kind = getattr(event, "type", None)
    if kind == "response.output_text.delta":
        delta = getattr(event, "delta", None)
        return Chunk(texts=(delta,)) if type(delta) is str else Chunk()
    if kind in _FINAL_EVENTS:
        response = getattr(event, "response", None)
        if response is not None:
            return Chunk(facts=read(response), counts=False)
    return _NOT_OUTPUT


RESPONSES = Surface(semconv.OP_CHAT, read, read_chunk, api_type=semconv.API_RESPONSES, request=responses_request)

PATCHES = (
    Patch("openai.resources.responses", "Responses", "AsyncResponses", "create", RESPONSES),
    Patch("openai.resources.responses", "Responses", "AsyncResponses", "parse", RESPONSES),
)
