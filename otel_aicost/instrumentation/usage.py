"""Token usage of one call, as the API reported it or as we counted it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from otel_aicost.frozen import fast_init

REPORTED = "reported"
ESTIMATED = "estimated"


@fast_init
@dataclass(frozen=True)
class Usage:
    """Token counts of one call.

    ``input_tokens`` includes cached, cache-write, audio and image tokens; ``output_tokens`` includes reasoning
    and audio tokens (the way OpenAI reports them). The breakdowns are subsets, never added on top:
    ``cache_write_12h_tokens`` of ``cache_write_tokens`` (writes kept 12 hours, billed apart from 30-minute ones),
    ``cache_read_audio_tokens`` of both ``cache_read_tokens`` and ``input_audio_tokens``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    source: str = REPORTED
    cache_write_12h_tokens: int = 0
    input_audio_tokens: int = 0
    cache_read_audio_tokens: int = 0
    input_image_tokens: int = 0
    output_audio_tokens: int = 0
    output_image_tokens: int = 0
    cache_read_reported: bool = False  # the API reported a cached-token count (0 included): put it on the span


def breakdown(input_details: Any, output_details: Any, input_tokens: int, output_tokens: int) -> dict[str, int]:
    """The priced subsets of a usage object's ``*_tokens_details`` (chat ``prompt_tokens_details`` /
    ``completion_tokens_details``, Responses ``input_tokens_details`` / ``output_tokens_details``, Realtime
    ``input_token_details`` / ``output_token_details``): cache writes (and the 12-hour ones), audio and image
    tokens, cached audio. Only non-zero counts, each clamped to the total it is part of; junk counts as 0."""
    found: dict[str, int] = {}
    cache_write = _count(_field(input_details, "cache_write_tokens"))
    if cache_write:
        found["cache_write_tokens"] = min(cache_write, input_tokens)
        ttl_12h = _count(_field(_field(input_details, "cache_write_tokens_details"), "ttl_12h_tokens"))
        if ttl_12h:
            found["cache_write_12h_tokens"] = min(ttl_12h, found["cache_write_tokens"])
    audio_in = _count(_field(input_details, "audio_tokens"))
    if audio_in:
        found["input_audio_tokens"] = min(audio_in, input_tokens)
        cached_audio = _count(_field(_field(input_details, "cached_tokens_details"), "audio_tokens"))
        if cached_audio:
            found["cache_read_audio_tokens"] = min(cached_audio, found["input_audio_tokens"])
    image_in = _count(_field(input_details, "image_tokens"))
    if image_in:
        found["input_image_tokens"] = min(image_in, input_tokens)
    audio_out = _count(_field(output_details, "audio_tokens"))
    if audio_out:
        found["output_audio_tokens"] = min(audio_out, output_tokens)
    image_out = _count(_field(output_details, "image_tokens"))
    if image_out:
        found["output_image_tokens"] = min(image_out, output_tokens - found.get("output_audio_tokens", 0))
    return found


_MISSING = object()


def _field(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)`` for an SDK model (or ``.get`` for a dict). A field this SDK version does not
    declare (``image_tokens`` of chat completion details, say) is read from the model's ``__dict__`` and pydantic's
    extra fields (``model_extra``) instead: through ``getattr`` pydantic raises and catches an AttributeError for it, about 7 µs, more
    than the rest of a usage read. Anything but a pydantic 2 model (pydantic 1 keeps extra fields in ``__dict__``)
    falls back to ``getattr``."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    try:
        value = obj.__dict__.get(name, _MISSING)
    except AttributeError:  # no __dict__ (slots)
        return getattr(obj, name, None)
    if value is not _MISSING:
        return value
    extra = getattr(obj, "model_extra", _MISSING)  # pydantic 2's public view of its extra fields
    if type(extra) is dict:
        return extra.get(name)
    return getattr(obj, name, None)


def _count(value: Any) -> int:
    return value if type(value) is int and value > 0 else 0
