"""Model-name normalisation: Azure spellings, dated snapshots and fine-tuned names."""

from __future__ import annotations

import re

_DATE_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")
# OpenAI: ft:gpt-4o-mini-2024-07-18:my-org:custom-suffix:9abc  (org, suffix and id parts vary)
_OPENAI_FT = re.compile(r"^ft:([^:]+)(?::.*)?$")
# Azure: gpt-4o-mini-2024-07-18.ft-0123456789abcdef (the response model of a fine-tuned deployment)
_AZURE_FT = re.compile(r"^(.+?)\.ft-[0-9a-z_-]*$")


def normalise(model: str) -> str:
    """Lower case, trimmed, Azure's ``gpt-35`` spelled the way OpenAI spells it where it matters for lookup."""
    return model.strip().lower()


def fine_tuned_base(model: str) -> str | None:
    """The base model of a fine-tuned model name, or ``None`` when the name is not a fine-tuned one."""
    name = normalise(model)
    match = _OPENAI_FT.match(name) or _AZURE_FT.match(name)
    return match.group(1) if match else None


def without_date(model: str) -> str | None:
    """``gpt-4.1-mini-2025-04-14`` -> ``gpt-4.1-mini``; ``None`` if the name carries no date suffix."""
    stripped = _DATE_SUFFIX.sub("", model)
    return stripped if stripped != model else None


def openai_spelling(model: str) -> str:
    """Azure names GPT-3.5 ``gpt-35-turbo``; the OpenAI catalog knows it as ``gpt-3.5-turbo``."""
    return model.replace("gpt-35", "gpt-3.5", 1) if model.startswith("gpt-35") else model
