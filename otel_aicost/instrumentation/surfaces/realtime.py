"""Realtime: sessions opened with ``client.realtime.connect()`` (``client.beta.realtime.connect()`` in SDKs from
1.55 to 1.x): one span per session (``realtime_session``, not billed itself: ``free``) and, under it, one span per
response (``chat``, ``openai.api.type=realtime``) from ``response.created`` to ``response.done``, priced from the
``response.done`` usage (text, audio, image and cached tokens).

Nothing the caller's event loop receives is touched: the server events are read where the SDK parses them
(``parse_event``, which ``recv()``, iteration and the event handlers all go through) and returned as they are.
The session ends when the connection manager exits or the connection is closed; responses still open then end
without usage (``no_usage``).
"""

from __future__ import annotations

import inspect
import threading
import weakref
from dataclasses import replace
from typing import Any

import wrapt
from opentelemetry import context, trace

from otel_aicost import semconv
from otel_aicost.instrumentation.facts import NO_FACTS, Facts
from otel_aicost.instrumentation.safety import guard
from otel_aicost.instrumentation.surfaces.shared import field, text, usage_of
from otel_aicost.instrumentation.surfaces.surface import Patch, Surface
from otel_aicost.instrumentation.usage import breakdown

_STATUS_REASONS = {"completed": "stop", "cancelled": "cancelled", "failed": "error", "incomplete": "length"}


def _no_facts(response: Any) -> Facts:
    return NO_FACTS


def _no_attributes(kwargs: Any) -> dict[str, Any]:
    return {}


SESSION = Surface(semconv.OP_REALTIME_SESSION, _no_facts, api_type=semconv.API_REALTIME, request=_no_attributes,
                  free=True)  # fmt: skip
RESPONSE = Surface(semconv.OP_CHAT, _no_facts, api_type=semconv.API_REALTIME, request=_no_attributes)


def response_facts(response: Any) -> Facts:
    """The facts of a ``response.done`` event's response: id, status, usage with its audio/image/cache breakdown."""
    usage = field(response, "usage")
    found = usage_of(usage, "input_tokens", "output_tokens", "input_token_details", "output_token_details")
    if found is not None:
        details = breakdown(field(usage, "input_token_details"), field(usage, "output_token_details"),
                            found.input_tokens, found.output_tokens)  # fmt: skip
        found = replace(found, **details) if details else found
    status = text(field(response, "status"))
    reason = _STATUS_REASONS.get(status or "")
    return Facts(response_id=text(field(response, "id")), usage=found, finish_reasons=(reason,) if reason else ())


class Session:
    """One realtime connection: its session call and the calls of its responses in flight."""

    def __init__(self, telemetry: Any, resource: Any, model: str | None) -> None:
        self.telemetry = telemetry
        self.resource = resource
        self.model = model
        self.lock = threading.Lock()
        self.responses: dict[str, Any] = {}
        self.count = 0
        self.call = telemetry.start(SESSION, resource, {"model": model} if model else {})

    def event(self, event: Any) -> None:
        kind = field(event, "type")
        if kind in ("session.created", "session.updated"):
            self.model = text(field(field(event, "session"), "model")) or self.model
        elif kind == "response.created":
            self._start(text(field(field(event, "response"), "id")) or "")
        elif kind == "response.done":
            response = field(event, "response")
            with self.lock:
                call = self.responses.pop(text(field(response, "id")) or "", None)
            if call is None:  # done without created (a response started before we were watching)
                call = self._start(None)
            call.succeed(response_facts(response))

    def _start(self, response_id: str | None) -> Any:
        token = context.attach(trace.set_span_in_context(self.call.span))
        try:
            call = self.telemetry.start(RESPONSE, self.resource, {"model": self.model} if self.model else {})
        finally:
            context.detach(token)
        with self.lock:
            self.count += 1
            if response_id is not None:
                self.responses[response_id] = call
        return call

    def end(self) -> None:
        with self.lock:
            open_calls, self.responses = list(self.responses.values()), {}
        for call in open_calls:
            call.succeed(NO_FACTS)
        if not self.call.ended and self.call.span.is_recording():
            self.call.span.set_attribute("aicost.realtime.responses", self.count)
        self.call.succeed(NO_FACTS)


