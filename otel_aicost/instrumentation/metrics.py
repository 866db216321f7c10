"""The metric instruments, created once per instrumentation; the attribute sets calls record under, built once per
kind of call (``Series``); the tag allow-list with its cardinality cap."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Meter

from otel_aicost import semconv
from otel_aicost.instrumentation import histogram_records
from otel_aicost.instrumentation.histogram_records import AttributeSet, Moment, Recorder, meter_enabled
from otel_aicost.instrumentation.record_plan import RecordPlan

OTHER = "_other"
_MAX_VALUE_LENGTH = 128
_MAX_KNOWN_TAGS = 1024  # admitted() answers remembered per MetricTags; then they start again
_MAX_SERIES = 10_000


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
        self.token_usage_recorder = Recorder(self.token_usage)
        self.duration_recorder = Recorder(self.duration)
        self.time_to_first_chunk_recorder = Recorder(self.time_to_first_chunk)
        self.time_per_output_chunk_recorder = Recorder(self.time_per_output_chunk)
        self.cost_recorder = Recorder(self.cost)
        # the series made so far, by key (every part of a call that decides an attribute): look one up here first
        self.known_series: dict[tuple[Any, ...], Series] = {}

    def series(self, key: tuple[Any, ...], attributes: dict[str, Any], status: str | None, source: str | None
               ) -> Series:  # fmt: skip
        """The series of ``key`` (made with these shared ``attributes`` if it is new). At most ``_MAX_SERIES`` are
        kept, then they start again."""
        series = self.known_series.get(key)
        if series is None:
            series = Series(self, attributes, status, source)
            if len(self.known_series) >= _MAX_SERIES:
                self.known_series = {}
            self.known_series[key] = series
        return series


class Series:
    """The attribute sets one kind of call records under, built and prepared (``AttributeSet``) once: the shared
    set (cost, time to first chunk, chunk gaps), duration's (plus pricing status and usage source) and one per token
    type; and the plans (``record_plan.py``) of the usual priced call: duration, input tokens, output tokens (not for
    embeddings) and cost; a stream's with its time to first chunk and its chunk gaps."""

    __slots__ = ("shared", "duration", "input_tokens", "output_tokens", "priced_plan", "priced_input_plan",
                 "streamed_plan")  # fmt: skip

    def __init__(self, instruments: Instruments, attributes: dict[str, Any], status: str | None, source: str | None
                 ) -> None:  # fmt: skip
        self.shared = AttributeSet(attributes)
        duration = dict(attributes)
        if status is not None:
            duration[semconv.PRICING_STATUS] = status
        if source is not None:
            duration[semconv.USAGE_SOURCE] = source
        self.duration = AttributeSet(duration)
        self.input_tokens = AttributeSet({**attributes, semconv.TOKEN_TYPE: semconv.TOKEN_INPUT})
        self.output_tokens = AttributeSet({**attributes, semconv.TOKEN_TYPE: semconv.TOKEN_OUTPUT})
        duration_pair = (instruments.duration_recorder, self.duration)
        input_pair = (instruments.token_usage_recorder, self.input_tokens)
        cost_pair = (instruments.cost_recorder, self.shared)
        output_pair = (instruments.token_usage_recorder, self.output_tokens)
        planned = histogram_records._hash_attributes is not None  # else every record takes the SDK's record()
        self.priced_plan = RecordPlan((duration_pair, input_pair, output_pair, cost_pair)) if planned else None
        # embeddings: no output tokens
        self.priced_input_plan = RecordPlan((duration_pair, input_pair, cost_pair)) if planned else None
        first_chunk_pair = (instruments.time_to_first_chunk_recorder, self.shared)
        gaps_pair = (instruments.time_per_output_chunk_recorder, self.shared)
        self.streamed_plan = (
            RecordPlan((duration_pair, input_pair, output_pair, cost_pair, first_chunk_pair), repeated=gaps_pair)
            if planned
            else None
        )


