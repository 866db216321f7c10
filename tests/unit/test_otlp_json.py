"""Our OTLP/JSON (the hand-written span encoder; metrics and logs through the library plus our id rewrite)
describes exactly what the SDK's own OTLP protobuf encoders send.

Reference: ``opentelemetry.exporter.otlp.proto.common`` encoders -> protobuf -> ``json_format.MessageToDict``.
The only representational differences of the proto3 JSON mapping that the OTLP/JSON spec overrides are
normalised: trace and span ids are lowercase hex in OTLP/JSON (base64 in generic proto3 JSON), and enums are
integers (``use_integers_for_enums``). Everything else (field names, int64 as strings, omitted defaults,
NaN/Infinity as strings, grouping and order) must be equal as is.
"""

from __future__ import annotations

import base64
import json
import math
import re

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry import trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as pb_encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics as pb_encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as pb_encode_spans
from opentelemetry.metrics import Observation
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

try:
    from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter
except ImportError:  # SDK < 1.39
    from opentelemetry.sdk._logs.export import InMemoryLogExporter as InMemoryLogRecordExporter
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState

from otel_aicost.export.file import to_json_line
from otel_aicost.export.otlp_json import encode_logs, encode_metrics, encode_spans, spans_to_json

_ID_KEYS = {"traceId", "spanId", "parentSpanId"}


