"""Opt-in message content (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``): off unless asked for.

``span_only`` puts ``gen_ai.input.messages``, ``gen_ai.output.messages``, ``gen_ai.system_instructions`` and
``gen_ai.tool.definitions`` on the span as JSON strings; ``event_only`` emits them, structured, as attributes of
the semconv v1.41 log event ``gen_ai.client.inference.operation.details`` (the log record's event name) instead;
``span_and_event`` does both. Messages follow the semconv JSON schemas: text parts, ``tool_call`` parts for the
model's tool calls, ``tool_call_response`` parts for tool results, message ``name`` fields kept. Embeddings record
no messages. API keys and headers are never recorded in any mode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv

EVENT_NAME = semconv.INFERENCE_DETAILS_EVENT
_FINISH = {"tool_calls": "tool_call", "function_call": "tool_call"}  # OpenAI's names -> the semconv enum


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _text_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    parts: list[dict[str, Any]] = []
    if isinstance(content, list):
        for part in content:
            kind = _get(part, "type")
            if kind in ("text", "input_text", "output_text"):
                parts.append({"type": "text", "content": str(_get(part, "text") or "")})
            elif kind == "refusal":
                parts.append({"type": "text", "content": str(_get(part, "refusal") or "")})
            elif kind is not None:
                parts.append({"type": "generic", "generic_type": str(kind)})
    return parts


def _tool_call(call: Any) -> dict[str, Any]:
    function = _get(call, "function")
    source = function if function is not None else call
    part = {"type": "tool_call", "id": _get(call, "id") or _get(call, "call_id"), "name": _get(source, "name")}
    arguments = _get(source, "arguments")
    if arguments is not None:
        part["arguments"] = arguments
    return part


def _message(role: Any, parts: list[dict[str, Any]], name: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": str(role or "user"), "parts": parts}
    if isinstance(name, str) and name:
        message["name"] = name
    return message


def _input_item(item: Any) -> dict[str, Any] | None:
    """One chat message or Responses input item as a semconv ``ChatMessage``."""
    kind = _get(item, "type")
    if kind in ("function_call", "custom_tool_call"):
        return _message("assistant", [_tool_call(item)])
    if kind in ("function_call_output", "custom_tool_call_output"):
        return _message("tool", [{"type": "tool_call_response", "id": _get(item, "call_id"),
                                  "response": _get(item, "output")}])  # fmt: skip
    if not isinstance(item, Mapping) or kind not in (None, "message"):
        return _message("user", [{"type": "generic", "generic_type": str(kind)}]) if kind else None
    role = item.get("role")
    if role == "tool":
        parts = [{"type": "tool_call_response", "id": item.get("tool_call_id"), "response": item.get("content")}]
    else:
        parts = _text_parts(item.get("content"))
        for call in item.get("tool_calls") or ():
            parts.append(_tool_call(call))
    return _message(role, parts, item.get("name"))


def input_messages(kwargs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's messages in the semconv ``ChatMessage`` shape."""
    messages = kwargs.get("messages")
    items = messages if isinstance(messages, list) else None
    for key in ("input", "prompt"):
        if items is not None:
            break
        value = kwargs.get(key)
        if isinstance(value, str):
            return [_message("user", _text_parts(value))]
        if isinstance(value, list):
            items = [item if not isinstance(item, str) else {"role": "user", "content": item} for item in value]
    return [message for item in items or () if (message := _input_item(item)) is not None]


def tool_definitions(kwargs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's ``tools``: function tools flattened to ``{type, name, description, parameters}``."""
    tools = kwargs.get("tools")
    definitions = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, Mapping):
            continue
        source = tool.get("function") if isinstance(tool.get("function"), Mapping) else tool
        definition = {"type": str(tool.get("type") or "function")}
        for key in ("name", "description", "parameters"):
            if source.get(key) is not None:
                definition[key] = source[key]
        definitions.append(definition)
    return definitions


def output_messages(response: Any, finish_reasons: list[str]) -> list[dict[str, Any]]:
    """The response's choices (chat/completions) or output items (Responses API) as ``OutputMessage``s."""
    choices = getattr(response, "choices", None)
    if isinstance(choices, list):
        messages = []
        for index, choice in enumerate(choices):
            message = getattr(choice, "message", None)
            if message is not None:
                parts = _text_parts(getattr(message, "content", None) or getattr(message, "refusal", None) or "")
                parts += [_tool_call(call) for call in getattr(message, "tool_calls", None) or ()]
            else:
                parts = _text_parts(getattr(choice, "text", None) or "")
            reason = finish_reasons[index] if index < len(finish_reasons) else "stop"
            messages.append({"role": "assistant", "parts": parts, "finish_reason": _FINISH.get(reason, reason)})
        return messages
    output = getattr(response, "output", None)
    if not isinstance(output, list):
        return []
    parts = []
    for item in output:
        kind = getattr(item, "type", None)
        if kind == "message":
            parts += _text_parts(getattr(item, "content", None))
        elif kind in ("function_call", "custom_tool_call"):
            parts.append(_tool_call(item))
    reason = finish_reasons[0] if finish_reasons else "stop"
    return [{"role": "assistant", "parts": parts, "finish_reason": _FINISH.get(reason, reason)}]


