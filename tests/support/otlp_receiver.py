"""An OTLP/HTTP receiver on 127.0.0.1 for tests: what the real OTLP exporters send, decoded.

    with OTLPReceiver() as receiver:
        exporter = OTLPSpanExporter(endpoint=receiver.traces_endpoint)
        ...
        receiver.wait_for(lambda r: r.spans())
        receiver.spans()      # [ReceivedSpan(name=..., attributes={...}, ...)]
        receiver.metrics()    # {"gen_ai.client.token.usage": [ReceivedPoint(...)], ...}

Accepts ``POST /v1/traces``, ``/v1/metrics`` and ``/v1/logs`` as protobuf (``application/x-protobuf``) or
JSON (``application/json``), gzip or not. ``mode`` makes it misbehave for fault tests:
``"ok"`` (default), ``"500"``, ``"429"`` (with ``Retry-After: 0``), ``"hang"`` (never answers; the connection
is dropped when the mode changes or the receiver closes) and ``"refuse"`` (closes every new connection at
once, unread). Requests met with a fault are counted in ``rejected`` and not stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from otel_aicost.demo.loopback import LoopbackHandler, LoopbackServer

SIGNALS: dict[str, type[Message]] = {
    "/v1/traces": ExportTraceServiceRequest,
    "/v1/metrics": ExportMetricsServiceRequest,
    "/v1/logs": ExportLogsServiceRequest,
}
MODES = ("ok", "500", "429", "hang", "refuse")
SPAN_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
STATUS_CODES = {0: "UNSET", 1: "OK", 2: "ERROR"}


def plain_value(value: AnyValue) -> Any:
    """An OTLP AnyValue as a plain Python value (arrays become tuples, key-value lists dicts)."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return tuple(plain_value(v) for v in value.array_value.values)
    if kind == "kvlist_value":
        return plain_attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None


def plain_attributes(key_values: Any) -> dict[str, Any]:
    return {kv.key: plain_value(kv.value) for kv in key_values}


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    kind: str  # "CLIENT", "INTERNAL", ...
    trace_id: str  # hex
    span_id: str
    parent_span_id: str  # "" for a root span
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: dict[str, Any]
    status_code: str  # "UNSET", "OK", "ERROR"
    status_message: str
    events: list[tuple[str, dict[str, Any]]]
    resource: dict[str, Any]
    scope: str


@dataclass(frozen=True)
class ReceivedPoint:
    """One metric data point; fields a point kind does not have are None."""

    metric: str
    kind: str  # "sum", "gauge", "histogram", "exponential_histogram", "summary"
    unit: str
    attributes: dict[str, Any]
    value: float | int | None = None  # sum and gauge
    count: int | None = None  # histograms
    sum: float | None = None
    min: float | None = None
    max: float | None = None
    bucket_counts: tuple[int, ...] = ()
    explicit_bounds: tuple[float, ...] = ()
    temporality: int | None = None  # 1 delta, 2 cumulative
    resource: dict[str, Any] = field(default_factory=dict)
    scope: str = ""


@dataclass(frozen=True)
class ReceivedLog:
    body: Any
    severity_text: str
    severity_number: int
    attributes: dict[str, Any]
    event_name: str
    trace_id: str
    span_id: str
    resource: dict[str, Any]
    scope: str


class _OTLPHandler(LoopbackHandler):
    server_version = "otlp-receiver"

    def do_POST(self) -> None:
        receiver: OTLPReceiver = self.server.owner  # type: ignore[assignment]
        body = self.read_body()
        path = self.path.split("?", 1)[0]
        mode = receiver.mode
        if mode == "hang":  # hold the request unanswered, then drop it: the exporter has given up by then
            receiver._reject()
            while receiver.mode == "hang" and not receiver.closing.wait(0.05):
                pass
            self.abort_connection()
            return
        if mode in ("500", "429"):
            receiver._reject()
            headers = {"Retry-After": "0"} if mode == "429" else {}
            self.send_bytes(int(mode), b"", "application/x-protobuf", headers)
            return
        message_type = SIGNALS.get(path)
        if message_type is None:
            self.send_bytes(404, b"not found", "text/plain")
            return
        message = message_type()
        try:
            if "json" in self.headers.get("Content-Type", ""):
                json_format.Parse(body, message)
            else:
                message.ParseFromString(body)
        except (DecodeError, json_format.ParseError) as exc:
            self.send_bytes(400, str(exc).encode(), "text/plain")
            return
        receiver._store(path, message, dict(self.headers.items()))
        # An Export*ServiceResponse without partial_success serializes to zero bytes.
        self.send_bytes(200, b"", "application/x-protobuf")


