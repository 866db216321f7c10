"""Hostile responses: whatever a server sends, the caller gets exactly what it gets without us.

Property tests (hypothesis) feed the real ``openai`` client, through the SDK's mock transport, malformed bodies and
SSE streams: fields missing, null or of the wrong type, negative and huge token counts, truncated streams, unknown
event types, non-UTF-8 bytes. Each example makes the same request twice, once through the SDK's own (unwrapped)
method and once instrumented, and checks that

* the caller sees the same thing: the same ``to_dict()`` of the result (or of every chunk), or the same exception
  class at the same point of the stream;
* our code raised nothing (``OTEL_AICOST_RAISE_INTERNAL_ERRORS=1`` makes our own errors raise; the internal error
  counter must not move either);
* exactly one span ended.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import json
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai._legacy_response import to_raw_response_wrapper
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_aicost.instrumentation import safety
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from tests.support import payloads
from tests.support.load import HAS_RESPONSES
from tests.support.mock_openai import async_client, client, httpx

EXAMPLES = int(os.environ.get("AICOST_HOSTILE_EXAMPLES", "2000"))  # CI: 2,000 per surface
HOSTILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
MESSAGES = [{"role": "user", "content": "hi"}]
needs_responses = pytest.mark.skipif(not HAS_RESPONSES, reason="this openai version has no Responses API")

# --- what a hostile server says ----------------------------------------------------------------------------------

FIELD_NAMES = (
    "id", "model", "choices", "delta", "message", "content", "text", "finish_reason", "index", "usage",
    "prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details", "cached_tokens",
    "completion_tokens_details", "reasoning_tokens", "input_tokens", "output_tokens", "input_tokens_details",
    "output_tokens_details", "type", "response", "status", "output", "service_tier", "system_fingerprint", "data",
    "embedding", "incomplete_details", "reason", "error",
)  # fmt: skip

scalars = st.one_of(
    st.sampled_from([None, True, False, -1, 0, 1, 2**31, 2**53 + 1, 2**63, 2**64 + 7, 10**30, -(10**30), 0.5, -2.5,
                     float("nan"), float("inf"), "12", "-5", "", "null", "stop", "length", "\x00", "gpt-4o",
                     "default"]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=5,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every node of a JSON document, as the keys and indexes leading to it."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _apply(document: Any, path: tuple[Any, ...], delete: bool, value: Any) -> Any:
    """``document`` with the node at ``path`` deleted or replaced (unchanged where the path no longer exists)."""
    if not path:
        return document if delete else value
    parent = document
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            return document
    last = path[-1]
    if (
        isinstance(parent, dict)
        and last in parent
        or isinstance(parent, list)
        and isinstance(last, int)
        and (last < len(parent))
    ):
        if delete:
            del parent[last]
        else:
            parent[last] = value
    return document


_PATHS: dict[int, list[tuple[Any, ...]]] = {}  # the canonical payloads are module constants


@st.composite
def mutated(draw: Any, canonical: Any) -> Any:
    """A valid payload with a few nodes deleted or replaced by anything JSON can say; sometimes just anything."""
    if draw(st.integers(0, 19)) == 0:
        return draw(json_values)
    document = copy.deepcopy(canonical)
    paths = _PATHS.get(id(canonical))
    if paths is None:
        paths = _PATHS[id(canonical)] = list(_paths(canonical))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths))
        delete = draw(st.booleans())
        document = _apply(document, path, delete, None if delete else draw(json_values))
    return document


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


@st.composite
def damaged(draw: Any, body: bytes) -> bytes:
    """Mostly intact; sometimes truncated, with non-UTF-8 bytes spliced in, or replaced by binary garbage."""
    kind = draw(st.integers(0, 9))
    if kind == 7 and body:
        return body[: draw(st.integers(0, len(body) - 1))]
    if kind == 8:
        at = draw(st.integers(0, len(body)))
        splice = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80", b"\x00"]))
        return body[:at] + splice + body[at:]
    if kind == 9:
        return draw(st.binary(max_size=64))
    return body


@st.composite
def json_bodies(draw: Any, canonical: Any) -> tuple[int, bytes, str]:
    status = draw(st.sampled_from([200] * 12 + [400, 401, 404, 429, 500, 503]))
    content_type = draw(st.sampled_from(["application/json"] * 8 + ["text/plain", "application/json; charset=utf-8"]))
    return status, draw(damaged(_dumps(draw(mutated(canonical))))), content_type


EVENT_NAMES = ("error", "thread.run", "response.unknown", "ping", "message", "", "response.completed", "foo bar")


@st.composite
def sse_events(draw: Any, canonical: list[Any], named: bool) -> list[bytes]:
    """SSE events: mutated versions of the real ones, anything at all, unknown event names, broken lines."""
    events = []
    for original in draw(st.lists(st.sampled_from(canonical), max_size=5)):
        kind = draw(st.integers(0, 14))
        if kind == 13:
            events.append(
                draw(
                    st.sampled_from(
                        [
                            b"data: {not json\n\n",
                            b": comment\n\n",
                            b"data:\n\n",
                            b"retry: 5\n\n",
                            b"id: 7\n\n",
                            b"data: [DONE]x\n\n",
                            b"\n\n",
                            b"event: x\n\n",
                        ]
                    )
                )
            )
            continue
        payload = _dumps(original if kind < 6 else draw(mutated(original)))  # a few hostile events per stream
        name = original.get("type") if named and isinstance(original, dict) else None
        if kind == 14:
            # codec: a lone surrogate cannot be written into an SSE body (UTF-8), so the server could not send it
            names = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=8)
            name = draw(st.sampled_from(EVENT_NAMES) | names)
        head = f"event: {name}\n".encode() if name is not None else b""
        events.append(head + b"data: " + payload + b"\n\n")
    return events


def _finish_sse(draw: Any, events: list[bytes]) -> bytes:
    body = b"".join(events)
    if draw(st.integers(0, 3)) != 0:
        body += b"data: [DONE]\n\n"
    return draw(damaged(body))


# --- running one request both ways --------------------------------------------------------------------------------


def _dump(value: Any) -> Any:
    try:
        return repr(value.to_dict(warnings=False)) if hasattr(value, "to_dict") else repr(value)
    except Exception as error:  # the SDK's own dump of what it built: compare how it fails too
        return f"dump raised {type(error).__name__}"


def _outcome(call: Callable[[], Any], stream: bool, take: int | None, raw: bool = False) -> tuple[Any, ...]:
    """What the caller experiences: ("ok", dump) / ("raised", class) / for streams the chunks then the end.

    ``raw``: the call returns a raw response (``.with_raw_response``); the caller then calls ``parse()``.
    """
    try:
        result = call()
    except Exception as error:
        return ("raised", type(error))
    if raw:
        try:
            result = result.parse()
        except Exception as error:
            return ("parse raised", type(error))
    if not stream:
        return ("ok", _dump(result))
    seen = []
    try:
        for chunk in result:
            seen.append(_dump(chunk))
            if take is not None and len(seen) >= take:
                result.close()
                return ("closed", seen)
    except Exception as error:
        return ("raised mid-stream", seen, type(error))
    return ("exhausted", seen)


async def _async_outcome(call: Callable[[], Any], stream: bool, take: int | None) -> tuple[Any, ...]:
    try:
        result = await call()
    except Exception as error:
        return ("raised", type(error))
    if not stream:
        return ("ok", _dump(result))
    seen = []
    try:
        async for chunk in result:
            seen.append(_dump(chunk))
            if take is not None and len(seen) >= take:
                await result.close()
                return ("closed", seen)
    except Exception as error:
        return ("raised mid-stream", seen, type(error))
    return ("exhausted", seen)


class EndCounter(logging.Handler):
    """Catches the SDK's "Calling end() on an ended span" warning: a span ended twice."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Harness:
    """One per module: ``OpenAICostInstrumentor`` is a singleton, so there is one instrumentation at a time."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        self.instrumentor = OpenAICostInstrumentor()
        self.logger_provider = LoggerProvider()
        self.reinstrument()
        self.sdk_warnings = EndCounter()
        logging.getLogger("opentelemetry.sdk.trace").addHandler(self.sdk_warnings)
        self.response: tuple[int, bytes, str] = (200, b"{}", "application/json")
        self.respond_to: Callable[[dict[str, Any]], tuple[int, bytes, str]] | None = None
        self.client = client(self._handle)
        self.async_client = async_client(self._handle)

    def reinstrument(self, **config: Any) -> None:
        self.instrumentor.uninstrument()
        self.instrumentor.instrument(
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
            logger_provider=self.logger_provider,
            config=config or None,
        )

    def _handle(self, request: Any) -> Any:
        status, body, content_type = self.respond_to(json.loads(request.content)) if self.respond_to else self.response
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    def close(self) -> None:
        logging.getLogger("opentelemetry.sdk.trace").removeHandler(self.sdk_warnings)
        self.instrumentor.uninstrument()
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
        self.logger_provider.shutdown()

    def compare(
        self, resource: Any, method: str, kwargs: dict[str, Any], take: int | None = None, raw: bool = False
    ) -> None:
        """Same request bare and instrumented: same outcome, no internal error, one span ended once."""
        bare = functools.partial(inspect.getattr_static(type(resource), method).__wrapped__, resource)
        instrumented = getattr(resource, method)
        if raw:
            bare, instrumented = to_raw_response_wrapper(bare), getattr(resource.with_raw_response, method)
        stream = kwargs.get("stream") is True
        expected = _outcome(lambda: bare(**kwargs), stream, take, raw)
        errors_before = safety.internal_errors.count
        self.exporter.clear()
        self.sdk_warnings.messages.clear()
        actual = _outcome(lambda: instrumented(**kwargs), stream, take, raw)
        assert actual == expected
        assert safety.internal_errors.count == errors_before
        assert len(self.exporter.get_finished_spans()) == 1
        assert not self.sdk_warnings.messages

    def compare_async(self, resource: Any, method: str, kwargs: dict[str, Any], take: int | None = None) -> None:
        bare = inspect.getattr_static(type(resource), method).__wrapped__
        stream = kwargs.get("stream") is True
        expected = asyncio.run(_async_outcome(lambda: bare(resource, **kwargs), stream, take))
        errors_before = safety.internal_errors.count
        self.exporter.clear()
        self.sdk_warnings.messages.clear()
        actual = asyncio.run(_async_outcome(lambda: getattr(resource, method)(**kwargs), stream, take))
        assert actual == expected
        assert safety.internal_errors.count == errors_before
        assert len(self.exporter.get_finished_spans()) == 1
        assert not self.sdk_warnings.messages


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    h = Harness()
    yield h
    h.close()


# --- plain JSON surfaces ---------------------------------------------------------------------------------------------


@HOSTILE
@given(response=json_bodies(payloads.chat_completion(cached_tokens=3, reasoning_tokens=2)))
def test_chat_completion(harness: Harness, response: tuple[int, bytes, str]) -> None:
    harness.respond_to, harness.response = None, response
    harness.compare(harness.client.chat.completions, "create", {"model": "gpt-4o-mini", "messages": MESSAGES})


@HOSTILE
@given(response=json_bodies(payloads.completion()))
def test_completion(harness: Harness, response: tuple[int, bytes, str]) -> None:
    harness.respond_to, harness.response = None, response
    harness.compare(harness.client.completions, "create", {"model": "gpt-3.5-turbo-instruct", "prompt": "hi"})


@HOSTILE
@given(response=json_bodies(payloads.embeddings()), encoding=st.sampled_from([None, "float", "base64"]))
def test_embeddings(harness: Harness, response: tuple[int, bytes, str], encoding: str | None) -> None:
    harness.respond_to, harness.response = None, response
    kwargs: dict[str, Any] = {"model": "text-embedding-3-small", "input": "hi"}
    if encoding is not None:
        kwargs["encoding_format"] = encoding
    harness.compare(harness.client.embeddings, "create", kwargs)


@needs_responses
@HOSTILE
@given(response=json_bodies(payloads.response(cached_tokens=2, reasoning_tokens=1)))
def test_responses(harness: Harness, response: tuple[int, bytes, str]) -> None:
    harness.respond_to, harness.response = None, response
    harness.compare(harness.client.responses, "create", {"model": "gpt-4o", "input": "hi"})


@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(response=json_bodies(payloads.chat_completion()))
def test_chat_completion_raw_response(harness: Harness, response: tuple[int, bytes, str]) -> None:
    """``.with_raw_response``: the instrumentation parses the body before the caller does."""
    harness.respond_to, harness.response = None, response
    harness.compare(harness.client.chat.completions, "create", {"model": "gpt-4o-mini", "messages": MESSAGES},
                    raw=True)  # fmt: skip


# --- streams ---------------------------------------------------------------------------------------------------------

CHAT_CHUNKS = payloads.chat_chunks(include_usage=True)
CHAT_BASE_CHUNKS, CHAT_USAGE_CHUNK = CHAT_CHUNKS[:-1], CHAT_CHUNKS[-1]


class HonestStreamServer:
    """Sends the usage-only chunk (and ``usage: null`` on the other chunks) only when the request asks for it."""

    def __init__(self, chunks: list[Any], usage_chunk: dict[str, Any], done: bool, damage: tuple[str, float, bytes]):
        self.chunks, self.usage_chunk, self.done, self.damage = chunks, usage_chunk, done, damage

    def __repr__(self) -> str:
        return f"HonestStreamServer({self.chunks!r}, {self.usage_chunk!r}, done={self.done}, damage={self.damage!r})"

    def __call__(self, request: dict[str, Any]) -> tuple[int, bytes, str]:
        options = request.get("stream_options")
        asked = isinstance(options, dict) and options.get("include_usage")
        events = [{**c, "usage": None} if asked and isinstance(c, dict) else c for c in self.chunks]
        if asked:
            events.append(self.usage_chunk)
        parts = [b"data: " + _dumps(event) + b"\n\n" for event in events]
        kind, fraction, splice = self.damage
        if kind != "none" and self.chunks:  # damage the same chunk both ways, in its middle
            at = min(int(fraction * len(self.chunks)), len(self.chunks) - 1)
            part = parts[at]
            half = len(part) // 2
            if kind == "cut":
                parts = [*parts[:at], part[:half]]
            else:
                parts[at] = part[:half] + splice + part[half:]
        body = b"".join(parts)
        if self.done and kind != "cut":
            body += b"data: [DONE]\n\n"
        return 200, body, "text/event-stream"


class VerbatimServer:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def __repr__(self) -> str:
        return f"VerbatimServer({self.body!r})"

    def __call__(self, request: dict[str, Any]) -> tuple[int, bytes, str]:
        return 200, self.body, "text/event-stream"


@st.composite
def chat_stream_server(draw: Any) -> tuple[bool, Callable[[dict[str, Any]], tuple[int, bytes, str]]]:
    """(caller asks for usage itself, server).

    When the caller asks, the server sends the hostile events verbatim. When it does not, the server behaves like
    the real API in one respect only, the one the instrumentation relies on: the usage-only chunk (``choices: []``,
    hostile usage) and ``usage: null`` on the other chunks come only when the request asks for them.
    """
    if draw(st.booleans()):
        return True, VerbatimServer(_finish_sse(draw, draw(sse_events(CHAT_CHUNKS, named=False))))
    chunks = [copy.deepcopy(chunk) if draw(st.booleans()) else draw(mutated(chunk))
              for chunk in draw(st.lists(st.sampled_from(CHAT_BASE_CHUNKS), max_size=4))]  # fmt: skip
    for chunk in chunks:
        if isinstance(chunk, dict):
            chunk.pop("usage", None)
    usage = draw(mutated(CHAT_USAGE_CHUNK["usage"]))
    usage = {} if usage is None else usage  # the usage chunk the request asked for has some usage
    damage = (draw(st.sampled_from(["none"] * 8 + ["cut", "splice"])), draw(st.floats(0, 1)),
              draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x00"])))  # fmt: skip
    return False, HonestStreamServer(chunks, {**CHAT_USAGE_CHUNK, "usage": usage}, draw(st.integers(0, 3)) != 0, damage)


@HOSTILE
@given(server=chat_stream_server(), take=st.none() | st.integers(1, 4))
def test_chat_stream(harness: Harness, server: Any, take: int | None) -> None:
    caller_asks, harness.respond_to = server
    kwargs: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    if caller_asks:
        kwargs["stream_options"] = {"include_usage": True}
    harness.compare(harness.client.chat.completions, "create", kwargs, take)


_EVENTS = {event["type"]: event for event in payloads.response_events(pieces=("Hi",))}
RESPONSE_EVENTS = [  # the events the instrumentation reads, and one it ignores (each parse costs: keep it short)
    _EVENTS["response.created"],
    _EVENTS["response.output_text.delta"],
    _EVENTS["response.output_item.added"],
    _EVENTS["response.completed"],
    {**_EVENTS["response.completed"], "type": "response.incomplete",
     "response": {**_EVENTS["response.completed"]["response"], "status": "incomplete",
                  "incomplete_details": {"reason": "max_output_tokens"}}},
]  # fmt: skip


@st.composite
def responses_stream_body(draw: Any) -> tuple[int, bytes, str]:
    return 200, _finish_sse(draw, draw(sse_events(RESPONSE_EVENTS, named=True))), "text/event-stream"


@needs_responses
@HOSTILE
@given(response=responses_stream_body(), take=st.none() | st.integers(1, 4))
def test_responses_stream(harness: Harness, response: tuple[int, bytes, str], take: int | None) -> None:
    harness.respond_to, harness.response = None, response
    harness.compare(harness.client.responses, "create", {"model": "gpt-4o", "input": "hi", "stream": True}, take)


COMPLETION_CHUNKS = [
    {"id": "cmpl-s", "object": "text_completion", "created": 1, "model": "gpt-3.5-turbo-instruct",
     "choices": [{"index": 0, "text": "Hi", "finish_reason": None, "logprobs": None}]},
    {"id": "cmpl-s", "object": "text_completion", "created": 1, "model": "gpt-3.5-turbo-instruct",
     "choices": [{"index": 0, "text": "", "finish_reason": "stop", "logprobs": None}]},
    {"id": "cmpl-s", "object": "text_completion", "created": 1, "model": "gpt-3.5-turbo-instruct", "choices": [],
     "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}},
]  # fmt: skip


@st.composite
def completion_stream_body(draw: Any) -> tuple[int, bytes, str]:
    return 200, _finish_sse(draw, draw(sse_events(COMPLETION_CHUNKS, named=False))), "text/event-stream"


@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(response=completion_stream_body())
def test_completion_stream(harness: Harness, response: tuple[int, bytes, str]) -> None:
    """The caller asks for usage itself (so the stream is the same both ways)."""
    harness.respond_to, harness.response = None, response
    kwargs = {"model": "gpt-3.5-turbo-instruct", "prompt": "hi", "stream": True,
              "stream_options": {"include_usage": True}}  # fmt: skip
    harness.compare(harness.client.completions, "create", kwargs)


@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(server=chat_stream_server(), take=st.none() | st.integers(1, 4))
def test_chat_stream_raw_response(harness: Harness, server: Any, take: int | None) -> None:
    caller_asks, harness.respond_to = server
    kwargs: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    if caller_asks:
        kwargs["stream_options"] = {"include_usage": True}
    harness.compare(harness.client.chat.completions, "create", kwargs, take, raw=True)


# --- async: the same readers behind the async wrapper and proxy --------------------------------------------------


@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(server=chat_stream_server(), take=st.none() | st.integers(1, 4))
def test_async_chat_stream(harness: Harness, server: Any, take: int | None) -> None:
    caller_asks, harness.respond_to = server
    kwargs: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    if caller_asks:
        kwargs["stream_options"] = {"include_usage": True}
    harness.compare_async(harness.async_client.chat.completions, "create", kwargs, take)


@needs_responses
@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(response=json_bodies(payloads.response()))
def test_async_responses(harness: Harness, response: tuple[int, bytes, str]) -> None:
    harness.respond_to, harness.response = None, response
    harness.compare_async(harness.async_client.responses, "create", {"model": "gpt-4o", "input": "hi"})


# --- with content capture on: the message readers see the same hostile responses --------------------------------


@pytest.fixture(scope="module")
def capturing(harness: Harness) -> Iterator[Harness]:
    harness.reinstrument(capture_content="span_and_event")
    yield harness
    harness.reinstrument()


@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(response=json_bodies(payloads.chat_completion()))
def test_chat_completion_with_content_capture(capturing: Harness, response: tuple[int, bytes, str]) -> None:
    capturing.respond_to, capturing.response = None, response
    capturing.compare(capturing.client.chat.completions, "create", {"model": "gpt-4o-mini", "messages": MESSAGES})
    assert "gen_ai.input.messages" in capturing.exporter.get_finished_spans()[0].attributes  # capture is on


@needs_responses
@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(response=json_bodies(payloads.response()))
def test_responses_with_content_capture(capturing: Harness, response: tuple[int, bytes, str]) -> None:
    capturing.respond_to, capturing.response = None, response
    capturing.compare(capturing.client.responses, "create", {"model": "gpt-4o", "input": "hi"})


@settings(HOSTILE, max_examples=EXAMPLES // 4)
@given(server=chat_stream_server(), take=st.none() | st.integers(1, 4))
def test_chat_stream_with_content_capture(capturing: Harness, server: Any, take: int | None) -> None:
    caller_asks, capturing.respond_to = server
    kwargs: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}
    if caller_asks:
        kwargs["stream_options"] = {"include_usage": True}
    capturing.compare(capturing.client.chat.completions, "create", kwargs, take)
