"""One resolved price: USD (or the configured currency) per token, ready for a multiply per call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal

MILLION = Decimal(1_000_000)
ZERO = Decimal(0)
# Per-1M prices a PriceEntry can carry besides input/output; None means the source publishes no such rate.
OPTIONAL_RATES = (
    "cached_input",
    "cache_write",
    "cache_write_12h",
    "audio_input",
    "cached_audio_input",
    "audio_output",
    "image_input",
    "image_output",
)


@dataclass(frozen=True, slots=True)
class PriceEntry:
    """Prices of one model for one deployment type and service tier, per 1M tokens.

    An optional rate that is ``None`` is one the source does not publish; the pricer then charges those tokens
    at the rate they are a kind of (cached input at ``input``, cache writes at ``input``, 12-hour writes at
    ``cache_write``, audio and image tokens at the text rate): never less than we know. ``long`` is the price for
    the whole call when its input exceeds ``long_threshold`` tokens (OpenAI and Azure bill long-context calls
    wholly at the higher rate). ``valid_until`` is the last day a price with a known end (a promotion) applies:
    a source that knows the rate that follows lists it as its own price from the next day (``effective_from``).
    """

    model: str
    source: str
    input: Decimal
    output: Decimal = ZERO
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_12h: Decimal | None = None
    audio_input: Decimal | None = None
    cached_audio_input: Decimal | None = None
    audio_output: Decimal | None = None
    image_input: Decimal | None = None
    image_output: Decimal | None = None
    effective_from: date | None = None
    valid_until: date | None = None
    long: PriceEntry | None = None
    long_threshold: int | None = None
    notes: tuple[str, ...] = field(default=())

    def describe_source(self) -> str:
        """``source`` plus any notes, the way ``aicost.pricing.source`` shows it."""
        if not self.notes:
            return self.source
        return f"{self.source}; {'; '.join(self.notes)}"

    def with_notes(self, *notes: str) -> PriceEntry:
        fresh = tuple(note for note in notes if note and note not in self.notes)
        if not fresh:
            return self
        long = self.long.with_notes(*fresh) if self.long is not None else None
        return replace(self, notes=self.notes + fresh, long=long)

    def scaled(self, factor: Decimal) -> PriceEntry:
        """The same entry with every price multiplied by ``factor`` (currency, regional uplift, batch discount)."""
        changes: dict[str, object] = {"input": self.input * factor, "output": self.output * factor}
        for name in OPTIONAL_RATES:
            value = getattr(self, name)
            changes[name] = None if value is None else value * factor
        changes["long"] = self.long.scaled(factor) if self.long is not None else None
        return replace(self, **changes)

    def ended(self, day: date) -> bool:
        """Has this price ended before ``day`` (a promotion past its end, nothing known after it)?"""
        return self.valid_until is not None and day > self.valid_until


def replace(entry: PriceEntry, **changes: object) -> PriceEntry:
    values = {name: getattr(entry, name) for name in PriceEntry.__dataclass_fields__}
    values.update(changes)
    return PriceEntry(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class TokenRates:
    """Per-token rates (per-1M divided out, currency applied): what ``Pricer.price`` multiplies by.

    Every rate is set: where the source publishes none, the rate of the kind of token it is stands in.
    """

    input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    cache_write_12h: Decimal
    output: Decimal
    audio_input: Decimal
    audio_cache_read: Decimal
    audio_output: Decimal
    image_input: Decimal
    image_output: Decimal

    @classmethod
    def of(cls, entry: PriceEntry, factor: Decimal = Decimal(1)) -> TokenRates:
        exact = Context(prec=80)  # never round a price
        per_token = exact.divide(factor, MILLION)

        def first(*values: Decimal | None) -> Decimal:
            return next(value for value in values if value is not None)

        write = first(entry.cache_write, entry.input)
        audio_in = first(entry.audio_input, entry.input)
        per_million = (
            entry.input,
            first(entry.cached_input, entry.input),
            write,
            first(entry.cache_write_12h, write),
            entry.output,
            audio_in,
            first(entry.cached_audio_input, audio_in),
            first(entry.audio_output, entry.output),
            first(entry.image_input, entry.input),
            first(entry.image_output, entry.output),
        )
        return cls(*(exact.multiply(price, per_token) for price in per_million))
