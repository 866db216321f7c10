"""OTLP/JSON encoding of the SDK's ``MetricsData`` (sums, gauges, explicit and exponential histograms)."""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry.sdk.metrics.export import ExponentialHistogram, Gauge, Histogram, MetricsData, Sum

from otel_aicost.export._common import encode_attributes, encode_double, encode_resource, encode_scope, put_attributes

_logger = logging.getLogger(__name__)


def encode_metrics(metrics_data: MetricsData) -> dict:
    """An ExportMetricsServiceRequest (``{"resourceMetrics": [...]}``) for what a metric reader collected."""
    resource_metrics = []
    for sdk_resource_metrics in metrics_data.resource_metrics:
        scope_metrics = []
        for sdk_scope_metrics in sdk_resource_metrics.scope_metrics:
            scope = sdk_scope_metrics.scope
            entry: dict = {"scope": encode_scope(scope), "metrics": [_metric(m) for m in sdk_scope_metrics.metrics]}
            # Same source as the SDK's protobuf encoder: the scope's own schema URL.
            if getattr(scope, "schema_url", None):
                entry["schemaUrl"] = scope.schema_url
            scope_metrics.append(entry)
        resource = sdk_resource_metrics.resource
        resource_entry: dict = {"resource": encode_resource(resource), "scopeMetrics": scope_metrics}
        if getattr(resource, "schema_url", None):
            resource_entry["schemaUrl"] = resource.schema_url
        resource_metrics.append(resource_entry)
    return {"resourceMetrics": resource_metrics}


def _metric(metric: Any) -> dict:
    encoded: dict = {}
    if metric.name:
        encoded["name"] = metric.name
    if metric.description:
        encoded["description"] = metric.description
    if metric.unit:
        encoded["unit"] = metric.unit
    data = metric.data
    points = data.data_points
    if not points:  # the protobuf encoder leaves the data field unset when there is nothing to carry
        return encoded
    if isinstance(data, Sum):
        body: dict = {"dataPoints": [_number_point(p, with_start=True) for p in points]}
        if int(data.aggregation_temporality):
            body["aggregationTemporality"] = int(data.aggregation_temporality)
        if data.is_monotonic:
            body["isMonotonic"] = True
        encoded["sum"] = body
    elif isinstance(data, Gauge):
        encoded["gauge"] = {"dataPoints": [_number_point(p, with_start=False) for p in points]}
    elif isinstance(data, Histogram):
        body = {"dataPoints": [_histogram_point(p) for p in points]}
        if int(data.aggregation_temporality):
            body["aggregationTemporality"] = int(data.aggregation_temporality)
        encoded["histogram"] = body
    elif isinstance(data, ExponentialHistogram):
        body = {"dataPoints": [_exponential_point(p) for p in points]}
        if int(data.aggregation_temporality):
            body["aggregationTemporality"] = int(data.aggregation_temporality)
        encoded["exponentialHistogram"] = body
    else:
        _logger.warning("unsupported metric data type %s", type(data).__name__)
    return encoded


def _times(encoded: dict, point: Any, with_start: bool) -> None:
    if with_start and point.start_time_unix_nano:
        encoded["startTimeUnixNano"] = str(point.start_time_unix_nano)
    if point.time_unix_nano:
        encoded["timeUnixNano"] = str(point.time_unix_nano)


def _number_point(point: Any, with_start: bool) -> dict:
    encoded: dict = {}
    put_attributes(encoded, point.attributes)
    _times(encoded, point, with_start)
    value = point.value
    if isinstance(value, int):
        encoded["asInt"] = str(value)
    else:
        encoded["asDouble"] = encode_double(value)
    _exemplars(encoded, point)
    return encoded


def _histogram_point(point: Any) -> dict:
    encoded: dict = {}
    put_attributes(encoded, point.attributes)
    _times(encoded, point, True)
    if point.count:
        encoded["count"] = str(point.count)
    if point.sum is not None:  # optional field: present even when zero
        encoded["sum"] = encode_double(point.sum)
    if point.bucket_counts:
        encoded["bucketCounts"] = [str(count) for count in point.bucket_counts]
    if point.explicit_bounds:
        encoded["explicitBounds"] = [encode_double(bound) for bound in point.explicit_bounds]
    _exemplars(encoded, point)
    _min_max(encoded, point)
    return encoded


def _exponential_point(point: Any) -> dict:
    encoded: dict = {}
    put_attributes(encoded, point.attributes)
    _times(encoded, point, True)
    if point.count:
        encoded["count"] = str(point.count)
    if point.sum is not None:
        encoded["sum"] = encode_double(point.sum)
    if point.scale:
        encoded["scale"] = point.scale
    if point.zero_count:
        encoded["zeroCount"] = str(point.zero_count)
    for name, buckets in (("positive", point.positive), ("negative", point.negative)):
        if buckets is not None and buckets.bucket_counts:
            encoded_buckets: dict = {"bucketCounts": [str(count) for count in buckets.bucket_counts]}
            if buckets.offset:
                encoded_buckets["offset"] = buckets.offset
            encoded[name] = encoded_buckets
    if point.flags:
        encoded["flags"] = point.flags
    _exemplars(encoded, point)
    _min_max(encoded, point)
    return encoded


def _min_max(encoded: dict, point: Any) -> None:
    if point.min is not None:
        encoded["min"] = encode_double(point.min)
    if point.max is not None:
        encoded["max"] = encode_double(point.max)


def _exemplars(encoded: dict, point: Any) -> None:
    exemplars = getattr(point, "exemplars", None)
    if not exemplars:
        return
    result = []
    for exemplar in exemplars:
        item: dict = {}
        filtered = encode_attributes(exemplar.filtered_attributes)
        if filtered:
            item["filteredAttributes"] = filtered
        if exemplar.time_unix_nano:
            item["timeUnixNano"] = str(exemplar.time_unix_nano)
        value = exemplar.value
        if isinstance(value, float):
            item["asDouble"] = encode_double(value)
        elif isinstance(value, int):
            item["asInt"] = str(value)
        else:
            continue  # the protobuf encoder refuses such an exemplar; skip it rather than the whole batch
        if exemplar.span_id is not None and exemplar.trace_id is not None:
            item["spanId"] = f"{exemplar.span_id:016x}"
            item["traceId"] = f"{exemplar.trace_id:032x}"
        result.append(item)
    if result:
        encoded["exemplars"] = result
