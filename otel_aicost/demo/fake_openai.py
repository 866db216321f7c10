"""A loopback OpenAI-compatible endpoint: no API key, no network, deterministic answers.

``otel-aicost demo`` runs its sample workload against it, and the tests use it as the far end of real
``openai`` clients::

    with FakeOpenAI() as server:
        client = OpenAI(base_url=server.base_url, api_key="x")            # http://127.0.0.1:PORT/v1
        azure = AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="x")
        ...
        server.requests   # every request received: method, path, query, headers, parsed JSON body

Endpoints (also under ``/openai/deployments/{deployment}/...``, ``/openai/v1/...`` and ``/openai/...`` for
Azure clients): ``POST /v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``, ``/v1/responses``,
each plain JSON or, with ``"stream": true``, server-sent events the way the real API sends them: chat and
legacy completions end with ``data: [DONE]`` and carry the usage-only chunk (empty ``choices``) only when
``stream_options.include_usage`` is true, every other chunk then having ``"usage": null``; Azure deployment
streams start with the chunk of prompt filter results that has no choices; the Responses API streams
``response.created`` ... ``response.completed``. ``GET /v1/models`` lists the known aliases.
Also ``/v1/images/{generations,edits,variations}`` (GPT Image usage, or DALL-E ``data`` only; ``stream``),
``/v1/audio/speech`` (WAV bytes, or ``stream_format=sse`` events with usage), ``/v1/audio/{transcriptions,
translations}`` (whisper ``usage.seconds`` 42, verbose ``duration``, plain ``text``, or token usage for
``*-transcribe``; ``stream``), ``/v1/moderations``, ``/v1/batches[/{id}]`` and ``/v1/files/{id}/content`` (a
batch output file of two gpt-4o-mini calls).
Responses report a dated snapshot for known aliases (``gpt-4o-mini`` -> ``gpt-4o-mini-2024-07-18``), a
``system_fingerprint`` and the ``service_tier`` (``auto`` becomes ``default``). Token counts follow the rules
in :mod:`otel_aicost.demo.fake_payloads`.

Knobs in the request body (pass them with ``extra_body=``):
``fake_words`` / ``fake_chunks`` (output pieces = tokens = content chunks, default 8),
``fake_prompt_tokens``, ``fake_cached_tokens``, ``fake_reasoning_tokens`` (override the counts),
``fake_usage: false`` (no usage at all). Like the real API, ``stream_options`` without ``"stream": true`` is a 400.
Chat tool calls are returned when ``tool_choice`` forces one (see fake_payloads).

Run it on its own with ``python -m otel_aicost.demo [--port 8000]``.

Faults, by model name or by request header (``extra_headers=``), the header winning:

=======================  ===========================  ======================================================
model                    header                       effect
=======================  ===========================  ======================================================
``fake-error-429``       ``x-fake-error: 429``        that status (any 400-599) with an OpenAI error body;
                                                      429 and 5xx carry ``retry-after: 0`` and
                                                      ``retry-after-ms: 1`` so SDK retries are instant
``fake-truncate``        ``x-fake-truncate-after: K`` the connection drops after K stream events (default
                                                      half of them); a plain body is cut in half
``fake-malformed``       ``x-fake-malformed: 1``      a stream chunk (or a plain body) that is not JSON
``fake-slow``            ``x-fake-delay-ms: MS``      waits before answering (fake-slow: 250 ms)
..                       ``x-fake-chunk-delay-ms: MS`` waits between stream chunks
=======================  ===========================  ======================================================
"""

from __future__ import annotations

import email
import itertools
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from otel_aicost.demo import fake_payloads as payloads
from otel_aicost.demo.fake_responses import ResponseBuilder, responses_generation
from otel_aicost.demo.loopback import LoopbackHandler, LoopbackServer

ROUTE = re.compile(r"^(?P<azure>/openai)?(?:/deployments/(?P<deployment>[^/]+))?(?:/v1)?/(?P<op>chat/completions|"
                   r"completions|embeddings|responses|models|images/generations|images/edits|images/variations|"
                   r"audio/speech|audio/transcriptions|audio/translations|moderations|batches(?:/[^/]+)?|"
                   r"files/[^/]+/content)$")
MEDIA_OPS = ("images/", "audio/", "moderations", "batches", "files/")
ERROR_MODEL = re.compile(r"^fake-error-(\d{3})$")
SLOW_SECONDS = 0.25
ERROR_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_denied",
               404: "invalid_request_error", 429: "requests", 500: "server_error"}