class OTLPReceiver(LoopbackServer):
    """OTLP/HTTP receiver; ``mode`` is one of ``MODES`` and can change at any time."""

    handler_class = _OTLPHandler

    def __init__(self, port: int = 0, mode: str = "ok") -> None:
        super().__init__(port=port)
        self.mode = mode
        self.rejected = 0
        self._received: list[tuple[str, Message, dict[str, str]]] = []

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {value!r}")
        self._mode = value

    # ---- endpoints -----------------------------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """For ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the exporters append ``/v1/<signal>``)."""
        return self.url

    @property
    def traces_endpoint(self) -> str:
        return self.url + "/v1/traces"

    @property
    def metrics_endpoint(self) -> str:
        return self.url + "/v1/metrics"

    @property
    def logs_endpoint(self) -> str:
        return self.url + "/v1/logs"

    def accept_connection(self) -> bool:
        if self._mode == "refuse":
            self._reject()
            return False
        return True

    # ---- storage -------------------------------------------------------------------------------------------
    def _store(self, path: str, message: Message, headers: dict[str, str]) -> None:
        with self.lock:
            self._received.append((path, message, headers))

    def _reject(self) -> None:
        with self.lock:
            self.rejected += 1

    def requests(self, path: str | None = None) -> list[Message]:
        """The decoded export requests received (optionally only those for ``/v1/traces`` etc.)."""
        with self.lock:
            return [message for p, message, _ in self._received if path is None or p == path]

    def request_headers(self) -> list[dict[str, str]]:
        with self.lock:
            return [headers for _, _, headers in self._received]

    def clear(self) -> None:
        with self.lock:
            self._received.clear()
            self.rejected = 0

    # ---- flattened views -----------------------------------------------------------------------------------
    def spans(self) -> list[ReceivedSpan]:
        out = []
        for request in self.requests("/v1/traces"):
            for resource_spans in request.resource_spans:  # type: ignore[attr-defined]
                resource = plain_attributes(resource_spans.resource.attributes)
                for scope_spans in resource_spans.scope_spans:
                    for s in scope_spans.spans:
                        out.append(ReceivedSpan(
                            name=s.name, kind=SPAN_KINDS.get(s.kind, str(s.kind)), trace_id=s.trace_id.hex(),
                            span_id=s.span_id.hex(), parent_span_id=s.parent_span_id.hex(),
                            start_time_unix_nano=s.start_time_unix_nano, end_time_unix_nano=s.end_time_unix_nano,
                            attributes=plain_attributes(s.attributes),
                            status_code=STATUS_CODES.get(s.status.code, str(s.status.code)),
                            status_message=s.status.message,
                            events=[(e.name, plain_attributes(e.attributes)) for e in s.events],
                            resource=resource, scope=scope_spans.scope.name,
                        ))
        return out

    def metrics(self) -> dict[str, list[ReceivedPoint]]:
        """Every data point received, by metric name, in arrival order."""
        out: dict[str, list[ReceivedPoint]] = {}
        for request in self.requests("/v1/metrics"):
            for resource_metrics in request.resource_metrics:  # type: ignore[attr-defined]
                resource = plain_attributes(resource_metrics.resource.attributes)
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        points = out.setdefault(metric.name, [])
                        points.extend(_points(metric, resource, scope_metrics.scope.name))
        return out

    def logs(self) -> list[ReceivedLog]:
        out = []
        for request in self.requests("/v1/logs"):
            for resource_logs in request.resource_logs:  # type: ignore[attr-defined]
                resource = plain_attributes(resource_logs.resource.attributes)
                for scope_logs in resource_logs.scope_logs:
                    for r in scope_logs.log_records:
                        out.append(ReceivedLog(
                            body=plain_value(r.body), severity_text=r.severity_text,
                            severity_number=r.severity_number, attributes=plain_attributes(r.attributes),
                            event_name=getattr(r, "event_name", ""), trace_id=r.trace_id.hex(),
                            span_id=r.span_id.hex(), resource=resource, scope=scope_logs.scope.name,
                        ))
        return out


def _points(metric: Any, resource: dict[str, Any], scope: str) -> list[ReceivedPoint]:
    kind = metric.WhichOneof("data")
    data = getattr(metric, kind)
    common = {"metric": metric.name, "kind": kind, "unit": metric.unit, "resource": resource, "scope": scope}
    temporality = getattr(data, "aggregation_temporality", None)
    points = []
    for p in data.data_points:
        attributes = plain_attributes(p.attributes)
        if kind in ("sum", "gauge"):
            value = getattr(p, p.WhichOneof("value") or "as_double")
            points.append(ReceivedPoint(**common, attributes=attributes, value=value, temporality=temporality))
        elif kind == "histogram":
            points.append(ReceivedPoint(
                **common, attributes=attributes, count=p.count, sum=p.sum,
                min=p.min if p.HasField("min") else None, max=p.max if p.HasField("max") else None,
                bucket_counts=tuple(p.bucket_counts), explicit_bounds=tuple(p.explicit_bounds),
                temporality=temporality,
            ))
        else:
            points.append(ReceivedPoint(**common, attributes=attributes, count=p.count, sum=p.sum,
                                        temporality=temporality))
    return points
