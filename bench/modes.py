"""The SDK providers every mode shares, and how each mode (ours or a peer) is switched on.

All modes get the same pipeline: a TracerProvider with a BatchSpanProcessor in front of a counting no-op
exporter, a MeterProvider with an InMemoryMetricReader, and an SDK LoggerProvider with no processor (so a
peer that emits log events pays for building them but nothing is printed). The providers are also set as the
globals, for peers that only look there (openlit). Message content capture is off for every mode.
"""

from __future__ import annotations

import os
import pathlib
from typing import Sequence

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

HERE = pathlib.Path(__file__).resolve().parent

# Where each peer lives (bench/setup_peers.sh builds these). bare runs in the project venv; ours ("aicost") in
# bench/.venvs/aicost, a wheel of the checkout installed as the peers are (setup_peers.sh), or with
# "aicost-checkout" from the editable checkout in the project venv (overhead.py picks the Python); "aicost-before", ours
# of another revision installed alike in bench/.venvs/aicost-before (setup_before.sh REV), to time a change in one run.
PEER_VENVS = {
    "genai-openai": "genai-openai",
    "openai-v2": "openai-v2",
    "openllmetry": "openllmetry",
    "openlit": "openlit",
}
PEER_PACKAGES = {
    "aicost": "otel-aicost",
    "aicost-checkout": "otel-aicost",
    "aicost-before": "otel-aicost",
    "genai-openai": "opentelemetry-instrumentation-genai-openai",
    "openai-v2": "opentelemetry-instrumentation-openai-v2",
    "openllmetry": "opentelemetry-instrumentation-openai",
    "openlit": "openlit",
}
# ours, installed (the figure reported), from the checkout and of another revision (before/after work): never a peer
OURS_MODES = ("aicost", "aicost-checkout", "aicost-before")
ALL_MODES = ("bare", *OURS_MODES, *PEER_VENVS)

# Content capture off, everywhere (the defaults already are, except OpenLLMetry's).
CONTENT_OFF_ENV = {
    "TRACELOOP_TRACE_CONTENT": "false",
}


class CountingExporter(SpanExporter):
    """As cheap as an exporter gets while still proving spans were produced: it counts them."""

    def __init__(self) -> None:
        self.spans = 0
        self.names: dict[str, int] = {}

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans += len(spans)
        for span in spans:
            self.names[span.name] = self.names.get(span.name, 0) + 1
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def reader_temporality() -> dict:
    """The metric reader's preferred temporality: the SDK's default (cumulative), or with
    AICOST_BENCH_TEMPORALITY=delta delta for counters and histograms, as the Azure Monitor exporter asks (its
    APPLICATION_INSIGHTS_METRIC_TEMPORALITIES) and OTLP exporters do with
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta."""
    wanted = os.environ.get("AICOST_BENCH_TEMPORALITY", "cumulative")
    if wanted == "cumulative":
        return {}
    if wanted != "delta":
        raise SystemExit(f"AICOST_BENCH_TEMPORALITY={wanted!r}: cumulative or delta")
    return {Counter: AggregationTemporality.DELTA, Histogram: AggregationTemporality.DELTA}


class Pipeline:
    def __init__(self) -> None:
        self.exporter = CountingExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(BatchSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader(preferred_temporality=reader_temporality())
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)
        try:
            from opentelemetry._logs import set_logger_provider
            from opentelemetry.sdk._logs import LoggerProvider

            set_logger_provider(LoggerProvider())
        except ImportError:  # pragma: no cover - old SDKs
            pass

    def flush(self) -> None:
        self.tracer_provider.force_flush()

    def metric_names(self) -> list[str]:
        data = self.reader.get_metrics_data()
        names = set()
        for resource_metrics in getattr(data, "resource_metrics", None) or ():
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    names.add(metric.name)
        return sorted(names)


def instrument(mode: str, pipe: Pipeline) -> None:
    os.environ.update(CONTENT_OFF_ENV)
    tp, mp = pipe.tracer_provider, pipe.meter_provider
    if mode == "bare":
        return
    if mode in OURS_MODES:
        from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

        OpenAICostInstrumentor().instrument(tracer_provider=tp, meter_provider=mp)
    elif mode == "genai-openai":
        from opentelemetry.instrumentation.genai.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tp, meter_provider=mp)
    elif mode == "openai-v2":
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tp, meter_provider=mp)
    elif mode == "openllmetry":
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tp, meter_provider=mp)
    elif mode == "openlit":
        _instrument_openlit()
    else:
        raise SystemExit(f"unknown mode {mode!r}; known: {', '.join(ALL_MODES)}")


def _instrument_openlit() -> None:
    import openlit
    from openlit._instrumentors import MODULE_NAME_MAP

    # pricing_json=<local file>: openlit otherwise downloads its price list from the internet at init.
    # Only its OpenAI instrumentor is enabled; it reuses the global SDK providers set by Pipeline.
    openlit.init(
        pricing_json=str(HERE / "openlit_pricing.json"),
        capture_message_content=False,
        disabled_instrumentors=[name for name in MODULE_NAME_MAP if name != "openai"],
        disable_events=True,
        collect_gpu_stats=False,
        collect_system_metrics=False,
    )
