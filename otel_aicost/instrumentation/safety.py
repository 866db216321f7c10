"""Never raise into the user's code: every piece of our code on the call path runs behind ``guard``.

A failure in our code is logged (debug, with the traceback) and counted; the user's call goes on untouched.
Tests set ``OTEL_AICOST_RAISE_INTERNAL_ERRORS=1`` so that our own bugs fail them instead of hiding.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeVar

logger = logging.getLogger("otel_aicost")
T = TypeVar("T")

RAISE_INTERNAL_ERRORS = os.environ.get("OTEL_AICOST_RAISE_INTERNAL_ERRORS", "") == "1"


class _Counter:
    """How many internal errors were swallowed since start (visible for tests and health checks)."""

    count = 0


internal_errors = _Counter()


def report_internal_error(where: str) -> None:
    """Log the exception being handled as our own failure; re-raise it under tests."""
    internal_errors.count += 1
    logger.debug("otel-aicost internal error in %s; the application's call is unaffected", where, exc_info=True)
    if RAISE_INTERNAL_ERRORS:
        raise


def guard(where: str, func: Callable[..., T], *args: Any, default: Any = None, **kwargs: Any) -> T:
    """Run ``func``; on any exception of ours, log it and return ``default``."""
    try:
        return func(*args, **kwargs)
    except Exception:
        report_internal_error(where)
        return default  # type: ignore[no-any-return]


def renew_lock_after_fork(namespace: dict[str, Any], name: str = "_lock") -> None:
    """Give a forked child a fresh module lock: a fork while another thread (e.g. the price preload) held it
    must not leave the child's first priced call waiting forever."""
    if hasattr(os, "register_at_fork"):
        import threading

        os.register_at_fork(after_in_child=lambda: namespace.__setitem__(name, threading.Lock()))