_SESSIONS: weakref.WeakKeyDictionary[Any, Session] = weakref.WeakKeyDictionary()  # connection -> its session


def _open(telemetry: Any, resource: Any, model: str | None, connection: Any) -> None:
    _SESSIONS[connection] = Session(telemetry, resource, model)


def _close(connection: Any) -> None:
    session = _SESSIONS.pop(connection, None)
    if session is not None:
        session.end()


class _Manager(wrapt.ObjectProxy):  # type: ignore[misc]
    """The SDK's connection manager as it is, plus: a session starts when it enters, ends when it exits."""

    def __init__(self, manager: Any, telemetry: Any, resource: Any, model: str | None) -> None:
        super().__init__(manager)
        self._self_start = (telemetry, resource, model)
        self._self_connection: Any = None

    def _self_opened(self, connection: Any) -> Any:
        self._self_connection = connection
        guard("realtime session start", _open, *self._self_start, connection)
        return connection

    def __enter__(self) -> Any:
        return self._self_opened(self.__wrapped__.__enter__())

    def enter(self) -> Any:
        opening = self.__wrapped__.enter()
        if inspect.isawaitable(opening):  # the async manager's enter() is a coroutine

            async def opened() -> Any:
                return self._self_opened(await opening)

            return opened()
        return self._self_opened(opening)

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(*exc_info)
        finally:
            guard("realtime session end", _close, self._self_connection)

    async def __aenter__(self) -> Any:
        return self._self_opened(await self.__wrapped__.__aenter__())

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(*exc_info)
        finally:
            guard("realtime session end", _close, self._self_connection)


def connect_wrapper(telemetry: Any, surface: Surface, switch: Any, is_async: bool) -> Any:
    """``realtime.connect(...)`` (a plain method on sync and async clients) returns the manager, proxied."""

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        manager = wrapped(*args, **kwargs)
        if not switch.active:
            return manager
        model = kwargs.get("model")
        model = model if type(model) is str else None
        return guard("realtime connect", _Manager, manager, telemetry, instance, model, default=manager)

    return wrapper


def parse_wrapper(telemetry: Any, surface: Surface, switch: Any, is_async: bool) -> Any:
    """Every server event the SDK parses (``parse_event`` is sync on both connections) is read, then returned."""

    def wrapper(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        event = wrapped(*args, **kwargs)
        session = _SESSIONS.get(instance)
        if session is not None:
            guard("realtime event", session.event, event)
        return event

    return wrapper


def close_wrapper(telemetry: Any, surface: Surface, switch: Any, is_async: bool) -> Any:
    """``connection.close()`` ends its session (sync, or a coroutine on async connections)."""
    if is_async:

        async def async_close(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
            try:
                return await wrapped(*args, **kwargs)
            finally:
                guard("realtime session end", _close, instance)

        return async_close

    def close(wrapped: Any, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return wrapped(*args, **kwargs)
        finally:
            guard("realtime session end", _close, instance)

    return close


_MODULES = ("openai.resources.realtime.realtime", "openai.resources.beta.realtime.realtime")
PATCHES = tuple(
    row
    for module in _MODULES
    for row in (
        Patch(module, "Realtime", "AsyncRealtime", "connect", SESSION, connect_wrapper),
        Patch(module, "RealtimeConnection", "AsyncRealtimeConnection", "parse_event", SESSION, parse_wrapper),
        Patch(module, "RealtimeConnection", "AsyncRealtimeConnection", "close", SESSION, close_wrapper),
    )
) + (Patch("openai._websocket_connection", "WebSocketConnectionBase", "AsyncWebSocketConnectionBase", "close",
           SESSION, close_wrapper),)  # fmt: skip
