"""Call latency with a healthy vs a dead telemetry backend, full size. Run: python bench/dead_backends.py

Same setup as ``tests/integration/test_dead_backends.py``: the real OTLP/HTTP span exporter behind the batch processor that
``configure()`` installs, pointed at a healthy loopback receiver, a closed port, a receiver that never answers,
and receivers answering 500 and 429; the calls themselves go to a mock transport so only our part is measured.
Backends are interleaved in rounds. Prints p50/p99 per backend, the spans dropped, and the peak of live spans;
exits 1 if a dead backend's p50 is more than 2x + 1 ms the healthy one's.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from opentelemetry.sdk.trace import ReadableSpan  # noqa: E402

from tests.support.backends import QUEUE, Rig, p  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per backend per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.ERROR)  # the exporters' failure logs, thousands of them; the totals are printed below

    rig = Rig()
    try:
        medians: dict[str, list[float]] = {name: [] for name in rig.backends}
        samples: dict[str, list[float]] = {name: [] for name in rig.backends}
        for name in rig.backends:
            rig.calls(rig.use(name), 200)  # warm-up
        live_peak = 0
        for _ in range(args.rounds):
            for name in rig.backends:
                timings = rig.calls(rig.use(name), args.calls)
                samples[name] += timings
                medians[name].append(p(timings, 0.5))
            gc.collect()
            live_peak = max(live_peak, sum(1 for obj in gc.get_objects() if issubclass(type(obj), ReadableSpan)))
        healthy = min(medians["healthy"])
        print(f"{args.rounds} rounds x {args.calls} calls per backend; queue {QUEUE}, export timeout 0.5 s")
        print(f"{'backend':8} {'calls':>7} {'p50 ms':>8} {'p99 ms':>8} {'exported':>9} {'queue full':>10} "
              f"{'failed':>7}")  # fmt: skip
        failures = []
        for name, backend in rig.backends.items():
            health = backend.health
            p50 = min(medians[name])
            print(f"{name:8} {backend.calls:7} {p50 * 1e3:8.3f} {p(samples[name], 0.99) * 1e3:8.3f} "
                  f"{health.exported:9} {health.queue_full:10} {health.export_failed:7}")  # fmt: skip
            if name != "healthy" and p50 > 2 * healthy + 0.001:
                failures.append(f"{name}: p50 {p50 * 1e3:.3f} ms > 2x healthy + 1 ms")
        print(f"live spans at most {live_peak} (queue cap {QUEUE} per processor, {len(rig.backends)} processors)")
        for failure in failures:
            print("FAIL:", failure)
        return 1 if failures else 0
    finally:
        rig.close()


if __name__ == "__main__":
    sys.exit(main())
