"""The metric instruments, created once per instrumentation, and the tag allow-list with its cardinality cap."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Meter

from otel_aicost import semconv

OTHER = "_other"
_MAX_VALUE_LENGTH = 128


class Instruments:
    def __init__(self, meter: Meter, currency: str) -> None:
        self.token_usage = meter.create_histogram(
            semconv.METRIC_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used by GenAI clients",
            explicit_bucket_boundaries_advisory=list(semconv.TOKEN_BUCKETS),
        )
        self.duration = meter.create_histogram(
            semconv.METRIC_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=list(semconv.DURATION_BUCKETS),
        )
        self.time_to_first_chunk = meter.create_histogram(
            semconv.METRIC_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time from the request to the first streamed chunk",
            explicit_bucket_boundaries_advisory=list(semconv.DURATION_BUCKETS),
        )
        self.time_per_output_chunk = meter.create_histogram(
            semconv.METRIC_TIME_PER_OUTPUT_CHUNK,
            unit="s",
            description="Time between consecutive streamed chunks after the first",
            explicit_bucket_boundaries_advisory=list(semconv.DURATION_BUCKETS),
        )
        self.cost = meter.create_histogram(
            semconv.METRIC_COST,
            unit=currency,
            description="Cost of each priced GenAI call",
            explicit_bucket_boundaries_advisory=list(semconv.COST_BUCKETS),
        )


class MetricTags:
    """Allocation tags allowed on metrics, each key capped at ``cap`` distinct values (then ``_other``).

    Spans carry every tag as it is; metrics carry only allow-listed keys so that an outside caller cannot
    explode the number of series.
    """

    def __init__(self, keys: tuple[str, ...], cap: int) -> None:
        self.keys = {key: semconv.TAG_PREFIX + key for key in keys}
        self.cap = cap
        self._seen: dict[str, set[str]] = {key: set() for key in keys}
        self._lock = threading.Lock()

    def add_to(self, attributes: dict[str, object], tags: Mapping[str, str]) -> None:
        for key, value in tags.items():
            name = self.keys.get(key)
            if name is not None:
                attributes[name] = self._admit(key, value)

    def _admit(self, key: str, value: str) -> str:
        seen = self._seen[key]
        if value in seen:
            return value
        if len(value) > _MAX_VALUE_LENGTH or not value.isprintable():
            return OTHER
        with self._lock:
            if value in seen:
                return value
            if len(seen) >= self.cap:
                return OTHER
            seen.add(value)
        return value


def record_call(
    instruments: Instruments, attributes: dict[str, object], *, operation: str, duration: float, usage: Any,
    cost: Any, enriching: bool, first_chunk_delay: float | None, chunk_gaps: list[float] | None,
) -> None:  # fmt: skip
    """Record one ended call's histograms. ``attributes`` are its metric attributes (changed in place)."""
    if enriching:  # the outer instrumentation records its own duration and token metrics
        if cost is not None and cost.total is not None:
            instruments.cost.record(float(cost.total), attributes)
        return
    duration_attributes = dict(attributes)
    if cost is not None:
        duration_attributes[semconv.PRICING_STATUS] = cost.status
    if usage is not None:
        duration_attributes[semconv.USAGE_SOURCE] = usage.source
    instruments.duration.record(duration, duration_attributes)
    if usage is not None:
        input_attributes = dict(attributes)
        input_attributes[semconv.TOKEN_TYPE] = semconv.TOKEN_INPUT
        instruments.token_usage.record(usage.input_tokens, input_attributes)
        if operation != semconv.OP_EMBEDDINGS:
            # A dict of its own: older SDKs (1.35 here) keep the dict passed to record() as the data point's
            # attributes, so changing it afterwards would relabel the point.
            output_attributes = dict(attributes)
            output_attributes[semconv.TOKEN_TYPE] = semconv.TOKEN_OUTPUT
            instruments.token_usage.record(usage.output_tokens, output_attributes)
    if cost is not None and cost.total is not None:
        instruments.cost.record(float(cost.total), attributes)
    if first_chunk_delay is not None:
        instruments.time_to_first_chunk.record(first_chunk_delay, attributes)
        if chunk_gaps:
            record = instruments.time_per_output_chunk.record
            for gap in chunk_gaps:
                record(gap, attributes)
