"""Stream proxies: the caller iterates exactly what it would uninstrumented; the span ends exactly once, when the
stream ends, whichever way it ends.

A ``StreamState`` holds one stream's call and what its chunks said; the chunk proxy (``StreamProxy``) and the byte
tap on its HTTP response (``taps.py``) share it. Exits: exhaustion; an error mid-stream; ``close()``/``aclose()``
(an exception it raises is recorded, never one the caller is handling around it); a ``with`` block (the exception
leaving it is recorded); the SDK's stream helpers (``chat.completions.stream()``, ``responses.stream()``), which
close the HTTP response: the tap sees that close and ends the call at once; garbage collection of an abandoned
stream; interpreter exit (``ending.py``). The usage we asked for on the caller's behalf
(``stream_options.include_usage``) is taken out of the SDK's events before it builds chunks of them
(``usage_events.py``: the usage-only chunk read from its dict); where that filter cannot apply (an SDK or a layout
it does not know) the usage-only chunk reaches the proxy, which reads it and hides it from the caller. The
``"usage":null`` the API then writes into every chunk is unset on each chunk the caller gets.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from time import perf_counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import wrapt

from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.content import StreamOutput
from otel_aicost.instrumentation.ending import still_open
from otel_aicost.instrumentation.facts import NOT_PLAIN, Chunk, StreamFacts
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.surfaces.shared import read_usage_event
from otel_aicost.instrumentation.usage_events import filter_usage_events

_NOT_ERRORS = (GeneratorExit, StopIteration, StopAsyncIteration)


def error_in_flight(handled_before: BaseException | None) -> BaseException | None:
    """The exception being raised through the caller's code right now (a stream helper's ``with`` exit, which
    closes the HTTP response), if any; never ``handled_before``, the one the caller was already handling when the
    stream was made (a fallback ``create()`` inside an ``except`` block): that one belongs to an earlier call."""
    error = sys.exc_info()[1]
    if error is None or error is handled_before or isinstance(error, _NOT_ERRORS):
        return None
    return error


def _never_plain(chunk: Any, injected_usage: bool, need_common: bool) -> Any:
    return NOT_PLAIN


class StreamState:
    """One stream's call and what its chunks said so far.

    A chunk costs little: a plain one (most of them: it only adds output) leaves its text and arrival time in two
    lists; the few others (the first, the last of each choice, the usage chunk) are read in full. The facts and the
    chunk timings are folded once, when the stream ends."""

    __slots__ = (
        "call", "read", "read_plain", "injected", "seen", "arrivals", "output", "in_next", "handled_before",
        "__weakref__",
    )  # fmt: skip

    def __init__(self, call: Call) -> None:
        self.call = call
        surface = call.request.surface
        self.read = surface.read_chunk
        self.read_plain = surface.read_plain_chunk or _never_plain
        self.injected = call.request.injected_usage
        self.seen = StreamFacts()
        self.arrivals: list[float] = []  # perf_counter() of each output chunk
        self.output = StreamOutput() if call.telemetry.content.enabled else None
        self.in_next = False  # inside the proxy's next or close: the proxy ends the call itself
        self.handled_before = sys.exc_info()[1]  # an exception the caller is handling as the stream starts
        still_open(self)

    def take(self, chunk: Any) -> bool:
        """Note a chunk; True if it is the usage chunk we asked for, which the caller must not see."""
        try:
            seen = self.seen
            need_common = seen.facts.response_id is None
            text = self.read_plain(chunk, self.injected, need_common)
            if text is not NOT_PLAIN:
                seen.parts.append(text)
                self.arrivals.append(perf_counter())
            else:
                read: Chunk = self.read(chunk, self.injected, need_common)
                seen.add(read)
                if read.hide:
                    return True
                if read.counts:
                    self.arrivals.append(perf_counter())
            if self.output is not None:
                self.output.add(chunk)
        except Exception:
            report_internal_error("stream chunk")
        return False

    def take_usage_event(self, document: dict[str, Any]) -> bool:
        """Note the usage-only chunk we asked for, taken as its decoded dict before the SDK builds it
        (``usage_events.py``); True: taken (the caller never sees it)."""
        try:
            self.seen.add(read_usage_event(document))
            return True
        except Exception:
            report_internal_error("stream usage event")
            return False

    def plain_note(self) -> tuple[Callable[[Any], bool] | None, bool]:
        """``(note, gated)``: a function noting a chunk if it is plain (True), for the stream generators' inner
        loop (``take`` without its calls for the common case), and whether it may be used only once the response
        id is known (the surface's ``plain_noter``; before, chunks are read in full). None when every chunk is
        read in full (content capture on, no plain reader)."""
        if self.output is not None or self.read_plain is _never_plain:
            return None, False
        seen = self.seen
        make = self.call.request.surface.plain_noter
        if make is not None:
            return make(self.injected, seen.parts.append, self.arrivals.append), True
        read_plain, injected = self.read_plain, self.injected
        add_part, arrived = seen.parts.append, self.arrivals.append

        def note(chunk: Any) -> bool:
            try:
                text = read_plain(chunk, injected, seen.facts.response_id is None)
                if text is NOT_PLAIN:
                    return False
                add_part(text)
                arrived(perf_counter())
            except Exception:
                report_internal_error("stream chunk")
            return True

        return note, False

    def known(self) -> bool:
        """The response id is known (a chunk read in full said it): a gated plain note may be used from now on."""
        return self.seen.facts.response_id is not None

    def end(self, error: BaseException | None = None) -> None:
        call = self.call
        if call.ended:
            return
        try:
            call.chunks_arrived(self.arrivals)
            facts = self.seen.result()
            if self.output is not None:
                facts = replace(facts, output_messages=tuple(self.output.messages(facts.finish_reasons)))
            if error is None:
                call.succeed(facts)
            else:
                call.fail(error, facts)
        except Exception:
            report_internal_error("stream end")

    def response_closed(self) -> None:
        """The HTTP response was closed (a helper's ``close()`` or ``with`` exit, or the body read to its end). A
        helper's ``with`` exit is the one way an exception leaving the caller's block reaches us here; a plain
        ``close()`` looks the same from here, so an exception already handled when the stream started never
        counts (it may still be ``sys.exc_info()`` in the caller's ``except`` block)."""
        if not self.in_next:
            self.end(error_in_flight(self.handled_before))

    def end_at_exit(self) -> None:
        self.end(None)


class _Proxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """What the sync and async proxies share."""

    def __init__(self, stream: Any, state: StreamState) -> None:
        super().__init__(stream)
        self._self_state = state
        if state.injected:  # the usage we asked for, taken out of the events before the SDK builds them
            filter_usage_events(stream, state.take_usage_event)

    def _self_end(self, error: BaseException | None) -> None:
        self._self_state.end(error)

    def __del__(self) -> None:
        self._self_state.end(None)


class StreamProxy(_Proxy):
    """Wraps ``openai.Stream``. A ``for`` loop (``iter()``) gets a generator over the SDK's own iterator, as it
    does bare, with a plain chunk's note taken inline; ``next()`` goes through ``__next__``."""

    def __iter__(self) -> Iterator[Any]:
        return self._self_chunks(iter(self.__wrapped__))

    def _self_chunks(self, chunks: Iterator[Any]) -> Iterator[Any]:
        # A method (not a function of the state) so that the generator keeps this proxy alive: a ``for`` loop over
        # ``create(stream=True)`` holds nothing else, and the proxy's collection ends the call.
        state = self._self_state
        next_chunk = chunks.__next__
        note, gated = state.plain_note()
        ready = note is not None and not gated  # the note may be tried on the next chunk
        while True:
            state.in_next = True
            try:
                chunk = next_chunk()
            except StopIteration:
                state.in_next = False
                state.end(None)
                return
            except BaseException as error:
                state.in_next = False
                state.end(error)
                raise
            state.in_next = False
            if ready and note(chunk):
                yield chunk
                continue
            hide = state.take(chunk)
            if gated and not ready:
                ready = state.known()
            if not hide:
                yield chunk

    def __next__(self) -> Any:
        state = self._self_state
        while True:
            state.in_next = True
            try:
                chunk = self.__wrapped__.__next__()
            except StopIteration:
                state.end(None)
                raise
            except BaseException as error:
                state.end(error)
                raise
            finally:
                state.in_next = False
            if not state.take(chunk):
                return chunk

    def close(self) -> None:
        state = self._self_state
        state.in_next = True  # the response's close (the tap) is this one: the call ends below
        try:
            self.__wrapped__.close()
        except BaseException as error:
            state.in_next = False
            self._self_end(error)
            raise
        state.in_next = False
        self._self_end(None)  # no exception passes through close(): one in flight is the caller's own business

    def __enter__(self) -> StreamProxy:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> Any:
        self._self_end(error if isinstance(error, BaseException) and not isinstance(error, _NOT_ERRORS) else None)
        return self.__wrapped__.__exit__(kind, error, traceback)


class AsyncStreamProxy(_Proxy):
    """Wraps ``openai.AsyncStream``; ``async for`` gets an async generator over the SDK's own, as ``StreamProxy``."""

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._self_chunks(self.__wrapped__.__aiter__())

    async def _self_chunks(self, chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        state = self._self_state
        next_chunk = chunks.__anext__
        note, gated = state.plain_note()
        ready = note is not None and not gated  # the note may be tried on the next chunk
        while True:
            state.in_next = True
            try:
                chunk = await next_chunk()
            except StopAsyncIteration:
                state.in_next = False
                state.end(None)
                return
            except BaseException as error:
                state.in_next = False
                state.end(error)
                raise
            state.in_next = False
            if ready and note(chunk):
                yield chunk
                continue
            hide = state.take(chunk)
            if gated and not ready:
                ready = state.known()
            if not hide:
                yield chunk

    async def __anext__(self) -> Any:
        state = self._self_state
        while True:
            state.in_next = True
            try:
                chunk = await self.__wrapped__.__anext__()
            except StopAsyncIteration:
                state.end(None)
                raise
            except BaseException as error:
                state.end(error)
                raise
            finally:
                state.in_next = False
            if not state.take(chunk):
                return chunk

    async def close(self) -> None:
        state = self._self_state
        state.in_next = True  # the response's close (the tap) is this one: the call ends below
        try:
            await self.__wrapped__.close()
        except BaseException as error:
            state.in_next = False
            self._self_end(error)
            raise
        state.in_next = False
        self._self_end(None)  # no exception passes through close(): one in flight is the caller's own business

    async def aclose(self) -> None:
        await self.close()

    async def __aenter__(self) -> AsyncStreamProxy:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, kind: Any, error: Any, traceback: Any) -> Any:
        self._self_end(error if isinstance(error, BaseException) and not isinstance(error, _NOT_ERRORS) else None)
        return await self.__wrapped__.__aexit__(kind, error, traceback)
