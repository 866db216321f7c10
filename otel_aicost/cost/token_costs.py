"""Token arithmetic off the usual path: garbage counts made billable, and the multimodal split of a call's tokens.

``cost/pricer.py`` prices the usual text call inline (four products and a sum); a call with audio, image or
12-hour cache-write tokens comes here, where each kind is clamped to what is left of the totals it is part of
and priced at its own rate.
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.call_cost import Cost
from otel_aicost.cost.pricing.entry import TokenRates
from otel_aicost.cost.resolution import Resolved
from otel_aicost.instrumentation.usage import Usage

EXACT = Context(prec=80)  # wide enough that no product or sum of ours is ever rounded
ZERO = Decimal(0)


def billable(value: Any) -> int:
    """A token count we can price: a non-negative int; anything else counts as 0."""
    if type(value) is not int:
        try:
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            return 0
    return value if value > 0 else 0


def multimodal_cost(
    usage: Usage,
    resolved: Resolved,
    rates: TokenRates,
    currency: str,
    counts: tuple[int, int, int, int],
) -> Cost:
    """Audio, image and 12-hour cache-write tokens priced at their own rates. ``counts``: the call's billable
    (input, output, cache read, cache write) tokens, already clamped."""
    inputs, output, cache_read, cache_write = counts
    write_12h = min(billable(usage.cache_write_12h_tokens), cache_write)
    audio_in = min(billable(usage.input_audio_tokens), inputs - cache_write)
    audio_cached = min(billable(usage.cache_read_audio_tokens), audio_in, cache_read)
    room = inputs - cache_read - cache_write
    audio_uncached = min(audio_in - audio_cached, room)
    image_in = min(billable(usage.input_image_tokens), room - audio_uncached)
    text_in = room - audio_uncached - image_in
    audio_out = min(billable(usage.output_audio_tokens), output)
    image_out = min(billable(usage.output_image_tokens), output - audio_out)
    text_out = output - audio_out - image_out

    input_cost = _sum((rates.input, text_in), (rates.image_input, image_in))
    read_cost = _sum((rates.cache_read, cache_read - audio_cached), (rates.audio_cache_read, audio_cached))
    write_cost = _sum((rates.cache_write, cache_write - write_12h), (rates.cache_write_12h, write_12h))
    output_cost = _sum((rates.output, text_out))
    audio_input = _sum((rates.audio_input, audio_uncached))
    audio_output = _sum((rates.audio_output, audio_out))
    image_output = _sum((rates.image_output, image_out))
    total = ZERO
    for part in (input_cost, read_cost, write_cost, output_cost, audio_input, audio_output, image_output):
        total = EXACT.add(total, part)
    return Cost(
        semconv.STATUS_PRICED,
        currency,
        total,
        input_cost,
        read_cost,
        write_cost,
        output_cost,
        resolved.model,
        resolved.source,
        audio_input,
        audio_output,
        image_output,
        resolved.type_source,
    )


def _sum(*pairs: tuple[Decimal, int]) -> Decimal:
    """The exact sum of rate x tokens over the pairs with tokens."""
    total = ZERO
    for rate, tokens in pairs:
        if tokens:
            total = EXACT.add(total, EXACT.multiply(rate, tokens))
    return total