ERROR_CODES = {400: "invalid_value", 401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or the raw text when it was not JSON

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None


@dataclass
class _Faults:
    error: int | None = None
    truncate_after: int | None = None
    malformed: bool = False
    delay: float = 0.0
    chunk_delay: float = 0.0


def _faults(model: str, headers: Mapping[str, str]) -> _Faults:
    faults = _Faults()
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


class _FakeOpenAIHandler(LoopbackHandler):
    server_version = "fake-openai"

    @property
    def fake(self) -> FakeOpenAI:
        return self.server.owner  # type: ignore[return-value]

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self.read_body())

    def _dispatch(self, raw: bytes) -> None:
        parts = urlsplit(self.path)
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = raw.decode(errors="replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(RecordedRequest(self.command, parts.path, dict(parse_qsl(parts.query)), headers, body))
        route = ROUTE.match(parts.path)
        if route is not None and route["op"].startswith(MEDIA_OPS):
            self._answer_media(route["op"], _form(headers.get("content-type", ""), raw, body), route["deployment"])
            return
        if route is None or (route["op"] == "models") != (self.command == "GET"):
            self.send_error_body(404, f"Unknown request URL: {self.command} {parts.path}")
            return
        if route["op"] == "models":
            self.send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in payloads.SNAPSHOTS]})
            return
        if not isinstance(body, dict):
            self.send_error_body(400, "We could not parse the JSON body of your request.")
            return
        deployment = route["deployment"]
        if deployment and "model" not in body:
            body = {**body, "model": deployment}
        model = str(body.get("model", ""))
        try:
            faults = _faults(model, headers)
        except ValueError as exc:
            self.send_error_body(400, f"Bad fault-injection header: {exc}")
            return
        if faults.delay:
            time.sleep(faults.delay)
        if faults.error:
            self.send_error_body(faults.error, f"Injected error {faults.error} for model {model!r}")
            return
        if body.get("stream_options") is not None and not body.get("stream"):
            # The real API rejects this, so an instrumentation that injects stream_options must not do it here.
            self.send_error_body(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                                 param="stream_options")
            return
        try:
            self._answer(route["op"], body, deployment, bool(route["azure"]), faults)
        except (ValueError, TypeError) as exc:  # e.g. "fake_chunks": "many"; nothing has been sent yet
            self.send_error_body(400, f"Invalid request body: {exc}")

    def _answer(self, op: str, body: dict[str, Any], deployment: str | None, azure: bool, faults: _Faults) -> None:
        fake = self.fake
        created = int(time.time())
        stream = bool(body.get("stream"))
        # Azure names the deployment in the path, or (v1 and Responses paths) in the model field.
        deployment_name = deployment or (str(body.get("model", "")) if azure else None)
        if deployment_name in fake.deployments:
            body = {**body, "model": fake.deployments[deployment_name]}
        if op == "embeddings":
            self._send_plain(payloads.embeddings(body), faults)
            return
        if op == "responses":
            gen = responses_generation(body)
            reasoning = bool(payloads.REASONING_MODEL.match(str(body.get("model", ""))))
            builder = ResponseBuilder(gen, body, fake._next_id("resp_"), created, reasoning)
            if stream:
                self._send_events([(e["type"], e) for e in builder.events()], faults, done=False)
            else:
                self._send_plain(builder.response(final=True), faults)
            return
        if op == "completions":
            prompt = body.get("prompt", "")
            limit = body.get("max_tokens", 16)
            gen = payloads.generate(body, [prompt], limit, None, payloads.prompt_tokens_of(prompt))
            ident = fake._next_id("cmpl-")
            if stream:
                chunks = payloads.completion_chunks(gen, ident, created)
                self._send_events([(None, c) for c in chunks], faults, done=True)
            else:
                self._send_plain(payloads.completion(gen, ident, created), faults)
            return
        messages = body.get("messages") or []
        response_format = body.get("response_format") or {}
        json_format = response_format if response_format.get("type") in ("json_schema", "json_object") else None
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        gen = payloads.generate(body, messages, limit, json_format)
        ident = fake._next_id("chatcmpl-")
        if stream:
            chunks = payloads.chat_chunks(gen, ident, created, azure=azure)
            self._send_events([(None, c) for c in chunks], faults, done=True)
        else:
            self._send_plain(payloads.chat_completion(gen, ident, created, azure=azure), faults)

    def _answer_media(self, op: str, body: Any, deployment: str | None) -> None:
        """Images, audio, moderations, batches and file contents (shapes in :mod:`fake_payloads`)."""
        body = body if isinstance(body, dict) else {}
        model = str(body.get("model") or self.fake.deployments.get(deployment or "", deployment or ""))
        model = self.fake.deployments.get(model, model)
        headers = {"x-request-id": self.fake._next_id("req_")}
        if op.startswith("images/"):
            n = int(body.get("n") or 1)
            if body.get("stream") in (True, "true"):
                events = payloads.image_events(model, quality=str(body.get("quality") or "low"),
                                               edit=op == "images/edits")  # fmt: skip
                self._send_events([(e["type"], e) for e in events], _Faults(), done=False)
                return
            image_model = model if op == "images/generations" else (model or "dall-e-2")
            self.send_json(200, payloads.image_response(image_model, n, body.get("size"), body.get("quality")), headers)
        elif op == "audio/speech":
            if body.get("stream_format") == "sse":
                self.send_bytes(200, payloads.speech_events(len(str(body.get("input", "")).split())),
                                "text/event-stream", headers)  # fmt: skip
            else:
                self.send_bytes(200, payloads.speech_audio(len(str(body.get("input", "")))), "audio/wav", headers)
        elif op.startswith("audio/"):
            if body.get("stream") == "true":
                events = payloads.transcription_events()
                self._send_events([(e["type"], e) for e in events], _Faults(), done=False)
            elif body.get("response_format") == "text":
                self.send_bytes(200, b"Hello from the fake endpoint.", "text/plain", headers)
            else:
                verbose = body.get("response_format") == "verbose_json"
                self.send_json(200, payloads.transcription(model, seconds=body.get("fake_seconds", 42.0),
                                                           verbose=verbose), headers)  # fmt: skip
        elif op == "moderations":
            self.send_json(200, payloads.moderation(model or "omni-moderation-latest", self.fake._next_id("modr-")))
        elif op.startswith("batches"):
            batch_id = op.partition("/")[2] or "batch_fake"
            self.send_json(200, payloads.batch(batch_id, output_file_id=f"file-out-{batch_id}"), headers)
        else:  # files/{id}/content: a batch's output file
            calls = [("gpt-4o-mini-2024-07-18", 1200, 150), ("gpt-4o-mini-2024-07-18", 800, 90)]
            self.send_bytes(200, payloads.batch_output(calls), "application/octet-stream", headers)

    # ---- sending -------------------------------------------------------------------------------------------
    def send_error_body(self, status: int, message: str, param: str | None = None) -> None:
        kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
        error = {"message": message, "type": kind, "param": param, "code": ERROR_CODES.get(status)}
        headers = {"x-request-id": self.fake._next_id("req_")}
        if status == 429 or status >= 500:
            headers.update({"retry-after": "0", "retry-after-ms": "1"})
        self.send_json(status, {"error": error}, headers)

    def _send_plain(self, payload: dict[str, Any], faults: _Faults) -> None:
        headers = {"x-request-id": self.fake._next_id("req_"), "openai-processing-ms": "1"}
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

    def _send_events(self, events: list[tuple[str | None, dict[str, Any]]], faults: _Faults, done: bool) -> None:
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
        self.start_chunked(200, "text/event-stream; charset=utf-8", {"x-request-id": self.fake._next_id("req_")})
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


