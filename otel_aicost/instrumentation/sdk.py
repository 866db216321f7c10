"""Every read of a private attribute of ``openai`` or ``wrapt`` in one place, each with the versions it was checked
against. Public APIs are used everywhere else (``client.base_url``, ``client.default_query``, ``openai.Stream``,
``openai.APIResponse``). ``tests/unit/test_sdk_adapter.py`` fails loudly the day one of these disappears.

Checked against openai 1.40.0 and 3.57.0, wrapt 2.5.2, pydantic 2.14.4.
"""

from __future__ import annotations

from typing import Any

try:  # `.with_raw_response` returns this class; openai exports no public name for it (1.40.0 .. 3.57.0)
    from openai._legacy_response import LegacyAPIResponse
except ImportError:  # pragma: no cover - openai missing: nothing is ever wrapped
    LegacyAPIResponse = ()  # type: ignore[assignment,misc]


def client_of(resource: Any) -> Any:
    """The client a resource (``client.chat.completions``) belongs to: ``resource._client`` (1.40.0 .. 3.57.0)."""
    return getattr(resource, "_client", None)


def inner_wrapper(wrapped: Any) -> Any:
    """The wrapper function of a ``wrapt`` function wrapper (``_self_wrapper``, wrapt 2.5.2), else None."""
    return getattr(wrapped, "_self_wrapper", None)


def forget_field(model: Any, name: str) -> None:
    """Make a field look unset on a pydantic model (``model_fields_set`` is public in pydantic 2; the SDK's
    pydantic-1 mode keeps ``__fields_set__``)."""
    fields_set = getattr(model, "model_fields_set", None)
    if fields_set is None:
        fields_set = getattr(model, "__fields_set__", None)
    if fields_set is not None:
        fields_set.discard(name)
