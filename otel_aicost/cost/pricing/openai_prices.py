"""OpenAI list prices as ``PriceEntry``: genai-prices' data (``genai_data``, shipped as ``data/genai_prices.json``)
for a model, a service tier or the Batch API, and a date; fine-tuned models never at their base model's rate."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from otel_aicost.cost.pricing.entry import PriceEntry
from otel_aicost.cost.pricing.genai_data import Prices, Tiered, find, latest_price_change, model_ids, source, version
from otel_aicost.cost.pricing.names import fine_tuned_base, normalise, openai_spelling

__all__ = ["FIELDS", "latest_price_change", "lookup", "model_ids", "source", "version"]

# genai-prices ModelPrice attribute -> PriceEntry field
FIELDS = {
    "input_mtok": "input",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
    "output_mtok": "output",
    "input_audio_mtok": "audio_input",
    "cache_audio_read_mtok": "cached_audio_input",
    "output_audio_mtok": "audio_output",
    "input_image_mtok": "image_input",
    "output_image_mtok": "image_output",
}


def lookup(
    model: str,
    *,
    provider: str = "openai",
    service_tier: str | None = None,
    batch: bool = False,
    when: datetime | None = None,
) -> PriceEntry | None:
    """The price of ``model`` at ``when`` (default now) for this tier / batch, or ``None`` if unknown."""
    name = openai_spelling(normalise(model))
    info = find(name, provider)
    base = fine_tuned_base(name)
    if info is not None and base is not None and not (info.id.startswith("ft:") or ".ft-" in info.id):
        info = None  # never price a fine-tuned model at its base model's (lower) rate
    if info is None:
        return None
    when = when or datetime.now(timezone.utc)
    context: dict[str, str] = {}
    notes: list[str] = []
    if batch:
        context["processing"] = "batch"
    elif service_tier in ("flex", "priority"):
        context["service_tier"] = service_tier
    standard = info.get_prices(when)
    prices = info.get_prices(when, context) if context else standard
    halve = False
    if context and _same(prices, standard):
        if batch:
            halve = True  # the Batch API is half price on every model; genai-prices lists only some
            notes.append("no batch price listed: 50% of standard (Batch API discount)")
        else:
            notes.append(f"no {service_tier} price; standard price")
    if base is not None:
        notes.append(f"fine-tuned rate of {base}")
    entry = _entry(info.id, prices, info.effective(when))
    if entry is not None and halve:
        entry = entry.scaled(Decimal("0.5"))
    return entry.with_notes(*notes) if entry is not None else None


def _same(left: Prices, right: Prices) -> bool:
    return all(left.get(key) == right.get(key) for key in FIELDS)


def _entry(model_id: str, prices: Prices, effective: date | None) -> PriceEntry | None:
    raw = {field: prices.get(key) for key, field in FIELDS.items()}
    if raw["input"] is None:
        return None  # priced per character, second or hour (tts, whisper): not a token price
    thresholds = sorted({tier.start for value in raw.values() if isinstance(value, Tiered) for tier in value.tiers})

    def at(value: Decimal | Tiered | None, threshold: int | None) -> Decimal | None:
        if not isinstance(value, Tiered):
            return value
        price = value.base
        for tier in value.tiers:
            if threshold is not None and tier.start <= threshold:
                price = tier.price
        return price

    def build(threshold: int | None, long: PriceEntry | None, long_threshold: int | None) -> PriceEntry:
        values = {field: at(value, threshold) for field, value in raw.items()}
        values["output"] = values["output"] or Decimal(0)
        return PriceEntry(
            model=model_id,
            source=source(),
            effective_from=effective,
            long=long,
            long_threshold=long_threshold,
            **values,
        )

    long = None
    if thresholds:
        long = build(thresholds[0], None, None)  # one long-context tier is all OpenAI publishes (272k)
    return build(None, long, thresholds[0] if thresholds else None)

