"""Cost-allocation tags: ``allocate(team="search")`` tags every GenAI call made inside it."""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

_TAGS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("otel_aicost_tags", default={})
F = TypeVar("F", bound=Callable[..., Any])


def current_tags() -> Mapping[str, str]:
    """The allocation tags in effect here (read-only)."""
    return _TAGS.get()


class allocate:  # noqa: N801 - used like a function: `with allocate(team="x"):` / `@allocate(team="x")`
    """Attach allocation tags to every GenAI call inside; nests (the inner value wins per key).

    Works as a context manager and as a decorator of sync and async functions. Threads started with a copied
    context (``contextvars.copy_context().run``, ``asyncio.to_thread``) carry the tags.
    """

    def __init__(self, **tags: Any) -> None:
        self.tags = {str(key): str(value) for key, value in tags.items()}
        self._tokens: list[contextvars.Token[Mapping[str, str]]] = []

    def __enter__(self) -> Mapping[str, str]:
        merged = {**_TAGS.get(), **self.tags}
        self._tokens.append(_TAGS.set(merged))
        return merged

    def __exit__(self, *exc_info: object) -> None:
        _TAGS.reset(self._tokens.pop())

    def __call__(self, func: F) -> F:
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def async_tagged(*args: Any, **kwargs: Any) -> Any:
                with _scope(self.tags):
                    return await func(*args, **kwargs)

            return async_tagged  # type: ignore[return-value]

        @functools.wraps(func)
        def tagged(*args: Any, **kwargs: Any) -> Any:
            with _scope(self.tags):
                return func(*args, **kwargs)

        return tagged  # type: ignore[return-value]


@contextmanager
def _scope(tags: Mapping[str, str]) -> Iterator[None]:
    token = _TAGS.set({**_TAGS.get(), **tags})
    try:
        yield
    finally:
        _TAGS.reset(token)
