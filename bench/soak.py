"""Soak, full size: 200,000 instrumented calls, memory sampled as they go. Run: python bench/soak.py

The workload of ``tests/integration/test_soak.py`` (chat, streams read to the end, closed early and abandoned without
``close()``, embeddings, Responses streams; mock transport, spans counted and dropped). Every tenth of the run
prints the resident memory, the live Python objects and the live instances of our classes and the SDK's spans.
``--tracemalloc`` also traces Python allocations (slower, more exact). Exits 1 if, after the first tenth
(warm-up), live objects grow by 1,000 or more, resident memory by 10 MiB or more, anything of ours is still
alive at the end, spans differ from calls, or a context leaked.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from opentelemetry import context, trace  # noqa: E402

from otel_aicost.instrumentation import wrapper  # noqa: E402
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor  # noqa: E402
from tests.support.soak import live_counts, make_client, one_call, providers  # noqa: E402

OURS = ("Call", "StreamFacts", "StreamProxy", "AsyncStreamProxy", "RawResponseProxy", "_Span", "Span")


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    tracer_provider, meter_provider, exporter = providers()
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    api = make_client()
    if args.tracemalloc:
        tracemalloc.start()
    step = max(1, args.calls // 10)
    samples = []
    start = time.perf_counter()
    print(f"{'calls':>8} {'seconds':>8} {'RSS MiB':>8} {'objects':>8} {'traced KiB':>10}  watched")
    for number in range(args.calls):
        one_call(api, number)
        if (number + 1) % step == 0:
            counts = live_counts()
            traced = tracemalloc.get_traced_memory()[0] / 1024 if args.tracemalloc else float("nan")
            sample = (number + 1, rss_mib(), len(gc.get_objects()), traced)
            samples.append(sample)
            print(f"{sample[0]:8} {time.perf_counter() - start:8.1f} {sample[1]:8.1f} {sample[2]:8} {traced:10.1f}  "
                  f"{dict(counts)}", flush=True)  # fmt: skip
    final = live_counts()
    instrumentor.uninstrument()

    failures = []
    (_, rss_0, objects_0, traced_0), (_, rss_1, objects_1, traced_1) = samples[0], samples[-1]
    if objects_1 - objects_0 >= 1000:
        failures.append(f"live objects grew {objects_0} -> {objects_1} after warm-up")
    if rss_1 - rss_0 >= 10:
        failures.append(f"resident memory grew {rss_0:.1f} -> {rss_1:.1f} MiB after warm-up")
    if any(final[name] for name in OURS):
        failures.append(f"still alive at the end: {dict(final)}")
    if exporter.spans != args.calls or exporter.without_status:
        failures.append(f"{exporter.spans} spans for {args.calls} calls ({exporter.without_status} without status)")
    if context.get_current() != {} or trace.get_current_span() is not trace.INVALID_SPAN or wrapper._IN_CALL.get():
        failures.append("a context leaked")
    print(f"calls {args.calls}  spans {exporter.spans}  objects after warm-up {objects_0} -> {objects_1}  "
          f"RSS {rss_0:.1f} -> {rss_1:.1f} MiB" + (f"  traced {traced_0:.0f} -> {traced_1:.0f} KiB"
                                                   if args.tracemalloc else ""))  # fmt: skip
    for failure in failures:
        print("FAIL:", failure)
    print("OK" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
