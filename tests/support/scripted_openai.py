"""A loopback OpenAI endpoint whose every answer a test writes byte for byte, and a client transport that delivers
the body in pieces of chosen sizes.

Adversarial tests use them to send what a real server or a proxy on the way may send (CRLF line endings, comments,
keep-alive lines, ``event:`` lines, an error event, a usage chunk in the wrong place, a gzip-encoded body, a
connection that drops mid-stream) and to split the bytes at any boundary, then compare what the caller gets from the
bare SDK and from the instrumented one.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import openai

from otel_aicost.demo.loopback import LoopbackHandler, LoopbackServer
from tests.support.mock_openai import httpx


@dataclass
class Reply:
    """One answer: ``body`` sent as is (chunked transfer, one write per ``parts`` item when given)."""

    body: bytes = b""
    status: int = 200
    content_type: str = "text/event-stream; charset=utf-8"
    parts: list[bytes] | None = None  # the body as separate writes (each flushed)
    gzip: bool = False  # Content-Encoding: gzip (the body compressed as one)
    drop_after: int | None = None  # bytes of the body sent before the connection drops
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0  # seconds between two writes of ``parts`` (the client reads each on its own)


def asked_usage(request_body: dict[str, Any]) -> bool:
    """Did the request ask for the usage chunk (``stream_options.include_usage`` true)?"""
    options = request_body.get("stream_options")
    return isinstance(options, dict) and bool(options.get("include_usage"))


class _Handler(LoopbackHandler):
    def do_POST(self) -> None:
        owner: ScriptedServer = self.server.owner  # type: ignore[assignment]
        body = json.loads(self.read_body() or b"{}")
        with owner.lock:
            owner.bodies.append(body)
            answer = owner.answer
        reply = answer(body) if answer is not None else Reply(status=500, body=b"{}")
        headers = {"x-request-id": "req_scripted", **reply.headers}
        data = reply.body if reply.parts is None else b"".join(reply.parts)
        if reply.gzip:
            data = gzip.compress(data, mtime=0)
            headers["Content-Encoding"] = "gzip"
        if reply.status != 200 or (reply.parts is None and reply.drop_after is None and "event-stream" not in
                                   reply.content_type):  # fmt: skip
            self.send_bytes(reply.status, data, reply.content_type, headers)
            return
        parts = [data] if reply.parts is None or reply.gzip else list(reply.parts)
        self.start_chunked(reply.status, reply.content_type, headers)
        try:
            if reply.drop_after is not None:
                self.write_chunks([data[: reply.drop_after]])
                self.abort_connection()
                return
            for index, part in enumerate(parts):
                if index and reply.pause:
                    time.sleep(reply.pause)
                self.write_chunks([part])
            self.end_chunked()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class ScriptedServer(LoopbackServer):
    """``server.answer = lambda request_body: Reply(...)``; every request body is kept in ``bodies``."""

    handler_class = _Handler

    def __init__(self) -> None:
        super().__init__()
        self.answer: Callable[[dict[str, Any]], Reply] | None = None
        self.bodies: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


class _Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response byte stream re-cut into pieces of the given sizes (cycled; the rest in one piece when the sizes
    run out and ``cycle`` is off)."""

    def __init__(self, stream: Any, sizes: list[int], cycle: bool) -> None:
        self.stream = stream
        self.sizes = sizes
        self.cycle = cycle

    def _cut(self, data: bytes) -> Iterable[bytes]:
        position, index = 0, 0
        while position < len(data):
            if index < len(self.sizes):
                size = self.sizes[index]
            elif self.cycle and self.sizes:
                size = self.sizes[index % len(self.sizes)]
            else:
                size = len(data) - position
            index += 1
            if size > 0:
                yield data[position : position + size]
                position += size

    def __iter__(self) -> Iterable[bytes]:
        data = b"".join(self.stream)
        yield from self._cut(data)

    async def __aiter__(self) -> Any:
        parts = [part async for part in self.stream]
        for piece in self._cut(b"".join(parts)):
            yield piece

    def close(self) -> None:
        self.stream.close()

    async def aclose(self) -> None:
        await self.stream.aclose()


class Recut(httpx.BaseTransport):
    """A real HTTP transport whose response bodies arrive in pieces of ``sizes`` bytes (wire bytes, before any
    content decoding), as a proxy or a slow network may deliver them."""

    def __init__(self, sizes: list[int], cycle: bool = True) -> None:
        self.inner = httpx.HTTPTransport(verify=False)  # plain HTTP: no certificate store to load
        self.sizes = sizes
        self.cycle = cycle

    def handle_request(self, request: Any) -> Any:
        response = self.inner.handle_request(request)
        response.stream = _Pieces(response.stream, self.sizes, self.cycle)
        return response

    def close(self) -> None:
        self.inner.close()


def client(server: ScriptedServer, *, is_async: bool = False, transport: Any = None) -> Any:
    """A real openai client of ``server``: no retries, plain HTTP."""
    kind = httpx.AsyncClient if is_async else httpx.Client
    # plain HTTP to 127.0.0.1: no certificate store to load for each client (about 0.2 s each)
    http_client = kind(transport=transport) if transport is not None else kind(verify=False)
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(api_key="sk-test", base_url=server.url, max_retries=0, http_client=http_client)


def sse(events: Iterable[tuple[str | None, Any]], newline: str = "\n", done: bool = True) -> bytes:
    """Server-sent events as the API frames them: optional ``event:`` line, one ``data:`` line, a blank line."""
    frames = []
    for name, data in events:
        payload = data if isinstance(data, str) else json.dumps(data)
        frames.append((f"event: {name}{newline}" if name else "") + f"data: {payload}{newline}{newline}")
    if done:
        frames.append(f"data: [DONE]{newline}{newline}")
    return "".join(frames).encode()
