"""The rules for one config value, shared by every typed table (``keys``, ``models``, ``budgets.rules``).

Each rule takes the value as the file, variable or argument gave it and returns it typed, or raises ``ValueError``
with the problem in the project's words (``must be a number, got 'lots'``); values are shown by ``quoting.show``,
so a secret pasted into the wrong key is never echoed. No pydantic here: the models wrap these in validators.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from otel_aicost.quoting import show

_DIGITS = 16  # no price, rate or limit has more digits before the point
TAG_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")
_SWITCH_WORDS = {"true": True, "1": True, "yes": True, "on": True,
                 "false": False, "0": False, "no": False, "off": False}  # fmt: skip


def number(value: Any) -> Decimal:
    """A finite number below 10^16: an int, a float, a Decimal or its text (never a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"must be a number, got {show(value)}")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"must be a number, got {show(value)}") from None
    if not result.is_finite() or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"must be a finite number, got {show(value)}")
    if result and result.adjusted() >= _DIGITS:  # a cost from it would reach telemetry as float('inf')
        raise ValueError(f"must be below 10^{_DIGITS}, got {show(value)}")
    return result


def choice(allowed: tuple[str, ...], value: Any) -> str:
    """One of ``allowed``, in any case (returned lower-case)."""
    if not isinstance(value, str) or value.lower() not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}, got {show(value)}")
    return value.lower()


def flag(value: Any) -> bool:
    """A boolean as a file or ``configure()`` gives it."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {show(value)}")
    return value


def switch(value: Any) -> bool:
    """A boolean that may also come from an environment variable: true/false, 1/0, yes/no, on/off."""
    if isinstance(value, str) and value.strip().lower() in _SWITCH_WORDS:
        return _SWITCH_WORDS[value.strip().lower()]
    return flag(value)


def tag_keys(value: Any) -> tuple[str, ...]:
    """A list of allocation tag keys (or their comma-separated text)."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(k, str) and TAG_KEY.match(k) for k in value):
        raise ValueError(f"must be a list of tag keys (letters, digits, _ . -), got {show(value)}")
    return tuple(value)


def tag_table(value: Any) -> Any:
    """A table of tag key -> value (checked key by key by ``tag_key`` and ``tag_value``); None is empty."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError("must be a table of tag key -> value")
    return value


def tag_key(value: Any) -> str:
    if not isinstance(value, str) or not TAG_KEY.match(value):
        raise ValueError("tag keys are letters, digits, _ . - (at most 64)")
    return value


def tag_value(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"tag values are strings, got {type(value).__name__}")
    return str(value)