class StreamOutput:
    """A stream's output messages, gathered chunk by chunk (only while content capture is on)."""

    __slots__ = ("texts", "calls", "response")

    def __init__(self) -> None:
        self.texts: dict[int, list[str]] = {}
        self.calls: dict[tuple[int, int], dict[str, Any]] = {}
        self.response: Any = None  # a Responses stream's final response carries the whole output

    def add(self, chunk: Any) -> None:
        response = getattr(chunk, "response", None)
        if response is not None and getattr(chunk, "type", None) != "response.created":
            self.response = response
        choices = getattr(chunk, "choices", None)
        for choice in choices if isinstance(choices, list) else ():
            index = getattr(choice, "index", 0) if type(getattr(choice, "index", 0)) is int else 0
            delta = getattr(choice, "delta", None)
            text = getattr(delta, "content", None) if delta is not None else getattr(choice, "text", None)
            if isinstance(text, str) and text:
                self.texts.setdefault(index, []).append(text)
            for call in getattr(delta, "tool_calls", None) or ():
                key = (index, getattr(call, "index", 0) or 0)
                part = self.calls.setdefault(key, {"type": "tool_call", "id": None, "name": None, "arguments": ""})
                function = getattr(call, "function", None)
                part["id"] = getattr(call, "id", None) or part["id"]
                part["name"] = getattr(function, "name", None) or part["name"]
                part["arguments"] += getattr(function, "arguments", None) or ""

    def messages(self, finish_reasons: tuple[str, ...]) -> list[dict[str, Any]]:
        if self.response is not None:
            return output_messages(self.response, list(finish_reasons))
        indexes = sorted(set(self.texts) | {index for index, _ in self.calls}) or [0]
        messages = []
        for index in indexes:
            parts = _text_parts("".join(self.texts.get(index, ())))
            parts += [part for (choice, _), part in sorted(self.calls.items()) if choice == index]
            # a negative choice index (hostile chunks) has no reason either: finish_reasons[-1] would be another's
            reason = finish_reasons[index] if 0 <= index < len(finish_reasons) else "error"
            messages.append({"role": "assistant", "parts": parts, "finish_reason": _FINISH.get(reason, reason)})
        return messages


class ContentCapture:
    def __init__(self, mode: str, logger: Any = None) -> None:
        self.mode = mode
        self.on_span = mode in ("span_only", "span_and_event")
        self.on_event = mode in ("event_only", "span_and_event") and logger is not None
        self.logger = logger
        # read on every call's end: a plain attribute, not a property (a Python frame per call); the mode is fixed
        self.enabled = self.on_span or self.on_event

    def request_content(self, operation: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """The request's content attributes, structured (no messages for embeddings)."""
        content: dict[str, Any] = {}
        if operation != semconv.OP_EMBEDDINGS:
            messages = input_messages(kwargs)
            if messages:
                content[semconv.INPUT_MESSAGES] = messages
        instructions = kwargs.get("instructions")
        if isinstance(instructions, str):
            content[semconv.SYSTEM_INSTRUCTIONS] = _text_parts(instructions)
        definitions = tool_definitions(kwargs)
        if definitions:
            content[semconv.TOOL_DEFINITIONS] = definitions
        return content

    def request_to_span(self, surface: Any, kwargs: Mapping[str, Any], attributes: dict[str, Any]) -> None:
        for key, value in self.request_content(surface.operation, kwargs).items():
            attributes[key] = json.dumps(value, ensure_ascii=False)

    def response_to_span(self, facts: Any, span: Any) -> None:
        span.set_attribute(semconv.OUTPUT_MESSAGES, json.dumps(list(facts.output_messages), ensure_ascii=False))

    def emit_event(self, call: Any, facts: Any, span: Any) -> None:
        from opentelemetry._logs import LogRecord
        from opentelemetry.trace import set_span_in_context

        attributes: dict[str, Any] = {
            semconv.OPERATION_NAME: call.surface.operation,
            semconv.PROVIDER_NAME: call.endpoint.provider,
        }
        if call.request_model:
            attributes[semconv.REQUEST_MODEL] = call.request_model
        if facts.response_model:
            attributes[semconv.RESPONSE_MODEL] = facts.response_model
        if facts.response_id:
            attributes[semconv.RESPONSE_ID] = facts.response_id
        attributes.update(self.request_content(call.surface.operation, call.kwargs))
        if facts.output_messages is not None:
            attributes[semconv.OUTPUT_MESSAGES] = list(facts.output_messages)
        self.logger.emit(LogRecord(context=set_span_in_context(span), event_name=EVENT_NAME, attributes=attributes))
