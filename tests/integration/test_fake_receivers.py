"""The OTLP receiver and the fake Azure Monitor ingestion, fed by the real exporters."""

from __future__ import annotations

import gzip
import json
import time
import urllib.error
import urllib.request

import pytest
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode

from tests.support.fake_azure_ingestion import DEPENDENCY, FakeAzureIngestion
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration


def emit_span(exporter, name="chat gpt-4o", attributes=None):
    provider = TracerProvider(resource=Resource.create({"service.name": "fakes-test"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("fakes.test")
    with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes or {}) as span:
        span.add_event("aicost.budget.threshold", {"aicost.budget.name": "daily"})
        span.set_status(Status(StatusCode.ERROR, "boom"))
    provider.shutdown()


def test_receiver_decodes_spans_from_the_real_exporter():
    attributes = {"gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 12, "gen_ai.usage.cost": 0.0025,
                  "gen_ai.request.stream": True, "gen_ai.response.finish_reasons": ("stop", "length")}
    with OTLPReceiver() as receiver:
        emit_span(OTLPSpanExporter(endpoint=receiver.traces_endpoint, compression=Compression.Gzip), attributes=attributes)
        spans = receiver.wait_for(lambda r: r.spans())
    assert receiver.request_headers()[0]["Content-Encoding"] == "gzip"
    (span,) = spans
    assert (span.name, span.kind, span.status_code, span.status_message) == ("chat gpt-4o", "CLIENT", "ERROR", "boom")
    assert span.attributes == attributes
    assert span.events == [("aicost.budget.threshold", {"aicost.budget.name": "daily"})]
    assert span.resource["service.name"] == "fakes-test" and span.scope == "fakes.test"
    assert len(span.trace_id) == 32 and span.parent_span_id == ""
    assert span.end_time_unix_nano >= span.start_time_unix_nano > 0


def test_receiver_flattens_metric_points():
    with OTLPReceiver() as receiver:
        reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=receiver.metrics_endpoint),
                                               export_interval_millis=60_000)
        provider = MeterProvider(metric_readers=[reader])
        meter = provider.get_meter("fakes.test")
        histogram = meter.create_histogram("gen_ai.client.token.usage", unit="{token}")
        histogram.record(10, {"gen_ai.token.type": "input"})
        histogram.record(30, {"gen_ai.token.type": "input"})
        meter.create_counter("calls").add(3, {"team": "search"})
        provider.shutdown()  # flushes once
        metrics = receiver.wait_for(lambda r: r.metrics())
    (tokens,) = metrics["gen_ai.client.token.usage"]
    assert (tokens.kind, tokens.unit, tokens.count, tokens.sum, tokens.min, tokens.max) == (
        "histogram", "{token}", 2, 40, 10, 30)
    assert tokens.attributes == {"gen_ai.token.type": "input"}
    assert sum(tokens.bucket_counts) == 2 and len(tokens.bucket_counts) == len(tokens.explicit_bounds) + 1
    (calls,) = metrics["calls"]
    assert (calls.kind, calls.value, calls.attributes) == ("sum", 3, {"team": "search"})


def test_receiver_decodes_log_records():
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    with OTLPReceiver() as receiver:
        provider = LoggerProvider()
        provider.add_log_record_processor(SimpleLogRecordProcessor(OTLPLogExporter(endpoint=receiver.logs_endpoint)))
        provider.get_logger("fakes.test").emit(body="budget daily at 80%", severity_number=SeverityNumber.WARN,
                                               severity_text="WARN", attributes={"aicost.budget.name": "daily"})
        provider.shutdown()
        (record,) = receiver.wait_for(lambda r: r.logs())
    assert (record.body, record.severity_text, record.severity_number) == ("budget daily at 80%", "WARN", 13)
    assert record.attributes == {"aicost.budget.name": "daily"} and record.scope == "fakes.test"


def test_receiver_accepts_otlp_json():
    payload = {"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "0af7651916cd43dd8448eb211c80319c", "spanId": "b7ad6b7169203331", "name": "embeddings x",
        "kind": 3, "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "7"}}]}]}]}]}
    with OTLPReceiver() as receiver:
        request = urllib.request.Request(receiver.traces_endpoint, data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        (span,) = receiver.spans()
    assert (span.name, span.kind, span.attributes) == ("embeddings x", "CLIENT", {"gen_ai.usage.input_tokens": 7})


@pytest.mark.parametrize("mode", ["500", "429", "refuse", "hang"])
def test_receiver_fault_modes_fail_the_export_then_recover(mode):
    with OTLPReceiver(mode=mode) as receiver:
        exporter = OTLPSpanExporter(endpoint=receiver.traces_endpoint, timeout=0.3)
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        span = provider.get_tracer("t").start_span("lost")
        span.end()
        assert receiver.spans() == []
        assert receiver.rejected >= 1
        receiver.mode = "ok"
        assert exporter.export([span]) is SpanExportResult.SUCCESS
        assert [s.name for s in receiver.spans()] == ["lost"]
        provider.shutdown()
    with pytest.raises(ValueError):
        receiver.mode = "sometimes"


# ---- Azure Monitor ingestion -----------------------------------------------------------------------------------
def post_track(ingestion, body: bytes, gzipped: bool = False):
    headers = {"Content-Type": "application/json"}
    if gzipped:
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    request = urllib.request.Request(ingestion.url + "/v2.1/track", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_ingestion_accepts_arrays_and_gzip_json_lines():
    envelope = {"name": DEPENDENCY, "data": {"baseType": "RemoteDependencyData", "baseData": {"name": "chat x"}}}
    with FakeAzureIngestion() as ingestion:
        assert post_track(ingestion, json.dumps([envelope, envelope]).encode()) == (
            200, {"itemsReceived": 2, "itemsAccepted": 2, "errors": []})
        lines = "\n".join(json.dumps(envelope) for _ in range(3)).encode()
        assert post_track(ingestion, lines, gzipped=True)[1]["itemsAccepted"] == 3
        assert [d["name"] for d in ingestion.dependencies()] == ["chat x"] * 5
        ingestion.mode = "500"
        assert post_track(ingestion, json.dumps([envelope]).encode())[0] == 500
        assert (ingestion.rejected, len(ingestion.envelopes())) == (1, 5)


@pytest.fixture
def azure_env(monkeypatch, tmp_path):
    pytest.importorskip("azure.monitor.opentelemetry.exporter")
    for name in ("APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL", "APPLICATIONINSIGHTS_SDKSTATS_DISABLED",
                 "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED"):
        monkeypatch.setenv(name, "true")
    return {"disable_offline_storage": True, "storage_directory": str(tmp_path), "retry_total": 0, "timeout": 2}


def test_ingestion_receives_dependencies_from_the_azure_exporter(azure_env):
    from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter

    with FakeAzureIngestion() as ingestion:
        exporter = AzureMonitorTraceExporter(connection_string=ingestion.connection_string, **azure_env)
        emit_span(exporter, attributes={"gen_ai.system": "az.ai.openai", "gen_ai.usage.cost": 0.5})
        (dependency,) = ingestion.wait_for(lambda i: i.dependencies())
        assert dependency["type"] == "GenAI | az.ai.openai" and dependency["name"] == "chat gpt-4o"
        assert dependency["properties"]["gen_ai.usage.cost"] == "0.5"
        assert ingestion.other_requests == []
        ingestion.mode = "500"
        started = time.monotonic()
        emit_span(AzureMonitorTraceExporter(connection_string=ingestion.connection_string, **azure_env))
        assert ingestion.rejected == 1 and time.monotonic() - started < 5
        assert len(ingestion.dependencies()) == 1
