"""One resolved price: USD (or the configured currency) per token, ready for a multiply per call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal

MILLION = Decimal(1_000_000)
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PriceEntry:
    """Prices of one model for one deployment type and service tier, per 1M tokens.

    ``cached_input`` / ``cache_write`` are ``None`` when the source publishes no such rate; the pricer then
    charges those tokens at ``input`` (never less than we know). ``long`` is the price for the whole call when its
    input exceeds ``long_threshold`` tokens (OpenAI and Azure bill long-context calls wholly at the higher rate).
    """

    model: str
    source: str
    input: Decimal
    output: Decimal = ZERO
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    effective_from: date | None = None
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
        return _replace(self, notes=self.notes + fresh, long=long)

    def scaled(self, factor: Decimal) -> PriceEntry:
        """The same entry with every price multiplied by ``factor`` (currency conversion)."""

        def times(value: Decimal | None) -> Decimal | None:
            return None if value is None else value * factor

        long = self.long.scaled(factor) if self.long is not None else None
        return _replace(
            self,
            input=self.input * factor,
            output=self.output * factor,
            cached_input=times(self.cached_input),
            cache_write=times(self.cache_write),
            long=long,
        )


def _replace(entry: PriceEntry, **changes: object) -> PriceEntry:
    values = {name: getattr(entry, name) for name in PriceEntry.__dataclass_fields__}
    values.update(changes)
    return PriceEntry(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class TokenRates:
    """Per-token rates (per-1M divided out, currency applied): what ``Pricer.price`` multiplies by."""

    input: Decimal
    cache_read: Decimal
    cache_write: Decimal
    output: Decimal

    @classmethod
    def of(cls, entry: PriceEntry, factor: Decimal = Decimal(1)) -> TokenRates:
        exact = Context(prec=80)  # never round a price
        per_token = exact.divide(factor, MILLION)
        cached = entry.cached_input if entry.cached_input is not None else entry.input
        write = entry.cache_write if entry.cache_write is not None else entry.input
        rates = (exact.multiply(price, per_token) for price in (entry.input, cached, write, entry.output))
        return cls(*rates)
