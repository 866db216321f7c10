"""The fake OpenAI endpoint's request handler: parse and record each request, route it, answer with the
payload builders of :mod:`otel_aicost.demo.payloads` (faults as :mod:`otel_aicost.demo.faults` reads them).
"""

from __future__ import annotations

import email
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from otel_aicost.demo.faults import Faults, FaultySender, faults_of
from otel_aicost.demo.payloads import audio, batches, chat, completions, embeddings, images, moderations
from otel_aicost.demo.payloads.generation import REASONING_MODEL, SNAPSHOTS, generate, prompt_tokens_of
from otel_aicost.demo.payloads.responses import ResponseBuilder, responses_generation

ROUTE = re.compile(r"^(?P<azure>/openai)?(?:/deployments/(?P<deployment>[^/]+))?(?:/v1)?/(?P<op>chat/completions|"
                   r"completions|embeddings|responses|models|images/generations|images/edits|images/variations|"
                   r"audio/speech|audio/transcriptions|audio/translations|moderations|batches(?:/[^/]+)?|"
                   r"files/[^/]+/content)$")
MEDIA_OPS = ("images/", "audio/", "moderations", "batches", "files/")


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


class Endpoint(Protocol):
    """What a handler needs of the server that owns it (``FakeOpenAI``): its deployments, its request log, its ids."""

    deployments: dict[str, str]

    def _record(self, request: RecordedRequest) -> None: ...

    def _next_id(self, prefix: str) -> str: ...


class FakeOpenAIHandler(FaultySender):
    """One connection to :class:`~otel_aicost.demo.fake_openai.FakeOpenAI`; the server owns the recorded requests."""

    server_version = "fake-openai"

    @property
    def fake(self) -> Endpoint:
        return self.server.owner  # type: ignore[return-value]

    def request_id(self) -> str:
        return self.fake._next_id("req_")

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
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in SNAPSHOTS]})
            return
        if not isinstance(body, dict):
            self.send_error_body(400, "We could not parse the JSON body of your request.")
            return
        deployment = route["deployment"]
        if deployment and "model" not in body:
            body = {**body, "model": deployment}
        model = str(body.get("model", ""))
        try:
            faults = faults_of(model, headers)
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

    def _answer(self, op: str, body: dict[str, Any], deployment: str | None, azure: bool, faults: Faults) -> None:
        fake = self.fake
        created = int(time.time())
        stream = bool(body.get("stream"))
        # Azure names the deployment in the path, or (v1 and Responses paths) in the model field.
        deployment_name = deployment or (str(body.get("model", "")) if azure else None)
        if deployment_name in fake.deployments:
            body = {**body, "model": fake.deployments[deployment_name]}
        if op == "embeddings":
            self.send_plain(embeddings.embeddings(body), faults)
            return
        if op == "responses":
            gen = responses_generation(body)
            reasoning = bool(REASONING_MODEL.match(str(body.get("model", ""))))
            builder = ResponseBuilder(gen, body, fake._next_id("resp_"), created, reasoning)
            if stream:
                self.send_events([(e["type"], e) for e in builder.events()], faults, done=False)
            else:
                self.send_plain(builder.response(final=True), faults)
            return
        if op == "completions":
            prompt = body.get("prompt", "")
            limit = body.get("max_tokens", 16)
            gen = generate(body, [prompt], limit, None, prompt_tokens_of(prompt))
            ident = fake._next_id("cmpl-")
            if stream:
                chunks = completions.completion_chunks(gen, ident, created)
                self.send_events([(None, c) for c in chunks], faults, done=True)
            else:
                self.send_plain(completions.completion(gen, ident, created), faults)
            return
        messages = body.get("messages") or []
        response_format = body.get("response_format") or {}
        json_format = response_format if response_format.get("type") in ("json_schema", "json_object") else None
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        gen = generate(body, messages, limit, json_format)
        ident = fake._next_id("chatcmpl-")
        if stream:
            chunks = chat.chat_chunks(gen, ident, created, azure=azure)
            self.send_events([(None, c) for c in chunks], faults, done=True)
        else:
            self.send_plain(chat.chat_completion(gen, ident, created, azure=azure), faults)

    def _answer_media(self, op: str, body: Any, deployment: str | None) -> None:
        """Images, audio, moderations, batches and file contents."""
        body = body if isinstance(body, dict) else {}
        model = str(body.get("model") or self.fake.deployments.get(deployment or "", deployment or ""))
        model = self.fake.deployments.get(model, model)
        headers = {"x-request-id": self.request_id()}
        if op.startswith("images/"):
            n = int(body.get("n") or 1)
            if body.get("stream") in (True, "true"):
                events = images.image_events(model, quality=str(body.get("quality") or "low"),
                                               edit=op == "images/edits")  # fmt: skip
                self.send_events([(e["type"], e) for e in events], Faults(), done=False)
                return
            image_model = model if op == "images/generations" else (model or "dall-e-2")
            self.send_json(200, images.image_response(image_model, n, body.get("size"), body.get("quality")), headers)
        elif op == "audio/speech":
            if body.get("stream_format") == "sse":
                self.send_bytes(200, audio.speech_events(len(str(body.get("input", "")).split())),
                                "text/event-stream", headers)  # fmt: skip
            else:
                self.send_bytes(200, audio.speech_audio(len(str(body.get("input", "")))), "audio/wav", headers)
        elif op.startswith("audio/"):
            if body.get("stream") == "true":
                events = audio.transcription_events()
                self.send_events([(e["type"], e) for e in events], Faults(), done=False)
            elif body.get("response_format") == "text":
                self.send_bytes(200, b"Hello from the fake endpoint.", "text/plain", headers)
            else:
                verbose = body.get("response_format") == "verbose_json"
                self.send_json(200, audio.transcription(model, seconds=body.get("fake_seconds", 42.0),
                                                           verbose=verbose), headers)  # fmt: skip
        elif op == "moderations":
            self.send_json(200, moderations.moderation(model or "omni-moderation-latest", self.fake._next_id("modr-")))
        elif op.startswith("batches"):
            batch_id = op.partition("/")[2] or "batch_fake"
            self.send_json(200, batches.batch(batch_id, output_file_id=f"file-out-{batch_id}"), headers)
        else:  # files/{id}/content: a batch's output file
            calls = [("gpt-4o-mini-2024-07-18", 1200, 150), ("gpt-4o-mini-2024-07-18", 800, 90)]
            self.send_bytes(200, batches.batch_output(calls), "application/octet-stream", headers)


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
