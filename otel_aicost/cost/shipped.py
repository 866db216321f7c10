"""Data shipped inside the package (price tables, token encodings), each built once per process on first use.

Loading is off the import path: the instrumentor preloads in a background thread from the first call, and
whatever is not loaded yet is loaded by the first call that needs it. ``once`` makes that safe: the preload and a
first call never build the same thing twice at the same time (``functools.cache`` would), two different things
load side by side (one lock per key, so a price lookup never waits for a one-second encoding), and a child forked
while a lock was held (gunicorn ``--preload`` during the background preload) gets fresh locks instead of waiting
forever on one held by a thread that did not survive the fork.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, MutableMapping
from importlib import resources
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()  # guards _locks only; held for a dictionary lookup, never while loading
_locks: dict[tuple[int, str], threading.Lock] = {}
_json: dict[str, Any] = {}


def _renew_after_fork() -> None:
    global _lock, _locks
    _lock, _locks = threading.Lock(), {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_after_fork)


def _lock_for(cache: MutableMapping[str, Any], key: str) -> threading.Lock:
    with _lock:
        return _locks.setdefault((id(cache), key), threading.Lock())


class ShippedDataError(RuntimeError):
    """A data file of the package is missing or damaged (a broken install); the message names it."""


class _Damaged:
    """A ``ShippedDataError`` a build raised, kept in the item's place: a broken install stays broken, and the
    damaged file is not read again on every call. Kept as its class and message, so each raise is a fresh error
    (re-raising one object would grow its traceback on every call)."""

    __slots__ = ("kind", "message")

    def __init__(self, error: ShippedDataError) -> None:
        self.kind, self.message = type(error), str(error)


def once(cache: MutableMapping[str, Any], key: str, build: Callable[[], T]) -> T:
    """``cache[key]``, built by ``build()`` the first time, by exactly one thread. A ``ShippedDataError`` from
    ``build`` is remembered: every later call raises it again without building."""
    try:
        value = cache[key]
    except KeyError:
        with _lock_for(cache, key):
            if key not in cache:
                try:
                    cache[key] = build()
                except ShippedDataError as error:
                    cache[key] = _Damaged(error)
        value = cache[key]
    if type(value) is _Damaged:
        raise value.kind(value.message)
    return value  # type: ignore[no-any-return]


def load_shipped_json(name: str, prepare: Callable[[Any], T]) -> T:
    """``prepare(data)`` of ``otel_aicost/cost/pricing/data/<name>``, read and prepared once per process.

    A file that cannot be read, parsed or prepared raises ``ShippedDataError`` naming it, every time it is asked
    for, without being read again (a call must not re-read a damaged 300 KB file to fail the same way)."""

    def build() -> T:
        where = f"otel_aicost/cost/pricing/data/{name}"
        try:
            text = resources.files("otel_aicost.cost.pricing").joinpath(f"data/{name}").read_text("utf-8")
            return prepare(json.loads(text))
        except json.JSONDecodeError as error:
            problem = f"{where}:{error.lineno}: damaged package data (column {error.colno}: {error.msg})"
        except Exception as error:  # noqa: BLE001 - missing, not UTF-8 or not the shape its reader expects
            problem = f"{where}: damaged package data ({type(error).__name__}: {error})"
        raise ShippedDataError(f"{problem}; reinstall otel-aicost")

    return once(_json, name, build)
