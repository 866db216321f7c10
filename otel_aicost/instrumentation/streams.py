"""Stream proxies: the caller iterates exactly what it would uninstrumented; the span ends exactly once.

Every exit path ends the call: exhaustion, ``break`` then ``close()``/``aclose()``, ``with`` blocks, an exception
mid-stream, and garbage collection of an abandoned stream. The usage-only chunk that we asked for on the
caller's behalf (``stream_options.include_usage``) is read and hidden.
"""

from __future__ import annotations

from typing import Any

import wrapt

from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.facts import StreamFacts
from otel_aicost.instrumentation.safety import report_internal_error


def finish_stream(proxy: StreamProxy | AsyncStreamProxy) -> None:
    """End a stream's call with what it has seen so far (its raw response was closed under it)."""
    proxy._self_end(None)


class _Proxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """What the sync and async proxies share: reading chunks and ending the call once."""

    def __init__(self, stream: Any, call: Call) -> None:
        super().__init__(stream)
        self._self_call = call
        self._self_read = call.request.surface.read_chunk
        self._self_facts = StreamFacts()

    def _self_hides(self, chunk: Any) -> bool:
        """Read a chunk and merge what it says; True if it is the usage chunk we asked for, which the caller must
        not see."""
        call = self._self_call
        try:
            seen = self._self_facts
            read = self._self_read(chunk, call.request.injected_usage, seen.facts.response_id is None)
            seen.add(read)
            if read.hide:
                return True
            if read.counts:
                call.chunk_arrived()
        except Exception:
            report_internal_error("stream chunk")
        return False

    def _self_end(self, error: BaseException | None) -> None:
        call = self._self_call
        if call.ended:
            return
        try:
            facts = self._self_facts.result()
            if error is None:
                call.succeed(facts)
            else:
                call.fail(error, facts)
        except Exception:
            report_internal_error("stream end")

    def __del__(self) -> None:
        if not self._self_call.ended:
            self._self_end(None)


class StreamProxy(_Proxy):
    """Wraps ``openai.Stream``."""

    def __iter__(self) -> StreamProxy:
        return self

    def __next__(self) -> Any:
        while True:
            try:
                chunk = self.__wrapped__.__next__()
            except StopIteration:
                self._self_end(None)
                raise
            except BaseException as error:
                self._self_end(error)
                raise
            if not self._self_hides(chunk):
                return chunk

    def close(self) -> None:
        try:
            self.__wrapped__.close()
        finally:
            self._self_end(None)

    def __enter__(self) -> StreamProxy:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(*exc_info)
        finally:
            self._self_end(None)


class AsyncStreamProxy(_Proxy):
    """Wraps ``openai.AsyncStream``."""

    def __aiter__(self) -> AsyncStreamProxy:
        return self

    async def __anext__(self) -> Any:
        while True:
            try:
                chunk = await self.__wrapped__.__anext__()
            except StopAsyncIteration:
                self._self_end(None)
                raise
            except BaseException as error:
                self._self_end(error)
                raise
            if not self._self_hides(chunk):
                return chunk

    async def close(self) -> None:
        try:
            await self.__wrapped__.close()
        finally:
            self._self_end(None)

    async def aclose(self) -> None:
        await self.close()

    async def __aenter__(self) -> AsyncStreamProxy:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(*exc_info)
        finally:
            self._self_end(None)
