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
in :mod:`otel_aicost.demo.payloads.generation`.

Knobs in the request body (pass them with ``extra_body=``):
``fake_words`` / ``fake_chunks`` (output pieces = tokens = content chunks, default 8),
``fake_prompt_tokens``, ``fake_cached_tokens``, ``fake_reasoning_tokens`` (override the counts),
``fake_usage: false`` (no usage at all). Like the real API, ``stream_options`` without ``"stream": true`` is a 400.
Chat tool calls are returned when ``tool_choice`` forces one (see ``payloads.generation``).

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

import itertools
from collections.abc import Mapping

from otel_aicost.demo.handler import FakeOpenAIHandler, RecordedRequest
from otel_aicost.demo.loopback import LoopbackServer

__all__ = ["FakeOpenAI", "RecordedRequest", "main"]


class FakeOpenAI(LoopbackServer):
    """A loopback OpenAI-compatible server; see the module docstring for endpoints, knobs and faults.

    ``deployments`` maps Azure deployment names to the model the deployment serves (its snapshot is what the
    responses report); a deployment not listed serves the model of its own name.

    Attributes: ``base_url``, ``azure_endpoint``, ``url``, ``port``; ``requests`` (a snapshot list of
    :class:`RecordedRequest`), ``request_count``, ``last_request``, ``clear()``; ``connections_accepted`` (TCP
    connections served) and ``handler_errors`` (exceptions in the fake itself; tests can assert it is empty).
    """

    handler_class = FakeOpenAIHandler

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
