"""What the SDK returned, handed back to the caller as it was: a parsed object, a stream, or a raw response.

Parsed objects are read and the call ends. Streams come back inside a proxy that ends the call when the stream
ends (``streams.py``). ``.with_raw_response`` (``LegacyAPIResponse``) non-streaming results are parsed once (the
SDK caches the parse, so the caller's own ``.parse()`` returns the same object). Raw streams and
``.with_streaming_response`` results come back inside a proxy whose ``parse()`` reads (or wraps) what it returns;
a body the caller reads as bytes or lines instead is read by a tap on its byte stream (``taps.py``), byte for byte
what the bare SDK gives, and the call ends when the response closes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import wrapt

from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.content import output_messages
from otel_aicost.instrumentation.facts import NO_FACTS, Facts
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.sdk import LegacyAPIResponse, swap_sse_decoder
from otel_aicost.instrumentation.stream_state import StreamState
from otel_aicost.instrumentation.streams import AsyncStreamProxy, StreamProxy
from otel_aicost.instrumentation.taps import TAPS, CloseTap, JsonBody, SseDecoder, tap
from otel_aicost.instrumentation.usual_end import end_usual
from otel_aicost.instrumentation.usual_own_chat_end import CHAT_COMPLETION, end_chat
from otel_aicost.instrumentation.usual_own_embeddings_end import EMBEDDINGS_RESPONSE, end_embeddings

try:
    from openai import (
        APIResponse,
        AsyncAPIResponse,
        AsyncStream,
        ContentFilterFinishReasonError,
        LengthFinishReasonError,
        Stream,
    )

    # raised by ``parse()`` after the API answered (and billed) a reply it will not parse; openai >= 1.4x keeps the
    # reply on the error as ``completion``
    _REFUSED_REPLY: tuple[type[BaseException], ...] = (LengthFinishReasonError, ContentFilterFinishReasonError)
except ImportError:  # pragma: no cover - openai missing: nothing is ever wrapped
    Stream = AsyncStream = APIResponse = AsyncAPIResponse = ()  # type: ignore[assignment,misc]
    _REFUSED_REPLY = ()


def _facts(call: Call, response: Any) -> Facts:
    try:
        facts: Facts = call.profile.surface.read(response)
        if call.telemetry.content.enabled:
            facts = replace(facts, output_messages=tuple(output_messages(response, list(facts.finish_reasons))))
        return facts
    except Exception:
        report_internal_error("response read")
        return NO_FACTS


def read_parsed(call: Call, response: Any) -> None:
    """End ``call`` with the facts of the parsed ``response``, read by its surface's general reader."""
    call.succeed(_facts(call, response))


def end_failed(call: Call, error: BaseException) -> None:
    """End a call the SDK raised ``error`` for. A reply ``parse()`` refused (finish reason ``length`` or
    ``content_filter``) was answered and billed: the call is an error with that reply's usage and cost."""
    if isinstance(error, _REFUSED_REPLY):
        reply = getattr(error, "completion", None)
        if reply is not None:
            call.fail(error, _facts(call, reply))
            return
    call.fail(error)


def _read_raw(call: Call, raw: Any) -> None:
    """Parse a ``.with_raw_response`` body for its usage. A body the SDK cannot parse is not our failure: the
    caller's own ``parse()`` raises the same error, so the call ends with it (and with the billed reply a refusal
    carries: ``end_failed``)."""
    try:
        parsed = raw.parse()
    except Exception as error:
        end_failed(call, error)
        return
    read_parsed(call, parsed)


def _wrap_stream(call: Call, stream: Any, state: StreamState | None = None) -> Any:
    """A stream in its proxy, with a tap on its HTTP response that ends the call when the response closes. In one
    frame: the proxy and the tap are made by wrapt's C ``__init__``, the state set on them after; the state is put in
    place of the stream's SSE decoder (``usage_events.py``: each event decoded once, the usage we asked for taken)."""
    if state is None:
        state = StreamState(call)
    try:  # each event decoded once in place of the SDK's json(); the usage we asked for taken out before the SDK
        # builds it (usage_events.py)
        if swap_sse_decoder(stream, state):
            state.unset_usage = False  # the events' "usage": null we caused is taken out before the SDK builds chunks
    except Exception:
        report_internal_error("stream events")
    http_response = getattr(stream, "response", None)
    byte_stream = getattr(http_response, "stream", None)
    if byte_stream is not None and not isinstance(byte_stream, TAPS):  # a raw response's is tapped already
        closing = CloseTap(byte_stream)
        closing._self_state = state
        http_response.stream = closing
    proxy = (AsyncStreamProxy if isinstance(stream, AsyncStream) else StreamProxy)(stream)
    proxy._self_state = state
    return proxy


def _wrap_parsed(call: Call, parsed: Any, state: StreamState | None = None) -> Any:
    """Read a parsed result, or wrap it if it is a stream; return what the caller gets."""
    if isinstance(parsed, (Stream, AsyncStream)):
        return _wrap_stream(call, parsed, state)
    read_parsed(call, parsed)
    return parsed


