"""A soak workload: many calls of every shape, some streams abandoned, and counts of what stays alive.

Shared by ``tests/integration/test_soak.py`` (5,000 calls) and ``bench/soak.py`` (200,000 calls). Calls go to the SDK's mock
transport, so nothing but the SDK and us allocates; spans go to an exporter that only counts them.
"""

from __future__ import annotations

import gc
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import openai
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from otel_aicost import allocate
from tests.support import payloads
from tests.support.mock_openai import client, httpx, sse, sse_response

MESSAGES = [{"role": "user", "content": "hi"}]
SHAPES = ("chat", "chat_stream", "abandoned_stream", "embeddings", "closed_stream") + (
    ("responses_stream",) if hasattr(openai.OpenAI, "responses") else ()  # openai < 1.66 has no Responses API
)
# the classes whose instances must not pile up: ours, the SDK's spans, the openai streams
WATCHED = ("Call", "StreamFacts", "StreamProxy", "AsyncStreamProxy", "RawResponseProxy", "_Span", "Span",
           "ReadableSpan", "Stream", "ChatCompletion", "ChatCompletionChunk", "CreateEmbeddingResponse")  # fmt: skip

_CHAT = json.dumps(payloads.chat_completion()).encode()
_EMBEDDINGS = json.dumps(payloads.embeddings()).encode()
_RESPONSE_EVENTS = sse(payloads.response_events())


class CountingExporter(SpanExporter):
    """Counts spans (and those without a pricing status) and keeps none of them."""

    def __init__(self) -> None:
        self.spans = 0
        self.without_status = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            self.spans += 1
            if "aicost.pricing.status" not in span.attributes:
                self.without_status += 1
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def providers() -> tuple[TracerProvider, MeterProvider, CountingExporter]:
    exporter = CountingExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()]), exporter


def _respond(request: Any) -> Any:
    path = request.url.path
    if path.endswith("/embeddings"):
        return _raw(_EMBEDDINGS)
    if path.endswith("/responses"):
        return sse_response(_RESPONSE_EVENTS)
    body = json.loads(request.content)
    if body.get("stream"):
        asked = bool((body.get("stream_options") or {}).get("include_usage"))
        return sse_response(sse(payloads.chat_chunks(include_usage=asked)))
    return _raw(_CHAT)


def _raw(body: bytes) -> Any:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def make_client() -> Any:
    return client(_respond)


def one_call(api: Any, number: int) -> None:
    shape = SHAPES[number % len(SHAPES)]
    with allocate(team=f"team-{number % 7}"):
        if shape == "chat":
            api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        elif shape == "chat_stream":
            for _ in api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
                pass
        elif shape == "abandoned_stream":  # break without close, then drop the last reference
            stream = api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
            for _ in stream:
                break
            del stream
        elif shape == "closed_stream":
            with api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True) as stream:
                next(iter(stream))
        elif shape == "embeddings":
            api.embeddings.create(model="text-embedding-3-small", input="hi")
        else:
            for _ in api.responses.create(model="gpt-4o", input="hi", stream=True):
                pass


def live_counts() -> Counter[str]:
    """Live instances of the watched classes, after a full collection."""
    gc.collect()
    counts: Counter[str] = Counter()
    for obj in gc.get_objects():
        name = type(obj).__name__
        if name in WATCHED:
            counts[name] += 1
    return counts
