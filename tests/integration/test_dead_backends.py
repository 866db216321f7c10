"""Dead or slow telemetry backends never slow the application's calls, never grow memory, never drop silently.

The real OTLP/HTTP span exporter behind the batch processor ``configure()`` installs
(``DropCountingBatchSpanProcessor``), pointed at a healthy loopback receiver, a closed port, a receiver that never
answers, receivers answering 500 and 429, and Azure Monitor ingestion answering 500. Calls go to the mock
transport, so what is measured is our part.
Latency is compared in the same run, backends interleaved in rounds, and only loosely (p50 within 2x + 1 ms):
the point is that no call waits on export. The full-size table: ``python bench/dead_backends.py``.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan

from tests.support.backends import DEAD, QUEUE, Rig, p
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    r = Rig()
    yield r
    r.close()


def test_calls_keep_their_latency_when_the_backend_is_dead(rig: Rig) -> None:
    for name in rig.backends:  # warm up every path once
        rig.calls(rig.use(name), 50)
    for _ in range(4):  # interleaved rounds: machine noise hits every backend alike
        for name in rig.backends:
            backend = rig.use(name)
            timings = rig.calls(backend, 150)
            backend.latencies += timings
            backend.round_medians.append(statistics.median(timings))
    healthy = min(rig.backends["healthy"].round_medians)
    table = {name: (min(b.round_medians) * 1e3, p(b.latencies, 0.99) * 1e3) for name, b in rig.backends.items()}
    print("\nbackend   p50 ms   p99 ms\n" + "\n".join(f"{n:8} {a:7.3f} {b:8.3f}" for n, (a, b) in table.items()))
    for name in DEAD:
        assert min(rig.backends[name].round_medians) <= 2 * healthy + 0.001, table


def test_healthy_backend_gets_every_span_not_counted_as_dropped(rig: Rig) -> None:
    """Even a healthy backend can fall behind a burst into a 64-span queue: what it did not get is counted."""
    backend = rig.use("healthy")
    rig.calls(backend, 20)
    assert backend.processor.force_flush(5000)
    health = backend.health
    receiver = rig.receivers["ok"]
    receiver.wait_for(lambda r: len(r.spans()) >= health.exported)
    assert len(receiver.spans()) == health.exported > 0
    assert health.export_failed == 0
    assert health.exported + health.queue_full == backend.calls == health.received


def _live_spans() -> int:
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), ReadableSpan))


@pytest.mark.parametrize("name", DEAD)
def test_queue_is_capped_and_drops_are_counted(rig: Rig, name: str) -> None:
    backend = rig.use(name)
    gc.collect()
    before = _live_spans()  # spans other tests of this process still hold are not ours to count
    rig.calls(backend, 300)  # fill the queue past its cap while exports fail or hang
    rig.calls(backend, 700)
    queue = backend.health.queue
    assert queue is not None and len(queue) <= QUEUE
    gc.collect()
    live_spans = _live_spans() - before
    # Every live span is in some backend's capped queue or in one of its (at most two) export batches in flight.
    queued = sum(len(b.health.queue) for b in rig.backends.values() if b.health.queue is not None)
    in_flight = len(rig.backends) * 2 * 32
    assert live_spans <= queued + in_flight + 8, f"{live_spans} more spans alive after 1,000 calls: they pile up somewhere"
    deadline = time.monotonic() + 10
    while backend.health.export_failed == 0 and time.monotonic() < deadline:  # the first export has to give up
        time.sleep(0.05)
    health = backend.health
    assert health.export_failed > 0
    if name == "hang":  # the others fail fast, so their queue drains; a hanging one holds each batch 0.5 s
        assert health.queue_full > 0, "1,000 calls into a 64-span queue behind a backend that never answers"
    assert health.exported == 0
    assert health.received == backend.calls, "every ended span reached the processor"
    assert health.dropped > 0


CONFIGURE_SCRIPT = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(name)s %(levelname)s %(message)s")
from opentelemetry import trace
from otel_aicost.export import health as export_health
from otel_aicost.export.configure import configure
from tests.support import payloads
from tests.support.mock_openai import client, json_response
configure()
api = client(lambda request: json_response(payloads.chat_completion()))
for _ in range(300):
    api.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
trace.get_tracer_provider().shutdown()
h = export_health.health
print(json.dumps({"received": h.received, "queue_full": h.queue_full, "export_failed": h.export_failed,
                  "exported": h.exported}))
"""


def test_configure_reports_dropped_spans_in_a_log_line() -> None:
    """``configure()`` with OTLP to a backend that never answers: the process says how many spans it dropped."""
    receiver = OTLPReceiver(mode="hang").start()
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="300",  # milliseconds, as the specification says
        OTEL_BSP_MAX_QUEUE_SIZE="16",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE="8",
        OTEL_METRICS_EXPORTER="none",
        OTEL_AICOST_RAISE_INTERNAL_ERRORS="1",
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        done = subprocess.run([sys.executable, "-c", CONFIGURE_SCRIPT], env=env, cwd=root, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
    finally:
        receiver.close()
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    assert counts["exported"] == 0 and counts["received"] == 300
    assert counts["queue_full"] + counts["export_failed"] == 300
    assert counts["queue_full"] > 0 and counts["export_failed"] > 0
    report = [line for line in done.stderr.splitlines() if line.startswith("otel_aicost WARNING")]
    assert report, done.stderr
    assert any("300 spans dropped so far" in line for line in report), report  # the explicit shutdown's report
    assert "not sent at exit: 300 spans" in report[-1], report  # and the one line at exit
