"""Which token-detail fields the installed openai declares on its chat usage models.

openai's ``CompletionUsage`` grew its detail classes release by release: 1.40 has none (both details stay extra
dicts), 1.45 declares ``completion_tokens_details`` with ``reasoning_tokens`` only, ~1.5x adds
``prompt_tokens_details``, later releases the audio and prediction counts. A detail the SDK does not declare lands
in the model's ``__pydantic_extra__``, and the usual reader (``surfaces/usual_usage.py``) then hands the usage to the
general reader: the same telemetry, not the fast path. The tests that expect the fast path ask here whether a usage
body is of the usual shape on the installed release, from the SDK's own ``model_fields`` (a release sweep of the
tests found the two-release assumption they made before: bench/README.md, round 31).
"""

from __future__ import annotations

from typing import Any

from openai.types import CompletionUsage


def _fields(kind: Any) -> dict[str, Any]:
    return getattr(kind, "model_fields", None) or getattr(kind, "__fields__", None) or {}


def _details_classes() -> dict[str, Any]:
    try:
        from openai.types import completion_usage
    except ImportError:  # pragma: no cover - an openai without the module: no detail classes
        return {}
    return {
        "prompt_tokens_details": getattr(completion_usage, "PromptTokensDetails", None),
        "completion_tokens_details": getattr(completion_usage, "CompletionTokensDetails", None),
    }


_USAGE_FIELDS = _fields(CompletionUsage)
_DETAILS = _details_classes()


def details_declared(usage: dict[str, Any] | None) -> bool:
    """True if every token-detail key in the chat ``usage`` body is a field the installed SDK declares (even a null
    one: undeclared, it lands in the extras), and every key of a detail object is declared by its class."""
    for field, kind in _DETAILS.items():
        if field not in (usage or {}):
            continue
        details = usage[field]
        if field not in _USAGE_FIELDS:
            return False
        if isinstance(details, dict) and (kind is None or not details.keys() <= _fields(kind).keys()):
            return False
    return True
