"""The plain chunks of chat and legacy-completion streams: most of a stream, each only adding output text. Read with
as little as possible (attributes only, no type checks: the stream's fold keeps only non-empty strings); any other
chunk, or one with a field missing, is read in full by ``shared.read_choices_chunk``. The stream generators
(``streams.py``) make this read inline, with the stream's appends, once the response id is known."""

from __future__ import annotations

from typing import Any

from otel_aicost.instrumentation.facts import NOT_PLAIN


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
