"""Azure OpenAI retail meters, read: which model, deployment type, tier, context and rate a meter name prices.

Meter names are terse and inconsistent (``gpt 4o 0806 cached Inp Data Zone``, ``4o mini 0718 ft cd inp Dz``,
``gpt rt aud mn cd in DZ 1215``): each is split into words, the words that say deployment, billing mode, context,
direction, cache and modality are taken out, and what is left names the model (``MODELS``). Used by
``scripts/generate_azure_prices.py`` (the shipped ``data/azure.json``) and by ``otel-aicost prices import``.
"""

from __future__ import annotations

import re
from decimal import Decimal

MILLION = Decimal(1_000_000)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
DEPLOYMENT_WORDS = {
    **dict.fromkeys(("dz", "dzone", "dzn", "datazone"), "data_zone"),
    **dict.fromkeys(("gl", "glbl", "global", "glb"), "global"),
    **dict.fromkeys(("rg", "rgnl", "regnl", "regional", "regn"), "regional"),
}
MODE_WORDS = {"batch": "batch", "pp": "priority", "std": "standard"}
CONTEXT_WORDS = {"longco": "long", "shortco": "short"}
INPUT_WORDS = {"inp", "inpt", "input", "in"}
OUTPUT_WORDS = {"opt", "outp", "outpt", "out", "output"}
CACHED_WORDS = {"cchd", "ccchd", "cd", "cached", "cched"}
WRITE_WORDS = {"wr", "write"}
MODALITY_WORDS = {"aud": "audio", "audio": "audio", "txt": "text", "text": "text", "img": "image", "image": "image"}
NOISE_WORDS = {"tokens", "token", "1m", "1k", "gpt", "prvw"}
# Not per-token inference of a chat / completion / embeddings call: training, hosting, graders, developer tier,
# PTUs, tools, images, speech, video.
SKIP_WORDS = {
    "hosting", "hstng", "training", "trng", "tkn", "grader", "grdr", "mdl", "mdel", "model", "dev", "rft",
    "provisioned", "unit", "units", "session", "calls", "gb", "images", "characters", "video", "second",
    "sora", "dall", "speech", "whisper", "translate", "tcrb", "trscb", "transcribe", "tts", "base",
}

