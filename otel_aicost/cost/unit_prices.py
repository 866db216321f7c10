"""Prices per unit that is not a token: per image (by model, quality and size), per minute of audio, per
character of speech input, per built-in tool call. Typed in by hand, each table with its source and the date read.

Token-priced models (``gpt-image-*``, ``gpt-4o-*-transcribe``, ``gpt-4o-mini-tts``, realtime) are priced from
their usage by the token catalog, not here. USD; the pricer converts to the configured currency.

Sources:
  [LL]  LiteLLM 1.110.2 ``model_prices_and_context_window_backup.json`` (PyPI wheel, read 2026-12-02); its
        ``source`` fields name developers.openai.com/api/docs/pricing (OpenAI) and
        azure.microsoft.com/pricing/details/azure-openai (Azure). Per-pixel Azure DALL-E 3 rates there are
        multiplied back to per image (x width x height) and rounded to the cent Azure publishes.
  [OAI] OpenAI pricing page for models LiteLLM 1.110.2 no longer lists (DALL-E 2 and 3, retired by OpenAI;
        still served by older Azure resources), per-image prices as published through 2025, and the file search
        tool fee ($2.50 per 1,000 calls); read from that page's 2025-10 version.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

D = Decimal
AS_OF = "2026-12-02"
SOURCE_LL = "litellm 1.110.2 price table (OpenAI/Azure pricing pages), read 2026-12-02"
SOURCE_OAI = "OpenAI pricing page 2025-10 (per-image DALL-E, file search fee)"

UNIT_IMAGES = "images"
UNIT_MINUTES = "minutes"
UNIT_CHARACTERS = "characters"
UNIT_CALLS = "calls"


@dataclass(frozen=True, slots=True)
class UnitRate:
    """One price per unit: ``price`` USD for one ``unit`` (characters: per 1M characters)."""

    price: Decimal
    unit: str
    source: str
    model: str  # the table entry, for aicost.pricing.model


# --- images: (model, quality, size) -> USD per image ------------------------------------------------------------
# "standard"/"hd" are DALL-E 3 qualities; "low"/"medium"/"high" the GPT Image ones (their token usage, when the
# response reports it, wins over these per-image figures: see images surface).
_OPENAI_IMAGES: dict[tuple[str, str, str], tuple[str, str]] = {
    ("dall-e-3", "standard", "1024x1024"): ("0.04", SOURCE_OAI),
    ("dall-e-3", "standard", "1024x1792"): ("0.08", SOURCE_OAI),
    ("dall-e-3", "standard", "1792x1024"): ("0.08", SOURCE_OAI),
    ("dall-e-3", "hd", "1024x1024"): ("0.08", SOURCE_OAI),
    ("dall-e-3", "hd", "1024x1792"): ("0.12", SOURCE_OAI),
    ("dall-e-3", "hd", "1792x1024"): ("0.12", SOURCE_OAI),
    ("dall-e-2", "standard", "1024x1024"): ("0.02", SOURCE_OAI),
    ("dall-e-2", "standard", "512x512"): ("0.018", SOURCE_OAI),
    ("dall-e-2", "standard", "256x256"): ("0.016", SOURCE_OAI),
    ("gpt-image-1", "low", "1024x1024"): ("0.011", SOURCE_LL),
    ("gpt-image-1", "low", "1024x1536"): ("0.016", SOURCE_LL),
    ("gpt-image-1", "low", "1536x1024"): ("0.016", SOURCE_LL),
    ("gpt-image-1", "medium", "1024x1024"): ("0.042", SOURCE_LL),
    ("gpt-image-1", "medium", "1024x1536"): ("0.063", SOURCE_LL),
    ("gpt-image-1", "medium", "1536x1024"): ("0.063", SOURCE_LL),
    ("gpt-image-1", "high", "1024x1024"): ("0.167", SOURCE_LL),
    ("gpt-image-1", "high", "1024x1536"): ("0.25", SOURCE_LL),
    ("gpt-image-1", "high", "1536x1024"): ("0.25", SOURCE_LL),
    ("gpt-image-1-mini", "low", "1024x1024"): ("0.005", SOURCE_LL),
    ("gpt-image-1-mini", "low", "1024x1536"): ("0.006", SOURCE_LL),
    ("gpt-image-1-mini", "low", "1536x1024"): ("0.006", SOURCE_LL),
    ("gpt-image-1-mini", "medium", "1024x1024"): ("0.011", SOURCE_LL),
    ("gpt-image-1-mini", "medium", "1024x1536"): ("0.015", SOURCE_LL),
    ("gpt-image-1-mini", "medium", "1536x1024"): ("0.015", SOURCE_LL),
    ("gpt-image-1.5", "low", "1024x1024"): ("0.009", SOURCE_LL),
    ("gpt-image-1.5", "low", "1024x1536"): ("0.013", SOURCE_LL),
    ("gpt-image-1.5", "low", "1536x1024"): ("0.013", SOURCE_LL),
    ("gpt-image-1.5", "medium", "1024x1024"): ("0.034", SOURCE_LL),
    ("gpt-image-1.5", "medium", "1024x1536"): ("0.05", SOURCE_LL),
    ("gpt-image-1.5", "medium", "1536x1024"): ("0.05", SOURCE_LL),
    ("gpt-image-1.5", "high", "1024x1024"): ("0.133", SOURCE_LL),
    ("gpt-image-1.5", "high", "1024x1536"): ("0.2", SOURCE_LL),
    ("gpt-image-1.5", "high", "1536x1024"): ("0.2", SOURCE_LL),
}
_AZURE_IMAGES: dict[tuple[str, str, str], tuple[str, str]] = {  # per-pixel [LL] x pixels, to the cent
    ("dall-e-3", "standard", "1024x1024"): ("0.044", SOURCE_LL),
    ("dall-e-3", "standard", "1024x1792"): ("0.088", SOURCE_LL),
    ("dall-e-3", "standard", "1792x1024"): ("0.088", SOURCE_LL),
    ("dall-e-3", "hd", "1024x1024"): ("0.088", SOURCE_LL),
    ("dall-e-3", "hd", "1024x1792"): ("0.132", SOURCE_LL),
    ("dall-e-3", "hd", "1792x1024"): ("0.132", SOURCE_LL),
}
# What the API does when quality or size is not given (or "auto"): the default it documents.
IMAGE_DEFAULTS = {
    "dall-e-3": ("standard", "1024x1024"),
    "dall-e-2": ("standard", "1024x1024"),
    "gpt-image-1": ("medium", "1024x1024"),  # "auto": the API picks; priced as medium square, flagged
    "gpt-image-1-mini": ("medium", "1024x1024"),
    "gpt-image-1.5": ("medium", "1024x1024"),
}

# --- audio: USD per minute (transcription, translation), per 1M characters (speech) ------------------------------
_PER_MINUTE = {"whisper-1": ("0.006", SOURCE_LL), "whisper": ("0.006", SOURCE_LL)}  # [LL] $0.0001 per second
_PER_MILLION_CHARACTERS = {
    "openai": {"tts-1": ("15", SOURCE_LL), "tts-1-hd": ("30", SOURCE_LL)},
    "azure": {"tts-1": ("15", SOURCE_LL), "tts-1-hd": ("33", SOURCE_LL)},
}

# --- built-in tools of the Responses API: USD per call (code interpreter: per container) -------------------------
# Web search: $10 per 1K calls for gpt-5, o3, o4-mini and later; $25 per 1K for gpt-4o / gpt-4.1 families [LL
# search_context_cost_per_query]; Azure $14 per 1K [LL azure/*]. File search $2.50 per 1K [OAI]. Code interpreter
# $0.03 per container, Azure $0.033 [LL openai/container, azure/container].
_WEB_SEARCH_4 = ("gpt-4o", "gpt-4.1")
TOOL_WEB_SEARCH = "web_search"
TOOL_FILE_SEARCH = "file_search"
TOOL_CODE_INTERPRETER = "code_interpreter"
TOOL_IMAGE_GENERATION = "image_generation"


def _known(table: dict[str, tuple[str, str]], model: str | None) -> str | None:
    """The table key ``model`` is (exactly, or as a dated snapshot ``key-YYYY-MM-DD`` / ``key-NNNN``)."""
    if not model:
        return None
    if model in table:
        return model
    best = None
    for key in table:
        if model.startswith(key + "-") and model[len(key) + 1 : len(key) + 2].isdigit():
            if best is None or len(key) > len(best):
                best = key
    return best


def image_rate(model: str | None, quality: str | None, size: str | None, azure: bool) -> UnitRate | None:
    """Price of one image of ``model`` at ``quality`` and ``size`` (None or "auto": the model's default)."""
    models = {key[0]: None for key in _OPENAI_IMAGES}
    name = _known(models, model)  # type: ignore[arg-type]
    if name is None:
        return None
    default_quality, default_size = IMAGE_DEFAULTS.get(name, ("standard", "1024x1024"))
    quality = default_quality if quality in (None, "auto") else quality
    size = default_size if size in (None, "auto") else size
    table = _AZURE_IMAGES if azure and (name, quality, size) in _AZURE_IMAGES else _OPENAI_IMAGES
    found = table.get((name, quality, size))  # type: ignore[arg-type]
    if found is None:
        return None
    return UnitRate(D(found[0]), UNIT_IMAGES, found[1], f"{name} {quality} {size}")


def minute_rate(model: str | None) -> UnitRate | None:
    name = _known(_PER_MINUTE, model)  # type: ignore[arg-type]
    if name is None:
        return None
    price, source = _PER_MINUTE[name]
    return UnitRate(D(price), UNIT_MINUTES, source, name)


def character_rate(model: str | None, azure: bool) -> UnitRate | None:
    """Price per 1M characters of speech input."""
    table = _PER_MILLION_CHARACTERS["azure" if azure else "openai"]
    name = _known(table, model)  # type: ignore[arg-type]
    if name is None:
        return None
    price, source = table[name]
    return UnitRate(D(price), UNIT_CHARACTERS, source, name)


def tool_rate(tool: str, model: str | None, azure: bool) -> Decimal | None:
    """USD per call of a built-in tool (code interpreter: per container), or None when not known."""
    if tool == TOOL_WEB_SEARCH:
        if azure:
            return D("0.014")
        name = model or ""
        older = any(name == family or name.startswith(family + "-") for family in _WEB_SEARCH_4)
        return D("0.025") if older else D("0.01")
    if tool == TOOL_FILE_SEARCH:
        return D("0.0025")
    if tool == TOOL_CODE_INTERPRETER:
        return D("0.033") if azure else D("0.03")
    return None


TOOL_SOURCES = {
    TOOL_WEB_SEARCH: SOURCE_LL,
    TOOL_FILE_SEARCH: SOURCE_OAI,
    TOOL_CODE_INTERPRETER: SOURCE_LL,
    TOOL_IMAGE_GENERATION: SOURCE_LL,
}
