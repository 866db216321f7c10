"""Typed config tables: the top-level keys and each table (``[[prices]]``, ``[deployments.X]``, ``[[budgets]]``)
are pydantic models with ``extra="forbid"``, so an unknown key is an error and every error has its path
(``prices[0].input``, ``budgets[1].match.team``) for free.

``validate(model, table)`` returns the model or raises ``TableError(path, problem)`` in the project's words (the
callers add the file and, for a nested table, its own path). Field rules are plain functions raising
``ValueError`` with the problem (``rules``), used through ``PlainValidator``; a rule that checks a nested table
raises ``TableError`` itself, and its path is added to the field's. pydantic is imported when a model is first
built, not at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class TableError(ValueError):
    """A table that cannot work. ``path`` is where in it (``period``, ``match.team``), '' for the table itself."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path, self.problem = path, problem

    def inside(self, prefix: str) -> TableError:
        """The same problem, seen from the table that holds this one at ``prefix`` (``[0]``, ``chat``)."""
        return TableError(join(prefix, self.path), self.problem)


def validate(model: Any, table: Any) -> Any:
    """``model`` validated from ``table`` (a mapping), or ``TableError`` naming the first problem.

    An unknown key is reported before a bad value: it is the likelier cause (a misspelt key leaves a default)."""
    from pydantic import ValidationError

    if not isinstance(table, Mapping):
        raise TableError("", f"must be a table, got {type(table).__name__}")
    try:
        return model.model_validate(dict(table))
    except ValidationError as error:
        problems = error.errors()
        first = next((p for p in problems if p["type"] == "extra_forbidden"), problems[0])
        raise _problem(first, tuple(model.model_fields)) from None


def unknown_key(known: Sequence[str]) -> str:
    return f"unknown key (known keys: {', '.join(known)})"


def shown_key(key: Any) -> str:
    """An unknown key as an error path shows it: itself when it is plainly not a secret (a secret pasted into a
    config file by mistake is a key too), else described (``<a key of 51 characters>``)."""
    from otel_aicost.quoting import looks_harmless

    text = str(key)
    return text if looks_harmless(text) else f"<a key of {len(text)} characters>"


def join(path: str, inner: str) -> str:
    """``prices`` + ``[0].input`` is ``prices[0].input``; ``deployments`` + ``chat`` is ``deployments.chat``."""
    if not path or not inner:
        return path or inner
    return path + inner if inner.startswith("[") else f"{path}.{inner}"


def _path(location: Sequence[Any]) -> str:
    path = ""
    for part in location:
        if part == "[key]":  # pydantic's marker for an error in a dict key rather than its value
            continue
        path = join(path, f"[{part}]" if isinstance(part, int) else str(part))
    return path


def _problem(problem: Mapping[str, Any], known: tuple[str, ...]) -> TableError:
    location = list(problem["loc"])
    if problem["type"] == "missing":
        return TableError(_path(location[:-1]), f"missing required key '{location[-1]}'")
    if problem["type"] == "extra_forbidden":
        return TableError(join(_path(location[:-1]), shown_key(location[-1])), unknown_key(known))
    cause = (problem.get("ctx") or {}).get("error")
    if isinstance(cause, TableError):  # a nested table's own error, or a rule across keys
        return cause.inside(_path(location))
    return TableError(_path(location), str(cause) if cause is not None else problem["msg"])
