"""Typed config tables: a table (``[[prices]]``, ``[deployments.X]``, ``[[budgets]]``) is a pydantic model with
``extra="forbid"``, so an unknown key is an error and every error has its path (``match.team``) for free.

``validate(model, table)`` returns the model or raises ``TableError(path, problem)`` in the project's words (the
callers add the file and the table's own path). Field rules are plain functions raising ``ValueError`` with the
problem, used through ``PlainValidator``; pydantic is imported when a model is first built, not at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class TableError(ValueError):
    """A table that cannot work. ``path`` is where in it (``period``, ``match.team``), '' for the table itself."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}" if path else problem)
        self.path, self.problem = path, problem


def validate(model: Any, table: Any) -> Any:
    """``model`` validated from ``table`` (a mapping), or ``TableError`` naming the first problem."""
    from pydantic import ValidationError

    if not isinstance(table, Mapping):
        raise TableError("", f"must be a table, got {type(table).__name__}")
    try:
        return model.model_validate(dict(table))
    except ValidationError as error:
        raise _problem(error.errors()[0], tuple(model.model_fields)) from None


def _problem(problem: Mapping[str, Any], known: tuple[str, ...]) -> TableError:
    location = [str(part) for part in problem["loc"] if part != "[key]"]
    if problem["type"] == "missing":
        return TableError(".".join(location[:-1]), f"missing required key '{location[-1]}'")
    if problem["type"] == "extra_forbidden":
        return TableError(".".join(location), f"unknown key (known keys: {', '.join(known)})")
    cause = (problem.get("ctx") or {}).get("error")
    return TableError(".".join(location), str(cause) if cause is not None else problem["msg"])
