"""What a response (or a stream's chunks) told us, as frozen values the readers return and the call ends with.

Readers never fill a shared bag: a response reader returns one ``Facts``; a chunk reader returns one ``Chunk``
and the stream's state (``stream_state.StreamState``) folds the chunks into ``Facts`` explicitly. Most chunks of a
stream only add output: a surface's plain-chunk reader gives just their text (or ``NOT_PLAIN``), and the fold is
done once, at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otel_aicost.frozen import fast_init
from otel_aicost.cost.fees import ToolCall, Units
from otel_aicost.instrumentation.usage import Usage


@fast_init
@dataclass(frozen=True)
class Facts:
    response_id: str | None = None
    response_model: str | None = None
    finish_reasons: tuple[str, ...] = ()
    usage: Usage | None = None
    service_tier: str | None = None
    system_fingerprint: str | None = None
    dimension_count: int | None = None
    output_parts: tuple[str, ...] = ()  # streamed text, for a local count when the stream reported no usage
    output_messages: tuple[Any, ...] | None = None  # only when content capture is on
    units: Units | None = None  # what a per-unit model bills (images, seconds of audio, characters)
    tool_calls: tuple[ToolCall, ...] = ()  # built-in tool calls of a Responses API response
    extra: tuple[tuple[str, Any], ...] = ()  # surface-specific span attributes (e.g. a batch id)
    batch_calls: tuple[tuple[str | None, str, Usage], ...] = ()  # a batch output file's calls: (model, operation, usage)


NO_FACTS = Facts()


def merge(old: Facts, new: Facts) -> Facts:
    """``new`` over ``old``: every field ``new`` knows wins, the others stay."""
    return Facts(
        response_id=new.response_id or old.response_id,
        response_model=new.response_model or old.response_model,
        finish_reasons=new.finish_reasons or old.finish_reasons,
        usage=new.usage or old.usage,
        service_tier=new.service_tier or old.service_tier,
        system_fingerprint=new.system_fingerprint or old.system_fingerprint,
        dimension_count=new.dimension_count if new.dimension_count is not None else old.dimension_count,
        output_parts=old.output_parts + new.output_parts,
        output_messages=new.output_messages if new.output_messages is not None else old.output_messages,
        units=new.units or old.units,
        tool_calls=new.tool_calls or old.tool_calls,
        extra=new.extra or old.extra,
        batch_calls=new.batch_calls or old.batch_calls,
    )


@fast_init
@dataclass(frozen=True)
class Chunk:
    """What one stream chunk (or event) told us, read in full."""

    facts: Facts | None = None  # response-level facts it carries (id, model, usage, ...)
    texts: tuple[str, ...] = ()  # output text it adds
    finish: tuple[tuple[int, str], ...] = ()  # (choice index, finish reason)
    hide: bool = False  # the usage-only chunk we asked for: the caller must not see it
    counts: bool = True  # an output chunk for the time-to-first-chunk and per-chunk metrics


# What a surface's plain-chunk reader returns for a chunk that is not plain: read it in full (``read_chunk``).
NOT_PLAIN: Any = object()