# What is left of a meter name (family marker first) -> (entry name, the names the API returns for it).
# Families: "" text models, "ft" fine-tuned inference, "aud" audio chat models, "rt" realtime models.
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "4o 0806": ("gpt-4o-2024-08-06", ("gpt-4o", "gpt-4o-2024-08-06")),
    "4o 0513": ("gpt-4o-2024-05-13", ("gpt-4o-2024-05-13",)),
    "4o 1120": ("gpt-4o-2024-11-20", ("gpt-4o-2024-11-20",)),
    "4o mini 0718": ("gpt-4o-mini-2024-07-18", ("gpt-4o-mini", "gpt-4o-mini-2024-07-18")),
    "4o mini0718": ("gpt-4o-mini-2024-07-18", ("gpt-4o-mini", "gpt-4o-mini-2024-07-18")),
    "4.1": ("gpt-4.1-2025-04-14", ("gpt-4.1", "gpt-4.1-2025-04-14")),
    "4.1 mini": ("gpt-4.1-mini-2025-04-14", ("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14")),
    "4.1 nano": ("gpt-4.1-nano-2025-04-14", ("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14")),
    "4.5 0227": ("gpt-4.5-preview-2025-02-27", ("gpt-4.5-preview", "gpt-4.5-preview-2025-02-27")),
    "4 8k": ("gpt-4-0613", ("gpt-4", "gpt-4-0613")),
    "4 32k": ("gpt-4-32k-0613", ("gpt-4-32k", "gpt-4-32k-0613")),
    "4 turbo 128k": ("gpt-4-turbo-2024-04-09", ("gpt-4-turbo", "gpt-4-turbo-2024-04-09")),
    "4 turbo128k": ("gpt-4-turbo-2024-04-09", ("gpt-4-turbo", "gpt-4-turbo-2024-04-09")),
    "4 turbo vision 128k": ("gpt-4-turbo-2024-04-09", ("gpt-4-turbo", "gpt-4-turbo-2024-04-09")),
    "35 turbo16k 0125": ("gpt-35-turbo-0125", ("gpt-35-turbo", "gpt-35-turbo-0125", "gpt-3.5-turbo-0125")),
    "35 turbo 16k 0125": ("gpt-35-turbo-0125", ("gpt-35-turbo", "gpt-35-turbo-0125", "gpt-3.5-turbo-0125")),
    "35 trb16k 125": ("gpt-35-turbo-0125", ("gpt-35-turbo", "gpt-35-turbo-0125", "gpt-3.5-turbo-0125")),
    "35 turbo16k 1106": ("gpt-35-turbo-1106", ("gpt-35-turbo-1106", "gpt-3.5-turbo-1106")),
    "35 turbo 16k 1106": ("gpt-35-turbo-1106", ("gpt-35-turbo-1106", "gpt-3.5-turbo-1106")),
    "35 turbo16k": ("gpt-35-turbo-16k-0613", ("gpt-35-turbo-16k", "gpt-35-turbo-16k-0613", "gpt-3.5-turbo-16k")),
    "35 trb16k": ("gpt-35-turbo-16k-0613", ("gpt-35-turbo-16k", "gpt-35-turbo-16k-0613", "gpt-3.5-turbo-16k")),
    "35 turbo 16k": ("gpt-35-turbo-16k-0613", ("gpt-35-turbo-16k", "gpt-35-turbo-16k-0613", "gpt-3.5-turbo-16k")),
    "35 turbo4k": ("gpt-35-turbo-0613", ("gpt-35-turbo-0613", "gpt-3.5-turbo-0613")),
    "35 turbo 4k": ("gpt-35-turbo-0613", ("gpt-35-turbo-0613", "gpt-3.5-turbo-0613")),
    "35 turbo instruct": ("gpt-35-turbo-instruct-0914", ("gpt-35-turbo-instruct", "gpt-3.5-turbo-instruct")),
    "5": ("gpt-5-2025-08-07", ("gpt-5", "gpt-5-2025-08-07")),
    "5 mini": ("gpt-5-mini-2025-08-07", ("gpt-5-mini", "gpt-5-mini-2025-08-07")),
    "5 nano": ("gpt-5-nano-2025-08-07", ("gpt-5-nano", "gpt-5-nano-2025-08-07")),
    "5 pro": ("gpt-5-pro", ("gpt-5-pro", "gpt-5-pro-2025-10-06")),
    "5 chat": ("gpt-5-chat", ("gpt-5-chat", "gpt-5-chat-latest")),
    "5 codex": ("gpt-5-codex", ("gpt-5-codex",)),
    "5.1": ("gpt-5.1", ("gpt-5.1", "gpt-5.1-2025-11-13")),
    "5.1 chat": ("gpt-5.1-chat", ("gpt-5.1-chat", "gpt-5.1-chat-latest")),
    "5.1 codex": ("gpt-5.1-codex", ("gpt-5.1-codex", "gpt-5.1-codex-2025-11-13")),
    "5.1 codex max": ("gpt-5.1-codex-max", ("gpt-5.1-codex-max",)),
    "5.1 codex mini": ("gpt-5.1-codex-mini", ("gpt-5.1-codex-mini", "gpt-5.1-codex-mini-2025-11-13")),
    "5.2": ("gpt-5.2", ("gpt-5.2", "gpt-5.2-2025-12-11")),
    "5.2 chat": ("gpt-5.2-chat", ("gpt-5.2-chat", "gpt-5.2-chat-latest")),
    "5.2 chat 0210": ("gpt-5.2-chat-2026-02-10", ("gpt-5.2-chat-2026-02-10",)),
    "5.2 codex": ("gpt-5.2-codex", ("gpt-5.2-codex",)),
    "5.2 pro": ("gpt-5.2-pro", ("gpt-5.2-pro", "gpt-5.2-pro-2025-12-11")),
    "5.3 chat": ("gpt-5.3-chat", ("gpt-5.3-chat", "gpt-5.3-chat-latest")),
    "5.3 codex": ("gpt-5.3-codex", ("gpt-5.3-codex",)),
    "5.4": ("gpt-5.4", ("gpt-5.4", "gpt-5.4-2026-03-05")),
    "5.4 mini": ("gpt-5.4-mini", ("gpt-5.4-mini", "gpt-5.4-mini-2026-03-17")),
    "5.4 nano": ("gpt-5.4-nano", ("gpt-5.4-nano", "gpt-5.4-nano-2026-03-17")),
    "5.4 pro": ("gpt-5.4-pro", ("gpt-5.4-pro", "gpt-5.4-pro-2026-03-05")),
    "5.5": ("gpt-5.5", ("gpt-5.5", "gpt-5.5-2026-04-23", "gpt-5.5-2026-04-24")),
    "5.6 luna": ("gpt-5.6-luna", ("gpt-5.6-luna", "gpt-5.6-luna-2026-07-09")),
    "5.6 sol": ("gpt-5.6-sol", ("gpt-5.6-sol", "gpt-5.6-sol-2026-07-09", "gpt-5.6")),  # gpt-5.6 is sol's alias
    "5.6 terra": ("gpt-5.6-terra", ("gpt-5.6-terra", "gpt-5.6-terra-2026-07-09")),
    "chat latest 05052026": ("gpt-chat-latest-2026-05-05", ("gpt-chat-latest-2026-05-05",)),
    "latest 05052026": ("gpt-chat-latest-2026-05-05", ("gpt-chat-latest-2026-05-05",)),
    "chat latest 05282026": ("gpt-chat-latest", ("gpt-chat-latest", "chat-latest", "gpt-chat-latest-2026-05-28")),
    "o1": ("o1-2024-12-17", ("o1", "o1-2024-12-17")),
    "o1 1217": ("o1-2024-12-17", ("o1", "o1-2024-12-17")),
    "o1 mini": ("o1-mini-2024-09-12", ("o1-mini", "o1-mini-2024-09-12")),
    "o1 preview": ("o1-preview-2024-09-12", ("o1-preview", "o1-preview-2024-09-12")),
    "o1 pro": ("o1-pro-2025-03-19", ("o1-pro", "o1-pro-2025-03-19")),
    "o3 0416": ("o3-2025-04-16", ("o3", "o3-2025-04-16")),
    "o3 mini 0131": ("o3-mini-2025-01-31", ("o3-mini", "o3-mini-2025-01-31")),
    "o3 pro": ("o3-pro-2025-06-10", ("o3-pro", "o3-pro-2025-06-10")),
    "o3 deep research 0626": ("o3-deep-research-2025-06-26", ("o3-deep-research", "o3-deep-research-2025-06-26")),
    "o4 mini 0416": ("o4-mini-2025-04-16", ("o4-mini", "o4-mini-2025-04-16")),
    "codex mini": ("codex-mini", ("codex-mini", "codex-mini-latest")),
    "computer use": ("computer-use-preview", ("computer-use-preview", "computer-use-preview-2025-03-11")),
    "oss 120b": ("gpt-oss-120b", ("gpt-oss-120b",)),
    "embedding 3 large": ("text-embedding-3-large", ("text-embedding-3-large",)),
    "embedding 3 small": ("text-embedding-3-small", ("text-embedding-3-small",)),
    "embedding ada": ("text-embedding-ada-002", ("text-embedding-ada-002", "ada")),
    # Fine-tuned inference, keyed by "ft:" + base model (old "gpt-4o-0806-FT-inp" and new "4o 0806 ft inp Dz").
    "ft 4o 0806": ("ft:gpt-4o-2024-08-06", ("ft:gpt-4o-2024-08-06", "ft:gpt-4o")),
    "ft 4o mini 0718": ("ft:gpt-4o-mini-2024-07-18", ("ft:gpt-4o-mini-2024-07-18", "ft:gpt-4o-mini")),
    "ft 4.1": ("ft:gpt-4.1-2025-04-14", ("ft:gpt-4.1-2025-04-14", "ft:gpt-4.1")),
    "ft 4.1 mini": ("ft:gpt-4.1-mini-2025-04-14", ("ft:gpt-4.1-mini-2025-04-14", "ft:gpt-4.1-mini")),
    "ft 4.1 nano": ("ft:gpt-4.1-nano-2025-04-14", ("ft:gpt-4.1-nano-2025-04-14", "ft:gpt-4.1-nano")),
    "ft o4 mini": ("ft:o4-mini-2025-04-16", ("ft:o4-mini-2025-04-16", "ft:o4-mini")),
    "ft o3 mini": ("ft:o3-mini-2025-01-31", ("ft:o3-mini-2025-01-31", "ft:o3-mini")),
    "ft 4 8k": ("ft:gpt-4-0613", ("ft:gpt-4-0613", "ft:gpt-4")),
    "ft 35 turbo16k": ("ft:gpt-35-turbo-0125", ("ft:gpt-35-turbo-0125", "ft:gpt-35-turbo", "ft:gpt-3.5-turbo-0125")),
    "ft 35 turbo4k": ("ft:gpt-35-turbo-0613", ("ft:gpt-35-turbo-0613", "ft:gpt-3.5-turbo-0613")),
    # Audio chat models (chat completions with audio in / out): text and audio tokens priced apart.
    "aud 0828": ("gpt-audio-2025-08-28", ("gpt-audio", "gpt-audio-2025-08-28")),
    "aud mini": ("gpt-audio-mini-2025-10-06", ("gpt-audio-mini", "gpt-audio-mini-2025-10-06")),
    "aud mn 1215": ("gpt-audio-mini-2025-12-15", ("gpt-audio-mini-2025-12-15",)),
    "aud 1.5": ("gpt-audio-1.5", ("gpt-audio-1.5", "gpt-audio-1.5-2026-02-23")),
    "aud 4o 1217": ("gpt-4o-audio-preview-2024-12-17", ("gpt-4o-audio-preview", "gpt-4o-audio-preview-2024-12-17")),
    "aud 4o 0603": ("gpt-4o-audio-preview-2025-06-03", ("gpt-4o-audio-preview-2025-06-03",)),
    "aud gpt4omini 1217": (
        "gpt-4o-mini-audio-preview-2024-12-17",
        ("gpt-4o-mini-audio-preview", "gpt-4o-mini-audio-preview-2024-12-17"),
    ),
    # Realtime models.
    "rt 0828": ("gpt-realtime-2025-08-28", ("gpt-realtime", "gpt-realtime-2025-08-28")),
    "rt mini": ("gpt-realtime-mini-2025-10-06", ("gpt-realtime-mini", "gpt-realtime-mini-2025-10-06")),
    "rt mn 1215": ("gpt-realtime-mini-2025-12-15", ("gpt-realtime-mini-2025-12-15",)),
    "rt 1.5": ("gpt-realtime-1.5", ("gpt-realtime-1.5", "gpt-realtime-1.5-2026-02-23")),
    "rt 2": ("gpt-realtime-2", ("gpt-realtime-2",)),
    "rt 2.1": ("gpt-realtime-2.1", ("gpt-realtime-2.1", "gpt-realtime-2.1-2026-07-07")),
    "rt 2.1 mini": ("gpt-realtime-2.1-mini", ("gpt-realtime-2.1-mini", "gpt-realtime-2.1-mini-2026-07-07")),
    "rt 4o 1217": (
        "gpt-4o-realtime-preview-2024-12-17",
        ("gpt-4o-realtime-preview", "gpt-4o-realtime-preview-2024-12-17"),
    ),
    "rt 4o 0603": ("gpt-4o-realtime-preview-2025-06-03", ("gpt-4o-realtime-preview-2025-06-03",)),
    "rt gpt4o": ("gpt-4o-realtime-preview-2024-10-01", ("gpt-4o-realtime-preview-2024-10-01",)),
    "rt gpt4omini 1217": (
        "gpt-4o-mini-realtime-preview-2024-12-17",
        ("gpt-4o-mini-realtime-preview", "gpt-4o-mini-realtime-preview-2024-12-17"),
    ),
}