def _reference(message) -> dict:
    """The protobuf message as OTLP/JSON: proto3 JSON with ids in hex and enums as integers."""
    as_dict = MessageToDict(message, use_integers_for_enums=True)

    def ids_to_hex(node):
        if isinstance(node, dict):
            return {
                key: base64.b64decode(value).hex() if key in _ID_KEYS else ids_to_hex(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [ids_to_hex(item) for item in node]
        return node

    return ids_to_hex(as_dict)


def _differences(ours, reference, path="$") -> list[str]:
    """Where two decoded JSON documents differ, as readable paths (for the failure message)."""
    if isinstance(ours, dict) and isinstance(reference, dict):
        found = []
        for key in sorted(set(ours) | set(reference)):
            if key not in ours or key not in reference:
                found.append(
                    f"{path}.{key}: ours={ours.get(key, '<missing>')!r} sdk={reference.get(key, '<missing>')!r}"
                )
            else:
                found += _differences(ours[key], reference[key], f"{path}.{key}")
        return found
    if isinstance(ours, list) and isinstance(reference, list):
        if len(ours) != len(reference):
            return [f"{path}: {len(ours)} items vs {len(reference)}"]
        return [
            d for i, (a, b) in enumerate(zip(ours, reference, strict=True)) for d in _differences(a, b, f"{path}[{i}]")
        ]
    return [] if ours == reference and type(ours) is type(reference) else [f"{path}: ours={ours!r} sdk={reference!r}"]


def assert_same(ours: dict, reference: dict) -> None:
    differences = _differences(ours, reference)
    assert not differences, "\n".join(differences[:20])
    assert ours == reference


def _ours(encoded: dict | str) -> dict:
    """Our encoding as it lands in the file: through the bytes of one JSON line."""
    line = to_json_line(encoded)
    assert b"\n" not in line
    return json.loads(line)


HOSTILE_ATTRIBUTES = {
    "str": "plain",
    "unicode": "prix 0,15 € — 価格 🚀",
    "empty": "",
    "bool": True,
    "false": False,
    "zero": 0,
    "int": 42,
    "negative": -7,
    "int64_max": 2**63 - 1,
    "int64_min": -(2**63),
    "float": 0.000123,
    "float_zero": 0.0,
    "nan": math.nan,
    "inf": math.inf,
    "neg_inf": -math.inf,
    "strings": ("a", "b"),
    "ints": (1, 2, 3),
    "floats": (1.5, -2.25),
    "bools": (True, False),
    "empty_tuple": (),
    'quote"key': 'back\\slash "quoted" \n newline \t tab',
}


def _spans():
    exporter = InMemorySpanExporter()
    resources = [
        Resource.create({"service.name": "checkout", "deployment.environment": "prod"}),
        Resource({"service.name": "other"}, schema_url="https://opentelemetry.io/schemas/1.26.0"),
        # Equal to the one above but another object (a second provider): OTLP groups it with the first.
        Resource({"service.name": "other"}, schema_url="https://opentelemetry.io/schemas/1.26.0"),
    ]
    for resource in resources:
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracers = [
            provider.get_tracer("otel_aicost", "0.1.0"),
            provider.get_tracer(
                "scoped",
                "2",
                schema_url="https://opentelemetry.io/schemas/1.41.0",
                attributes={"scope.attr": "x", "n": 3},
            ),
            provider.get_tracer(""),
        ]
        remote_parent = SpanContext(
            trace_id=0x0AF7651916CD43DD8448EB211C80319C,
            span_id=0x00F067AA0BA902B7,
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.SAMPLED),
            trace_state=TraceState([("vendor", "v1"), ("other", "x")]),
        )
        linked = SpanContext(trace_id=1, span_id=2, is_remote=True)
        local_link = SpanContext(trace_id=3, span_id=4, is_remote=False)
        for index, tracer in enumerate(tracers):
            for kind in SpanKind:
                with tracer.start_as_current_span(
                    f"chat gpt-4o-mini {kind.name}", kind=kind, attributes=HOSTILE_ATTRIBUTES
                ) as span:
                    span.add_event("aicost.budget.threshold", {"budget": "search-daily", "ratio": 0.8})
                    span.add_event("empty event")
                    with tracer.start_as_current_span(
                        "child", links=[Link(linked, {"why": "retry"}), Link(local_link)]
                    ) as child:
                        child.set_status(Status(StatusCode.ERROR, "RateLimitError: slow down"))
                    if index == 1:
                        span.set_status(Status(StatusCode.OK))
            context = trace.set_span_in_context(NonRecordingSpan(remote_parent))
            with tracer.start_as_current_span("server", context=context, kind=SpanKind.SERVER):
                pass
    # Interleave resources and scopes so grouping has real work to do.
    spans = list(exporter.get_finished_spans())
    return spans[::2] + spans[1::2]


def test_spans_equal_the_sdk_protobuf_encoding():
    spans = _spans()
    ours = _ours(spans_to_json(spans))  # the text the file exporter writes
    assert encode_spans(spans) == ours
    assert_same(ours, _reference(pb_encode_spans(spans)))
    # And the equality is about something: every span is there, grouped by resource then scope.
    assert sum(len(s["spans"]) for r in ours["resourceSpans"] for s in r["scopeSpans"]) == len(spans)
    assert len(ours["resourceSpans"]) == 2
    assert [len(r["scopeSpans"]) for r in ours["resourceSpans"]] == [3, 3]


def test_span_fields_follow_the_otlp_json_rules():
    spans = _spans()
    ours = _ours(encode_spans(spans))
    encoded = [span for r in ours["resourceSpans"] for s in r["scopeSpans"] for span in s["spans"]]
    for span in encoded:
        assert re.fullmatch(r"[0-9a-f]{32}", span["traceId"])
        assert re.fullmatch(r"[0-9a-f]{16}", span["spanId"])
        assert isinstance(span["startTimeUnixNano"], str) and span["startTimeUnixNano"].isdigit()
        assert span["kind"] in {1, 2, 3, 4, 5}
    server = next(span for span in encoded if span["name"] == "server")
    assert server["parentSpanId"] == "00f067aa0ba902b7"
    assert server["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    assert server["flags"] == 0x300  # has-is-remote | is-remote
    failed = next(span for span in encoded if span["name"] == "child")
    assert failed["status"] == {"code": 2, "message": "RateLimitError: slow down"}
    with_attributes = next(span for span in encoded if span["name"].startswith("chat "))
    attributes = {kv["key"]: kv["value"] for kv in with_attributes["attributes"]}
    assert attributes["int64_min"] == {"intValue": "-9223372036854775808"}
    assert attributes["nan"] == {"doubleValue": "NaN"}
    assert attributes["neg_inf"] == {"doubleValue": "-Infinity"}
    assert attributes["ints"] == {"arrayValue": {"values": [{"intValue": "1"}, {"intValue": "2"}, {"intValue": "3"}]}}
    assert attributes["unicode"] == {"stringValue": "prix 0,15 € — 価格 🚀"}
    assert attributes["empty_tuple"] == {"arrayValue": {}}


def test_unicode_is_written_as_utf8_and_lone_surrogates_do_not_break_the_line():
    assert "€".encode() in to_json_line({"v": "€"})
    line = to_json_line({"v": "bad \ud800 surrogate \\"})
    assert json.loads(line) == {"v": "bad \ud800 surrogate \\"}
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("name \udfff", attributes={"k\\\ud800": "v\ud800"}):
        pass
    line = to_json_line(spans_to_json(exporter.get_finished_spans()))
    line.decode("utf-8")  # valid UTF-8
    span = json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["name"] == "name \udfff"
    assert span["attributes"] == [{"key": "k\\\ud800", "value": {"stringValue": "v\ud800"}}]


def test_values_otlp_cannot_carry_drop_only_that_attribute():
    class Odd:
        pass

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("ok", 1)
    finished = exporter.get_finished_spans()[0]
    finished._attributes = {"ok": 1, "too_big": 2**64, "odd": Odd()}  # what a buggy processor could leave
    encoded = _ours(encode_spans([finished]))
    keys = [kv["key"] for kv in encoded["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"]]
    assert keys == ["ok"]


def _metrics(temporality: AggregationTemporality):
    reader = InMemoryMetricReader(preferred_temporality=dict.fromkeys([Counter, Histogram], temporality))
    provider = MeterProvider(
        metric_readers=[reader],
        resource=Resource.create({"service.name": "svc"}),
        views=[View(instrument_name="exp.*", aggregation=ExponentialBucketHistogramAggregation(max_size=20))],
    )
    meter = provider.get_meter("otel_aicost", "0.1.0")
    cost = meter.create_counter("gen_ai.usage.cost", unit="{USD}", description="Cost of GenAI calls")
    tokens = meter.create_counter("gen_ai.client.token.usage.total", unit="{token}")
    inflight = meter.create_up_down_counter("inflight")
    duration = meter.create_histogram(
        "gen_ai.client.operation.duration",
        unit="s",
        explicit_bucket_boundaries_advisory=[0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12],
    )
    exponential = meter.create_histogram("exp.latency", unit="ms")
    meter.create_observable_gauge(
        "aicost.budget.utilization",
        callbacks=[lambda options: [Observation(0.42, {"aicost.budget.name": "search-daily"})]],
    )
    for team in ("search", "support"):
        attributes = {"team": team, "gen_ai.request.model": "gpt-4o-mini"}
        cost.add(0.000123, attributes)
        cost.add(1e-9, attributes)
        tokens.add(1500, attributes)
        inflight.add(-2, attributes)
        for seconds in (0.005, 0.03, 0.5, 9.0):
            duration.record(seconds, attributes)
        for ms in (0.0, 1.5, 3.0, 1000.0, -4.0):
            exponential.record(ms, attributes)
    return reader.get_metrics_data()


@pytest.mark.parametrize("temporality", [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA])
def test_metrics_equal_the_sdk_protobuf_encoding(temporality):
    data = _metrics(temporality)
    ours = _ours(encode_metrics(data))
    assert_same(ours, _reference(pb_encode_metrics(data)))
    metrics = {m["name"]: m for m in ours["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]}
    assert set(metrics) == {
        "gen_ai.usage.cost",
        "gen_ai.client.token.usage.total",
        "inflight",
        "gen_ai.client.operation.duration",
        "exp.latency",
        "aicost.budget.utilization",
    }
    assert metrics["gen_ai.usage.cost"]["sum"]["aggregationTemporality"] == int(temporality)
    assert metrics["gen_ai.usage.cost"]["sum"]["isMonotonic"] is True
    histogram_point = metrics["gen_ai.client.operation.duration"]["histogram"]["dataPoints"][0]
    assert histogram_point["count"] == "4"
    assert histogram_point["bucketCounts"] == ["1", "0", "1", "0", "0", "0", "1", "0", "0", "0", "1"]
    assert histogram_point["explicitBounds"][0] == 0.01
    token_point = metrics["gen_ai.client.token.usage.total"]["sum"]["dataPoints"][0]
    assert token_point["asInt"] == "1500"
    exponential_point = metrics["exp.latency"]["exponentialHistogram"]["dataPoints"][0]
    assert exponential_point["zeroCount"] == "1" and "negative" in exponential_point
    assert metrics["aicost.budget.utilization"]["gauge"]["dataPoints"][0]["asDouble"] == 0.42


def test_logs_equal_the_sdk_protobuf_encoding():
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("otel_aicost.budgets", "0.1.0")
    span_provider = TracerProvider()
    bodies = [
        "budget search-daily at 80%",
        {"budget": "search-daily", "ratio": 0.8, "tags": ["a", "b"]},
        ["x", 1, 2.5, True],
        b"\x00\xffbinary",
        None,
        12,
        math.inf,
    ]
    with span_provider.get_tracer("t").start_as_current_span("call"):
        for index, body in enumerate(bodies):
            logger.emit(
                body=body,
                severity_number=SeverityNumber.WARN if index % 2 else SeverityNumber.INFO,
                severity_text="WARN" if index % 2 else None,
                attributes={"aicost.budget.name": "search-daily", "i": index, "bytes": b"ab"},
                event_name="aicost.budget.threshold" if index == 0 else None,
            )
    logger.emit(body="outside any span", timestamp=1_700_000_000_000_000_000)
    provider.get_logger("second").emit(body="another scope")
    batch = exporter.get_finished_logs()
    ours = _ours(encode_logs(batch))
    reference = _reference(pb_encode_logs(batch))
    records = [r for scope in ours["resourceLogs"][0]["scopeLogs"] for r in scope["logRecords"]]
    # The oldest supported SDK (1.39) leaves a None body out; later ones write an empty AnyValue, as we do: both
    # mean "no body". Every other field must still match whichever SDK is installed.
    theirs_records = [r for scope in reference["resourceLogs"][0]["scopeLogs"] for r in scope["logRecords"]]
    for mine, theirs in zip(records, theirs_records):
        if mine.get("body") == {} and "body" not in theirs:
            theirs["body"] = {}
    assert_same(ours, reference)
    assert len(records) == len(batch)
    assert re.fullmatch(r"[0-9a-f]{32}", records[0]["traceId"]) and records[0]["flags"] & 0x01  # sampled
    assert "traceId" not in records[len(bodies)]
    assert records[0]["eventName"] == "aicost.budget.threshold"
    assert records[1]["body"]["kvlistValue"]["values"][0] == {"key": "budget", "value": {"stringValue": "search-daily"}}
