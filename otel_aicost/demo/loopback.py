"""A small threaded HTTP/1.1 server on 127.0.0.1 that runs in the background.

The base of the loopback test doubles (the fake OpenAI endpoint shipped for ``otel-aicost demo``, and the OTLP
and Azure Monitor receivers used by the tests). Standard library only.

It keeps connections alive (HTTP/1.1), always sends ``Content-Length`` or chunked transfer-encoding, and on
``close()`` shuts down every open connection so no thread or socket outlives the ``with`` block.
"""

from __future__ import annotations

import gzip
import json
import logging
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)


class LoopbackHandler(BaseHTTPRequestHandler):
    """Request handler with helpers to read bodies and send complete responses."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # otherwise Nagle + delayed ACK add ~40 ms to small responses
    server_version = "otel-aicost-loopback"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: a test double must not write to stderr on every request."""

    # ---- reading -------------------------------------------------------------------------------------------
    def read_body(self) -> bytes:
        """Read the whole request body (Content-Length or chunked) and undo gzip/deflate encoding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = self._read_chunked()
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
        encoding = self.headers.get("Content-Encoding", "").lower()
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        return body

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    # ---- writing -------------------------------------------------------------------------------------------
    def send_bytes(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Send a complete response with Content-Length, keeping the connection alive."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Headers and body leave in one write (end_headers would flush the headers on their own).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.send_bytes(status, body, "application/json", headers)

    def start_chunked(self, status: int, content_type: str, headers: dict[str, str] | None = None) -> None:
        """Start a response whose body follows as chunks (for server-sent events)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()

    def write_chunks(self, parts: list[bytes]) -> None:
        """Send each part as one HTTP chunk, all in a single write."""
        data = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts if part)
        if data:
            self.wfile.write(data)
            self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def abort_connection(self) -> None:
        """Drop the connection now, mid-body: the client sees an incomplete message."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], owner: LoopbackServer):
        self.owner = owner
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Never print tracebacks: a peer that hangs up is normal; anything else is kept for tests to see."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        with self.owner.lock:
            self.owner.handler_errors.append(error)
        logger.debug("%s: error while handling a request", type(self.owner).__name__, exc_info=error)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        return self.owner.accept_connection()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
            self.owner.connections_accepted += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class LoopbackServer:
    """Base class: ``with Subclass() as server: server.port``. Subclasses set ``handler_class``."""

    handler_class: type[LoopbackHandler] = LoopbackHandler

    def wait_for(self, predicate: Callable[[Any], Any], timeout: float = 5.0) -> Any:
        """Poll ``predicate(self)`` until it returns something truthy; return it, or raise AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{type(self).__name__}: condition not met within {timeout}s (got {result!r})")
            time.sleep(0.01)

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"loopback servers listen on 127.0.0.1 only, not {host!r}")
        self.host = "127.0.0.1"
        self._requested_port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.connections_accepted = 0  # TCP connections served: keep-alive clients reuse one
        self.handler_errors: list[BaseException] = []  # bugs in a handler (a peer hanging up is not one)

    # ---- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> LoopbackServer:
        if self._httpd is not None:
            return self
        self.closing.clear()
        self._httpd = _Server((self.host, self._requested_port), self.handler_class, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.closing.set()
        httpd.shutdown()
        httpd.close_open_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running; use it as a context manager or call start()")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    def accept_connection(self) -> bool:
        """Return False to close a new connection at once (subclasses use it to simulate a dead peer)."""
        return True
