"""Message content: off by default; span_only on the span as semconv JSON; event_only as a log event."""

from __future__ import annotations

import json

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

try:
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
except ImportError:  # older SDKs
    from opentelemetry.sdk._logs.export import InMemoryLogExporter as InMemoryLogRecordExporter

from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from tests.support import payloads
from tests.support.mock_openai import client, json_response

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello"}]


def test_no_content_by_default(telemetry, instrumented):
    client(lambda request: json_response(payloads.chat_completion())).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    span = telemetry.span()
    assert "gen_ai.input.messages" not in span.attributes
    assert "gen_ai.output.messages" not in span.attributes


def test_span_only(telemetry, instrument):
    instrument(capture_content="span_only")
    client(lambda request: json_response(payloads.chat_completion())).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    attributes = telemetry.span().attributes
    assert json.loads(attributes["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {"role": "user", "parts": [{"type": "text", "content": "Say hello"}]},
    ]
    assert json.loads(attributes["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Hello there"}], "finish_reason": "stop"}
    ]


def test_event_only(telemetry):
    exporter = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider,
                            logger_provider=logger_provider, config={"capture_content": "event_only"})  # fmt: skip
    try:
        client(lambda request: json_response(payloads.chat_completion())).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES
        )
    finally:
        instrumentor.uninstrument()
    span = telemetry.span()
    assert "gen_ai.input.messages" not in span.attributes
    (record,) = exporter.get_finished_logs()
    log = record.log_record
    assert log.event_name == "gen_ai.client.inference.operation.details"  # semconv v1.41: the record's event name
    assert log.attributes["gen_ai.input.messages"][1]["parts"][0]["content"] == "Say hello"
    assert log.trace_id == span.context.trace_id
