"""The plain chunks of chat and legacy-completion streams: most of a stream, each only adding output text. Read with
as little as possible (attributes only, no type checks: the stream's fold keeps only non-empty strings); any other
chunk, or one with a field missing, is read in full by ``shared.read_choices_chunk``."""

from __future__ import annotations

from collections.abc import Callable
from time import perf_counter
from typing import Any

from otel_aicost.instrumentation.facts import NOT_PLAIN
from otel_aicost.instrumentation.safety import report_internal_error

Noter = Callable[[Any], bool]


def plain_choices_chunk(chunk: Any, injected_usage: bool, need_common: bool, text_field: str = "content") -> Any:
    """The text of a plain chat or legacy-completion chunk (``text_field`` as in ``read_choices_chunk``): no
    usage, one choice, no finish reason, once the response id is known. It reads attributes only and checks no
    type (the stream's fold keeps only non-empty strings); a chunk of another shape, or with a field missing, is
    NOT_PLAIN and ``read_choices_chunk`` reads it in full."""
    try:
        if need_common or chunk.usage is not None:
            return NOT_PLAIN
        [choice] = chunk.choices  # exactly one choice (a list from JSON; any other value fails here or below)
        if choice.finish_reason is not None:
            return NOT_PLAIN
        text = choice.delta.content if text_field == "content" else choice.text
        if injected_usage:  # forget_field inline (pydantic 2's fields-set, see sdk.py): once per chunk
            chunk.__pydantic_fields_set__.discard("usage")
    except (AttributeError, TypeError, ValueError):
        return NOT_PLAIN
    return text


def choices_noter(text_field: str) -> Callable[[bool, Callable[[Any], Any], Callable[[float], Any]], Noter]:
    """A stream's plain-chunk note for chat or legacy-completion chunks (``text_field`` as in ``read_choices_chunk``),
    for once the response id is known: ``plain_choices_chunk`` and the stream's two appends in one function, the
    per-chunk path of a ``for`` loop. ``make(injected_usage, add_part, arrived)`` gives ``note(chunk)``: True when
    the chunk was plain and noted (its text to ``add_part``, its arrival time to ``arrived``), False when it must be
    read in full (nothing noted)."""
    delta_text = text_field == "content"

    def make(injected_usage: bool, add_part: Callable[[Any], Any], arrived: Callable[[float], Any]) -> Noter:
        def note(chunk: Any) -> bool:
            try:
                if chunk.usage is not None:
                    return False
                [choice] = chunk.choices
                if choice.finish_reason is not None:
                    return False
                text = choice.delta.content if delta_text else choice.text
                if injected_usage:  # forget_field inline (pydantic 2's fields-set, see sdk.py)
                    chunk.__pydantic_fields_set__.discard("usage")
            except (AttributeError, TypeError, ValueError):
                return False
            except Exception:
                report_internal_error("stream chunk")
                return False
            add_part(text)
            arrived(perf_counter())
            return True

        return note

    return make
