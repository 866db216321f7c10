"""``record_many`` and ``record`` export exactly what one ``Histogram.record()`` per value exports (oracle: the SDK's
own per-record path on a second, identically configured provider): bucket counts, sums to the last bit, min, max,
exemplars, views, delta collections and the cardinality limit."""

from __future__ import annotations

import contextlib
import math
import random
from importlib.metadata import version

import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.trace import TracerProvider

from otel_aicost import semconv
from otel_aicost.instrumentation import histogram_records
from otel_aicost.instrumentation.histogram_records import record, record_many
from tests.support.telemetry import collected_metrics

ATTRIBUTES = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "aicost.tag.team": "a"}


def gaps(seed: int, n: int = 49) -> list[float]:
    rng = random.Random(seed)
    values = [rng.choice([rng.uniform(0, 0.02), rng.expovariate(30), rng.uniform(0, 3)]) for _ in range(n)]
    values[:3] = [0.0, semconv.DURATION_BUCKETS[2], semconv.DURATION_BUCKETS[-1] * 2]  # zero, on a bound, overflow
    return values


def provider(**reader_kwargs: object) -> tuple[MeterProvider, InMemoryMetricReader]:
    views = reader_kwargs.pop("views", ())
    exemplar_filter = reader_kwargs.pop("exemplar_filter", None)
    reader = InMemoryMetricReader(**reader_kwargs)
    kwargs = {"exemplar_filter": exemplar_filter} if exemplar_filter is not None else {}
    return MeterProvider(metric_readers=[reader], views=list(views), **kwargs), reader


def histogram(meter_provider: MeterProvider) -> Histogram:
    return meter_provider.get_meter("otel_aicost").create_histogram(
        semconv.METRIC_TIME_PER_OUTPUT_CHUNK, unit="s",
        explicit_bucket_boundaries_advisory=list(semconv.DURATION_BUCKETS),
    )  # fmt: skip


def exported(reader: InMemoryMetricReader) -> list[dict[str, object]]:
    points = []
    for metric in collected_metrics(reader):
        for point in metric.data.data_points:
            fields = {
                name: _nan_equal(getattr(point, name))
                for name in ("count", "sum", "min", "max", "bucket_counts", "explicit_bounds", "scale")
                if hasattr(point, name)
            }
            fields["attributes"] = dict(point.attributes)
            fields["metric"] = metric.name
            fields["exemplars"] = sorted(
                (e.value, dict(e.filtered_attributes or {}), e.span_id, e.trace_id)
                for e in getattr(point, "exemplars", ())
            )
            points.append(fields)
    return sorted(points, key=repr)


def _nan_equal(value: object) -> object:
    return "nan" if isinstance(value, float) and math.isnan(value) else value


def both_ways(streams: list[tuple[list[float], dict[str, str]]], collect_between: bool = False, **config: object):
    """The same streams recorded one SDK record() per value, with record_many and with our record() per value; what
    each exports (the last two must equal the first)."""
    results = []
    for how in ("sdk", "many", "one"):
        meter_provider, reader = provider(**dict(config))
        instrument = histogram(meter_provider)
        collected = []
        for values, attributes in streams:
            if how == "many":
                record_many(instrument, values, attributes)
            elif how == "one":
                for value in values:
                    record(instrument, value, attributes)
            else:
                for value in values:
                    instrument.record(value, attributes)
            if collect_between:
                collected.append(exported(reader))
        collected.append(exported(reader))
        results.append(collected)
        meter_provider.shutdown()
    # each collection made after a stream's records (not a delta reader's last one, which follows none) holds points
    # of the SDK's own path: else the comparisons would hold of nothing
    assert all(results[0][: len(streams)] if collect_between else results[0]), "the SDK's own record() exported nothing"
    assert results[2] == results[0], "record() exported something else than the SDK's own record()"
    return results[:2]


def test_the_fast_path_is_taken_on_the_sdk_it_was_checked_on() -> None:
    """Feature detection must not silently fall back on the SDK the fast path was written for (then every test
    below would only compare the plain path with itself); older SDKs (1.30: no ``_hash_attributes``) take the
    plain path, and the tests below prove that it exports the same too."""
    meter_provider, _ = provider()
    instrument = histogram(meter_provider)
    record_many(instrument, [0.1, 0.2], ATTRIBUTES)
    sdk = tuple(int(part) for part in version("opentelemetry-sdk").split(".")[:2])
    if sdk >= (1, 45):
        assert histogram_records._recorders[instrument].fast
    else:
        assert histogram_records._hash_attributes is not None or not histogram_records._recorders[instrument].fast