def words(meter_name: str) -> list[str]:
    text = _CAMEL.sub(" ", meter_name.strip()).lower()
    for phrase, joined in ((" data zone", " datazone"), ("short co", "shortco"), ("long co", "longco")):
        text = text.replace(phrase, joined)
    text = re.sub(r"(gpt4o(?:mini)?)", r" \1 ", text)  # "gpt4omini-aud1217" -> "gpt4omini aud1217"
    text = re.sub(r"\b(aud|txt|rt)(\d{4})\b", r"\1 \2", text)
    text = re.sub(r"\brealtime(?=prvw|aud|txt)", "realtime ", text)
    return [w for w in re.split(r"[\s\-_/]+", text) if w]


def classify(meter_name: str) -> dict | None:
    """(model key, deployment, mode, context, kind, modality) of one meter, or None when it is not a token price."""
    found = words(meter_name)
    if SKIP_WORDS.intersection(found) or found[:2] in (["gpt", "img"], ["gpt", "image"]) or found[0] in ("img", "image"):
        return None  # gpt-image-* bills the Images API, which is not instrumented
    if {"babbage", "davinci"}.intersection(found):
        return None  # legacy completion models: one flat rate, no chat usage
    deployment, mode, context, kind, cached, write = "regional", "standard", "short", None, False, False
    modalities, rest = [], []
    for word in found:
        if word in DEPLOYMENT_WORDS:
            deployment = DEPLOYMENT_WORDS[word]
        elif word in MODE_WORDS:
            mode = MODE_WORDS[word]
        elif word in CONTEXT_WORDS:
            context = CONTEXT_WORDS[word]
        elif word in INPUT_WORDS:
            kind = "input"
        elif word in OUTPUT_WORDS:
            kind = "output"
        elif word in CACHED_WORDS:
            cached = True
        elif word in WRITE_WORDS:
            write = True
        elif word in MODALITY_WORDS:
            modalities.append(MODALITY_WORDS[word])
        elif word not in NOISE_WORDS:
            rest.append(word)
    family = ""
    if "ft" in rest:
        family, rest = "ft", [w for w in rest if w != "ft"]
    if any(w in ("rt", "realtime", "rtime") for w in rest):
        family, rest = "rt", [w for w in rest if w not in ("rt", "realtime", "rtime")]
    elif "audio" in modalities and family != "ft":
        family = "aud"
    if family in ("rt", "aud"):
        text_like = [m for m in modalities if m != "audio"]
        modality = text_like[0] if text_like else "audio"
    else:
        modality = "text"
    if kind is None and write:
        kind = "input"  # "Cd Wr" meters name no direction: a cache write is input
    if kind is None and rest and rest[0] == "embedding":
        kind = "input"  # embeddings meters name no direction: input is all they bill
    if kind is None or not rest:
        return None
    if cached and write:
        field = "cache_write"
    elif cached:
        field = "cached_input"
    else:
        field = kind
    if modality != "text":
        if field == "cache_write":
            return None  # audio cache writes: no token usage field reports them
        field = {"input": f"{modality}_input", "cached_input": f"cached_{modality}_input", "output": f"{modality}_output"}[field]
    key = " ".join(([family] if family else []) + rest)
    return {"key": key, "deployment": deployment, "mode": mode, "context": context, "field": field}


DEPLOYMENT_TYPES = {  # (deployment, mode) -> (our deployment type, service tier)
    ("global", "standard"): ("global_standard", "default"),
    ("global", "priority"): ("global_standard", "priority"),
    ("global", "batch"): ("global_batch", "default"),
    ("data_zone", "standard"): ("data_zone_standard", "default"),
    ("data_zone", "priority"): ("data_zone_standard", "priority"),
    ("data_zone", "batch"): ("data_zone_batch", "default"),
    ("regional", "standard"): ("regional_standard", "default"),
}
BATCH_OF = {"global_standard": "global_batch", "data_zone_standard": "data_zone_batch"}


def unit_divisor(unit: str) -> Decimal:
    head = (unit or "1").strip().upper().split()[0]
    if head.endswith("M"):
        return Decimal(head[:-1] or "1") * MILLION
    if head.endswith("K"):
        return Decimal(head[:-1] or "1") * 1000
    return Decimal(head)
