"""The real Collector's content scrubbing (base.yaml `transform/scrub_content`), key by key.

The test process sends, with the real OTLP/HTTP exporters, one span (and a span event) carrying every attribute
name otel-aicost emits plus every content key, one log record with content in its attributes and in a map body,
and one per-message event of the older instrumentations. The Collector (base.yaml + otlp.yaml) forwards them to
a loopback OTLP receiver. By default exactly the content goes; with OTEL_AICOST_COLLECTOR_KEEP_CONTENT=true
everything arrives as sent.
"""

from __future__ import annotations

import re

import pytest
from opentelemetry._logs import LogRecord
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_aicost import semconv
from otel_aicost.config.settings import DEFAULT_METRIC_TAGS
from tests.support.collector import Collector, require_binary
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration

CONTENT = {
    semconv.INPUT_MESSAGES, semconv.OUTPUT_MESSAGES, semconv.SYSTEM_INSTRUCTIONS, semconv.TOOL_DEFINITIONS,
    semconv.TOOL_CALL_ARGUMENTS, semconv.TOOL_CALL_RESULT,
    # the indexed keys of older instrumentations
    "gen_ai.prompt", "gen_ai.prompt.0.content", "gen_ai.prompt.1.role", "gen_ai.completion.0.content",
}  # fmt: skip
# Every attribute name otel-aicost puts on spans (semconv constants) and every default metric tag.
EMITTED = {
    value for name, value in vars(semconv).items()
    if name.isupper() and isinstance(value, str) and re.match(r"^(gen_ai|aicost|openai|server|error)\.[a-z_.]+$", value)
} | {semconv.TAG_PREFIX + tag for tag in DEFAULT_METRIC_TAGS}  # fmt: skip
KEPT = EMITTED - CONTENT
# Near-misses a too-greedy pattern would take: they are not content.
NOT_CONTENT = {"gen_ai.prompt_cache_key", "gen_ai.completion_tokens", "aicost.gen_ai.prompt"}
OLD_STYLE_EVENT = "gen_ai.user.message"


def _send(collector: Collector) -> tuple[dict, dict]:
    attributes = {key: f"value of {key}" for key in EMITTED | CONTENT | NOT_CONTENT}
    attributes[semconv.USAGE_COST] = 0.000123  # a number stays a number
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(collector.otlp_endpoint + "/v1/traces")))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(collector.otlp_endpoint + "/v1/logs"))
    )
    try:
        with tracer_provider.get_tracer("scrub-test").start_as_current_span("chat gpt-4o", attributes=attributes) as span:
            span.add_event("gen_ai.budget.threshold", attributes=attributes)
        logger = logger_provider.get_logger("scrub-test")
        body = {semconv.INPUT_MESSAGES: [{"role": "user"}], semconv.OUTPUT_MESSAGES: [{"role": "assistant"}],
                "gen_ai.operation.name": "chat"}  # fmt: skip
        logger.emit(LogRecord(body=body, attributes={**attributes, "event.name": "details"}))
        logger.emit(LogRecord(body={"content": "the prompt"}, attributes={"event.name": OLD_STYLE_EVENT}))
    finally:
        tracer_provider.shutdown()
        logger_provider.shutdown()
    return attributes, body


@pytest.mark.parametrize("keep", [None, "true"], ids=["default", "keep-content"])
def test_scrub_deletes_exactly_the_content_unless_kept(keep, tmp_path):
    binary = require_binary()
    env = {"OTEL_AICOST_COLLECTOR_KEEP_CONTENT": keep} if keep else {}
    with OTLPReceiver() as receiver:
        with Collector(binary, tmp_path, {"OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT": receiver.url, **env}) as collector:
            sent, body = _send(collector)
            receiver.wait_for(lambda r: r.spans() and len(r.logs()) == 2, timeout=30)  # batch.timeout is 5 s
    (span,) = receiver.spans()
    ((event_name, event_attributes),) = span.events
    details, old_style = sorted(receiver.logs(), key=lambda log: log.attributes["event.name"])
    assert old_style.attributes["event.name"] == OLD_STYLE_EVENT
    if keep:
        expected, expected_body, old_body = sent, body, {"content": "the prompt"}
    else:
        expected = {k: v for k, v in sent.items() if k not in CONTENT}
        expected_body, old_body = {"gen_ai.operation.name": "chat"}, None
    assert span.attributes == expected
    assert event_attributes == expected
    assert details.attributes == {**expected, "event.name": "details"}
    assert _plain(details.body) == expected_body
    assert old_style.body == old_body
    assert KEPT <= set(span.attributes) and NOT_CONTENT <= set(span.attributes)  # nothing else was taken


def _plain(value):
    """Receiver values (tuples) back to the JSON-like shape that was sent."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