def test_same_buckets_sum_min_max_as_one_record_per_value() -> None:
    per_record, batched = both_ways([(gaps(1), ATTRIBUTES), (gaps(2), ATTRIBUTES), (gaps(3, 7), {"other": "x"})])
    assert batched == per_record
    assert sum(point["count"] for point in batched[-1]) == 49 + 49 + 7


def test_delta_temporality_collections_in_between() -> None:
    delta = {Histogram: AggregationTemporality.DELTA}
    streams = [(gaps(4), ATTRIBUTES), (gaps(5), ATTRIBUTES), (gaps(6), ATTRIBUTES)]
    per_record, batched = both_ways(streams, collect_between=True, preferred_temporality=delta)
    assert batched == per_record


def test_cumulative_collections_in_between() -> None:
    """Cumulative aggregations are kept by the SDK across collections, so ours are cached: still the same points."""
    streams = [(gaps(14), ATTRIBUTES), (gaps(15), {"other": "x"}), (gaps(16), ATTRIBUTES)]
    per_record, batched = both_ways(streams, collect_between=True)
    assert batched == per_record


def test_views_with_attribute_keys_and_other_aggregations() -> None:
    views = (
        View(instrument_name=semconv.METRIC_TIME_PER_OUTPUT_CHUNK, attribute_keys={"gen_ai.request.model"}),
        View(instrument_name=semconv.METRIC_TIME_PER_OUTPUT_CHUNK, name="exponential",
             aggregation=ExponentialBucketHistogramAggregation()),
    )  # fmt: skip
    per_record, batched = both_ways([(gaps(7), ATTRIBUTES), (gaps(8), {"gen_ai.request.model": "b"})], views=views)
    assert batched == per_record
    assert {point["metric"] for point in batched[-1]} == {semconv.METRIC_TIME_PER_OUTPUT_CHUNK, "exponential"}


class LongGapsOnly:
    """An exemplar filter that looks at the value: it must be asked once per value."""

    def should_sample(self, value: float, time_unix_nano: int, attributes: object, context: object) -> bool:
        return value > 0.5


@pytest.mark.parametrize("exemplar_filter", ["always_on", "trace_based", "by_value"])
def test_exemplars_under_a_sampled_span(exemplar_filter: str) -> None:
    from opentelemetry.sdk.metrics._internal.exemplar import AlwaysOnExemplarFilter, TraceBasedExemplarFilter

    chosen = {"always_on": AlwaysOnExemplarFilter, "trace_based": TraceBasedExemplarFilter, "by_value": LongGapsOnly}
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("stream"):
        per_record, batched = both_ways([(gaps(9), ATTRIBUTES)], exemplar_filter=chosen[exemplar_filter]())
    assert batched == per_record
    assert any(point["exemplars"] for point in batched[-1])
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_exemplars_keep_the_attributes_a_view_drops() -> None:
    """An exemplar holds the record's own attributes; those its view's point does not keep are exported as its
    filtered attributes (offered straight to the reservoir: sdk_internals.offer_exemplars)."""
    view = View(instrument_name=semconv.METRIC_TIME_PER_OUTPUT_CHUNK, attribute_keys={"gen_ai.request.model"})
    with TracerProvider().get_tracer("test").start_as_current_span("stream"):
        per_record, batched = both_ways([(gaps(17), ATTRIBUTES), (gaps(18, 5), ATTRIBUTES)], views=(view,))
    assert batched == per_record
    dropped = {key: value for key, value in ATTRIBUTES.items() if key != "gen_ai.request.model"}
    assert {str(attributes) for point in batched[-1] for _, attributes, _, _ in point["exemplars"]} == {str(dropped)}


def test_an_empty_attribute_key_is_dropped_as_the_sdk_drops_it() -> None:
    per_record, batched = both_ways([(gaps(19, 5), {**ATTRIBUTES, "": "x"}), (gaps(20, 3), ATTRIBUTES)])
    assert batched == per_record
    if histogram_records._hash_attributes is not None:  # SDK 1.45 drops the key (1.39, plain records, keeps it)
        assert all("" not in point["attributes"] for point in batched[-1])


