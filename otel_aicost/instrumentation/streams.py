"""Stream proxies: the caller iterates exactly what it would uninstrumented; the span ends exactly once.

Every exit path ends the call: exhaustion, ``break`` then ``close()``/``aclose()``, ``with`` blocks, an exception
mid-stream, and garbage collection of an abandoned stream. The usage-only chunk that we asked for on the
caller's behalf (``stream_options.include_usage``) is read and hidden.
"""

from __future__ import annotations

from typing import Any

import wrapt

from otel_aicost.instrumentation.call import Call
from otel_aicost.instrumentation.extract import ResponseFacts, chat_usage, read_common, read_response
from otel_aicost.instrumentation.safety import report_internal_error

_MAX_CHOICES = 128  # a larger choice index is garbage, not a choice

# --- chunk readers: return True to hide the chunk from the caller --------------------------------------------------


def _read_choices_chunk(chunk: Any, facts: ResponseFacts, call: Call, text_field: str) -> bool:
    # Chunks are built without validation: any field may be missing or of any JSON type (even the chunk itself).
    if facts.response_id is None:
        read_common(chunk, facts)
    choices = getattr(chunk, "choices", None)
    usage = getattr(chunk, "usage", None)
    if usage is not None:
        facts.usage = chat_usage(usage) or facts.usage
        read_common(chunk, facts)
        if call.injected_usage and isinstance(choices, list) and not choices:
            return True
    elif call.injected_usage:
        _forget_field(chunk, "usage")
    if isinstance(choices, list):
        for choice in choices:
            if text_field == "content":
                text = getattr(getattr(choice, "delta", None), "content", None)
            else:
                text = getattr(choice, "text", None)
            if type(text) is str and text:
                parts = facts.output_parts
                if parts is None:
                    parts = facts.output_parts = []
                parts.append(text)
            reason = getattr(choice, "finish_reason", None)
            if type(reason) is str:
                index = getattr(choice, "index", None)
                index = index if type(index) is int and 0 <= index < _MAX_CHOICES else 0
                reasons = facts.finish_reasons
                while len(reasons) <= index:
                    reasons.append("")
                reasons[index] = reason
    return False


def _forget_field(model: Any, name: str) -> None:
    """Make ``usage: null`` (present only because we asked for usage) look unset, as without us."""
    fields_set = getattr(model, "__pydantic_fields_set__", None)
    if fields_set is not None:
        fields_set.discard(name)


def read_chat_chunk(chunk: Any, facts: ResponseFacts, call: Call) -> bool:
    return _read_choices_chunk(chunk, facts, call, "content")


def read_completion_chunk(chunk: Any, facts: ResponseFacts, call: Call) -> bool:
    return _read_choices_chunk(chunk, facts, call, "text")


_FINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")


def read_responses_event(event: Any, facts: ResponseFacts, call: Call) -> bool:
    kind = getattr(event, "type", None)
    if kind == "response.output_text.delta":
        delta = getattr(event, "delta", None)
        if type(delta) is str:
            if facts.output_parts is None:
                facts.output_parts = []
            facts.output_parts.append(delta)
    elif kind in _FINAL_EVENTS or kind == "response.created":
        response = getattr(event, "response", None)
        if response is not None:
            read_response(response, facts)
    return False


READERS = {"chat": read_chat_chunk, "completion": read_completion_chunk, "responses": read_responses_event}


def _counts_as_chunk(kind: str, chunk: Any) -> bool:
    return kind != "responses" or getattr(chunk, "type", None) == "response.output_text.delta"


def _finish(call: Call, facts: ResponseFacts, error: BaseException | None) -> None:
    try:
        if facts.finish_reasons:
            facts.finish_reasons = [reason or "error" for reason in facts.finish_reasons]
        if error is None:
            call.succeed(facts)
        else:
            call.fail(error, facts)
    except Exception:
        report_internal_error("stream end")


def finish_stream(proxy: StreamProxy | AsyncStreamProxy) -> None:
    """End a stream's call with what it has seen so far (its raw response was closed under it)."""
    proxy._self_end(None)


class _Proxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """What the sync and async proxies share: reading chunks and ending the call once."""

    def __init__(self, stream: Any, call: Call, kind: str) -> None:
        super().__init__(stream)
        self._self_call = call
        self._self_kind = kind
        self._self_read = READERS[kind]
        self._self_facts = ResponseFacts()

    def _self_hides(self, chunk: Any) -> bool:
        """Read a chunk; True if it is the usage chunk we asked for, which the caller must not see."""
        call = self._self_call
        try:
            if self._self_read(chunk, self._self_facts, call):
                return True
            if _counts_as_chunk(self._self_kind, chunk):
                call.chunk_arrived()
        except Exception:
            report_internal_error("stream chunk")
        return False

    def _self_end(self, error: BaseException | None) -> None:
        _finish(self._self_call, self._self_facts, error)

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
