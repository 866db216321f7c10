from __future__ import annotations

import os

os.environ["OTEL_AICOST_RAISE_INTERNAL_ERRORS"] = "1"  # our own bugs fail the tests instead of hiding
for _name in list(os.environ):
    if _name.startswith(("OTEL_AICOST_", "OTEL_EXPORTER_", "OTEL_TRACES_", "OTEL_METRICS_", "OTEL_LOGS_")) and (
        _name != "OTEL_AICOST_RAISE_INTERNAL_ERRORS"
    ):
        del os.environ[_name]
os.environ.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
os.environ.pop("APPLICATIONINSIGHTS_CONNECTION_STRING", None)
os.environ.setdefault("OPENAI_API_KEY", "sk-test-not-a-real-key")

import pytest  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor  # noqa: E402
from tests.support.telemetry import Telemetry  # noqa: E402


@pytest.fixture
def telemetry():
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    yield Telemetry(tracer_provider, meter_provider, exporter, reader)
    tracer_provider.shutdown()
    meter_provider.shutdown()


@pytest.fixture
def instrument(telemetry):
    """Instrument with the test providers; ``instrument(config={...})`` to pass settings. Uninstruments after."""
    instrumentor = OpenAICostInstrumentor()

    def _instrument(**config):
        instrumentor.instrument(
            tracer_provider=telemetry.tracer_provider,
            meter_provider=telemetry.meter_provider,
            config=config or None,
        )
        return instrumentor

    yield _instrument
    instrumentor.uninstrument()


@pytest.fixture
def instrumented(instrument):
    return instrument()
