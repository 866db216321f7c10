"""A tap on an HTTP response's byte stream: it sees the response close, and reads the bytes of raw responses.

``client.….with_raw_response.create(stream=True)`` and ``.with_streaming_response`` hand the caller the HTTP body
itself (``iter_bytes()``, ``iter_lines()``, ``read()``, …). The tap wraps ``http_response.stream`` (the httpx byte
stream every read goes through) and passes every byte on unchanged, so the caller reads exactly what the bare
SDK gives; for a body nobody parses it decodes a copy (server-sent events or one JSON document, decompressed first
if the server compressed it: ``content_encoding.py``) for the usage the server sent. Every stream also gets a
tap: when its HTTP response is closed (by a stream helper's ``close()`` or ``with`` exit, by ``raw.close()``, by
``stream.response.close()``, or by reading the body to its end) the call ends at once. A parsed stream's tap
(``CloseTap``) only sees the close: made without a Python ``__init__``, no frames of its own per stream but its
close and the ``__iter__`` of httpx's iteration.
"""

from __future__ import annotations

import json
from typing import Any

import wrapt

from otel_aicost.instrumentation.content_encoding import decoding
from otel_aicost.instrumentation.safety import report_internal_error

_MAX_JSON_BODY = 16 * 1024 * 1024  # a larger non-streamed body is not decoded for usage (the call is unpriced)


