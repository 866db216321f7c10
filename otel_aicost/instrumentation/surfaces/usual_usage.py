"""A usage object of the usual shape, read without the general reader's per-field checks (``shared.usage_of``).

Nearly every reply's usage is an SDK model whose two token counts are plain ints and whose detail objects (cached
and reasoning tokens) report none of the priced subsets (cache writes, audio, image tokens). Such a usage is read
here from the models' own ``__dict__`` in a few lookups, and the same shape as decoded JSON (the usage-only stream
chunk we take before the SDK builds it, ``usage_events.py``) from its dicts; anything else (extra fields the SDK did
not declare, a count of another type or out of range, any priced subset) answers None and the general reader reads
it. Both give the same ``Usage``: ``tests/unit/test_usual_usage.py`` compares them on every shape.
"""

from __future__ import annotations

from typing import Any

from otel_aicost.instrumentation.usage import Usage

MAX_TOKENS = 2**53  # larger counts are garbage, not usage
# The details' fields usage.breakdown prices (input: cache_write_tokens, audio_tokens, image_tokens; output:
# audio_tokens, image_tokens): when one holds anything, the general reader reads them. Each is looked up on its
# own below: an any(map(...)) over a tuple costs more instructions than the lookups (callgrind, round 7).


def usual_usage(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str
                ) -> Usage | None:  # fmt: skip
    """The usage of a model (or decoded JSON) of the usual shape (see the module), else None: read it in full."""
    counts = usual_counts(usage, input_name, output_name, input_details, output_details)
    if counts is None:
        return None
    return usage_of_counts(*counts)


def usage_of_counts(input_tokens: int, output_tokens: int, cached: int | None, reasoning: int | None,
                    **breakdown: int) -> Usage:  # fmt: skip
    """The ``Usage`` of these counts (a usual shape's, or the general reader's with its ``breakdown`` of audio, image
    and cache-write tokens): subsets can never exceed their totals; a response saying otherwise is clamped, not
    trusted."""
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=min(cached or 0, input_tokens),
        reasoning_tokens=min(reasoning or 0, output_tokens),
        cache_read_reported=cached is not None,
        **breakdown,
    )


def usual_counts(usage: Any, input_name: str, output_name: str, input_details: str, output_details: str
                 ) -> tuple[int, int, int | None, int | None] | None:  # fmt: skip
    """(input, output, cached, reasoning) of a usage model (or decoded JSON) of the usual shape (cached and reasoning
    None when not reported, unclamped), else None: read it in full."""
    try:  # a dict, or a pydantic 2 model (pydantic 1 has no __pydantic_extra__, another object no __dict__)
        if type(usage) is dict:
            fields = usage
        elif usage.__pydantic_extra__:
            return None
        else:
            fields = usage.__dict__
        input_tokens = fields[input_name]
        output_tokens = fields[output_name]
        inputs = fields.get(input_details)  # absent (a dict without details): none reported
        outputs = fields.get(output_details)
        cached = reasoning = None
        if inputs is not None:
            if type(inputs) is dict:
                details = inputs
            elif inputs.__pydantic_extra__:
                return None
            else:
                details = inputs.__dict__
            if details.get("cache_write_tokens") or details.get("audio_tokens") or details.get("image_tokens"):
                return None
            cached = details.get("cached_tokens")
        if outputs is not None:
            if type(outputs) is dict:
                details = outputs
            elif outputs.__pydantic_extra__:
                return None
            else:
                details = outputs.__dict__
            if details.get("audio_tokens") or details.get("image_tokens"):
                return None
            reasoning = details.get("reasoning_tokens")
    except (AttributeError, KeyError, TypeError):
        return None
    if not (type(input_tokens) is int and type(output_tokens) is int and 0 <= input_tokens <= MAX_TOKENS
            and 0 <= output_tokens <= MAX_TOKENS):  # fmt: skip
        return None
    if cached is not None and not (type(cached) is int and 0 <= cached <= MAX_TOKENS):
        return None
    if reasoning is not None and not (type(reasoning) is int and 0 <= reasoning <= MAX_TOKENS):
        return None
    return input_tokens, output_tokens, cached, reasoning