def _form(content_type: str, raw: bytes, body: Any) -> Any:
    """A multipart form's text fields as a dict (file fields are skipped), else the JSON body as it was parsed."""
    if not content_type.startswith("multipart/form-data"):
        return body
    message = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    fields: dict[str, Any] = {}
    for part in message.walk():
        name = part.get_param("name", header="content-disposition")
        if name and part.get_filename() is None:
            fields[str(name)] = (part.get_payload(decode=True) or b"").decode(errors="replace")
    for key in ("n",):
        if str(fields.get(key, "")).isdigit():
            fields[key] = int(fields[key])
    return fields


class FakeOpenAI(LoopbackServer):
    """A loopback OpenAI-compatible server; see the module docstring for endpoints, knobs and faults.

    ``deployments`` maps Azure deployment names to the model the deployment serves (its snapshot is what the
    responses report); a deployment not listed serves the model of its own name.

    Attributes: ``base_url``, ``azure_endpoint``, ``url``, ``port``; ``requests`` (a snapshot list of
    :class:`RecordedRequest`), ``request_count``, ``last_request``, ``clear()``; ``connections_accepted`` (TCP
    connections served) and ``handler_errors`` (exceptions in the fake itself; tests can assert it is empty).
    """

    handler_class = _FakeOpenAIHandler

    def __init__(self, port: int = 0, *, deployments: Mapping[str, str] | None = None) -> None:
        super().__init__(port=port)
        self.deployments = dict(deployments or {})
        self._requests: list[RecordedRequest] = []
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        """For ``OpenAI(base_url=...)``: ``http://127.0.0.1:PORT/v1``."""
        return self.url + "/v1"

    @property
    def azure_endpoint(self) -> str:
        """For ``AzureOpenAI(azure_endpoint=...)``: ``http://127.0.0.1:PORT``."""
        return self.url

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, oldest first."""
        with self.lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        with self.lock:
            return len(self._requests)

    @property
    def last_request(self) -> RecordedRequest | None:
        with self.lock:
            return self._requests[-1] if self._requests else None

    def clear(self) -> None:
        with self.lock:
            self._requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self.lock:
            self._requests.append(request)

    def _next_id(self, prefix: str) -> str:
        with self.lock:
            return f"{prefix}fake{next(self._ids):06d}"


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted: ``python -m otel_aicost.demo [--port PORT]``."""
    import argparse

    parser = argparse.ArgumentParser(description="Loopback OpenAI-compatible endpoint (no API key, no network).")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    args = parser.parse_args(argv)
    with FakeOpenAI(port=args.port) as server:
        print(f"fake OpenAI on {server.base_url} (Azure endpoint {server.azure_endpoint}); Ctrl-C stops it",
              flush=True)
        try:
            server.closing.wait()
        except KeyboardInterrupt:
            pass

