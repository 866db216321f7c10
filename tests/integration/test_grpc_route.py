"""``OTEL_EXPORTER_OTLP_PROTOCOL=grpc`` (the ``grpc`` extra) sends OTLP over gRPC, to a real gRPC server.

The receiver is ``grpcio``'s server with the OTLP collector services generated in ``opentelemetry-proto``:
what arrives is decoded by protobuf itself. Skipped where the ``grpc`` extra is not installed (the set-up error
for that case is in ``test_signal_routing.py``).
"""

from __future__ import annotations

from concurrent import futures

import pytest

from tests.support.apps import python, run

grpc = pytest.importorskip("grpc", reason="needs the 'grpc' extra")
pytest.importorskip("opentelemetry.exporter.otlp.proto.grpc", reason="needs the 'grpc' extra")

from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc  # noqa: E402
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc  # noqa: E402
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc  # noqa: E402

pytestmark = pytest.mark.integration

APP = """
import otel_aicost.auto
import openai
from otel_aicost.demo import FakeOpenAI

with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-x", max_retries=0)
    for _ in range(3):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
"""


class _Receiver(
    trace_service_pb2_grpc.TraceServiceServicer,
    metrics_service_pb2_grpc.MetricsServiceServicer,
    logs_service_pb2_grpc.LogsServiceServicer,
):
    def __init__(self) -> None:
        self.spans: list = []
        self.metric_names: set[str] = set()

    def Export(self, request, context):  # noqa: N802 - the generated service's method name
        if isinstance(request, trace_service_pb2.ExportTraceServiceRequest):
            self.spans += [s for r in request.resource_spans for ss in r.scope_spans for s in ss.spans]
            return trace_service_pb2.ExportTraceServiceResponse()
        if isinstance(request, metrics_service_pb2.ExportMetricsServiceRequest):
            self.metric_names |= {m.name for r in request.resource_metrics for sm in r.scope_metrics for m in sm.metrics}
            return metrics_service_pb2.ExportMetricsServiceResponse()
        return logs_service_pb2.ExportLogsServiceResponse()


def test_grpc_protocol_exports_every_signal_over_grpc(tmp_path):
    receiver = _Receiver()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(receiver, server)
    metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(receiver, server)
    logs_service_pb2_grpc.add_LogsServiceServicer_to_server(receiver, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        (tmp_path / "app.py").write_text(APP)
        result = run(python("app.py"), tmp_path, {
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        })  # fmt: skip
    finally:
        server.stop(grace=None)
    assert result.returncode == 0, result.stderr
    assert [span.name for span in receiver.spans] == ["chat gpt-4o-mini"] * 3
    assert "gen_ai.usage.cost" in receiver.metric_names
    assert not (tmp_path / "otel-aicost-data").exists()
    assert "not sent" not in result.stderr