def handle_result(call: Call, result: Any) -> Any:
    """What the caller gets back for ``result`` (sync and async clients alike; nothing here awaits)."""
    try:
        kind = type(result)
        if kind is CHAT_COMPLETION:  # openai's own chat reply: the usual end specialized for it
            # (usual_own_chat_end.py), else the usual end, else the general one
            if not (end_chat(call, result) or end_usual(call, result)):
                read_parsed(call, result)
            return result
        if kind is EMBEDDINGS_RESPONSE:  # and its own embeddings reply
            if not (end_embeddings(call, result) or end_usual(call, result)):
                read_parsed(call, result)
            return result
        if kind in _PARSED_TYPES or (kind not in _OWN_STREAMS and _parsed(result)):  # a parsed object (the usual
            # result): read, handed back as it is
            if not end_usual(call, result):
                read_parsed(call, result)
            return result
        if kind in _OWN_STREAMS:  # openai's own stream classes (a subclass goes the isinstance way below): no
            # _parsed frame and isinstance chain per stream
            return _wrap_stream(call, result)
        if isinstance(result, LegacyAPIResponse):
            if call.profile.stream:
                return RawResponseProxy(result, call)
            _read_raw(call, result)
            return result
        if isinstance(result, AsyncAPIResponse):
            return AsyncRawResponseProxy(result, call)
        if isinstance(result, APIResponse):
            return RawResponseProxy(result, call)
        return _wrap_stream(call, result)  # the rest of _NOT_PARSED: a stream
    except Exception:
        result_failed(call)
        return result


def result_failed(call: Call) -> None:
    """Our code failed on the call's result: reported, and the call ended without facts (the caller still gets the
    result as it is)."""
    report_internal_error("result")
    _end_quietly(call)


def _classes(*kinds: Any) -> tuple[type, ...]:
    """The classes among ``kinds`` (each a class, or ``()`` when openai lacks it)."""
    return tuple(kind for kind in kinds if isinstance(kind, type))


# every result that is not a parsed object: a raw response or a stream
_NOT_PARSED = _classes(LegacyAPIResponse, AsyncAPIResponse, APIResponse, Stream, AsyncStream)
# the types of parsed results seen (an isinstance against the five classes costs about 2,600 instructions, a set
# lookup of the type a fifth of that; callgrind); a type whose instances claim another class (a proxy) is never kept
_PARSED_TYPES: set[type] = set()
_MAX_PARSED_TYPES = 256
# openai's stream classes themselves (the type of every stream ``create(stream=True)`` returns): a stream told apart
# by one set lookup of its type
_OWN_STREAMS: frozenset[type] = frozenset(_classes(Stream, AsyncStream))


def _parsed(result: Any) -> bool:
    """Is ``result`` a parsed object (not a raw response or a stream)? Its type remembered when it is."""
    if isinstance(result, _NOT_PARSED):
        return False
    kind = type(result)
    if result.__class__ is kind:
        if len(_PARSED_TYPES) >= _MAX_PARSED_TYPES:
            _PARSED_TYPES.clear()
        _PARSED_TYPES.add(kind)
    return True


def _end_quietly(call: Call) -> None:
    try:
        call.succeed(NO_FACTS)
    except Exception:
        report_internal_error("result end")


class RawResponseProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """A raw response. The call ends at its first ``parse()`` (or, for a stream, when the parsed stream ends), when
    its HTTP response closes (``close()``, the end of its ``with`` block, the body read to its end), or when it is
    collected; a body read as bytes or lines is decoded on the side for its usage."""

    def __init__(self, raw: Any, call: Call) -> None:
        super().__init__(raw)
        self._self_call = call
        self._self_parsed: Any = None
        http_response = getattr(raw, "http_response", None)
        if call.profile.stream:
            self._self_state: StreamState | None = StreamState(call)
            self._self_body: JsonBody | None = None
            self._self_tap = tap(http_response, self._self_state.response_closed, SseDecoder(self._self_state.take))
        else:
            self._self_state = None
            self._self_body = JsonBody()
            self._self_tap = tap(http_response, self._self_body_closed, self._self_body)

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        return self._self_take(self.__wrapped__.parse(*args, **kwargs), args, kwargs)

    def _self_take(self, parsed: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Read (or wrap, if a stream) the first default parse; a parse ``to=`` another type passes as is."""
        if args or kwargs.get("to") is not None:
            return parsed
        if self._self_parsed is None:
            try:
                if self._self_tap is not None:
                    self._self_tap.stop_decoding()
                self._self_parsed = _wrap_parsed(self._self_call, parsed, self._self_state)
            except Exception:
                report_internal_error("raw parse")
                return parsed
        return self._self_parsed

    def _self_body_closed(self) -> None:
        """A non-streamed body read without ``parse()``: the call's facts come from the JSON the server sent."""
        call = self._self_call
        if call.ended:
            return
        document = self._self_body.document() if self._self_body is not None else None
        if document is None:
            _end_quietly(call)
        else:
            read_parsed(call, document)

    def close(self) -> Any:
        try:
            return self.__wrapped__.close()
        finally:
            self._self_end()

    def _self_end(self) -> None:
        if self._self_state is not None:
            self._self_state.end(None)
        else:
            self._self_body_closed()

    def __del__(self) -> None:
        if not self._self_call.ended:
            self._self_end()


class AsyncRawResponseProxy(RawResponseProxy):
    """``.with_streaming_response`` on async clients: ``parse()`` and ``close()`` are coroutines."""

    async def parse(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return self._self_take(await self.__wrapped__.parse(*args, **kwargs), args, kwargs)

    async def close(self) -> Any:  # type: ignore[override]
        try:
            return await self.__wrapped__.close()
        finally:
            self._self_end()
