"""How an error message shows a value the user gave: quoted when short and plainly not a secret, else described.

One rule for every input kind (config files, telemetry, CLI options): SECURITY.md promises that a secret pasted
into the wrong place is never echoed into logs or terminals. ``show("EUR")`` is ``'EUR'``;
``show("sk-proj-...")`` is ``a string of 51 characters``; ``show([1, 2])`` is ``a list of 2 items``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

MAX_SHOWN = 24  # characters of a value that may be quoted
_PLAIN = re.compile(r"^[A-Za-z0-9 _.,:/+\-]*$")
_SECRET_WORDS = ("key", "secret", "token", "password", "passwd", "bearer", "sig=", "signature")
_SECRET_PREFIXES = ("sk-", "sk_", "pk-", "rk-", "ghp_", "xox", "eyj", "akia")
_CREDENTIALS = re.compile(r"(?<=:/)/?[^/@\s]*@")  # user:password@ of a URL (a Path keeps one of its slashes)


def show(value: Any) -> str:
    """``value`` for an error message: ``repr`` when safe to show, otherwise its type and size."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, float, Decimal)):
        text = str(value)
        return text if len(text) <= MAX_SHOWN else f"a number of {len(text)} digits"
    if isinstance(value, str):
        return repr(value) if looks_harmless(value) else f"a string of {len(value)} characters"
    if isinstance(value, bytes):
        return f"{len(value)} bytes"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return f"a table of {len(value)} key{'' if len(value) == 1 else 's'}"
    return f"a {type(value).__name__}"


def looks_harmless(text: str) -> bool:
    """Short, plain characters, no secret-looking word or prefix, and not a long run of letters and digits."""
    if len(text) > MAX_SHOWN or not _PLAIN.match(text):
        return False
    lowered = text.lower()
    if lowered.startswith(_SECRET_PREFIXES) or any(word in lowered for word in _SECRET_WORDS):
        return False
    # a run of 16+ letters and digits mixing both is how API keys and tokens look
    return not any(len(run) >= 16 and re.search(r"\d", run) and re.search(r"[A-Za-z]", run)
                   for run in re.findall(r"[A-Za-z0-9]+", text))  # fmt: skip


def without_credentials(location: str) -> str:
    """A path or URL for an error message, with the ``user:password@`` of a URL given where a path belongs
    replaced by ``***@`` (``https://***@host/prices.json``)."""
    return _CREDENTIALS.sub(lambda found: found.group(0)[: found.group(0).startswith("/")] + "***@", location)
