"""Load, full size: throughput bare vs instrumented, and the sums that must agree. Run: python bench/load.py

The loopback fake OpenAI runs in its own process (so its work does not share our GIL). Bare and instrumented
runs alternate ``--repeats`` times and the best of each counts (a busy machine slows both alike). Instrumented
runs use the SDK's BatchSpanProcessor and an in-memory metric reader. Asserts: spans == calls, every span
priced, the ``gen_ai.usage.cost`` histogram sum equals the sum of span costs (to 1e-9), and instrumented
throughput >= 90% of bare, for 64 threads and for 1,000 concurrent asyncio tasks.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult  # noqa: E402

from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor  # noqa: E402
from tests.support.load import run_tasks, run_threads, sync_client  # noqa: E402


class CostCollector(SpanExporter):
    """Keeps only what the check needs from each exported span: its cost and pricing status."""

    def __init__(self) -> None:
        self.spans = 0
        self.costs: list[float] = []
        self.unpriced = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        for span in spans:
            self.spans += 1
            cost = span.attributes.get("gen_ai.usage.cost")
            if cost is None or span.attributes.get("aicost.pricing.status") != "priced":
                self.unpriced += 1
            else:
                self.costs.append(cost)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def start_fake() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-m", "otel_aicost.demo"], stdout=subprocess.PIPE,
                               text=True)  # fmt: skip
    line = process.stdout.readline()  # type: ignore[union-attr]
    base_url = line.split(" on ", 1)[1].split(" ", 1)[0]
    return process, base_url


def cost_metric(reader: InMemoryMetricReader) -> tuple[int, float]:
    count, total = 0, 0.0
    data = reader.get_metrics_data()
    for resource_metrics in data.resource_metrics if data else ():
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                if metric.name == "gen_ai.usage.cost":
                    for point in metric.data.data_points:
                        count, total = count + point.count, total + point.sum
    return count, total


def compare(name: str, run: Callable[[], tuple[int, float]], repeats: int) -> tuple[float, float, int]:
    """Best throughput bare and instrumented (alternating); returns (bare, instrumented, instrumented calls)."""
    bare: list[float] = []
    instrumented: list[float] = []
    calls_instrumented = 0
    for _ in range(repeats):
        calls, seconds = run()
        bare.append(calls / seconds)
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        try:
            calls, seconds = run()
        finally:
            instrumentor.uninstrument()
        instrumented.append(calls / seconds)
        calls_instrumented += calls
    best_bare, best_instrumented = max(bare), max(instrumented)
    print(f"{name:30} bare {best_bare:8.1f} calls/s   instrumented {best_instrumented:8.1f} calls/s   "
          f"ratio {best_instrumented / best_bare:6.1%}   (runs: {[round(x) for x in bare]} / "
          f"{[round(x) for x in instrumented]})", flush=True)  # fmt: skip
    return best_bare, best_instrumented, calls_instrumented


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--calls-per-thread", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --tasks concurrent tasks per run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    process, base_url = start_fake()
    try:
        api = sync_client(base_url)
        run_threads(api, 8, 10)  # warm up connections and imports
        threads = compare(f"{args.threads} threads", lambda: run_threads(api, args.threads, args.calls_per_thread),
                          args.repeats)  # fmt: skip
        tasks = compare(f"{args.tasks} asyncio tasks", lambda: run_tasks(base_url, args.tasks, args.rounds),
                        args.repeats)  # fmt: skip
    finally:
        process.terminate()
        process.wait()

    tracer_provider.force_flush()
    calls = threads[2] + tasks[2]
    metric_count, metric_sum = cost_metric(reader)
    span_sum = math.fsum(collector.costs)
    print(
        f"calls {calls}  spans {collector.spans}  unpriced {collector.unpriced}  cost metric count {metric_count}"
        f"  metric sum {metric_sum:.12f}  span sum {span_sum:.12f}  diff {abs(metric_sum - span_sum):.2e}"
    )
    failures = []
    if collector.spans != calls or collector.unpriced or metric_count != calls:
        failures.append("spans, priced spans and cost measurements must all equal the calls")
    if abs(metric_sum - span_sum) >= 1e-9:
        failures.append("the cost metric does not add up to the span costs")
    for name, (bare, instrumented, _) in (("threads", threads), ("tasks", tasks)):
        if instrumented < 0.9 * bare:
            failures.append(f"{name}: instrumented throughput {instrumented:.1f} < 90% of bare {bare:.1f}")
    for failure in failures:
        print("FAIL:", failure)
    print("OK" if not failures else "FAILED")
    return 1 if failures else 0


collector = CostCollector()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(BatchSpanProcessor(collector, max_queue_size=100_000))
reader = InMemoryMetricReader()
meter_provider = MeterProvider(metric_readers=[reader])
instrumentor = OpenAICostInstrumentor()

if __name__ == "__main__":
    sys.exit(main())
