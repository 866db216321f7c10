"""The Responses API: ``responses.create`` / ``parse`` (``responses.stream()`` calls ``create``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.fees import ToolCall
from otel_aicost.instrumentation.facts import NOT_PLAIN, Chunk, Facts
from otel_aicost.instrumentation.surfaces.request_params import request_attributes
from otel_aicost.instrumentation.surfaces.shared import common_facts, field, text, usage_of
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
    facts = common_facts(response, usage, _finish_reasons(response))
    tool_calls = _tool_calls(getattr(response, "output", None))
    return replace(facts, tool_calls=tool_calls) if tool_calls else facts


# Output items of the built-in tools that bill per call (code interpreter: per container, however many calls).
_TOOL_ITEMS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
    "image_generation_call": "image_generation",
}


def _tool_calls(output: Any) -> tuple[ToolCall, ...]:
    """The built-in tool calls of a response's output, counted by type (image generation: by quality and size)."""
    if not isinstance(output, list):
        return ()
    counts: dict[tuple[str, str | None, str | None], int] = {}
    containers: set[str] = set()
    for item in output:
        kind = field(item, "type")
        tool = _TOOL_ITEMS.get(kind) if type(kind) is str else None
        if tool is None:
            continue
        quality = size = None
        if tool == "code_interpreter":
            container = text(field(item, "container_id"))
            if container is not None:
                if container in containers:
                    continue
                containers.add(container)
        elif tool == "image_generation":
            quality, size = text(field(item, "quality")), text(field(item, "size"))
        key = (tool, quality, size)
        counts[key] = counts.get(key, 0) + 1
    return tuple(ToolCall(tool, n, quality, size) for (tool, quality, size), n in counts.items())


def complete(kwargs: Mapping[str, Any], facts: Facts) -> Facts:
    """Image generation calls whose item does not say their quality or size take the tool's configured ones."""
    if not any(call.tool == "image_generation" and not (call.quality and call.size) for call in facts.tool_calls):
        return facts
    tools = kwargs.get("tools")
    config = next((t for t in tools if isinstance(t, Mapping) and t.get("type") == "image_generation"), None) if (
        isinstance(tools, list)) else None  # fmt: skip
    quality = text(config.get("quality")) if config else None
    size = text(config.get("size")) if config else None
    calls = tuple(
        replace(call, quality=call.quality or quality, size=call.size or size) if call.tool == "image_generation"
        else call
        for call in facts.tool_calls
    )  # fmt: skip
    return replace(facts, tool_calls=calls)


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


def read_plain_chunk(event: Any, injected_usage: bool, need_common: bool) -> Any:
    """A text delta's text (of whatever type it is; the stream's fold keeps strings); NOT_PLAIN for other events."""
    try:
        if event.type == "response.output_text.delta":
            return event.delta
    except AttributeError:
        pass
    return NOT_PLAIN


RESPONSES = Surface(
    semconv.OP_CHAT, read, read_chunk, read_plain_chunk, api_type=semconv.API_RESPONSES, request=responses_request,
    complete=complete,
)  # fmt: skip

PATCHES = (
    Patch("openai.resources.responses", "Responses", "AsyncResponses", "create", RESPONSES),
    Patch("openai.resources.responses", "Responses", "AsyncResponses", "parse", RESPONSES),
)
