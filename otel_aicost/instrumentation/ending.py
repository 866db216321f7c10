"""Calls still open when the interpreter exits are ended before the SDK providers shut down.

A script that exits while a stream is still open (never read to its end, never closed) would otherwise lose that
call: the providers' own exit hook shuts them down first. ``still_open`` registers an object with
``end_at_exit()``; the registry holds it weakly, so it costs nothing once the stream is gone. Our exit hook is
registered when the instrumentation starts, after the providers exist, so it runs before their shutdown
(``atexit`` runs hooks last-in, first-out).
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

from otel_aicost.instrumentation.safety import guard

_open: weakref.WeakSet[Any] = weakref.WeakSet()
_registered = False


def still_open(ender: Any) -> None:
    _open.add(ender)


def end_open_calls() -> None:
    for ender in list(_open):
        guard("end at exit", ender.end_at_exit)
    _open.clear()


def register_exit_hook() -> None:
    """Register (again, so that it runs before any provider created since) the exit hook."""
    global _registered
    if _registered:
        atexit.unregister(end_open_calls)
    atexit.register(end_open_calls)
    _registered = True
