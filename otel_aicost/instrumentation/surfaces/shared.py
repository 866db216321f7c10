"""Safe reads every surface shares: typed field access, usage and the common response fields (the request
parameters: ``request_params.py``).

Responses are parsed by the SDK without validation, so any field may be missing or of the wrong type:
every read here checks the type and treats anything unexpected as absent.
"""

from __future__ import annotations

from typing import Any

from otel_aicost.instrumentation.facts import Chunk, Facts
from otel_aicost.instrumentation.sdk import forget_field
from otel_aicost.instrumentation.surfaces.usual_usage import MAX_TOKENS as _MAX_TOKENS
from otel_aicost.instrumentation.surfaces.usual_usage import usage_of_counts, usual_usage
from otel_aicost.instrumentation.taps import view
from otel_aicost.instrumentation.usage import Usage, breakdown


def text(value: Any) -> str | None:
    return value if type(value) is str and value else None


def count(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= _MAX_TOKENS else None


def field(obj: Any, name: str) -> Any:
    """A field of an SDK model, or of the plain dict an older SDK keeps for fields it does not know."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def usage_of(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str) -> Usage | None:
    if usage is None:
        return None
    usual = usual_usage(usage, input_name, output_name, input_details, output_details)
    if usual is not None:
        return usual
    return read_usage(usage, input_name, output_name, input_details, output_details)


def read_usage(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str
               ) -> Usage | None:  # fmt: skip
    """Any usage object, every field checked (``usage_of`` tries the usual shape first)."""
    input_tokens = count(field(usage, input_name))
    output_tokens = count(field(usage, output_name))
    if input_tokens is None and output_tokens is None:
        return None
    inputs, outputs = field(usage, input_details), field(usage, output_details)
    cached = count(field(inputs, "cached_tokens"))
    reasoning = count(field(outputs, "reasoning_tokens"))
    input_tokens, output_tokens = input_tokens or 0, output_tokens or 0
    # audio, image and cache-write tokens beside the usual counts
    return usage_of_counts(input_tokens, output_tokens, cached, reasoning,
                           **breakdown(inputs, outputs, input_tokens, output_tokens))  # fmt: skip


# a chat or legacy completion's usage: its input and output counts and their detail objects
CHAT_USAGE = ("prompt_tokens", "completion_tokens", "prompt_tokens_details", "completion_tokens_details")


def chat_usage(usage: Any) -> Usage | None:
    """Usage of a chat or legacy completion (``prompt_tokens`` / ``completion_tokens``)."""
    return usage_of(usage, *CHAT_USAGE)


def common_values(response: Any) -> tuple[str | None, str | None, str | None, str | None]:
    """Id, model, service tier and fingerprint of a response or chunk, each a non-empty str or None (a stream's
    first chunk keeps just these: ``stream_state.StreamState.first``, noted by ``streams.py``)."""
    response_id = getattr(response, "id", None)
    model = getattr(response, "model", None)
    tier = response.get("service_tier") if isinstance(response, dict) else getattr(response, "service_tier", None)
    fingerprint = getattr(response, "system_fingerprint", None)
    return (  # text(), inlined: a non-empty str, else None
        response_id if type(response_id) is str and response_id else None,
        model if type(model) is str and model else None,
        tier if type(tier) is str and tier else None,
        fingerprint if type(fingerprint) is str and fingerprint else None,
    )


def facts_of(
    common: tuple[str | None, str | None, str | None, str | None],
    usage: Usage | None = None,
    finish_reasons: tuple[str, ...] = (),
) -> Facts:
    """The ``Facts`` of ``common_values``' four values, with the usage and reasons given."""
    response_id, model, tier, fingerprint = common
    return Facts(
        response_id=response_id,
        response_model=model,
        service_tier=tier,
        system_fingerprint=fingerprint,
        usage=usage,
        finish_reasons=finish_reasons,
    )


def common_facts(response: Any, usage: Usage | None = None, finish_reasons: tuple[str, ...] = ()) -> Facts:
    """Id, model, service tier and fingerprint of a response or chunk, with the usage and reasons given."""
    return facts_of(common_values(response), usage, finish_reasons)


def choice_reasons(response: Any) -> tuple[str, ...]:
    """Finish reasons of a chat or legacy completion, one per choice."""
    choices = getattr(response, "choices", None)
    if isinstance(choices, list):
        if len(choices) == 1:  # the usual reply
            reason = getattr(choices[0], "finish_reason", None)
            return (reason,) if type(reason) is str and reason else ()
        return tuple(reason for c in choices if (reason := text(getattr(c, "finish_reason", None))))
    return ()


def read_choices_response(response: Any) -> Facts:
    """A chat completion or legacy completion."""
    return common_facts(response, chat_usage(getattr(response, "usage", None)), choice_reasons(response))


def read_choices_chunk(chunk: Any, injected_usage: bool, need_common: bool, text_field: str = "content") -> Chunk:
    """A chat (``text_field`` ``content``: its choices' ``delta.content``) or legacy-completion (``text``) stream
    chunk. Chunks are built without validation: any field may be missing or of any JSON type (even the chunk
    itself)."""
    choices = getattr(chunk, "choices", None)
    if choices is None:
        wrapped = _wrapped_event(chunk, injected_usage)
        if wrapped is not None:
            return read_choices_chunk(wrapped, injected_usage, need_common, text_field)
    usage = getattr(chunk, "usage", None)
    facts = common_facts(chunk) if need_common else None
    hide = False
    if usage is not None:
        facts = common_facts(chunk, chat_usage(usage))
        hide = injected_usage and isinstance(choices, list) and not choices
    elif injected_usage:
        forget_field(chunk, "usage")
    parts: list[str] = []
    finish: list[tuple[int, str]] = []
    if isinstance(choices, list):
        for choice in choices:
            if text_field == "content":
                delta = getattr(getattr(choice, "delta", None), "content", None)
            else:
                delta = getattr(choice, "text", None)
            if type(delta) is str and delta:
                parts.append(delta)
            reason = getattr(choice, "finish_reason", None)
            if type(reason) is str:
                index = getattr(choice, "index", None)
                finish.append((index if type(index) is int else 0, reason))
    return Chunk(facts=facts, texts=tuple(parts), finish=tuple(finish), hide=hide)


def read_usage_event(document: dict[str, Any]) -> Chunk:
    """The usage-only chunk of a chat or legacy-completion stream, as its decoded dict (``usage_events.py`` takes it
    before the SDK builds it): what ``read_choices_chunk`` reads of the same chunk built by the SDK, hidden."""
    return Chunk(facts=facts_of(usage_event_values(document), read_usage_event_usage(document)), hide=True)


def usage_event_values(document: dict[str, Any]) -> tuple[str | None, str | None, str | None, str | None]:
    """``common_values`` of the usage-only chunk's decoded dict."""
    get = document.get
    response_id, model, tier, fingerprint = get("id"), get("model"), get("service_tier"), get("system_fingerprint")
    return (
        response_id if type(response_id) is str and response_id else None,
        model if type(model) is str and model else None,
        tier if type(tier) is str and tier else None,
        fingerprint if type(fingerprint) is str and fingerprint else None,
    )


def read_usage_event_usage(document: dict[str, Any]) -> Usage | None:
    """The usage of the usage-only chunk's decoded dict, as ``read_choices_chunk`` reads the chunk's."""
    usage = document.get("usage")
    return usual_usage(usage, *CHAT_USAGE) or read_usage(usage, *CHAT_USAGE)


def _wrapped_event(chunk: Any, injected_usage: bool) -> Any:
    """The chunk inside a named SSE event (``event: message``) as openai 1.x before about 1.5x hands it over:
    ``ChatCompletionChunk(data={...}, event=...)``, every field of its own unset (None). Read from its ``data``;
    when we asked for the usage, the ``"usage": null`` the API then adds to every event is taken out of that dict
    (the caller's own, which the SDK keeps as it decoded it), so the caller sees the bare SDK's chunk. None for any
    other chunk without choices."""
    data = getattr(chunk, "data", None)
    if type(data) is not dict or getattr(chunk, "event", None) is None:
        return None
    if injected_usage and "usage" in data and data["usage"] is None:
        del data["usage"]
    return view(data)
