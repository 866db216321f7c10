"""What a response (or a stream's chunks) told us, as frozen values the readers return and the call ends with.

Readers never fill a shared bag: a response reader returns one ``Facts``; a chunk reader returns one ``Chunk``
and the stream proxy folds the chunks into ``Facts`` with ``StreamFacts`` explicitly. Most chunks of a stream only
add output: a surface's plain-chunk reader gives just their text (or ``NOT_PLAIN``), and the fold is done once, at
the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otel_aicost.frozen import fast_init
from otel_aicost.cost.fees import ToolCall, Units
from otel_aicost.instrumentation.usage import Usage

_MAX_CHOICES = 128  # a larger choice index is garbage, not a choice


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


class StreamFacts:
    """The facts of one stream so far. A plain chunk (one that only adds output) leaves its text in ``parts`` as
    it was, of whatever type; a chunk read in full is added with ``add``. ``result()`` folds them once, at the
    end."""

    __slots__ = ("facts", "parts", "reasons")

    def __init__(self) -> None:
        self.facts = NO_FACTS
        self.parts: list[Any] = []  # texts as the chunks gave them: only non-empty strings count
        self.reasons: list[str] = []

    def add(self, chunk: Chunk) -> None:
        if chunk.facts is not None:
            self.facts = merge(self.facts, chunk.facts)
        if chunk.texts:
            self.parts.extend(chunk.texts)
        for index, reason in chunk.finish:
            index = index if 0 <= index < _MAX_CHOICES else 0
            reasons = self.reasons
            while len(reasons) <= index:
                reasons.append("")
            reasons[index] = reason

    def result(self) -> Facts:
        """The stream's facts; a choice that never finished reads ``error``."""
        facts = self.facts
        reasons = tuple(reason or "error" for reason in self.reasons) or tuple(
            reason or "error" for reason in facts.finish_reasons
        )
        # The texts serve a local count only (outcome.usage_of): not gone through when the stream reported usage.
        parts = () if facts.usage is not None else tuple([part for part in self.parts if type(part) is str and part])
        return Facts(
            response_id=facts.response_id,
            response_model=facts.response_model,
            finish_reasons=reasons,
            usage=facts.usage,
            service_tier=facts.service_tier,
            system_fingerprint=facts.system_fingerprint,
            dimension_count=facts.dimension_count,
            output_parts=facts.output_parts + parts,
            output_messages=facts.output_messages,
            units=facts.units,
            tool_calls=facts.tool_calls,
            extra=facts.extra,
            batch_calls=facts.batch_calls,
        )
