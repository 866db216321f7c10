"""The SDK floor: the CPU cost of emitting exactly what otel-aicost emits per call, with the SDK alone.

One instrumented call of each case is captured (span name, kind, attributes; every metric point's instrument,
attributes and value). Then the same span and the same records are made straight through the SDK, on the same
pipeline as ``overhead.py`` (``modes.Pipeline``: batch span processor, in-memory metric reader), with no
instrumentation code at all. Ours can only approach this from above, except where it records less often than
once per value (the stream's chunk gaps: one batch per stream, see ``instrumentation/histogram_records.py``).

    .venv/bin/python bench/sdk_floor.py --calls 2000 --rounds 5
    setarch x86_64 -R .venv/bin/python bench/sdk_floor.py --instructions --calls 40   # deterministic: callgrind

``--instructions`` counts the floor in machine instructions instead, the way ``cache_misses.py`` counts an
instrumented call (callgrind, collection only inside a C call around each batch): per case, a batch of ``--calls``
floor iterations (span, records, the span export flushed; the loop itself is a few hundred instructions an
iteration), so it compares with ``cache_misses.py``'s added instructions per call of the same case.
"""

from __future__ import annotations

import argparse
import gc
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import modes
import worker
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_aicost import semconv
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

BUCKETS = {
    semconv.METRIC_TOKEN_USAGE: semconv.TOKEN_BUCKETS,
    semconv.METRIC_COST: semconv.COST_BUCKETS,
}


# the cases whose floor means something here: worker.py's own, but those inside an application's span (made by the
# global tracer, not captured)
CASES = tuple(case for case in worker.CASES if case not in worker.APP_SPANS_PER_CALL)


def capture(case: str) -> tuple[object, list[tuple[str, str, float, dict]]]:
    """The span and the metric records one instrumented call of ``case`` makes."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    try:
        worker.Caller().run(case, 1)  # the call as the benchmark makes it, through the SDK's instrumented methods
    finally:
        instrumentor.uninstrument()
    (span,) = exporter.get_finished_spans()
    records = []
    for resource_metrics in reader.get_metrics_data().resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                for point in metric.data.data_points:
                    value = point.sum / point.count
                    records += [(metric.name, metric.unit, value, dict(point.attributes))] * point.count
    return span, records


def floor(pipe: modes.Pipeline, span: object, records: list, calls: int) -> float:
    """CPU µs per call for the span and records alone."""
    once = _floor_loop(pipe, span, records)
    start = time.process_time()
    for _ in range(calls):
        once()
    pipe.tracer_provider.force_flush()
    return (time.process_time() - start) / calls * 1e6


def _floor_loop(pipe: modes.Pipeline, span: object, records: list) -> callable:  # noqa: ANN001
    """One floor iteration (the span and the records of one call) as a function of no arguments."""
    tracer = pipe.tracer_provider.get_tracer("otel_aicost")
    meter = pipe.meter_provider.get_meter("otel_aicost")
    histograms = {}
    for name, unit, _, _ in records:
        boundaries = list(BUCKETS.get(name, semconv.DURATION_BUCKETS))
        histograms[name] = meter.create_histogram(name, unit=unit, explicit_bucket_boundaries_advisory=boundaries)
    bound = [(histograms[name].record, value, attributes) for name, _, value, attributes in records]
    attributes = dict(span.attributes)

    def once() -> None:
        tracer.start_span(span.name, kind=span.kind, attributes=attributes).end()
        for record, value, point_attributes in bound:
            record(value, point_attributes)

    return once


def _instructions_in_process(cases: list[str], calls: int) -> None:
    """Under callgrind: per case a floor batch inside one C call (one dump each)."""
    from cache_misses import _in_c

    pipe = modes.Pipeline()
    for case in cases:
        span, records = capture(case)
        once = _floor_loop(pipe, span, records)
        for _ in range(200):  # warm-up: lazy imports, aggregations created
            once()
        pipe.tracer_provider.force_flush()

        def batch() -> None:
            for _ in range(calls):
                once()
            pipe.tracer_provider.force_flush()

        gc.collect()
        _in_c(batch)


def instructions(cases: list[str], calls: int) -> dict[str, float]:
    """The floor of each case in instructions per call (callgrind, deterministic)."""
    from cache_misses import _OTHER_SORTS, _total

    out_dir = tempfile.mkdtemp(prefix="callgrind-floor-")
    prefix = os.path.join(out_dir, "floor")
    command = [
        "valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=qsort_r", "--dump-after=qsort_r",
        f"--callgrind-out-file={prefix}.out", "--dump-instr=no", sys.executable, __file__, "--in-process",
        "--calls", str(calls), "--cases", *cases,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        raise SystemExit(f"valgrind exit {done.returncode}\n{done.stderr[-3000:]}")
    dumps = sorted((p for p in glob.glob(prefix + ".out.*") if re.search(r"\.out\.\d+$", p)),
                   key=lambda p: int(p.rsplit(".", 1)[1]))  # fmt: skip
    dumps = [p for p in dumps if _total(p) > _OTHER_SORTS]
    if len(dumps) != len(cases):
        raise SystemExit(f"expected {len(cases)} dumps, found {len(dumps)} in {out_dir}")
    return {case: _total(dumps[i]) / calls for i, case in enumerate(cases)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=["chat", "stream", "stream_broken", "embeddings"])
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions per call under callgrind instead of timing (deterministic)")
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        _instructions_in_process(args.cases, args.calls)
        return
    if args.instructions:
        for case, per_call in instructions(args.cases, args.calls).items():
            print(f"{case}: SDK floor {per_call / 1e3:.0f}k instructions per call (callgrind)")
        return
    pipe = modes.Pipeline()
    for case in args.cases:
        span, records = capture(case)
        floor(pipe, span, records, 200)  # warm-up
        per_call = [floor(pipe, span, records, args.calls) for _ in range(args.rounds)]
        print(f"{case}: {len(span.attributes)} span attributes, {len(records)} metric records: "
              f"median {statistics.median(per_call):.0f} µs CPU per call (rounds: "
              f"{', '.join(f'{v:.0f}' for v in per_call)})")


if __name__ == "__main__":
    main()
