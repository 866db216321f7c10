"""Azure OpenAI meter names -> (model, deployment type, token direction), from the shipped Azure price data.

Cost Management names each charge by its meter (FOCUS ``SkuMeter``; ``x_SkuMeterName`` in FOCUS 1.0 exports):
``gpt-4o-0806-Inp-glbl Tokens``, ``gpt 4.1 cached Inp Data Zone Tokens``, ``5.4 pp cd inp Gl 1M Tokens``...
The spelling is not regular, so the model and deployment type come from the price data we ship
(``cost/pricing/data/azure.json``: every meter listed under the model and ``deployment_type/tier/context`` it
prices), never from guessing. Only the direction is read from the words of the name: ``cd wr`` is a cache
write, ``cached``/``cchd``/``cd`` cached input, ``out``/``outp``/``outpt``/``opt``/``output`` output,
anything else input (embedding meters name no direction). A test checks this reading against every price row
of the data: the directions of its meters are exactly the prices it carries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from otel_aicost.cost.pricing import azure_meters

INPUT, CACHED_INPUT, CACHE_WRITE, OUTPUT = "input", "cached_input", "cache_write", "output"
DIRECTIONS = (INPUT, CACHED_INPUT, CACHE_WRITE, OUTPUT)

_WORD = re.compile(r"[\s\-_]+")
_OUTPUT_WORDS = frozenset({"out", "outp", "outpt", "opt", "output", "batchoutp"})
_CACHED_WORDS = frozenset({"cached", "cchd", "cd"})
_WRITE_WORDS = frozenset({"wr", "write"})


@dataclass(frozen=True, slots=True)
class Meter:
    """What one Azure OpenAI token meter bills."""

    model: str  # the price-data entry, e.g. gpt-4o-2024-08-06 (the dated model the API returns)
    deployment_type: str  # global_standard, data_zone_standard, regional_standard, global_batch, data_zone_batch
    service_tier: str  # default or priority
    context: str  # short or long (long-context rates)
    direction: str  # input, cached_input, cache_write, output


def meter_key(name: str) -> str:
    """The lookup form of a meter name: lower case, single spaces, without the trailing ``Tokens``."""
    key = " ".join(name.lower().split())
    return key.removesuffix(" tokens")


def direction_of(name: str) -> str:
    """The token direction a meter bills, read by the same meter reader as the price data (audio, image and
    cached variants count in their direction); names it cannot read fall back to their words."""
    facts = azure_meters.classify(name)
    if facts is not None:
        return _DIRECTION_OF_FIELD[facts["field"]]
    words = set(_WORD.split(name.lower()))
    if words & _WRITE_WORDS:
        return CACHE_WRITE
    if words & _CACHED_WORDS:
        return CACHED_INPUT
    if words & _OUTPUT_WORDS:
        return OUTPUT
    return INPUT


_DIRECTION_OF_FIELD = {
    "input": INPUT, "audio_input": INPUT, "image_input": INPUT,
    "cached_input": CACHED_INPUT, "cached_audio_input": CACHED_INPUT, "cached_image_input": CACHED_INPUT,
    "cache_write": CACHE_WRITE,
    "output": OUTPUT, "audio_output": OUTPUT, "image_output": OUTPUT,
}  # fmt: skip


def parse_meter(name: str | None) -> Meter | None:
    """The meter named ``name`` (case and spacing ignored), or ``None`` when the shipped data does not know it."""
    if not name:
        return None
    return _catalog().get(meter_key(name))


@lru_cache(maxsize=1)
def _models() -> dict:
    text = resources.files("otel_aicost.cost.pricing").joinpath("data/azure.json").read_text("utf-8")
    return json.loads(text)["models"]


@lru_cache(maxsize=1)
def _catalog() -> dict[str, Meter]:
    catalog: dict[str, Meter] = {}
    for model, entry in _models().items():
        for key, row in entry["prices"].items():
            deployment_type, tier, context = key.split("/")
            for name in row.get("meters", ()):
                catalog[meter_key(name)] = Meter(model, deployment_type, tier, context, direction_of(name))
    return catalog


def price_rows() -> dict[tuple[str, str], dict]:
    """``(model, deployment_type/tier/context) -> price row`` of the shipped data (for checks)."""
    return {(model, key): row for model, entry in _models().items() for key, row in entry["prices"].items()}