def test_the_cardinality_limit_overflows_the_same_way() -> None:
    try:
        view = View(instrument_name="*", aggregation_cardinality_limit=3)
    except TypeError:
        pytest.skip("this SDK has no per-view cardinality limit")
    streams = [(gaps(10 + i, 5), {**ATTRIBUTES, "aicost.tag.team": f"t{i}"}) for i in range(6)]
    per_record, batched = both_ways(streams, views=(view,))
    assert batched == per_record
    assert any(point["attributes"].get("otel.metric.overflow") for point in batched[-1])


def test_values_the_sdk_drops_take_the_plain_path() -> None:
    per_record, batched = both_ways([([0.1, -1.0, float("nan"), float("inf"), 0.2], ATTRIBUTES)])
    assert batched == per_record
    assert batched[-1][0]["count"] in (2, 4)  # SDK 1.30 keeps NaN and infinity


def test_a_no_op_histogram_is_recorded_through_its_own_record() -> None:
    calls = []

    class Foreign:
        def record(self, value: float, attributes: object) -> None:
            calls.append(value)

    record_many(Foreign(), [0.1, 0.2], ATTRIBUTES)
    assert calls == [0.1, 0.2]


def test_repeated_attribute_sets_of_every_kind() -> None:
    """Int token counts, int attributes, and values our hash cache must not conflate (1, True, 1.0) or cannot take
    (lists, None: the SDK cleans those)."""
    streams = [
        ([12, 3, 7], {**ATTRIBUTES, "server.port": 443}),
        ([5], {**ATTRIBUTES, "server.port": 1}),
        ([6], {**ATTRIBUTES, "server.port": True}),
        ([7], {**ATTRIBUTES, "server.port": 1.0}),
        ([8], {**ATTRIBUTES, "tuple": ("a", "b")}),
        ([9], {**ATTRIBUTES, "none": None}),
        ([10, 11], {**ATTRIBUTES, "server.port": 443}),
    ]
    if histogram_records._hash_attributes is not None:  # SDK 1.30 itself fails on a list value
        streams.append(([12], {**ATTRIBUTES, "list": ["a", "b"]}))
    per_record, batched = both_ways(streams)
    assert batched == per_record
    assert len(batched[-1]) >= 4  # SDK 1.30 itself merges 1, 1.0 and True


