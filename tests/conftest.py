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
from tests.support.otlp_lines import random_calls, write_lines  # noqa: E402
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


@pytest.fixture(scope="session")
def synthetic_telemetry(tmp_path_factory):
    """``synthetic_telemetry(count, seed, per_line=50, files=1) -> (calls, folder)``: random GenAI calls (the truth,
    ``tests.support.otlp_lines.SyntheticCall``) written once per session as OTLP JSON lines files in a folder."""
    made: dict[tuple, tuple] = {}

    def make(count: int, seed: int, per_line: int = 50, files: int = 1):
        key = (count, seed, per_line, files)
        if key not in made:
            calls = random_calls(count, seed=seed)
            folder = tmp_path_factory.mktemp(f"telemetry-{count}-{seed}")
            size = -(-count // files)
            for part in range(files):
                write_lines(folder / f"part-{part + 1}.jsonl", calls[part * size : (part + 1) * size], per_line=per_line)
            made[key] = (calls, folder)
        return made[key]

    return make
