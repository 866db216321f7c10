"""What a report groups calls by: ``parse_by("team,model")``, the key of a call (``key_function``), ``check_by``.

Known dimensions are record fields (``model``: the response model, else the requested one) and the time slots
``hour``, ``day`` and ``month`` (UTC); anything else is an allocation tag key. Every key ends with the currency, so
that money in different currencies is never added up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone

from otel_aicost import semconv
from otel_aicost.finops.cost_record import CostRecord

NONE = "(none)"
HOUR_NS = 3600 * 10**9
DAY_NS = 24 * HOUR_NS
_DIMENSIONS: dict[str, Callable[[CostRecord], str | None]] = {
    "model": lambda r: r.response_model or r.request_model,
    "request_model": lambda r: r.request_model,
    "response_model": lambda r: r.response_model,
    "provider": lambda r: r.provider,
    "deployment": lambda r: r.deployment_name,
    "deployment_type": lambda r: r.deployment_type,
    "region": lambda r: r.region,
    "service": lambda r: r.service,
    "operation": lambda r: r.operation,
    "pricing_status": lambda r: r.pricing_status,
    "usage_source": lambda r: r.usage_source,
    "server": lambda r: r.server_address,
    "unit": lambda r: r.unit or ("tokens" if r.input_tokens or r.output_tokens else None),  # what the call billed
}
TIME_DIMENSIONS = ("hour", "day", "month")
DIMENSIONS = tuple(_DIMENSIONS) + TIME_DIMENSIONS


def parse_by(text: str | Sequence[str] | None) -> list[str]:
    """``"team,model"`` -> ``["tag.team", "model"]``: known dimensions stay, anything else is a tag key; a key
    named twice (``model,model``, ``team,tag.team``) is grouped by once."""
    if text is None:
        return []
    parts = text.split(",") if isinstance(text, str) else list(text)
    dims = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if part in DIMENSIONS or part.startswith("tag."):
            dims.append(part)
        elif part.startswith(semconv.TAG_PREFIX):
            dims.append("tag." + part[len(semconv.TAG_PREFIX) :])
        else:
            dims.append("tag." + part)
    return list(dict.fromkeys(dims))


def key_function(dims: Sequence[str]) -> Callable[[CostRecord], tuple]:
    getters = []
    for dim in dims:
        if dim.startswith("tag."):
            name = dim[4:]
            getters.append(lambda r, n=name: r.tags.get(n))
        elif dim in TIME_DIMENSIONS:
            getters.append(_time_getter(dim))
        else:
            getters.append(_DIMENSIONS[dim])
    if not getters:
        return lambda r: (r.currency,)
    if len(getters) == 1:
        (first,) = getters
        return lambda r: (first(r) or NONE, r.currency)
    if len(getters) == 2:  # the common --by a,b: no generator per call
        first, second = getters
        return lambda r: (first(r) or NONE, second(r) or NONE, r.currency)
    return lambda r: tuple(g(r) or NONE for g in getters) + (r.currency,)


def _time_getter(dim: str) -> Callable[[CostRecord], str]:
    cache: dict[int, str] = {}
    unit, fmt = {"hour": (HOUR_NS, "%Y-%m-%dT%H:00Z"), "day": (DAY_NS, "%Y-%m-%d"), "month": (DAY_NS, "%Y-%m")}[dim]

    def get(record: CostRecord) -> str:
        slot = record.start_ns // unit
        text = cache.get(slot)
        if text is None:
            text = cache[slot] = datetime.fromtimestamp(slot * unit / 1e9, timezone.utc).strftime(fmt)
        return text

    return get


def check_by(dims: Sequence[str], tag_keys: Iterable[str]) -> None:
    """Raise ``ValueError`` for a tag dimension no call carries: a typo, most likely. Says what exists."""
    seen = sorted(set(tag_keys))
    unknown = [d[4:] for d in dims if d.startswith("tag.") and d[4:] not in seen]
    if unknown:
        raise ValueError(
            f"unknown --by key {', '.join(repr(u) for u in unknown)}: no call carries such a tag. "
            f"Dimensions: {', '.join(DIMENSIONS)}; tag keys seen: {', '.join(seen) or 'none'}"
        )
