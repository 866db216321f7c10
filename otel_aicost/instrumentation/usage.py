"""Token usage of one call, as the API reported it or as we counted it."""

from __future__ import annotations

from dataclasses import dataclass

REPORTED = "reported"
ESTIMATED = "estimated"


@dataclass(frozen=True, slots=True)
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
