"""Images: ``images.generate``, ``images.edit``, ``images.create_variation`` (and their streams, where the SDK has
them: ``image_generation.*`` / ``image_edit.*`` events).

GPT Image models report token usage (text and image input, image output): priced per token by the catalog.
DALL-E models report none: priced per image by model, quality and size (``cost/unit_prices.py``), for the number
of images returned (``data``), else the number asked for (``n``, flagged ``aicost.units.source=request``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.cost.fees import UNITS_REPORTED, UNITS_REQUEST, Units
from otel_aicost.cost.unit_prices import UNIT_IMAGES
from otel_aicost.instrumentation.facts import Chunk, Facts
from otel_aicost.instrumentation.surfaces.shared import count, field, text, usage_of
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.usage import Usage


def images_request(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {semconv.OUTPUT_TYPE: "image"}
    n = kwargs.get("n")
    if type(n) is int and n != 1:
        attributes[semconv.REQUEST_CHOICE_COUNT] = n
    return attributes


def image_usage(usage: Any) -> Usage | None:
    """GPT Image token usage, with its image-token breakdown (priced at the image rates)."""
    found = usage_of(usage, "input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")
    if found is None:
        return None
    details: dict[str, int] = {}
    image_in = count(field(field(usage, "input_tokens_details"), "image_tokens"))
    if image_in:
        details["input_image_tokens"] = min(image_in, found.input_tokens)
    image_out = count(field(field(usage, "output_tokens_details"), "image_tokens"))
    if image_out is None and field(usage, "output_tokens_details") is None:
        image_out = found.output_tokens  # older shapes: every output token is an image token
    if image_out:
        details["output_image_tokens"] = min(image_out, found.output_tokens)
    return replace(found, **details) if details else found


def _image_units(response: Any, images: int | None) -> Units | None:
    if images is None:
        return None
    return Units(UNIT_IMAGES, Decimal(images), UNITS_REPORTED, text(field(response, "quality")),
                 text(field(response, "size")))  # fmt: skip


def read(response: Any) -> Facts:
    usage = image_usage(field(response, "usage"))
    data = field(response, "data")
    images = len(data) if isinstance(data, list) else None
    return Facts(
        response_model=text(field(response, "model")),
        usage=usage,
        units=None if usage is not None else _image_units(response, images),
    )


_COMPLETED = ("image_generation.completed", "image_edit.completed")


def read_chunk(event: Any, injected_usage: bool, need_common: bool) -> Chunk:
    """A stream event: partial images are output chunks; a completed event is one image, with usage."""
    kind = field(event, "type")
    if kind in _COMPLETED:
        usage = image_usage(field(event, "usage"))
        units = None if usage is not None else _image_units(event, 1)
        return Chunk(facts=Facts(usage=usage, units=units))
    return Chunk()


def complete(kwargs: Mapping[str, Any], facts: Facts) -> Facts:
    """Quality and size the response did not say come from the request; with no response count, ``n`` asked."""
    if facts.usage is not None:
        return facts
    units = facts.units
    quality, size = text(kwargs.get("quality")), text(kwargs.get("size"))
    if units is None:
        n = kwargs.get("n")
        asked = n if type(n) is int and 0 < n <= 128 else 1
        return replace(facts, units=Units(UNIT_IMAGES, Decimal(asked), UNITS_REQUEST, quality, size))
    if units.quality is None or units.size is None:
        units = replace(units, quality=units.quality or quality, size=units.size or size)
        return replace(facts, units=units)
    return facts


IMAGES = Surface(
    semconv.OP_GENERATE_CONTENT, read, read_chunk, api_type=semconv.API_IMAGES, request=images_request,
    complete=complete,
)  # fmt: skip

PATCHES = tuple(
    Patch("openai.resources.images", "Images", "AsyncImages", method, IMAGES)
    for method in ("generate", "edit", "create_variation")
)