def test_instrumented_calls_export_the_same_points_with_and_without_the_fast_path(monkeypatch) -> None:
    """Real instrumented calls (chat, a 50-chunk stream, embeddings, a Responses API call where openai has it) through
    the real client: the same series, counts, token and cost points as with the plain SDK path (timings differ run to
    run: counts only)."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
    from tests.support import mock_openai
    from tests.unit.test_call_budget import cases, respond

    def run(fast: bool) -> list[dict[str, object]]:
        if not fast:
            monkeypatch.setattr(histogram_records, "_hash_attributes", None)
        meter_provider, reader = provider()
        tracer_provider = TracerProvider()
        spans = InMemorySpanExporter()
        tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
        instrumentor = OpenAICostInstrumentor()
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        made = cases(mock_openai.client(respond))
        try:
            for instrumented_call, _ in made.values():
                instrumented_call()
                instrumented_call()
        finally:
            instrumentor.uninstrument()
            monkeypatch.undo()
        assert len(spans.get_finished_spans()) == 2 * len(made)
        points = exported(reader)
        for point in points:
            if point["metric"] not in (semconv.METRIC_TOKEN_USAGE, semconv.METRIC_COST):
                for timing in ("sum", "min", "max", "bucket_counts", "exemplars"):
                    point.pop(timing, None)
        return sorted(points, key=repr)  # again: the order was by the timings too

    fast = run(True)
    assert fast == run(False)
    chunk_gaps = [p for p in fast if p["metric"] == semconv.METRIC_TIME_PER_OUTPUT_CHUNK]
    assert [p["count"] for p in chunk_gaps] == [2 * 49]


def test_a_meter_disabled_between_calls_records_as_the_sdk_does(monkeypatch) -> None:
    """The meter is asked once per call for all of its histograms: turned off and on between calls, the points are
    those of the plain path."""
    try:
        from opentelemetry.sdk.metrics._internal import _default_meter_configurator, _disable_meter_configurator
    except ImportError:
        pytest.skip("this SDK cannot turn a meter off")

    from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
    from tests.support import mock_openai
    from tests.unit.test_call_budget import cases, respond

    def run(fast: bool) -> list[dict[str, object]]:
        if not fast:
            monkeypatch.setattr(histogram_records, "_hash_attributes", None)
        meter_provider, reader = provider()
        instrumentor = OpenAICostInstrumentor()
        instrumentor.instrument(tracer_provider=TracerProvider(), meter_provider=meter_provider)
        try:
            calls = cases(mock_openai.client(respond))
            for configurator in (_default_meter_configurator, _disable_meter_configurator, _default_meter_configurator):
                meter_provider._set_meter_configurator(meter_configurator=configurator)
                for name in ("chat", "embeddings"):
                    calls[name][0]()
        finally:
            instrumentor.uninstrument()
            monkeypatch.undo()
        points = [p for p in exported(reader) if p["metric"] in (semconv.METRIC_TOKEN_USAGE, semconv.METRIC_COST)]
        for point in points:
            point.pop("exemplars")
        return points

    fast = run(True)
    assert fast == run(False)
    assert sum(p["count"] for p in fast if p["metric"] == semconv.METRIC_COST) == 4, "2 calls of 6 while disabled"


def _contexts() -> dict[str, object]:
    """Contexts an exemplar filter and a bucket's offer may be shown: none, the invalid span, a span not sampled, a
    sampled one (non-recording and the SDK's own), something under the span key that is no span."""
    from opentelemetry.context import Context
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context
    from opentelemetry.trace.propagation import _SPAN_KEY

    def remote(flags: int) -> object:
        return set_span_in_context(NonRecordingSpan(SpanContext(0xABC, 0xDEF, True, TraceFlags(flags))))

    return {
        "empty": Context(), "invalid": set_span_in_context(trace.INVALID_SPAN), "unsampled": remote(0),
        "sampled": remote(TraceFlags.SAMPLED), "recording": set_span_in_context(TracerProvider().get_tracer("t")
                                                                               .start_span("s")),
        "no_span": Context({_SPAN_KEY: "not a span"}),
    }  # fmt: skip


@pytest.mark.parametrize("context_name", sorted(_contexts()))
@pytest.mark.parametrize("filter_name", ["always_on", "always_off", "trace_based"])
def test_sampled_span_ids_answer_as_the_filter_and_the_bucket(filter_name: str, context_name: str) -> None:
    """``sampled_span_ids``: False where the SDK's filter does not sample, else the span ids the SDK's own bucket
    offer keeps (oracle: an ``ExemplarBucket`` offered the value, then collected)."""
    from opentelemetry.sdk.metrics._internal.exemplar import (
        AlwaysOffExemplarFilter,
        AlwaysOnExemplarFilter,
        TraceBasedExemplarFilter,
    )
    from opentelemetry.sdk.metrics._internal.exemplar.exemplar_reservoir import ExemplarBucket

    from otel_aicost.export import sdk_internals

    chosen = {"always_on": AlwaysOnExemplarFilter, "always_off": AlwaysOffExemplarFilter,
              "trace_based": TraceBasedExemplarFilter}[filter_name]()  # fmt: skip
    context = _contexts()[context_name]
    for _ in range(2):  # a span type known from the first answer on the second
        answer = sdk_internals.sampled_span_ids(chosen, 1.0, ATTRIBUTES, context)
        if not chosen.should_sample(1.0, 0, ATTRIBUTES, context):
            assert answer is False
            continue
        bucket = ExemplarBucket()
        bucket.offer(1.0, 0, ATTRIBUTES, context)
        exemplar = bucket.collect({})
        assert answer == (None if exemplar.span_id is None else (exemplar.span_id, exemplar.trace_id))
        assert answer == sdk_internals.span_ids(context)
    assert (answer is not False) == (filter_name == "always_on" or (
        filter_name == "trace_based" and context_name in ("sampled", "recording")))


def test_offers_are_written_only_where_they_leave_the_reservoir_as_its_own_offer() -> None:
    """The default histogram reservoir's offers are written by ``offer_each_exemplar`` and ``offer_exemplars`` only
    after ``_offers_written_exactly`` saw them leave it as the SDK's own offer does; a write that leaves out any
    field (here: the trace id) fails that check, and every offer then goes through the reservoir."""
    from otel_aicost.export.sdk_internals import exemplars

    if histogram_records._hash_attributes is None:  # no fast path on this SDK (1.39: its reservoirs have no lock)
        return
    assert exemplars.WRITTEN_RESERVOIR is exemplars.AlignedHistogramBucketExemplarReservoir
    assert exemplars._offers_written_exactly()
    original = exemplars._write_offers

    def without_the_trace_id(reservoir, last, time_ns, attributes, ids) -> None:  # noqa: ANN001
        original(reservoir, last, time_ns, attributes, None if ids is None else (ids[0], None))

    exemplars._write_offers = without_the_trace_id
    try:
        assert not exemplars._offers_written_exactly()
    finally:
        exemplars._write_offers = original


@pytest.mark.parametrize("exemplar_filter", ["always_on", "trace_based"])
def test_exemplars_of_records_in_and_out_of_a_span(exemplar_filter: str) -> None:
    """Records in a sampled span, then outside any span: with the always-on filter, a bucket offered a spanless value
    keeps the span of its earlier offer (the SDK's bucket overwrites the span only when there is one), with the
    trace-based filter the spanless ones are not offered."""
    from opentelemetry.sdk.metrics._internal.exemplar import AlwaysOnExemplarFilter, TraceBasedExemplarFilter

    chosen = {"always_on": AlwaysOnExemplarFilter, "trace_based": TraceBasedExemplarFilter}[exemplar_filter]
    tracer = TracerProvider().get_tracer("test")
    spans = [tracer.start_span("request"), None, tracer.start_span("request"), None]  # the same ones each way
    results = []
    for how in ("sdk", "many", "one"):
        meter_provider, reader = provider(exemplar_filter=chosen())
        chunk_histogram = histogram(meter_provider)
        for span, values in zip(spans, (gaps(31, 9), gaps(32, 9), gaps(33, 9), gaps(34, 9))):
            with trace.use_span(span) if span is not None else contextlib.nullcontext():
                if how == "sdk":
                    for value in values:
                        chunk_histogram.record(value, ATTRIBUTES)
                elif how == "many":
                    record_many(chunk_histogram, values, ATTRIBUTES)
                else:
                    for value in values:
                        record(chunk_histogram, value, ATTRIBUTES)
        results.append(exported(reader))
        meter_provider.shutdown()
    assert results[1] == results[0]
    assert results[2] == results[0]
    exemplars = [exemplar for point in results[0] for exemplar in point["exemplars"]]
    assert exemplars and all(span_id is not None for _, _, span_id, _ in exemplars)


def _batches() -> list[list[float]]:
    """Batches of chunk gaps on both sides of ``aggregate``'s few-values path (fewer than twice the 14 boundaries):
    random gaps, all in one bucket, each in a bucket of its own (in order, reversed, shuffled), a bucket's one value
    first or last, every bound, past the last, zeros of both signs (a zero maximum too), ints beside equal floats, in
    many values and in a few."""
    bounds = list(semconv.DURATION_BUCKETS)
    rng = random.Random(20261206)
    own = [bound - 0.001 for bound in bounds] + [bounds[-1] * 3]
    shuffled = own[:]
    rng.shuffle(shuffled)
    steady = [rng.uniform(0.011, 0.019) for _ in range(40)]
    batches = [gaps(seed, n) for seed, n in ((41, 3), (42, 9), (43, 27), (44, 28), (45, 29), (46, 49), (47, 120))]
    batches += [
        [rng.uniform(1e-6, 1e-4) for _ in range(49)],  # the bench's: one bucket
        own, own[::-1], shuffled, own * 3, shuffled * 2,
        [0.7, *steady], [*steady, 0.7], [*steady[:20], 0.7, *steady[20:]],  # a pause: its bucket's one value
        [0.7, *steady, 0.5, *steady[:5]],  # two values in a bucket, one near the start
        bounds * 3, [*bounds, bounds[-1] * 2, *bounds[::-1]],
        [0.0, -0.0] * 15, [-0.0, 0.0] * 15, [-0.0, *steady, 0.0], [0.0, *steady, -0.0, 0.0],
        [1, 1.0, 2, 2.0] * 8, [2.0, 2] * 15, [0, 0.0, -0.0] * 10,
        # the same ties in a few values (the few-values path: its sum, min and max in the bucket loop)
        [0.0, -0.0], [-0.0, 0.0], [-0.0, 0.005, 0.0], [0.0, 0.005, -0.0, 0.0],
        [1, 1.0, 2, 2.0], [2.0, 2], [0, 0.0, -0.0], [0.005, 0.005], [bounds[-1] * 2, bounds[-1] * 2.0],
    ]
    return batches


def _exact(value: object) -> tuple[str, str]:
    return type(value).__name__, repr(value)  # a zero's sign, an int from its float


def _aggregation_state(aggregation: object) -> tuple[object, ...]:
    buckets = {
        index: {name: _exact(field) if isinstance(field, (int, float)) else field
                for name, field in vars(bucket).items()}  # fmt: skip
        for index, bucket in aggregation._reservoir._reservoir_storage.items()
    }
    return (_exact(aggregation._sum), aggregation._value, _exact(aggregation._min), _exact(aggregation._max), buckets)


def _new_aggregation(boundaries: tuple[float, ...] = semconv.DURATION_BUCKETS, record_min_max: bool = True) -> object:
    from opentelemetry.sdk.metrics._internal.aggregation import (
        AggregationTemporality,
        _ExplicitBucketHistogramAggregation,
    )
    from opentelemetry.sdk.metrics._internal.exemplar import AlignedHistogramBucketExemplarReservoir

    return _ExplicitBucketHistogramAggregation(
        {}, AggregationTemporality.CUMULATIVE, 0, AlignedHistogramBucketExemplarReservoir, boundaries=boundaries,
        record_min_max=record_min_max,
    )


@pytest.mark.parametrize("record_min_max", [True, False])
@pytest.mark.parametrize("offered", [False, True])
def test_a_batch_leaves_an_aggregation_as_the_sdks_aggregate_of_each_value(offered: bool, record_min_max: bool) -> None:
    """``sdk_internals.aggregate`` of a batch (its sum, buckets, min and max: a zero's sign and an int's type too,
    which the sorted count's min and max must keep as ``min()`` and ``max()`` keep them) and
    ``aggregate_offering`` (the same, each bucket's last value offered, found from the add's count and from the end)
    leave an aggregation and its default reservoir as the SDK's ``aggregate`` of each value does: every batch of
    ``_batches`` twice into one aggregation (the second after the first's min, max and sum), each batch in its own
    sampled span or none; and with a view's ``record_min_max=False`` (min and max left as the SDK leaves them)."""
    from opentelemetry.sdk.metrics._internal.measurement import Measurement
    from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

    from otel_aicost.export import sdk_internals
    from otel_aicost.export.sdk_internals import histogram_adds

    if histogram_records._hash_attributes is None:  # no fast path on this SDK: nothing aggregated by us
        return
    for number, batch in enumerate(_batches()):
        ours, sdk = (_new_aggregation(record_min_max=record_min_max) for _ in range(2))
        for time in (1, 2):
            span = NonRecordingSpan(SpanContext(0xA1 + number, 0xB1 + time, False, TraceFlags(1)))
            context = set_span_in_context(span if (number + time) % 3 else trace.INVALID_SPAN)
            attributes = {"time": time}
            for value in batch:
                sdk.aggregate(Measurement(value, time, None, context, attributes), offered)
            if offered:
                histogram_adds.aggregate_offering(ours, batch, time, context, attributes, sdk_internals.UNREAD)
            else:
                histogram_adds.aggregate(ours, batch)
            assert _aggregation_state(ours) == _aggregation_state(sdk), (number, time, batch)
        assert not offered or sdk._reservoir._reservoir_storage


def test_a_batch_offered_to_a_reservoir_of_other_bounds_is_offered_each_value() -> None:
    """``aggregate_offering`` finds each bucket's last value from the add's count only where the reservoir finds
    buckets in the aggregation's own boundaries; a reservoir of other boundaries is offered every value
    (``offer_exemplars``), as the SDK's ``aggregate`` offers them."""
    from opentelemetry.sdk.metrics._internal.exemplar import AlignedHistogramBucketExemplarReservoir
    from opentelemetry.sdk.metrics._internal.measurement import Measurement

    from otel_aicost.export import sdk_internals
    from otel_aicost.export.sdk_internals import histogram_adds

    if histogram_records._hash_attributes is None:
        return
    other = (0.001, 0.015, 0.5)
    for batch in _batches():
        ours, sdk = _new_aggregation(), _new_aggregation()
        for aggregation in (ours, sdk):
            aggregation._reservoir = AlignedHistogramBucketExemplarReservoir(boundaries=other)
        for value in batch:
            sdk.aggregate(Measurement(value, 7, None, trace.set_span_in_context(trace.INVALID_SPAN), {"a": 1}))
        histogram_adds.aggregate_offering(ours, batch, 7, trace.set_span_in_context(trace.INVALID_SPAN), {"a": 1},
                                      sdk_internals.UNREAD)  # fmt: skip
        assert _aggregation_state(ours) == _aggregation_state(sdk), batch
