"""The Responses API: ``responses.create`` / ``parse`` (``responses.stream()`` calls ``create``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from operator import itemgetter
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.fees import ToolCall
from otel_aicost.instrumentation.facts import NOT_PLAIN, Chunk, Facts
from otel_aicost.instrumentation.surfaces.request_params import REQUEST_PARAMETERS, request_attributes
from otel_aicost.instrumentation.surfaces.shared import common_facts, field, text, usage_of
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.surfaces.usual_reply import Reply
from otel_aicost.instrumentation.surfaces.usual_usage import usual_counts

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
    conversation = conversation_id(kwargs.get("conversation"))
    if conversation is not None:
        attributes[semconv.CONVERSATION_ID] = conversation
    return attributes


def conversation_id(conversation: Any) -> str | None:
    """The id of a ``conversation`` parameter: its text, or the ``id`` of the mapping it is."""
    if isinstance(conversation, Mapping):
        conversation = conversation.get("id")
    return text(conversation)


# the parameters whose values are new on most calls (a turn chained to the reply before it; a conversation's id), read
# into their attribute per call by the prepared start (request.Profile.start_attributes): (name, attribute, read)
_PER_CALL_VALUES = (
    ("previous_response_id", semconv.REQUEST_PREVIOUS_RESPONSE_ID, text),  # (as request_params reads it)
    ("conversation", semconv.CONVERSATION_ID, conversation_id),
)


# a response's usage: its input and output counts and their detail objects
_USAGE_NAMES = ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")


def read(response: Any) -> Facts:
    """A ``Response`` (a plain call, or the one a stream event carries)."""
    usage = usage_of(getattr(response, "usage", None), *_USAGE_NAMES)
    facts = common_facts(response, usage, _finish_reasons(response))
    tool_calls = _tool_calls(getattr(response, "output", None))
    return replace(facts, tool_calls=tool_calls) if tool_calls else facts


_REPLY_FIELDS = itemgetter("id", "model", "service_tier", "usage", "output")
# every name ``read`` reads of a response (``shared.common_values``, ``_finish_reasons``, ``_tool_calls``)
_READ_NAMES = frozenset(("id", "model", "service_tier", "system_fingerprint", "usage", "output", "status",
                         "incomplete_details"))  # fmt: skip


def read_usual(response: Any) -> Reply | None:
    """``read`` as a ``usual_reply.Reply``, for the usual call's end (``usual_end.py``): a pydantic 2 model whose extra
    fields (ones the installed SDK does not declare) include none ``read`` reads, its usage of the usual shape
    (``usual_usage.usual_counts``), no built-in tool call among its output items (their fees, and ``complete``'s image
    settings: the general end). Anything else (a field absent from the model, no usage, a priced subset of the usage)
    is None: the general end reads it with ``read``. The API adds fields to a response more often than the SDK
    declares them (openai 3.63 does not declare the ``store`` every reply holds), so other extras are allowed: the
    declared fields read here are the model's own ``__dict__``, which an extra never shadows.
    ``tests/unit/test_usual_end.py`` compares its facts with ``read``'s, and a whole call's export with the general
    end's."""
    try:  # the model's fields from its __dict__, in one C call (a Response has some thirty fields)
        extra = response.__pydantic_extra__
        if extra and not _READ_NAMES.isdisjoint(extra):
            return None
        fields = response.__dict__
        response_id, model, tier, usage, output = _REPLY_FIELDS(fields)
    except (AttributeError, KeyError):
        return None
    if usage is None or _tool_calls(output):
        return None
    counts = usual_counts(usage, *_USAGE_NAMES)
    if counts is None:
        return None
    inputs, output_tokens, cached, reasoning, writes = counts
    fingerprint = fields.get("system_fingerprint")  # not a field of a Response (None), unless an SDK declares it
    return (
        text(response_id), text(model), _finish_reasons(response), text(tier), text(fingerprint), None,
        inputs, output_tokens, cached, reasoning, writes,
    )  # fmt: skip


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
    request_names=REQUEST_PARAMETERS - {"previous_response_id"},  # what responses_request reads, but per_call_values
    per_call_values=_PER_CALL_VALUES,
    complete=complete, complete_changes_tool_calls_only=True, read_usual=read_usual,
)  # fmt: skip

PATCHES = (
    Patch("openai.resources.responses", "Responses", "AsyncResponses", "create", RESPONSES),
    Patch("openai.resources.responses", "Responses", "AsyncResponses", "parse", RESPONSES),
)