class MetricTags:
    """Allocation tags allowed on metrics, each key capped at ``cap`` distinct values (then ``_other``).

    Spans carry every tag as it is; metrics carry only allow-listed keys so that an outside caller cannot
    explode the number of series.
    """

    def __init__(self, keys: tuple[str, ...], cap: int, fixed: Mapping[str, str] | None = None) -> None:
        """``fixed``: tags that never change (the process's default tags), admitted once: the same answer then."""
        self.keys = {key: semconv.TAG_PREFIX + key for key in keys}
        self.cap = cap
        self._seen: dict[str, set[str]] = {key: set() for key in keys}
        self._lock = threading.Lock()
        self._fixed = fixed
        self._fixed_admitted: tuple[tuple[str, str], ...] | None = None
        # any other tags' answers, by their items: allocate() makes a new dict for every block, so not by identity
        self._known: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}

    def admitted(self, tags: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """The metric attributes of ``tags``: allow-listed keys only, values beyond the cap as ``_other``."""
        if not self.keys:
            return ()
        if tags is self._fixed:  # a value once admitted stays admitted, one refused stays refused (seen only grows):
            known = self._fixed_admitted  # the first answer is every later one's
            if known is None:
                known = self._fixed_admitted = self._admitted(tags)
            return known
        items = tuple(tags.items())  # for the same reason, any other tags' first answer is every later one's too
        known = self._known.get(items)  # (every source makes str values: allocate(), baggage, resource, config)
        if known is None:
            known = self._admitted(tags)
            if len(self._known) >= _MAX_KNOWN_TAGS:
                self._known.clear()
            self._known[items] = known
        return known

    def _admitted(self, tags: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        return tuple((name, self._admit(key, value)) for key, value in tags.items() if (name := self.keys.get(key)))

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
    instruments: Instruments, series: Series, *, operation: str, duration: float, usage: Any, cost: Any,
    enriching: bool, first_chunk_delay: float | None, chunk_gaps: list[float] | None,
) -> None:  # fmt: skip
    """Record one ended call's histograms under its series' attribute sets."""
    moment = Moment(meter_enabled(instruments.duration))  # one meter: all on or all off
    if enriching:  # the outer instrumentation records its own duration and token metrics
        if cost is not None and cost.total is not None:
            instruments.cost_recorder.record(float(cost.total), series.shared, moment)
        return
    total = cost.total if cost is not None else None
    if usage is not None and first_chunk_delay is None and total is not None:  # the usual call
        record_priced(instruments, series, operation, duration, usage.input_tokens, usage.output_tokens, float(total),
                      moment)  # fmt: skip
        return
    instruments.duration_recorder.record(duration, series.duration, moment)
    if usage is not None:
        instruments.token_usage_recorder.record(usage.input_tokens, series.input_tokens, moment)
        if operation != semconv.OP_EMBEDDINGS:
            instruments.token_usage_recorder.record(usage.output_tokens, series.output_tokens, moment)
    if cost is not None and cost.total is not None:
        instruments.cost_recorder.record(float(cost.total), series.shared, moment)
    if first_chunk_delay is not None:
        record_chunks(instruments, series, first_chunk_delay, chunk_gaps, moment)


def record_chunks(instruments: Instruments, series: Series, first_chunk_delay: float, chunk_gaps: list[float] | None,
                  moment: Moment) -> None:  # fmt: skip
    """A stream's time to its first chunk and the gaps between its chunks."""
    instruments.time_to_first_chunk_recorder.record(first_chunk_delay, series.shared, moment)
    if chunk_gaps:  # one batch per stream, exported exactly as one record per gap
        instruments.time_per_output_chunk_recorder.record_many(chunk_gaps, series.shared, moment)


def record_priced(instruments: Instruments, series: Series, operation: str, duration: float, input_tokens: int,
                  output_tokens: int, total: float, moment: Moment) -> None:  # fmt: skip
    """A priced call's duration, tokens and cost (``total``: its cost as exported), not streamed: in one step once
    their aggregations are known (record_plan.py), else one by one."""
    if series.priced_plan is not None:
        if operation != semconv.OP_EMBEDDINGS:
            plan, values = series.priced_plan, (duration, input_tokens, output_tokens, total)
        else:  # embeddings: no output tokens
            plan, values = series.priced_input_plan, (duration, input_tokens, total)
        if plan.record(values, moment):
            return
    record_each(instruments, series, operation, duration, input_tokens, output_tokens, total, moment)


def record_each(instruments: Instruments, series: Series, operation: str, duration: float, input_tokens: int,
                output_tokens: int, total: float, moment: Moment) -> None:  # fmt: skip
    """``record_priced``, one record per value (its plan declined)."""
    instruments.duration_recorder.record(duration, series.duration, moment)
    instruments.token_usage_recorder.record(input_tokens, series.input_tokens, moment)
    if operation != semconv.OP_EMBEDDINGS:
        instruments.token_usage_recorder.record(output_tokens, series.output_tokens, moment)
    instruments.cost_recorder.record(total, series.shared, moment)