class JsonView:
    """Attribute access over decoded JSON, so the surfaces' readers read it as they read SDK objects: every
    attribute is the dict's value of that name (a dict again as a view, a list's items as views), None when absent.

    It answers in ``__getattribute__``, not ``__getattr__``: a ``__getattr__`` answers only after the normal lookup
    failed, which raises and drops an ``AttributeError`` with its message formatted on every read (7,350
    instructions a read under callgrind against ~600 here; ``bench/README.md``, round 7). So every name, dunder
    names included (``__dict__``, ``__pydantic_extra__``: None, unless the JSON has such a key), is a key of the
    JSON; the type's own slots (``repr``, ``isinstance``) are looked up on the type, as always."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        _set_data(self, data)

    def __getattribute__(self, name: str) -> Any:
        value = _data_of(self).get(name)
        if isinstance(value, dict):
            return JsonView(value)
        if isinstance(value, list):
            return [view(item) for item in value]
        return value


_data_of = JsonView.__dict__["_data"].__get__  # the slot, read past __getattribute__
_set_data = JsonView.__dict__["_data"].__set__


def json_of(json_view: JsonView) -> dict[str, Any]:
    """The dict a view reads (its attributes are the dict's keys: this is the one way to it)."""
    return _data_of(json_view)  # type: ignore[no-any-return]


def view(value: Any) -> Any:
    if isinstance(value, dict):
        return JsonView(value)
    if isinstance(value, list):
        return [view(item) for item in value]
    return value


class SseDecoder:
    """Server-sent events, fed byte by byte chunk; each event's JSON ``data`` goes to ``on_event``. Lines end with
    ``\r\n``, ``\n`` or a bare ``\r``, as the SSE standard (and the SDK's own decoder) has it."""

    __slots__ = ("on_event", "buffer", "data")

    def __init__(self, on_event: Any) -> None:
        self.on_event = on_event
        self.buffer = b""
        self.data: list[bytes] = []

    def feed(self, part: bytes) -> None:
        buffer = self.buffer + part
        if b"\r" in buffer:
            lines = self._cr_lines(buffer)
        else:
            *lines, self.buffer = buffer.split(b"\n")
        for line in lines:
            if not line:
                self._dispatch()
            elif line.startswith(b"data:"):
                self.data.append(line[5:].lstrip(b" "))

    def _cr_lines(self, buffer: bytes) -> list[bytes]:
        """The complete lines of a buffer with carriage returns; a ``\r`` at its very end is held back with the
        unfinished line (the ``\n`` of a ``\r\n`` may come with the next read)."""
        held = b"\r" if buffer.endswith(b"\r") else b""
        if held:
            buffer = buffer[:-1]
        *lines, rest = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        self.buffer = rest + held
        return lines

    def flush(self) -> None:
        if self.buffer:
            self.feed(b"\n")
        self._dispatch()

    def _dispatch(self) -> None:
        if not self.data:
            return
        data, self.data = b"\n".join(self.data), []
        if data.startswith(b"[DONE]"):
            return
        try:
            decoded = json.loads(data)
        except ValueError:
            return
        if isinstance(decoded, dict):
            self.on_event(view(decoded))


class JsonBody:
    """One JSON document, kept until the response closes (up to ``_MAX_JSON_BODY``)."""

    __slots__ = ("parts", "size")

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def feed(self, part: bytes) -> None:
        self.size += len(part)
        if self.size <= _MAX_JSON_BODY:
            self.parts.append(part)

    def flush(self) -> None:
        pass

    def document(self) -> Any:
        if self.size > _MAX_JSON_BODY or not self.parts:
            return None
        try:
            decoded = json.loads(b"".join(self.parts))
        except ValueError:
            return None
        return view(decoded) if isinstance(decoded, dict) else None


class ByteTap(wrapt.ObjectProxy):  # type: ignore[misc]
    """Wraps an httpx byte stream: bytes pass unchanged (and feed ``decoder`` while one is set); ``on_close`` runs
    when the response closes the stream."""

    def __init__(self, stream: Any, on_close: Any, decoder: Any = None) -> None:
        super().__init__(stream)
        self._self_on_close = on_close
        self._self_decoder = decoder

    def stop_decoding(self) -> None:
        self._self_decoder = None

    def _self_feed(self, part: bytes) -> None:
        decoder = self._self_decoder
        if decoder is not None:
            try:
                decoder.feed(part)
            except Exception:
                self._self_decoder = None
                report_internal_error("raw body")

    def _self_closed(self) -> None:
        decoder = self._self_decoder
        try:
            if decoder is not None:
                decoder.flush()
            self._self_on_close()
        except Exception:
            report_internal_error("response close")

    def __iter__(self) -> Any:
        # Nothing to decode (a parsed stream, or decoding stopped): the caller iterates the byte stream itself,
        # with nothing of ours per part; the close is seen by ``close()`` either way.
        if self._self_decoder is None:
            return iter(self.__wrapped__)
        return self._self_feeding()

    def __aiter__(self) -> Any:
        if self._self_decoder is None:
            return aiter(self.__wrapped__)
        return self._self_feeding_async()

    def _self_feeding(self) -> Any:
        for part in self.__wrapped__:
            self._self_feed(part)
            yield part

    async def _self_feeding_async(self) -> Any:
        async for part in self.__wrapped__:
            self._self_feed(part)
            yield part

    def close(self) -> None:
        try:
            self.__wrapped__.close()
        finally:
            self._self_closed()

    async def aclose(self) -> None:
        try:
            await self.__wrapped__.aclose()
        finally:
            self._self_closed()


class CloseTap(wrapt.ObjectProxy):  # type: ignore[misc]
    """A parsed stream's tap on its httpx byte stream: the bytes pass untouched (``ObjectProxy.__iter__``, the
    stream's own ``__aiter__``); the response's close ends the stream's call (``StreamState.response_closed`` of
    ``_self_state``, set by ``results._wrap_stream``), unless the stream proxy is closing it or reading
    (``in_next``: the proxy ends the call itself, and no frame of ours runs here but the close)."""

    def __aiter__(self) -> Any:
        return aiter(self.__wrapped__)

    def close(self) -> None:
        try:
            self.__wrapped__.close()
        finally:
            state = self._self_state
            if not state.in_next:
                state.response_closed()  # never raises (StreamState.end)

    async def aclose(self) -> None:
        try:
            await self.__wrapped__.aclose()
        finally:
            state = self._self_state
            if not state.in_next:
                state.response_closed()


def tap(http_response: Any, on_close: Any, decoder: Any = None) -> ByteTap | None:
    """Put a tap on ``http_response`` (public ``httpx.Response.stream``); None if it has no stream to tap. The tap
    sees the bytes before httpx undoes their ``content-encoding``: the ``decoder`` reads them decompressed
    (``content_encoding.py``)."""
    stream = getattr(http_response, "stream", None)
    if stream is None or isinstance(stream, TAPS):
        return None
    if decoder is not None:  # a parsed stream's tap (no decoder) never asks the headers (httpx's get is Python)
        encoding = http_response.headers.get("content-encoding")
        if encoding is not None and encoding != "identity":
            decoder = decoding(encoding, decoder)
    wrapped = ByteTap(stream, on_close, decoder)
    http_response.stream = wrapped
    return wrapped


TAPS = (ByteTap, CloseTap)  # a byte stream of either is tapped already
