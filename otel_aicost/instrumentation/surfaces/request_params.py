"""The ``gen_ai.request.*`` attributes of the generation parameters a call passes, read the same for every surface
(``surface.Surface.request``), the names they are read from (``REQUEST_PARAMETERS``: a surface's ``request_names``),
and for the parameters whose values are structures (a list of stop sequences, a ``response_format``, ``reasoning``,
``text``, ``text_format``) the function that reads what the attributes take of one (``REQUEST_DIGESTS``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_aicost import semconv
from otel_aicost.instrumentation.surfaces.shared import count, text


def _number(value: Any) -> float | int | None:
    kind = type(value)
    return value if kind is float or kind is int else None


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
    stop = _stop_sequences(kwargs.get("stop"))
    if stop is not None:
        attributes[semconv.REQUEST_STOP_SEQUENCES] = stop
    tier = text(kwargs.get("service_tier"))
    if tier is not None and tier != "auto":
        attributes[semconv.OPENAI_REQUEST_SERVICE_TIER] = tier
    effort = text(kwargs.get("reasoning_effort"))
    if effort is None:
        effort = _reasoning_effort(kwargs.get("reasoning"))
    if effort is not None:
        attributes[semconv.REQUEST_REASONING_LEVEL] = effort
    previous = text(kwargs.get("previous_response_id"))
    if previous is not None:
        attributes[semconv.REQUEST_PREVIOUS_RESPONSE_ID] = previous
    output_type = _output_type(kwargs)
    if output_type is not None:
        attributes[semconv.OUTPUT_TYPE] = output_type
    return attributes


def _stop_sequences(stop: Any) -> tuple[str, ...] | None:
    if type(stop) is str:
        return (stop,)
    if isinstance(stop, (list, tuple)) and all(type(s) is str for s in stop):
        return tuple(stop)
    return None


def _reasoning_effort(reasoning: Any) -> str | None:
    return text(reasoning.get("effort")) if isinstance(reasoning, Mapping) else None


_UNDECIDED = object()  # a parameter that decides nothing of the output type


def _format_output(response_format: Any) -> Any:
    """What ``response_format`` decides of the output type (None: no type), or _UNDECIDED: nothing."""
    if isinstance(response_format, type):  # a pydantic model passed to parse()
        return "json"
    if isinstance(response_format, Mapping):
        kind = response_format.get("type")
        return "json" if kind in ("json_object", "json_schema") else ("text" if kind == "text" else None)
    return _UNDECIDED


def _text_output(text_options: Any) -> Any:
    """What the Responses API's ``text`` options decide of the output type, or _UNDECIDED."""
    if isinstance(text_options, Mapping):
        text_format = text_options.get("format")
        if isinstance(text_format, Mapping):
            return "json" if text_format.get("type") in ("json_object", "json_schema") else "text"
    return _UNDECIDED


def _text_format_output(text_format: Any) -> Any:
    return "json" if isinstance(text_format, type) else _UNDECIDED  # a pydantic model passed to responses.parse()


_OUTPUT_DECIDERS = (("response_format", _format_output), ("text", _text_output), ("text_format", _text_format_output))


def _output_type(kwargs: Mapping[str, Any]) -> str | None:
    for name, decide in _OUTPUT_DECIDERS:  # the first that decides
        output_type = decide(kwargs.get(name))
        if output_type is not _UNDECIDED:
            return output_type
    return None


# name -> a function of a parameter's value: everything the attributes above take of that value, hashable, whatever
# the value (a list, a dict, a class). A call sending the same answers for these and the same plain values for the
# others has the same attributes (request.Profile.start_attributes keys its prepared starts by them: a structured
# output's JSON schema or a stop list no longer makes the start attributes afresh on every call)
REQUEST_DIGESTS = {"stop": _stop_sequences, "reasoning": _reasoning_effort, **dict(_OUTPUT_DECIDERS)}


def _parameters() -> frozenset[str]:
    """Every parameter ``_request_attributes`` reads: asked of an empty mapping, where no read is skipped."""
    asked = _AskedKeys()
    _request_attributes(asked)
    return frozenset(asked.asked)


_PARAMETERS = _parameters()
REQUEST_PARAMETERS = _PARAMETERS  # what request_attributes reads (a surface's ``request_names``)
