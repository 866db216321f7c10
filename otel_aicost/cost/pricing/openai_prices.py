"""OpenAI list prices from the ``genai-prices`` package (pinned; its bundled data, never its updater).

Only ``genai_prices.data_snapshot`` is used: the bundled snapshot, resolved once per model and cached by the
caller. ``UpdatePrices`` (the only part that fetches) is never started. Importing ``genai_prices`` costs
~0.7 s (pydantic models for 47 providers), so it happens on the first lookup, not at import time, once, under a
lock: ``functools.cache`` would let the background preload and a first call import it twice at the same time,
and a child forked while it was held gets a fresh lock (``renew_lock_after_fork``).
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from otel_aicost.instrumentation.safety import renew_lock_after_fork
from otel_aicost.cost.pricing.entry import PriceEntry
from otel_aicost.cost.pricing.names import fine_tuned_base, normalise, openai_spelling

_lock = threading.Lock()
renew_lock_after_fork(globals())
_snapshot: Any = None
_version: str | None = None


def version() -> str:
    global _version
    if _version is None:
        from importlib.metadata import PackageNotFoundError
        from importlib.metadata import version as distribution_version

        try:
            _version = distribution_version("genai-prices")
        except PackageNotFoundError:  # pragma: no cover - it is a pinned dependency
            _version = "unknown"
    return _version


def source() -> str:
    return f"genai-prices {version()}"


_UNAVAILABLE = object()


def _bundled() -> Any:
    """genai-prices' bundled snapshot, or ``None`` where it cannot be imported (it needs Python 3.11+)."""
    global _snapshot
    if _snapshot is None:
        with _lock:
            if _snapshot is None:
                try:
                    from genai_prices import data_snapshot
                except ImportError:
                    _snapshot = _UNAVAILABLE
                else:
                    # The bundled data only: a custom snapshot set by someone's UpdatePrices is ignored on purpose.
                    _snapshot = data_snapshot._bundled_snapshot()
    return None if _snapshot is _UNAVAILABLE else _snapshot


def available() -> bool:
    return _bundled() is not None


def _find(model: str, provider: str) -> Any | None:
    if _bundled() is None:
        return None
    try:
        _provider, info = _bundled().find_provider_model(model, None, provider, None)
    except LookupError:
        return None
    return info


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
    info = _find(name, provider)
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
    entry = _entry(info.id, prices, _effective(info, when))
    if entry is not None and halve:
        entry = entry.scaled(Decimal("0.5"))
    return entry.with_notes(*notes) if entry is not None else None


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


def _same(left: Any, right: Any) -> bool:
    return all(getattr(left, key, None) == getattr(right, key, None) for key in FIELDS)


def _effective(info: Any, when: datetime) -> date | None:
    prices = info.prices
    if isinstance(prices, list):
        for conditional in reversed(prices):
            constraint = conditional.constraint
            if constraint is not None and constraint.active(when):
                return getattr(constraint, "start_date", None)
    return None


def _entry(model_id: str, prices: Any, effective: date | None) -> PriceEntry | None:
    raw = {field: getattr(prices, key, None) for key, field in FIELDS.items()}
    if raw["input"] is None:
        return None  # priced per character, second or hour (tts, whisper): not a token price
    thresholds = sorted({tier.start for value in raw.values() if _tiered(value) for tier in value.tiers})

    def at(value: Any, threshold: int | None) -> Decimal | None:
        if value is None or not _tiered(value):
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


def _tiered(value: Any) -> bool:
    return value is not None and hasattr(value, "tiers")


def model_ids(provider: str = "openai") -> list[str]:
    """Every model id the bundled data prices per token for ``provider``."""
    snapshot = _bundled()
    for candidate in snapshot.providers if snapshot is not None else ():
        if candidate.id == provider:
            return sorted(m.id for m in candidate.models if _has_token_price(m))
    return []


def _has_token_price(info: Any) -> bool:
    prices = info.prices if not isinstance(info.prices, list) else info.prices[-1].prices
    return getattr(prices, "input_mtok", None) is not None
