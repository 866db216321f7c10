"""Read what the instrumentation produced in the in-memory exporters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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

    def points(self, name: str) -> list[Any]:
        """Every data point of the metric ``name`` (all scopes, all resources)."""
        data = self.reader.get_metrics_data()
        points = []
        if data is None:
            return points
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    if metric.name == name:
                        points.extend(metric.data.data_points)
        return points

    def metric(self, name: str) -> Any:
        data = self.reader.get_metrics_data()
        for resource_metrics in data.resource_metrics:
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    if metric.name == name:
                        return metric
        raise AssertionError(f"no metric {name}")
