"""Opt-in message content (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``): off unless asked for.

``span_only`` puts ``gen_ai.input.messages`` / ``gen_ai.output.messages`` on the span as JSON strings;
``event_only`` emits them in a ``gen_ai.client.inference.operation.details`` log event instead;
``span_and_event`` does both. API keys and headers are never recorded in any mode.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv

EVENT_NAME = "gen_ai.client.inference.operation.details"


def _text_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    parts: list[dict[str, Any]] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, Mapping) and part.get("type") in ("text", "input_text", "output_text"):
                parts.append({"type": "text", "content": str(part.get("text", ""))})
            elif isinstance(part, Mapping):
                parts.append({"type": "generic", "generic_type": str(part.get("type"))})
    return parts


def input_messages(kwargs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The request's messages in the semconv ``ChatMessage`` shape."""
    messages = kwargs.get("messages")
    if isinstance(messages, list):
        result = []
        for message in messages:
            if isinstance(message, Mapping):
                result.append({"role": str(message.get("role", "user")), "parts": _text_parts(message.get("content"))})
        return result
    for key in ("input", "prompt"):
        value = kwargs.get(key)
        if isinstance(value, str):
            return [{"role": "user", "parts": _text_parts(value)}]
        if isinstance(value, list):
            return [
                {"role": str(item.get("role", "user")), "parts": _text_parts(item.get("content"))}
                if isinstance(item, Mapping)
                else {"role": "user", "parts": _text_parts(item if isinstance(item, str) else "")}
                for item in value
            ]
    return []


def output_messages(response: Any, finish_reasons: list[str]) -> list[dict[str, Any]]:
    """The response's choices (chat/completions) or output text (Responses API) as ``OutputMessage``s."""
    messages = []
    choices = getattr(response, "choices", None)
    if isinstance(choices, list):
        for index, choice in enumerate(choices):
            message = getattr(choice, "message", None)
            text = getattr(message, "content", None) if message is not None else getattr(choice, "text", None)
            reason = finish_reasons[index] if index < len(finish_reasons) else "stop"
            messages.append({"role": "assistant", "parts": _text_parts(text or ""), "finish_reason": reason})
        return messages
    text = _output_text(getattr(response, "output", None))
    if text is not None:
        reason = finish_reasons[0] if finish_reasons else "stop"
        messages.append({"role": "assistant", "parts": _text_parts(text), "finish_reason": reason})
    return messages


def _output_text(output: Any) -> str | None:
    """The text of a Responses API ``output`` list, read the way the SDK's ``output_text`` does, but checking
    types: the SDK builds responses without validation, and its property raises on a malformed one."""
    if not isinstance(output, list):
        return None
    texts = []
    for item in output:
        content = getattr(item, "content", None) if getattr(item, "type", None) == "message" else None
        if isinstance(content, list):
            for part in content:
                text = getattr(part, "text", None)
                if getattr(part, "type", None) == "output_text" and isinstance(text, str):
                    texts.append(text)
    return "".join(texts)


class ContentCapture:
    def __init__(self, mode: str, logger: Any = None) -> None:
        self.mode = mode
        self.on_span = mode in ("span_only", "span_and_event")
        self.on_event = mode in ("event_only", "span_and_event") and logger is not None
        self.logger = logger

    @property
    def enabled(self) -> bool:
        return self.on_span or self.on_event

    def request_to_span(self, surface: Any, kwargs: Mapping[str, Any], attributes: dict[str, Any]) -> None:
        messages = input_messages(kwargs)
        if messages:
            attributes[semconv.INPUT_MESSAGES] = json.dumps(messages, ensure_ascii=False)
        instructions = kwargs.get("instructions")
        if isinstance(instructions, str):
            attributes[semconv.SYSTEM_INSTRUCTIONS] = json.dumps(_text_parts(instructions), ensure_ascii=False)

    def response_to_span(self, facts: Any, span: Any) -> None:
        span.set_attribute(semconv.OUTPUT_MESSAGES, json.dumps(facts.output_messages, ensure_ascii=False))

    def emit_event(self, call: Any, facts: Any, span: Any) -> None:
        from opentelemetry._logs import LogRecord
        from opentelemetry.trace import set_span_in_context

        body = {
            semconv.INPUT_MESSAGES: input_messages(call.kwargs),
            semconv.OUTPUT_MESSAGES: facts.output_messages or [],
        }
        attributes = {
            "event.name": EVENT_NAME,
            semconv.OPERATION_NAME: call.surface.operation,
            semconv.PROVIDER_NAME: call.endpoint.provider,
        }
        if call.request_model:
            attributes[semconv.REQUEST_MODEL] = call.request_model
        self.logger.emit(LogRecord(context=set_span_in_context(span), body=body, attributes=attributes))
