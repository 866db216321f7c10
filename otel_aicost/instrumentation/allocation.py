"""Cost-allocation tags: ``allocate(team="search")`` tags every GenAI call made inside it.

Tags live in a context variable, so they follow ``with`` blocks, async tasks and threads started with a copied
context. With ``propagate_baggage`` on they also go out as W3C baggage to downstream services; inbound baggage is
read only for the keys in ``baggage_keys``, and only values that are short and plain, so an outside caller cannot
invent cost centers or explode metric series.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from opentelemetry import baggage, context

_TAGS: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("otel_aicost_tags", default={})
_BAGGAGE_VALUE = re.compile(r"^[A-Za-z0-9_.:/@+\-]{1,64}$")
# The ``with`` blocks open in this context, as (allocate object, its scope): one object may be entered by many threads
# and tasks at once (a module-level ``TEAM = allocate(team="x")``), each leaving its own block in its own order.
_OPEN_SCOPES: contextvars.ContextVar[tuple[tuple[Any, Any], ...]] = contextvars.ContextVar(
    "otel_aicost_open_scopes", default=()
)
F = TypeVar("F", bound=Callable[..., Any])


class _Propagation:
    """Set by the instrumentation from its settings."""

    outbound = False
    inbound_keys: frozenset[str] = frozenset()


propagation = _Propagation()


# current_tags(): the allocation tags in effect here (read-only); the context variable's own get, no frame of ours
current_tags: Callable[[], Mapping[str, str]] = _TAGS.get


def inbound_tags() -> dict[str, str]:
    """Allow-listed tags from the W3C baggage of the current context (e.g. set by an upstream service)."""
    found = {}
    for key in propagation.inbound_keys:
        value = baggage.get_baggage(key)
        if isinstance(value, str) and _BAGGAGE_VALUE.match(value):
            found[key] = value
    return found


@contextmanager
def _scope(tags: Mapping[str, str]) -> Iterator[Mapping[str, str]]:
    merged = {**_TAGS.get(), **tags}
    token = _TAGS.set(merged)
    baggage_token = None
    if propagation.outbound:
        ctx = context.get_current()
        for key, value in tags.items():
            ctx = baggage.set_baggage(key, value, ctx)
        baggage_token = context.attach(ctx)
    try:
        yield merged
    finally:
        if baggage_token is not None:
            context.detach(baggage_token)
        _TAGS.reset(token)


class allocate:  # noqa: N801 - used like a function: `with allocate(team="x"):` / `@allocate(team="x")`
    """Attach allocation tags to every GenAI call inside; nests (the inner value wins per key).

    Works as a context manager (one object may be shared by threads and tasks) and as a decorator of functions,
    coroutine functions, generators and async generators (their body is tagged, the caller between steps is not).
    """

    def __init__(self, **tags: Any) -> None:
        self.tags = {str(key): str(value) for key, value in tags.items()}

    def __enter__(self) -> Mapping[str, str]:
        scope = _scope(self.tags)
        merged = scope.__enter__()
        _OPEN_SCOPES.set((*_OPEN_SCOPES.get(), (self, scope)))
        return merged

    def __exit__(self, *exc_info: Any) -> None:
        open_scopes = _OPEN_SCOPES.get()
        for index in range(len(open_scopes) - 1, -1, -1):
            if open_scopes[index][0] is self:
                scope = open_scopes[index][1]
                _OPEN_SCOPES.set(open_scopes[:index] + open_scopes[index + 1 :])
                scope.__exit__(*exc_info)
                return

    def __call__(self, func: F) -> F:
        if inspect.isasyncgenfunction(func):
            return _tag_async_generator(func, self.tags)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):
            return _tag_generator(func, self.tags)  # type: ignore[return-value]
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


def _tag_generator(func: Callable[..., Any], tags: Mapping[str, str]) -> Callable[..., Any]:
    """A generator's body runs step by step, between the caller's own code: the tags are set for each step only."""

    @functools.wraps(func)
    def tagged(*args: Any, **kwargs: Any) -> Any:
        generator = func(*args, **kwargs)
        step, value = generator.send, None
        while True:
            with _scope(tags):
                try:
                    item = step(value)
                except StopIteration as stop:
                    return stop.value
            try:
                value = yield item
                step = generator.send
            except GeneratorExit:
                with _scope(tags):
                    generator.close()
                raise
            except BaseException as error:  # thrown in by the caller: the body sees it
                step, value = generator.throw, error

    return tagged


def _tag_async_generator(func: Callable[..., Any], tags: Mapping[str, str]) -> Callable[..., Any]:
    """``_tag_generator`` for async generators."""

    @functools.wraps(func)
    async def tagged(*args: Any, **kwargs: Any) -> Any:
        generator = func(*args, **kwargs)
        step, value = generator.asend, None
        while True:
            with _scope(tags):
                try:
                    item = await step(value)
                except StopAsyncIteration:
                    return
            try:
                value = yield item
                step = generator.asend
            except GeneratorExit:
                with _scope(tags):
                    await generator.aclose()
                raise
            except BaseException as error:
                step, value = generator.athrow, error

    return tagged


def resource_tags(resource: Any) -> dict[str, str]:
    """Default tags from the OpenTelemetry resource: ``environment`` and ``application``."""
    attributes = getattr(resource, "attributes", None) or {}
    tags = {}
    environment = attributes.get("deployment.environment.name") or attributes.get("deployment.environment")
    if isinstance(environment, str) and environment:
        tags["environment"] = environment
    service = attributes.get("service.name")
    if isinstance(service, str) and service and not service.startswith("unknown_service"):
        tags["application"] = service
    return tags
