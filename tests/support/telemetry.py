"""Read what the instrumentation produced in the in-memory exporters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SDK_SELF_SCOPE = "opentelemetry-sdk"  # the scope of the SDK's metrics about itself


def collected_metrics(reader: Any) -> list[Any]:
    """Every metric ``reader`` (an SDK metric reader) collects now, of all resources and all scopes but the SDK's
    own: opentelemetry-sdk 1.41 records its readers' collection times (``otel.sdk.metric_reader.collection.duration``,
    scope ``opentelemetry-sdk``) by default, values no test of ours can expect (a sweep of SDK releases, round 31)."""
    data = reader.get_metrics_data()
    if data is None:
        return []
    return [metric for resource_metrics in data.resource_metrics
            for scope_metrics in resource_metrics.scope_metrics if scope_metrics.scope.name != SDK_SELF_SCOPE
            for metric in scope_metrics.metrics]  # fmt: skip


@dataclass
class Telemetry:
    tracer_provider: Any
    meter_provider: Any
    exporter: Any
    reader: Any

    def spans(self) -> list[Any]:
        return list(self.exporter.get_finished_spans())

    def span(self) -> Any:
        spans = self.spans()
        assert len(spans) == 1, [s.name for s in spans]
        return spans[0]

    def metrics(self) -> list[Any]:
        """Every metric the reader collects now (all scopes, all resources)."""
        return collected_metrics(self.reader)

    def points(self, name: str) -> list[Any]:
        """Every data point of the metric ``name`` (all scopes, all resources)."""
        return [point for metric in self.metrics() if metric.name == name for point in metric.data.data_points]

    def metric(self, name: str) -> Any:
        for metric in self.metrics():
            if metric.name == name:
                return metric
        raise AssertionError(f"no metric {name}")
