"""Safe reads every surface shares: typed field access, usage, the common response fields and request parameters.

Responses are parsed by the SDK without validation, so any field may be missing or of the wrong type:
every read here checks the type and treats anything unexpected as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv
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


def request_attributes(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The ``gen_ai.request.*`` attributes of the generation parameters present in the call (none, at the cost of
    one set operation, for a call that passes none of them: most calls send only the model and the input).

    A call site passes the same parameters every time (``temperature=0.2, max_tokens=64``): when every value present
    is a plain immutable one (str, int, float, bool, None), the attributes are read once per distinct set of names,
    values and value types (1, 1.0 and True are equal but distinct attribute values) and copied from then on."""
    if _PARAMETERS.isdisjoint(kwargs):
        return {}
    present = []  # (name, value, value type) of each parameter, in the caller's order: a plain loop costs fewer
    for name, value in kwargs.items():  # instructions than sets, sorting and an itemgetter (callgrind, round 7)
        if name in _PARAMETERS:
            kind = type(value)
            if kind not in _IMMUTABLE:
                return _request_attributes(kwargs)
            present.append((name, value, kind))
    key = tuple(present)
    known = _known_parameters.get(key)
    if known is None:
        known = _request_attributes(kwargs)
        if len(_known_parameters) >= _MAX_KNOWN_PARAMETERS:
            _known_parameters.clear()
        _known_parameters[key] = known
    return dict(known)  # the caller may add to it (embeddings, responses)


_IMMUTABLE = frozenset((str, int, float, bool, type(None)))
_MAX_KNOWN_PARAMETERS = 1024
# (parameter names, their values, their value types) -> the attributes they make; never handed out (copied)
_known_parameters: dict[tuple[tuple[str, Any, type], ...], dict[str, Any]] = {}


class _AskedKeys(dict):  # type: ignore[type-arg]
    """An empty mapping that notes every key it is asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return default


def _request_attributes(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for name, key in _SCALAR_PARAMS:
        value = _number(kwargs.get(name))
        if value is not None:
            attributes[key] = value
    for name in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        max_tokens = count(kwargs.get(name))
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
    tier = text(kwargs.get("service_tier"))
    if tier is not None and tier != "auto":
        attributes[semconv.OPENAI_REQUEST_SERVICE_TIER] = tier
    effort = text(kwargs.get("reasoning_effort"))
    reasoning = kwargs.get("reasoning")
    if effort is None and isinstance(reasoning, Mapping):
        effort = text(reasoning.get("effort"))
    if effort is not None:
        attributes[semconv.REQUEST_REASONING_LEVEL] = effort
    previous = text(kwargs.get("previous_response_id"))
    if previous is not None:
        attributes[semconv.REQUEST_PREVIOUS_RESPONSE_ID] = previous
    output_type = _output_type(kwargs)
    if output_type is not None:
        attributes[semconv.OUTPUT_TYPE] = output_type
    return attributes


def _output_type(kwargs: Mapping[str, Any]) -> str | None:
    response_format = kwargs.get("response_format")
    if isinstance(response_format, type):  # a pydantic model passed to parse()
        return "json"
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        return "json" if kind in ("json_object", "json_schema") else ("text" if kind == "text" else None)
    text_options = kwargs.get("text")
    if isinstance(text_options, Mapping) and isinstance(text_options.get("format"), Mapping):
        return "json" if text_options["format"].get("type") in ("json_object", "json_schema") else "text"
    if isinstance(kwargs.get("text_format"), type):
        return "json"
    return None


def _parameters() -> frozenset[str]:
    """Every parameter ``_request_attributes`` reads: asked of an empty mapping, where no read is skipped."""
    asked = _AskedKeys()
    _request_attributes(asked)
    return frozenset(asked.asked)


_PARAMETERS = _parameters()
REQUEST_PARAMETERS = _PARAMETERS  # what request_attributes reads (a surface's ``request_names``)


# --- responses --------------------------------------------------------------------------------------------------


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
    first chunk keeps just these: ``stream_state.StreamState.note_first``)."""
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
    get = document.get
    response_id, model, tier, fingerprint = get("id"), get("model"), get("service_tier"), get("system_fingerprint")
    usage = get("usage")
    return Chunk(
        facts=Facts(  # common_facts, of a dict
            response_id=response_id if type(response_id) is str and response_id else None,
            response_model=model if type(model) is str and model else None,
            service_tier=tier if type(tier) is str and tier else None,
            system_fingerprint=fingerprint if type(fingerprint) is str and fingerprint else None,
            usage=usual_usage(usage, *CHAT_USAGE) or read_usage(usage, *CHAT_USAGE),
        ),
        hide=True,
    )


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
