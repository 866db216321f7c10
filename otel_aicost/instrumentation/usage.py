"""Token usage of one call, as the API reported it or as we counted it."""

from __future__ import annotations

from dataclasses import dataclass

REPORTED = "reported"
ESTIMATED = "estimated"


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one call.

    ``input_tokens`` includes cached and cache-write tokens; ``output_tokens`` includes reasoning tokens
    (the way OpenAI reports them). The breakdowns are subsets, never added on top.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    source: str = REPORTED
