"""With the official OpenTelemetry OpenAI instrumentation also active, every call still gives one span.

Theirs outside ours: we add cost, tags and deployment to their span (and record only the cost metric).
Ours outside theirs: we call past their wrapper, so our span is the only one.
"""

from __future__ import annotations

import pytest

from tests.support import payloads
from tests.support.mock_openai import client, json_response

official = pytest.importorskip("opentelemetry.instrumentation.genai.openai")


@pytest.fixture
def theirs(telemetry):
    instrumentor = official.OpenAIInstrumentor()

    def _instrument():
        instrumentor.instrument(tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider)

    yield _instrument
    instrumentor.uninstrument()


def _call():
    api = client(lambda request: json_response(payloads.chat_completion()))
    api.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


def test_theirs_outside_ours_is_enriched(telemetry, instrument, theirs):
    instrument()
    theirs()
    _call()
    (span,) = telemetry.spans()
    assert span.instrumentation_scope.name != "otel_aicost"
    assert span.attributes["aicost.usage.source"] == "reported"
    assert span.attributes["aicost.pricing.status"]


def test_ours_outside_theirs_bypasses_theirs(telemetry, instrument, theirs):
    theirs()
    instrument()
    _call()
    (span,) = telemetry.spans()
    assert span.instrumentation_scope.name == "otel_aicost"
    assert span.attributes["gen_ai.usage.input_tokens"] == 12
