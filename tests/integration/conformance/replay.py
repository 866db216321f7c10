"""A loopback server that answers every request with the current ``Recording``, the same bytes each time.

Like the real API it adds the usage-only chunk (and ``"usage": null`` on the other chunks) only when the request
asks for it (``stream_options.include_usage``), and it keeps every request body so tests can check what was sent.
"""

from __future__ import annotations

import json
from typing import Any

from otel_aicost.demo.loopback import LoopbackHandler, LoopbackServer
from tests.integration.conformance.recordings import Recording


class _ReplayHandler(LoopbackHandler):
    def do_POST(self) -> None:
        owner: ReplayServer = self.server.owner  # type: ignore[assignment]
        body = json.loads(self.read_body() or b"{}")
        with owner.lock:
            owner.bodies.append(body)
            recording = owner.recording
        options = body.get("stream_options")
        asked = isinstance(options, dict) and bool(options.get("include_usage"))
        payload = recording.payload(asked)
        if not recording.stream:
            self.send_bytes(recording.status, payload, "application/json", {"x-request-id": "req_recorded"})
            return
        self.start_chunked(200, "text/event-stream; charset=utf-8", {"x-request-id": "req_recorded"})
        try:
            self.write_chunks([payload[i : i + 97] for i in range(0, len(payload), 97)])  # split mid-line on purpose
            self.end_chunked()
        except (BrokenPipeError, ConnectionResetError):  # the client closed early: fine, like the real API
            self.close_connection = True


class ReplayServer(LoopbackServer):
    handler_class = _ReplayHandler

    def __init__(self) -> None:
        super().__init__()
        self.recording: Recording | None = None
        self.bodies: list[dict[str, Any]] = []

    def serve(self, recording: Recording) -> None:
        with self.lock:
            self.recording = recording
            self.bodies.clear()
