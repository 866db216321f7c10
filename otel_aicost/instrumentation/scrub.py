"""Exceptions whose message may quote the model's reply, reported without it when content capture is off.

``chat.completions.parse(response_format=Model)`` and ``responses.parse(text_format=Model)`` validate the reply
with pydantic; when it does not fit, the ``ValidationError`` message quotes the reply (``input_value=...``). With
capture off no prompt or completion text may reach telemetry, so for such errors the span status, the
``exception.message`` and the last line of ``exception.stacktrace`` carry only the type and a safe summary: the
number of errors, the model's name, and each error's location and kind.
"""

from __future__ import annotations

import traceback
from typing import Any

_MAX_DESCRIPTION = 512


def describe(error: BaseException) -> str:
    message = str(error)
    return message if len(message) <= _MAX_DESCRIPTION else message[: _MAX_DESCRIPTION - 3] + "..."


def may_quote_content(error: BaseException) -> bool:
    """pydantic validation errors (and anything pydantic raises) quote the value they rejected."""
    return any(kind.__module__.split(".")[0] in ("pydantic", "pydantic_core") for kind in type(error).__mro__[:-1])


def safe_summary(error: BaseException) -> str:
    """The type and a content-free summary of ``error``."""
    count, title, details = _validation_details(error)
    if count is None:
        return type(error).__qualname__
    where = "; ".join(details[:10]) + ("; ..." if len(details) > 10 else "")
    return f"{count} validation error{'s' if count != 1 else ''} for {title}: {where}"


def _validation_details(error: Any) -> tuple[int | None, str, list[str]]:
    try:
        errors = error.errors(include_url=False, include_input=False, include_context=False)
        title = str(error.title)
    except Exception:  # noqa: BLE001 - not a pydantic ValidationError: type only
        return None, "", []
    details = []
    for item in errors:
        location = ".".join(str(part) for part in item.get("loc", ()))
        details.append(f"{location or '(root)'} [{item.get('type', 'error')}]")
    return len(errors), title, details


def report(error: BaseException, capture_content: bool) -> tuple[str, dict[str, str] | None]:
    """The span status description and the ``exception.*`` attributes to record (None: the SDK's defaults)."""
    if capture_content or not may_quote_content(error):
        return describe(error), None
    summary = safe_summary(error)
    stack = "".join(traceback.format_tb(error.__traceback__)) if error.__traceback__ is not None else ""
    kind = type(error)
    qualified = f"{kind.__module__}.{kind.__qualname__}"
    return summary, {
        "exception.message": summary,
        "exception.stacktrace": f"Traceback (most recent call last):\n{stack}{qualified}: {summary}",
    }
