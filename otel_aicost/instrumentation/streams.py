"""Stream proxies: the caller iterates exactly what it would uninstrumented; the span ends exactly once, when the
stream ends, whichever way it ends.

A ``StreamState`` (``stream_state.py``) holds one stream's call and what its chunks said; the chunk proxy
(``StreamProxy``) and the byte tap on its HTTP response (``taps.py``) share it. Exits: exhaustion; an error
mid-stream; ``close()``/``aclose()`` (an exception it raises is recorded, never one the caller is handling around
it); a ``with`` block (the exception leaving it is recorded); the SDK's stream helpers (``chat.completions.stream()``,
``responses.stream()``), which close the HTTP response: the tap sees that close and ends the call at once; garbage
collection of an abandoned stream; interpreter exit (``ending.py``). The usage we asked for on the caller's behalf
(``stream_options.include_usage``) is taken out of the SDK's events before it builds chunks of them
(``usage_events.py``: the usage-only chunk read from its dict); where that filter cannot apply (an SDK or a layout
it does not know) the usage-only chunk reaches the proxy, which reads it and hides it from the caller. The
``"usage":null`` the API then writes into every chunk is deleted from each event's document by the same filter
(the SDK builds the bare call's chunk), or, where the filter cannot apply, unset on each chunk the caller gets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from time import perf_counter
from typing import Any

import wrapt

from otel_aicost.instrumentation.facts import NO_FACTS, NOT_PLAIN
from otel_aicost.instrumentation.safety import report_internal_error
from otel_aicost.instrumentation.sdk import chunk_async_iterator, chunk_iterator
from otel_aicost.instrumentation.stream_state import NOT_ERRORS
from otel_aicost.instrumentation.surfaces.shared import common_values


class _Proxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """What the sync and async proxies share. Made as ``Proxy(stream)`` (wrapt's own ``__init__``, in C) with the
    stream's ``StreamState`` set as ``_self_state`` at once (``results._wrap_stream``): no Python frame of its own."""

    def __del__(self) -> None:
        state = self._self_state
        if not state.call.ended:  # an abandoned stream (StreamState.end's own first check, without its call)
            state.end(None)


class StreamProxy(_Proxy):
    """Wraps ``openai.Stream``. A ``for`` loop (``iter()``) gets a generator over the SDK's own iterator, as it
    does bare (the stream's ``_iterator``, which the SDK's ``__iter__`` yields on: ``sdk.chunk_iterator``): a plain
    chunk's text and time noted inline (the first one's response id, model, tier and fingerprint kept as
    ``StreamState.first``, then the plain chunks after it once that id is known), any other chunk read by
    ``StreamState.take``; ``next()`` goes through ``__next__``."""

    def __iter__(self) -> Iterator[Any]:
        # A generator (as the SDK's own __iter__): it keeps this proxy alive, which a ``for`` loop over
        # ``create(stream=True)`` holds nothing else of, and the proxy's collection ends the call.
        state = self._self_state
        # the stream's _iterator, not iter(stream): the SDK's __iter__ only yields its items on (a generator step less
        # per chunk: 49 Python calls less a 50-chunk stream, test_call_budget.py)
        next_chunk = chunk_iterator(self.__wrapped__).__next__
        field = state.text_field  # None: every chunk read by state.take
        delta, unset_usage, not_plain = field == "content", state.unset_usage, NOT_PLAIN
        add_part, arrived, clock = state.parts.append, state.arrivals.append, perf_counter
        known = False  # the response id is known: a plain chunk is noted inline
        # no chunk noted yet (next() or an earlier loop may have): a plain one is noted inline too, its common values
        # kept (StreamState.first)
        first = field is not None and state.first is None and state.facts is NO_FACTS
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
            if known or first:  # plain_chunks.plain_choices_chunk inline, with StreamState.take's appends: no call
                text = not_plain
                try:
                    if chunk.usage is None:
                        [choice] = chunk.choices  # exactly one choice (any other value fails here or below)
                        reason = choice.finish_reason
                        # a plain chunk, or the choice's last one (its text and reason as read_choices_chunk reads
                        # them: no Chunk made; the first chunk's values kept below, as for a plain first chunk)
                        if reason is None or type(reason) is str:
                            text = choice.delta.content if delta else choice.text
                            if reason is not None:
                                state.note_finish(choice.index, reason)
                            if unset_usage:  # forget_field inline (pydantic 2's fields-set, see sdk.py)
                                chunk.__pydantic_fields_set__.discard("usage")
                    if first and text is not not_plain:  # the first chunk noted: its response's common values
                        # kept as read_choices_chunk reads them (StreamState.first; no Facts made for them)
                        state.first = common_values(chunk)
                        first, known = False, state.first[0] is not None  # its response id
                except (AttributeError, TypeError, ValueError):
                    text = not_plain
                except Exception:
                    report_internal_error("stream chunk")
                    text = not_plain
                if text is not not_plain and not first:
                    add_part(text)
                    arrived(clock())
                    yield chunk
                    continue
            hide = state.take(chunk, field is None)  # else the plain reader would say what it said
            if field is not None and not known:
                known = state.facts.response_id is not None
                first = state.first is None and state.facts is NO_FACTS  # still nothing noted (a hidden chunk)
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
            state.end(error)
            raise
        state.in_next = False
        state.end(None)  # no exception passes through close(): one in flight is the caller's own business

    def __enter__(self) -> StreamProxy:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> Any:
        self._self_state.end(
            error if isinstance(error, BaseException) and not isinstance(error, NOT_ERRORS) else None
        )
        return self.__wrapped__.__exit__(kind, error, traceback)


class AsyncStreamProxy(_Proxy):
    """Wraps ``openai.AsyncStream``; ``async for`` gets an async generator over the SDK's own, as ``StreamProxy``."""

    async def __aiter__(self) -> AsyncIterator[Any]:
        state = self._self_state
        next_chunk = chunk_async_iterator(self.__wrapped__).__anext__  # as StreamProxy.__iter__
        field = state.text_field  # None: every chunk read by state.take
        delta, unset_usage, not_plain = field == "content", state.unset_usage, NOT_PLAIN
        add_part, arrived, clock = state.parts.append, state.arrivals.append, perf_counter
        known = False  # the response id is known: a plain chunk is noted inline
        # no chunk noted yet (next() or an earlier loop may have): a plain one is noted inline too, its common values
        # kept (StreamState.first)
        first = field is not None and state.first is None and state.facts is NO_FACTS
        while True:
            state.in_next = True
            try:
                chunk = await next_chunk()
            except StopAsyncIteration:
                state.in_next = False
                state.end(None)
                state.close_events()
                return
            except BaseException as error:
                state.in_next = False
                state.end(error)
                raise
            state.in_next = False
            if known or first:  # plain_chunks.plain_choices_chunk inline, with StreamState.take's appends: no call
                text = not_plain
                try:
                    if chunk.usage is None:
                        [choice] = chunk.choices  # exactly one choice (any other value fails here or below)
                        reason = choice.finish_reason
                        # a plain chunk, or the choice's last one (its text and reason as read_choices_chunk reads
                        # them: no Chunk made; the first chunk's values kept below, as for a plain first chunk)
                        if reason is None or type(reason) is str:
                            text = choice.delta.content if delta else choice.text
                            if reason is not None:
                                state.note_finish(choice.index, reason)
                            if unset_usage:  # forget_field inline (pydantic 2's fields-set, see sdk.py)
                                chunk.__pydantic_fields_set__.discard("usage")
                    if first and text is not not_plain:  # the first chunk noted: its response's common values
                        # kept as read_choices_chunk reads them (StreamState.first; no Facts made for them)
                        state.first = common_values(chunk)
                        first, known = False, state.first[0] is not None  # its response id
                except (AttributeError, TypeError, ValueError):
                    text = not_plain
                except Exception:
                    report_internal_error("stream chunk")
                    text = not_plain
                if text is not not_plain and not first:
                    add_part(text)
                    arrived(clock())
                    yield chunk
                    continue
            hide = state.take(chunk, field is None)  # else the plain reader would say what it said
            if field is not None and not known:
                known = state.facts.response_id is not None
                first = state.first is None and state.facts is NO_FACTS  # still nothing noted (a hidden chunk)
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
                state.close_events()
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
            state.end(error)
            raise
        state.in_next = False
        state.end(None)  # no exception passes through close(): one in flight is the caller's own business

    async def aclose(self) -> None:
        await self.close()

    async def __aenter__(self) -> AsyncStreamProxy:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, kind: Any, error: Any, traceback: Any) -> Any:
        self._self_state.end(
            error if isinstance(error, BaseException) and not isinstance(error, NOT_ERRORS) else None
        )
        return await self.__wrapped__.__aexit__(kind, error, traceback)

