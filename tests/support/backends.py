"""Telemetry backends for dead-backend tests and benchmarks: healthy, refusing, hanging, 500, 429, and Azure
Monitor ingestion answering 500 (when the Azure Monitor exporter is installed).

One ``DropCountingBatchSpanProcessor`` (what ``configure()`` installs) with the real OTLP/HTTP exporter per
backend; a ``Switchboard`` processor sends the spans of the instrumented calls to the backend under test.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from otel_aicost.export.health import DropCountingBatchSpanProcessor, ExportHealth
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from tests.support import payloads
from tests.support.fake_azure_ingestion import FakeAzureIngestion
from tests.support.mock_openai import client, json_response
from tests.support.otlp_receiver import OTLPReceiver

QUEUE = 64
EXPORT_TIMEOUT = 0.5  # seconds; the hanging backend holds each export this long
MESSAGES = [{"role": "user", "content": "hi"}]
try:  # the Azure Monitor route, when its exporter is installed (the 'azure' extra; in the test extras)
    from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
except ImportError:  # pragma: no cover
    AzureMonitorTraceExporter = None
DEAD = ("refused", "hang", "500", "429") + (("azure500",) if AzureMonitorTraceExporter is not None else ())


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
    def __init__(self, name: str, exporter: Any, receiver: OTLPReceiver | None) -> None:
        self.name, self.receiver = name, receiver
        self.health = ExportHealth()
        self.processor = DropCountingBatchSpanProcessor(
            exporter, export_health=self.health, max_queue_size=QUEUE, max_export_batch_size=32,
            schedule_delay_millis=20,
        )  # fmt: skip
        self.latencies: list[float] = []
        self.round_medians: list[float] = []
        self.calls = 0


def _otlp(endpoint: str) -> OTLPSpanExporter:
    return OTLPSpanExporter(endpoint=endpoint, timeout=EXPORT_TIMEOUT)


class Rig:
    def __init__(self) -> None:
        self.receivers = {mode: OTLPReceiver(mode=mode).start() for mode in ("ok", "hang", "500", "429")}
        endpoints = {name: r.traces_endpoint for name, r in self.receivers.items()}
        self.backends = {"healthy": Backend("healthy", _otlp(endpoints["ok"]), self.receivers["ok"])}
        self.backends["refused"] = Backend("refused", _otlp(f"http://127.0.0.1:{closed_port()}/v1/traces"), None)
        for name in ("hang", "500", "429"):
            self.backends[name] = Backend(name, _otlp(endpoints[name]), self.receivers[name])
        self.ingestion = None
        if AzureMonitorTraceExporter is not None:  # Application Insights ingestion answering 500
            self.ingestion = FakeAzureIngestion(mode="500").start()
            exporter = AzureMonitorTraceExporter(
                connection_string=self.ingestion.connection_string, disable_offline_storage=True, timeout=EXPORT_TIMEOUT
            )
            self.backends["azure500"] = Backend("azure500", exporter, None)
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
        if self.ingestion is not None:
            self.ingestion.close()


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
