"""Calls still open when the interpreter exits are ended before the SDK providers shut down.

A script that exits while a stream is still open (never read to its end, never closed) would otherwise lose that
call: the providers' own exit hook shuts them down first. An object with ``end_at_exit()`` registers itself
(``OPEN.add(weakref.ref(ender, forget))``, inline in ``StreamState.__init__``); the registry holds it weakly, so it
costs nothing once the stream is gone: a set of weak references whose callback is the set's own ``discard`` (C
calls only, per stream; a ``WeakSet`` runs two Python methods of its own, the add and the removal callback). Our
exit hook is registered when the instrumentation starts, after the providers exist, so it runs before their
shutdown (``atexit`` runs hooks last-in, first-out).
"""

from __future__ import annotations

import atexit
import weakref
from typing import Any

from otel_aicost.instrumentation.safety import guard

OPEN: set[weakref.ref[Any]] = set()  # weak references to the open enders
forget = OPEN.discard  # a reference's callback: it leaves the set when its object is collected
_registered = False


def end_open_calls() -> None:
    for reference in list(OPEN):
        ender = reference()
        if ender is not None:
            guard("end at exit", ender.end_at_exit)
    OPEN.clear()


def register_exit_hook() -> None:
    """Register (again, so that it runs before any provider created since) the exit hook."""
    global _registered
    if _registered:
        atexit.unregister(end_open_calls)
    atexit.register(end_open_calls)
    _registered = True
