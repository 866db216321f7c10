"""Faults the fake OpenAI endpoint injects on request, and how its answers leave with them.

A request asks by model name or by header (the header wins); the table is in :mod:`otel_aicost.demo.fake_openai`.
``faults_of(model, headers)`` reads what is asked; ``FaultySender`` sends an OpenAI error body, a plain JSON body
(cut in half or malformed when asked) or a server-sent event stream (truncated, malformed or slowed when asked).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from otel_aicost.demo.loopback import LoopbackHandler

ERROR_MODEL = re.compile(r"^fake-error-(\d{3})$")
SLOW_SECONDS = 0.25
ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_denied",
               404: "invalid_request_error", 429: "requests", 500: "server_error"}
ERROR_CODES = {400: "invalid_value", 401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


@dataclass
class Faults:
    """What one request asks to go wrong; the defaults are none."""

    error: int | None = None
    truncate_after: int | None = None  # -1: half of the events
    malformed: bool = False
    delay: float = 0.0
    chunk_delay: float = 0.0


def faults_of(model: str, headers: Mapping[str, str]) -> Faults:
    """The faults a request asks for; ``ValueError`` when ``x-fake-error`` is not an error status."""
    faults = Faults()
    match = ERROR_MODEL.match(model)
    if match:
        faults.error = int(match.group(1))
    if headers.get("x-fake-error"):
        faults.error = int(headers["x-fake-error"])
    if model == "fake-truncate":
        faults.truncate_after = -1  # half of the events
    if headers.get("x-fake-truncate-after"):
        faults.truncate_after = int(headers["x-fake-truncate-after"])
    faults.malformed = model == "fake-malformed" or headers.get("x-fake-malformed", "") not in ("", "0")
    if model == "fake-slow":
        faults.delay = SLOW_SECONDS
    if headers.get("x-fake-delay-ms"):
        faults.delay = int(headers["x-fake-delay-ms"]) / 1000
    faults.chunk_delay = int(headers.get("x-fake-chunk-delay-ms") or 0) / 1000
    if faults.error is not None and not 400 <= faults.error <= 599:
        raise ValueError(f"x-fake-error must be a status from 400 to 599, not {faults.error}")
    return faults


class FaultySender(LoopbackHandler):
    """Sending an answer the way the real API does, or broken the way a request asked."""

    def request_id(self) -> str:
        """The ``x-request-id`` of the next answer."""
        raise NotImplementedError

    def send_error_body(self, status: int, message: str, param: str | None = None) -> None:
        kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        error = {"message": message, "type": kind, "param": param, "code": ERROR_CODES.get(status)}
        headers = {"x-request-id": self.request_id()}
        if status == 429 or status >= 500:
            headers.update({"retry-after": "0", "retry-after-ms": "1"})
        self.send_json(status, {"error": error}, headers)

    def send_plain(self, payload: dict[str, Any], faults: Faults) -> None:
        headers = {"x-request-id": self.request_id(), "openai-processing-ms": "1"}
        if faults.malformed:
            self.send_bytes(200, b'{"id": "broken", "choices": [', "application/json", headers)
            return
        body = json.dumps(payload, separators=(",", ":")).encode()
        if faults.truncate_after is None:
            self.send_bytes(200, body, "application/json", headers)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.abort_connection()

    def send_events(self, events: list[tuple[str | None, dict[str, Any]]], faults: Faults, done: bool) -> None:
        """Stream server-sent events with chunked transfer-encoding, keeping the connection alive.

        Without ``x-fake-chunk-delay-ms`` the events leave in one write (fast for tests and the demo)."""
        frames = [(f"event: {name}\n" if name else "").encode() + b"data: " +
                  json.dumps(event, separators=(",", ":")).encode() + b"\n\n" for name, event in events]
        if faults.malformed:
            frames.insert(len(frames) // 2, b'data: {"id": "broken", "choices": [\n\n')
        cut = faults.truncate_after
        truncated = cut is not None
        if truncated:
            frames = frames[: max(1, len(frames) // 2 if cut < 0 else cut)]
        elif done:
            frames.append(b"data: [DONE]\n\n")
        self.start_chunked(200, "text/event-stream; charset=utf-8", {"x-request-id": self.request_id()})
        try:
            if faults.chunk_delay:
                for index, frame in enumerate(frames):
                    if index:
                        time.sleep(faults.chunk_delay)
                    self.write_chunks([frame])
            else:
                self.write_chunks(frames)
            if truncated:
                self.abort_connection()
            else:
                self.end_chunked()
        except (BrokenPipeError, ConnectionResetError):  # the client stopped reading: fine, like the real API
            self.close_connection = True
