"""Dead or slow telemetry backends never slow the application's calls, never grow memory, never drop silently.

The real OTLP/HTTP span exporter behind the batch processor ``configure()`` installs
(``DropCountingBatchSpanProcessor``), pointed at a healthy loopback receiver, a closed port, a receiver that never
answers, and receivers answering 500 and 429. Calls go to the mock transport, so what is measured is our part.
Latency is compared in the same run, backends interleaved in rounds, and only loosely (p50 within 2x + 1 ms):
the point is that no call waits on export. The full-size table: ``python bench/dead_backends.py``.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider

from otel_aicost.export_health import DropCountingBatchSpanProcessor, ExportHealth
from otel_aicost.instrumentor import OpenAICostInstrumentor
from tests.support import payloads
from tests.support.mock_openai import client, json_response
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration

QUEUE = 64
EXPORT_TIMEOUT = 0.5  # seconds; the hanging backend holds each export this long
MESSAGES = [{"role": "user", "content": "hi"}]
DEAD = ("refused", "hang", "500", "429")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Switchboard(SpanProcessor):
    """Sends every span to the processor of the backend under test."""

    def __init__(self) -> None:
        self.current: SpanProcessor | None = None

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.current.on_start(span, parent_context)  # type: ignore[union-attr]

    def on_end(self, span: Any) -> None:
        self.current.on_end(span)  # type: ignore[union-attr]


class Backend:
    def __init__(self, name: str, endpoint: str, receiver: OTLPReceiver | None) -> None:
        self.name, self.receiver = name, receiver
        self.health = ExportHealth()
        self.processor = DropCountingBatchSpanProcessor(
            OTLPSpanExporter(endpoint=endpoint, timeout=EXPORT_TIMEOUT), export_health=self.health,
            max_queue_size=QUEUE, max_export_batch_size=32, schedule_delay_millis=20,
        )  # fmt: skip
        self.latencies: list[float] = []
        self.round_medians: list[float] = []
        self.calls = 0


class Rig:
    def __init__(self) -> None:
        self.receivers = {mode: OTLPReceiver(mode=mode).start() for mode in ("ok", "hang", "500", "429")}
        endpoints = {name: r.traces_endpoint for name, r in self.receivers.items()}
        self.backends = {"healthy": Backend("healthy", endpoints["ok"], self.receivers["ok"])}
        self.backends["refused"] = Backend("refused", f"http://127.0.0.1:{closed_port()}/v1/traces", None)
        for name in ("hang", "500", "429"):
            self.backends[name] = Backend(name, endpoints[name], self.receivers[name])
        self.switch = Switchboard()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(self.switch)
        self.instrumentor = OpenAICostInstrumentor()
        self.instrumentor.instrument(tracer_provider=self.tracer_provider, meter_provider=MeterProvider())
        self.api = client(lambda request: json_response(payloads.chat_completion()))

    def use(self, name: str) -> Backend:
        backend = self.backends[name]
        self.switch.current = backend.processor
        return backend

    def calls(self, backend: Backend, count: int) -> list[float]:
        create = self.api.chat.completions.create
        timings = []
        for _ in range(count):
            start = time.perf_counter()
            create(model="gpt-4o-mini", messages=MESSAGES)
            timings.append(time.perf_counter() - start)
        backend.calls += count
        return timings

    def close(self) -> None:
        self.instrumentor.uninstrument()
        for receiver in self.receivers.values():
            receiver.mode = "ok" if receiver.mode == "hang" else receiver.mode  # let a held export finish
        for backend in self.backends.values():
            backend.processor.shutdown()
        for receiver in self.receivers.values():
            receiver.close()


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    r = Rig()
    yield r
    r.close()


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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


def test_healthy_backend_receives_every_span(rig: Rig) -> None:
    backend = rig.use("healthy")
    rig.calls(backend, 20)
    assert backend.processor.force_flush(5000)
    receiver = rig.receivers["ok"]
    receiver.wait_for(lambda r: len(r.spans()) >= backend.calls)
    assert len(receiver.spans()) == backend.calls
    assert backend.health.dropped == 0 and backend.health.exported == backend.calls


@pytest.mark.parametrize("name", DEAD)
def test_queue_is_capped_and_drops_are_counted(rig: Rig, name: str) -> None:
    backend = rig.use(name)
    rig.calls(backend, 300)  # fill the queue past its cap while exports fail or hang
    rig.calls(backend, 700)
    queue = backend.health.queue
    assert queue is not None and len(queue) <= QUEUE
    gc.collect()
    live_spans = sum(1 for obj in gc.get_objects() if isinstance(obj, ReadableSpan))
    assert live_spans <= QUEUE + 2 * 32 + 8, f"{live_spans} spans alive after 1,000 calls: they pile up somewhere"
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
from otel_aicost import export_health
from otel_aicost.setup import configure
from tests.support import payloads
from tests.support.mock_openai import client, json_response
configure()
api = client(lambda request: json_response(payloads.chat_completion()))
for _ in range(300):
    api.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
trace.get_tracer_provider().shutdown()
h = export_health.health
print(json.dumps({"received": h.received, "queue_full": h.queue_full, "export_failed": h.export_failed, "exported": h.exported}))
"""


def test_configure_reports_dropped_spans_in_a_log_line() -> None:
    """``configure()`` with OTLP to a backend that never answers: the process says how many spans it dropped."""
    receiver = OTLPReceiver(mode="hang").start()
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env.update(
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_TIMEOUT="0.3",
        OTEL_BSP_MAX_QUEUE_SIZE="16",
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE="8",
        OTEL_METRICS_EXPORTER="none",
        OTEL_AICOST_RAISE_INTERNAL_ERRORS="1",
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
    assert "300 spans dropped so far" in report[-1], report
