"""How fast the embedded default destination encodes and writes spans (run on demand, not in CI).

    .venv/bin/python bench/bench_file_exporter.py [--spans 20000] [--rounds 5]

Spans look like ours: a GenAI client span with ~20 attributes (model, tokens, cost, tags) and one event.
Compared, per round (interleaved, medians of CPU time reported):
  * ours: the hand-written OTLP/JSON text encoder (encode only, UTF-8 bytes of the line);
  * library: the SDK's OTLP protobuf encoder + ``json_format.MessageToDict`` + ids to hex + ``json.dumps``
    (``otlp_json.library_encode_spans``: the same line through the official encoders, issue 9 item 3);
  * protobuf-bytes: the SDK's protobuf encoder + ``SerializeToString`` (what the OTLP/HTTP exporter does);
  * file batch 512: ``JsonLinesFileSpanExporter.export`` of 512-span batches (BatchSpanProcessor's default);
  * file batch 1: one span per export (SimpleSpanProcessor).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as pb_encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from otel_aicost.export.file import JsonLinesFileSpanExporter, to_json_line
from otel_aicost.export.otlp_json import library_encode_spans, spans_to_json, to_json_text


def make_spans(count: int) -> list:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "support-bot", "deployment.environment": "prod"})
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("otel_aicost", "0.1.0")
    for index in range(count):
        with tracer.start_as_current_span("chat gpt-4o-mini", kind=SpanKind.CLIENT) as span:
            span.set_attributes(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": "openai",
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
                    "gen_ai.response.id": f"chatcmpl-{index:020d}",
                    "gen_ai.response.finish_reasons": ("stop",),
                    "gen_ai.usage.input_tokens": 1200 + index % 100,
                    "gen_ai.usage.output_tokens": 300,
                    "gen_ai.usage.cache_read.input_tokens": 1024,
                    "gen_ai.usage.cost": 0.000384,
                    "aicost.cost.input": 0.00018,
                    "aicost.cost.output": 0.00018,
                    "aicost.cost.currency": "USD",
                    "aicost.pricing.source": "genai-prices",
                    "server.address": "api.openai.com",
                    "server.port": 443,
                    "team": "search",
                    "cost_center": "cc-123",
                    "application": "support-bot",
                    "feature": "answer",
                }
            )
            span.add_event("gen_ai.first_chunk", {"gen_ai.response.time_to_first_chunk": 0.21})
    return list(exporter.get_finished_spans())


def timed(function) -> float:
    """CPU seconds (user + system) of this process: steadier than wall time on a shared, noisy machine."""
    start = time.process_time()
    function()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    spans = make_spans(args.spans)
    batches = [spans[i : i + 512] for i in range(0, len(spans), 512)]
    singles = spans[: min(len(spans), 5_000)]
    line_sizes = [len(to_json_line(spans_to_json(batch))) for batch in batches]

    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        for round_index in range(args.rounds):
            cases = {
                "ours (encode to JSON line)": (lambda: [to_json_line(spans_to_json(b)) for b in batches], len(spans)),
                "library (protobuf + json_format)": (
                    lambda: [to_json_line(to_json_text(library_encode_spans(b))) for b in batches],
                    len(spans),
                ),
                "protobuf + SerializeToString": (
                    lambda: [pb_encode_spans(b).SerializeToString() for b in batches],
                    len(spans),
                ),
            }
            batch_exporter = JsonLinesFileSpanExporter(f"{directory}/b{round_index}")
            single_exporter = JsonLinesFileSpanExporter(f"{directory}/s{round_index}")
            cases["file, batches of 512"] = (lambda e=batch_exporter: [e.export(b) for b in batches], len(spans))
            cases["file, one span per export"] = (
                lambda e=single_exporter: [e.export([s]) for s in singles],
                len(singles),
            )
            for name, (function, count) in cases.items():
                results.setdefault(name, []).append(count / timed(function))
            batch_exporter.shutdown()
            single_exporter.shutdown()

    print(
        f"{args.spans} GenAI spans, {args.rounds} rounds, median spans/s "
        f"(one line of 512 spans = {statistics.median(line_sizes) / 1024:.0f} KiB):"
    )
    for name, rates in results.items():
        print(
            f"  {name:32s} {statistics.median(rates):>12,.0f} spans/s   ({1e6 / statistics.median(rates):6.1f} µs/span)"
        )


if __name__ == "__main__":
    main()
