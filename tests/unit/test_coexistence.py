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


def _outer(name="another.instrumentation", end=False, **attributes):
    """A real SDK span of scope ``name``, the application's current span around the call."""
    from opentelemetry.sdk.trace import TracerProvider

    span = TracerProvider().get_tracer(name).start_span("outer", attributes=attributes)
    if end:
        span.end()
    return span


@pytest.mark.parametrize(
    ("outer", "enriched"),
    [
        (lambda: _outer(**{"gen_ai.operation.name": "chat"}), True),
        (lambda: _outer(**{"gen_ai.operation.name": "embeddings"}), True),
        (lambda: _outer(**{"gen_ai.operation.name": "text_completion"}), True),
        # an agent or workflow span around calls, an application's span, no attributes: ours is a child span
        (lambda: _outer(**{"gen_ai.operation.name": "invoke_agent"}), False),
        (lambda: _outer(**{"http.route": "/ask"}), False),
        (lambda: _outer(), False),
        # another instrumentation's call span that is not recording (ended), or our own scope's
        (lambda: _outer(end=True, **{"gen_ai.operation.name": "chat"}), False),
        (lambda: _outer(name="otel_aicost", **{"gen_ai.operation.name": "chat"}), False),
    ],
)
def test_only_another_instrumentations_recording_call_span_is_enriched(telemetry, instrument, outer, enriched):
    """Every condition of ``call._is_foreign_call_span`` against a real outer span (its order is chosen for speed; the
    answer must not depend on it)."""
    from opentelemetry import trace

    instrument()
    span = outer()
    with trace.use_span(span, end_on_exit=False):
        _call()
    ours = [s for s in telemetry.spans() if s.instrumentation_scope.name == "otel_aicost"]
    assert (ours == []) is enriched
    if enriched:
        assert span.attributes["aicost.usage.source"] == "reported"
    else:
        assert "aicost.usage.source" not in span.attributes
