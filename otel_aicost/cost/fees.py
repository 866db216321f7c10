"""Charges that are not per token: per-unit charges (images, minutes, characters: ``aicost.cost.units``) and
built-in tool fees (``aicost.cost.tools``), added to a call's token cost so that the components still add up;
``free`` calls; and the sum of several priced parts (a batch output file holds many calls).

Rules: a call whose tokens are priced gets its fees on top; a call with no token usage is priced by its units
alone; a call whose tokens cannot be priced (unknown model, provisioned, implausible, stale) stays as it is,
fees not added (a partial total would read as the whole cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Context, Decimal

from otel_aicost import semconv
from otel_aicost.cost import unit_prices
from otel_aicost.cost.unit_prices import UnitRate

_EXACT = Context(prec=80)
_ZERO = Decimal(0)
_MINUTE = Decimal(60)
_MILLION = Decimal(1_000_000)
MAX_UNITS = Decimal(10**9)  # more images, minutes or characters than this in one call is garbage

UNITS_REPORTED = "reported"  # the response says (images returned, duration)
UNITS_REQUEST = "request"  # counted from the request (characters of speech input, images asked for)
UNITS_FILE_HEADER = "file_header"  # the uploaded audio file's header gives its duration
UNITS_ESTIMATED = "estimated"  # guessed (audio duration from the file's size): flagged on the span


@dataclass(frozen=True, slots=True)
class Units:
    """What a per-unit model bills: ``quantity`` of ``kind`` (images, seconds of audio, characters)."""

    kind: str  # unit_prices.UNIT_IMAGES | "seconds" | unit_prices.UNIT_CHARACTERS
    quantity: Decimal
    source: str = UNITS_REPORTED
    quality: str | None = None  # images
    size: str | None = None  # images

    @property
    def unit(self) -> str:
        """The billed unit as FOCUS and the span say it: images, minutes, characters."""
        return unit_prices.UNIT_MINUTES if self.kind == "seconds" else self.kind

    @property
    def billed_quantity(self) -> Decimal:
        return self.quantity / _MINUTE if self.kind == "seconds" else self.quantity


@dataclass(frozen=True, slots=True)
class ToolCall:
    """``count`` calls of one built-in tool in one response (image generation: with its quality and size)."""

    tool: str
    count: int
    quality: str | None = None
    size: str | None = None


def unit_rate(units: Units, model: str | None, azure: bool) -> UnitRate | None:
    if units.kind == unit_prices.UNIT_IMAGES:
        return unit_prices.image_rate(model, units.quality, units.size, azure)
    if units.kind == "seconds":
        return unit_prices.minute_rate(model)
    if units.kind == unit_prices.UNIT_CHARACTERS:
        return unit_prices.character_rate(model, azure)
    return None


def units_cost(units: Units, rate: UnitRate, factor: Decimal) -> Decimal:
    quantity = min(max(units.quantity, _ZERO), MAX_UNITS)
    if units.kind == "seconds":
        amount = _EXACT.divide(_EXACT.multiply(rate.price, quantity), _MINUTE)  # multiply first: exact cents
    elif units.kind == unit_prices.UNIT_CHARACTERS:
        amount = _EXACT.divide(_EXACT.multiply(rate.price, quantity), _MILLION)
    else:
        amount = _EXACT.multiply(rate.price, quantity)
    return _EXACT.multiply(amount, factor)


def tools_cost(calls: Iterable[ToolCall], model: str | None, azure: bool, factor: Decimal) -> Decimal | None:
    """The fees of the tool calls, or None when one of them has no known price (then none is added)."""
    total = _ZERO
    for call in calls:
        count = max(0, min(call.count, 10**6))
        if call.tool == unit_prices.TOOL_IMAGE_GENERATION:
            rate = unit_prices.image_rate("gpt-image-1", call.quality, call.size, azure)
            price = rate.price if rate is not None else None
        else:
            price = unit_prices.tool_rate(call.tool, model, azure)
        if price is None:
            return None
        total = _EXACT.add(total, _EXACT.multiply(price, count))
    return _EXACT.multiply(total, factor)


def add_fees(cost, units: Units | None, tools: tuple[ToolCall, ...], models: list[str], azure: bool,
             factor: Decimal):  # fmt: skip
    """``cost`` (a ``pricer.Cost``) with the units' charge and the tools' fees added; see the module rules.
    ``models``: the call's model names, best first (response model, request model, deployment's model)."""
    model = models[0] if models else None
    status = cost.status
    if status not in (semconv.STATUS_PRICED, semconv.STATUS_NO_USAGE):
        return cost
    unit_charge = None
    rate = None
    if units is not None:
        rate = next((r for name in models if (r := unit_rate(units, name, azure)) is not None), None)
        if rate is None:
            if status == semconv.STATUS_NO_USAGE:
                return replace(cost, status=semconv.STATUS_UNKNOWN_MODEL, model=None)
        else:
            unit_charge = units_cost(units, rate, factor)
    tool_charge = tools_cost(tools, model, azure, factor) if tools else None
    if unit_charge is None and tool_charge is None:
        return cost
    if status == semconv.STATUS_NO_USAGE:
        if unit_charge is None:  # tool fees alone are not the call's cost
            return cost
        total = _EXACT.add(unit_charge, tool_charge or _ZERO)
        return replace(
            cost, status=semconv.STATUS_PRICED, total=total, units=unit_charge, tools=tool_charge,
            model=rate.model, source=rate.source,  # type: ignore[union-attr]
        )  # fmt: skip
    total = _EXACT.add(_EXACT.add(cost.total, unit_charge or _ZERO), tool_charge or _ZERO)
    source = cost.source
    if tool_charge is not None:
        source = f"{source}; tools: {unit_prices.SOURCE_LL}" if source else unit_prices.SOURCE_LL
    return replace(cost, total=total, units=unit_charge, tools=tool_charge, source=source)


def free(cost_class, currency: str):
    """A call the API does not bill (moderations, batch and file management): priced at exactly 0."""
    return cost_class(semconv.STATUS_FREE, currency, total=_ZERO, source="not billed by the API")


def sum_costs(costs: list, currency: str):
    """Several priced parts as one cost (components add up); the first unpriced part's status otherwise."""
    if not costs:
        return None
    for cost in costs:
        if cost.status != semconv.STATUS_PRICED:
            return cost
    first = costs[0]

    def total(name: str) -> Decimal | None:
        values = [getattr(c, name) for c in costs if getattr(c, name) is not None]
        out = _ZERO
        for value in values:
            out = _EXACT.add(out, value)
        return out if values else None

    models = sorted({c.model for c in costs if c.model})
    sources = sorted({c.source for c in costs if c.source})
    fields = {name: total(name) for name in _SUMMED if hasattr(first, name)}
    return replace(first, **fields, model=", ".join(models) or None, source="; ".join(sources) or None)


_SUMMED = (
    "total", "input", "cache_read", "cache_write", "output", "audio_input", "audio_output", "image_output", "units",
    "tools",
)  # fmt: skip
