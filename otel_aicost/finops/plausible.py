"""Plausibility bounds for telemetry values: what one GenAI call can really record and bill.

A span outside them is skipped and reported (``Implausible``, with a reason key counted in ``ReadStats``),
never summed into a report or a FOCUS file: a 40-digit timestamp or a 400-digit cost is a damaged file, not
spend. Every reader path goes through these functions (``otlp_decode`` has one decoder), so the same input
gives the same result wherever it is read.

The bounds, and why:
- timestamps: 2020-01-01 (before any priced GenAI API call we can price) to 2100-01-01; a span end before
  its start gives a duration of 0, an end beyond the bound is implausible too.
- token counts: 0 to ``MAX_TOKENS`` (100 million). The largest context windows hold about 2 million tokens and
  an embeddings request at most 300,000: 50 times the largest real call still fits.
- costs: finite, 0 to ``MAX_COST`` (10 million in the currency: the most expensive model at 100 million tokens
  is about 60,000 USD, and 10 million leaves room for currencies like IDR).

These run for every span of a big file: each check is a comparison or two on the fast path.
"""

from __future__ import annotations

from decimal import Decimal

from otel_aicost.quoting import show

MIN_NS = 1_577_836_800 * 10**9  # 2020-01-01T00:00:00Z
MAX_NS = 4_102_444_800 * 10**9  # 2100-01-01T00:00:00Z
MAX_TOKENS = 100_000_000
MAX_COST = Decimal(10_000_000)

# reason key -> what a user reads in the summary
REASONS = {
    "malformed": "malformed span",
    "timestamp": "timestamp out of range",
    "tokens": "token count out of range",
    "cost": "cost out of range",
}


class Implausible(ValueError):
    """A span value that no real call can have. ``reason`` is a key of ``REASONS``; the message says which value."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def timestamp(value: object, name: str, *, required: bool) -> int:
    """A span time in ns since the epoch (protojson writes a string), within the bounds; 0 when absent and allowed."""
    number = whole(value, name, "timestamp")
    if MIN_NS <= number < MAX_NS or (number == 0 and not required):
        return number
    raise Implausible("timestamp", f"{name} {show(number)} is outside 2020-01-01..2100-01-01")


def tokens(value: object, name: str) -> int:
    """A token count: an int, or a string of digits (protojson's int64), within 0..MAX_TOKENS."""
    number = whole(value, name, "tokens")
    if 0 <= number <= MAX_TOKENS:
        return number
    raise Implausible("tokens", f"{name} {show(number)} is outside 0..{MAX_TOKENS:,}")


def cost(number: Decimal, name: str) -> Decimal:
    if number.is_finite() and 0 <= number <= MAX_COST:
        return number if number else abs(number)  # -0.0 (a hand-written file) is 0: no money shows as "-0"
    raise Implausible("cost", f"{name} {show(number)} is outside 0..{MAX_COST:,}")


def whole(value: object, name: str, reason: str) -> int:
    """An int64 as protojson writes it: a JSON number or a string of at most 40 digits (longer is no int64)."""
    if type(value) is int:
        return value  # type: ignore[return-value]
    if type(value) is str and len(value) <= 40:  # type: ignore[arg-type]
        try:
            return int(value)  # type: ignore[call-overload]
        except ValueError:
            pass
    raise Implausible(reason, f"{name} {show(value)} is not a whole number")
