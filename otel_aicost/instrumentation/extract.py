"""Read what we record from the request arguments and from the SDK's response objects.

Responses are parsed by the SDK without validation, so any field may be missing or of the wrong type:
every read here checks the type and treats anything unexpected as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.usage import Usage

_MAX_TOKENS = 2**53  # larger counts are garbage, not usage


class ResponseFacts:
    """What the response (or the stream's chunks) told us."""

    __slots__ = (
        "response_id", "response_model", "finish_reasons", "usage", "service_tier", "system_fingerprint",
        "dimension_count", "output_parts", "output_messages",
    )  # fmt: skip

    def __init__(self) -> None:
        self.response_id: str | None = None
        self.response_model: str | None = None
        self.finish_reasons: list[str] = []
        self.usage: Usage | None = None
        self.service_tier: str | None = None
        self.system_fingerprint: str | None = None
        self.dimension_count: int | None = None
        self.output_parts: list[str] | None = None  # streamed text, kept only when usage must be estimated
        self.output_messages: list[Any] | None = None  # kept only when content capture is on


def _str(value: Any) -> str | None:
    return value if type(value) is str and value else None


def _count(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= _MAX_TOKENS else None


def _field(obj: Any, name: str) -> Any:
    """A field of an SDK model, or of the plain dict an older SDK keeps for fields it does not know."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _number(value: Any) -> float | int | None:
    kind = type(value)
    return value if kind is float or kind is int else None


# --- requests ---------------------------------------------------------------------------------------------------

_SCALAR_PARAMS = (
    ("temperature", semconv.REQUEST_TEMPERATURE),
    ("top_p", semconv.REQUEST_TOP_P),
    ("frequency_penalty", semconv.REQUEST_FREQUENCY_PENALTY),
    ("presence_penalty", semconv.REQUEST_PRESENCE_PENALTY),
)


def request_attributes(operation: str, kwargs: Mapping[str, Any], attributes: dict[str, Any]) -> None:
    """Add the ``gen_ai.request.*`` attributes of the parameters present in the call."""
    for name, key in _SCALAR_PARAMS:
        value = _number(kwargs.get(name))
        if value is not None:
            attributes[key] = value
    for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        max_tokens = _count(kwargs.get(name))
        if max_tokens is not None:
            attributes[semconv.REQUEST_MAX_TOKENS] = max_tokens
            break
    seed = kwargs.get("seed")
    if type(seed) is int:
        attributes[semconv.REQUEST_SEED] = seed
    n = kwargs.get("n")
    if type(n) is int and n != 1:
        attributes[semconv.REQUEST_CHOICE_COUNT] = n
    stop = kwargs.get("stop")
    if type(stop) is str:
        attributes[semconv.REQUEST_STOP_SEQUENCES] = (stop,)
    elif isinstance(stop, (list, tuple)) and all(type(s) is str for s in stop):
        attributes[semconv.REQUEST_STOP_SEQUENCES] = tuple(stop)
    tier = _str(kwargs.get("service_tier"))
    if tier is not None and tier != "auto":
        attributes[semconv.OPENAI_REQUEST_SERVICE_TIER] = tier
    effort = _str(kwargs.get("reasoning_effort"))
    reasoning = kwargs.get("reasoning")
    if effort is None and isinstance(reasoning, Mapping):
        effort = _str(reasoning.get("effort"))
    if effort is not None:
        attributes[semconv.REQUEST_REASONING_LEVEL] = effort
    previous = _str(kwargs.get("previous_response_id"))
    if previous is not None:
        attributes[semconv.REQUEST_PREVIOUS_RESPONSE_ID] = previous
    output_type = _output_type(kwargs)
    if output_type is not None:
        attributes[semconv.OUTPUT_TYPE] = output_type
    if operation == semconv.OP_EMBEDDINGS:
        encoding = _str(kwargs.get("encoding_format"))
        if encoding is not None:
            attributes[semconv.REQUEST_ENCODING_FORMATS] = (encoding,)


def _output_type(kwargs: Mapping[str, Any]) -> str | None:
    response_format = kwargs.get("response_format")
    if isinstance(response_format, type):  # a pydantic model passed to parse()
        return "json"
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        return "json" if kind in ("json_object", "json_schema") else ("text" if kind == "text" else None)
    text = kwargs.get("text")
    if isinstance(text, Mapping) and isinstance(text.get("format"), Mapping):
        return "json" if text["format"].get("type") in ("json_object", "json_schema") else "text"
    if isinstance(kwargs.get("text_format"), type):
        return "json"
    return None


# --- responses --------------------------------------------------------------------------------------------------


def _usage_of(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str) -> Usage | None:
    if usage is None:
        return None
    input_tokens = _count(_field(usage, input_name))
    output_tokens = _count(_field(usage, output_name))
    if input_tokens is None and output_tokens is None:
        return None
    cached = _count(_field(_field(usage, input_details), "cached_tokens"))
    reasoning = _count(_field(_field(usage, output_details), "reasoning_tokens"))
    return _usage(input_tokens or 0, output_tokens or 0, cached or 0, reasoning or 0)


def chat_usage(usage: Any) -> Usage | None:
    """Usage of a chat or legacy completion (``prompt_tokens`` / ``completion_tokens``)."""
    return _usage_of(usage, "prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details")


def responses_usage(usage: Any) -> Usage | None:
    """Usage of the Responses API (``input_tokens`` / ``output_tokens``)."""
    return _usage_of(usage, "input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")


def _usage(input_tokens: int, output_tokens: int, cached: int, reasoning: int) -> Usage:
    # Subsets can never exceed their totals; a response saying otherwise is clamped, not trusted.
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=min(cached, input_tokens),
        reasoning_tokens=min(reasoning, output_tokens),
    )


def read_common(response: Any, facts: ResponseFacts) -> None:
    facts.response_id = _str(getattr(response, "id", None)) or facts.response_id
    facts.response_model = _str(getattr(response, "model", None)) or facts.response_model
    facts.service_tier = _str(_field(response, "service_tier")) or facts.service_tier
    facts.system_fingerprint = _str(getattr(response, "system_fingerprint", None)) or facts.system_fingerprint


def read_choices(response: Any, facts: ResponseFacts) -> None:
    """Finish reasons of a chat or legacy completion, one per choice."""
    choices = getattr(response, "choices", None)
    if isinstance(choices, list):
        facts.finish_reasons = [reason for c in choices if (reason := _str(getattr(c, "finish_reason", None)))]


def read_chat_completion(response: Any, facts: ResponseFacts) -> None:
    read_common(response, facts)
    read_choices(response, facts)
    facts.usage = chat_usage(getattr(response, "usage", None))


def read_embeddings(response: Any, facts: ResponseFacts) -> None:
    facts.response_model = _str(getattr(response, "model", None))
    usage = getattr(response, "usage", None)
    prompt = _count(getattr(usage, "prompt_tokens", None)) if usage is not None else None
    facts.usage = Usage(input_tokens=prompt) if prompt is not None else None
    data = getattr(response, "data", None)
    if isinstance(data, list) and data:
        vector = getattr(data[0], "embedding", None)
        if isinstance(vector, list):
            facts.dimension_count = len(vector)


_RESPONSE_STATUS_REASONS = {"completed": "stop", "failed": "error", "cancelled": "error"}
_INCOMPLETE_REASONS = {"max_output_tokens": "length", "content_filter": "content_filter"}


def read_response(response: Any, facts: ResponseFacts) -> None:
    """A Responses API ``Response`` (plain call, or the one a stream's final event carries)."""
    read_common(response, facts)
    facts.usage = responses_usage(getattr(response, "usage", None)) or facts.usage
    status = _str(getattr(response, "status", None))
    if status == "incomplete":
        reason = _str(getattr(getattr(response, "incomplete_details", None), "reason", None))
        facts.finish_reasons = [_INCOMPLETE_REASONS.get(reason or "", "length")]
    elif status in _RESPONSE_STATUS_REASONS:
        reason = _RESPONSE_STATUS_REASONS[status]
        output = getattr(response, "output", None)
        if reason == "stop" and isinstance(output, list):
            if any(getattr(item, "type", None) == "function_call" for item in output):
                reason = "tool_call"
        facts.finish_reasons = [reason]
