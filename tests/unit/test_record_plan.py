"""``RecordPlan`` (a usual call's histogram records in one step) exports exactly what one record per value exports
(oracle: the SDK's own ``record()``, on an identically configured provider with the fast paths off): real
instrumented chat, embeddings and stream calls, with collections in between, cumulative and delta readers, a reader
added half-way, exemplars under a sampled span, a view that keeps some attributes, and the plan must really be taken;
a stream's plan with fixed timings, to the last bit of every sum."""

from __future__ import annotations

import contextlib
import random
import threading

import pytest
from opentelemetry import context, trace
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics._internal.exemplar import (
    AlignedHistogramBucketExemplarReservoir,
    SimpleFixedSizeExemplarReservoir,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.trace import TracerProvider

from otel_aicost import semconv
from otel_aicost.export.sdk_internals import exemplars
from otel_aicost.instrumentation import histogram_records, record_plan
from otel_aicost.instrumentation.histogram_records import Moment
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from otel_aicost.instrumentation.metrics import Instruments, Series, record_chunks, record_each
from tests.support import mock_openai
from tests.unit.test_call_budget import cases, respond
from tests.unit.test_histogram_records import exported

# their values differ run to run: counts and attributes only
TIMED = (semconv.METRIC_OPERATION_DURATION, semconv.METRIC_TIME_TO_FIRST_CHUNK, semconv.METRIC_TIME_PER_OUTPUT_CHUNK)


def run(monkeypatch, fast: bool, *, delta: bool = False, views: tuple = (), sampled_span: bool = False,
        reader_added: bool = False) -> tuple[list, int]:  # fmt: skip
    """Eight chat, eight embeddings and eight stream calls, two readers (the first delta if asked) collected every
    third round; the points of every collection and how many calls the plans recorded."""
    if not fast:
        monkeypatch.setattr(histogram_records, "_hash_attributes", None)
    taken = []
    original = record_plan.aggregate_values

    def counted(*args: object) -> bool:  # a plan's step (with a delta reader too, its aggregations looked up first)
        done = original(*args)
        taken.append(done)
        return done

    monkeypatch.setattr(record_plan, "aggregate_values", counted)
    temporality = {Histogram: AggregationTemporality.DELTA} if delta else {}
    readers = [InMemoryMetricReader(preferred_temporality=temporality), InMemoryMetricReader()]
    meter_provider = MeterProvider(metric_readers=readers[:1] if reader_added else readers, views=list(views))
    tracer_provider = TracerProvider()
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    collected = []
    try:
        calls = cases(mock_openai.client(respond))
        for index in range(8):
            if reader_added and index == 4:  # the reader storages are replaced: the plans must learn them again
                meter_provider.add_metric_reader(readers[1])
            if sampled_span and index % 2:
                with tracer_provider.get_tracer("app").start_as_current_span("request"):
                    calls["chat"][0]()
                    calls["embeddings"][0]()
                    calls["stream"][0]()
            else:
                calls["chat"][0]()
                calls["embeddings"][0]()
                calls["stream"][0]()
            if index % 3 == 2:
                collected.append([_points(reader) for reader in readers])
        collected.append([_points(reader) for reader in readers])
    finally:
        instrumentor.uninstrument()
        monkeypatch.undo()
    return collected, sum(taken)


def _points(reader: InMemoryMetricReader, timed: tuple[str, ...] = TIMED) -> list:
    points = exported(reader)
    for point in points:
        if point["metric"] in timed:
            for timing in ("sum", "min", "max", "bucket_counts", "exemplars"):
                point.pop(timing, None)
        else:
            point["exemplars"] = [(value, attributes) for value, attributes, _span, _trace in point["exemplars"]]
    return sorted(points, key=repr)


def _fast_paths_on() -> bool:
    return histogram_records._hash_attributes is not None


@pytest.mark.parametrize("config", ["cumulative", "delta", "view", "exemplars", "reader_added", "delta_exemplars",
                                    "delta_view", "delta_limit", "other_bounds_reservoir"])
def test_the_same_points_as_one_record_per_value(monkeypatch, config: str) -> None:
    if config == "delta_limit":  # the third attribute set of a view's collection overflows (a delta plan keeps the
        # aggregation it found per table: the overflow one too, until a collection replaces the table)
        try:
            limited = (View(instrument_name="*", aggregation_cardinality_limit=2),)
        except TypeError:
            pytest.skip("this SDK has no per-view cardinality limit")
    kwargs = {
        "cumulative": {},
        "delta": {"delta": True},
        "view": {"views": (View(instrument_name=semconv.METRIC_TOKEN_USAGE, attribute_keys={semconv.TOKEN_TYPE}),)},
        "exemplars": {"sampled_span": True},
        "reader_added": {"reader_added": True},
        "delta_exemplars": {"delta": True, "sampled_span": True},
        "delta_view": {"delta": True, "views": (View(instrument_name=semconv.METRIC_TOKEN_USAGE,
                                                     attribute_keys={semconv.TOKEN_TYPE}),)},
        "delta_limit": {"delta": True, "views": limited} if config == "delta_limit" else {},
        # a view's default-type reservoir finding buckets in other boundaries than the aggregation's: the offers are
        # not made in the add's loop (record_plan's folds, sdk_internals.offers_fold)
        "other_bounds_reservoir": {"sampled_span": True, "views": (View(
            instrument_name="*", exemplar_reservoir_factory=lambda _type: _other_bounds_reservoir),)},
    }[config]
    if config == "reader_added" and not hasattr(MeterProvider, "add_metric_reader"):
        pytest.skip("this SDK cannot add a reader to a running MeterProvider")
    fast, taken = run(monkeypatch, True, **kwargs)
    plain, not_taken = run(monkeypatch, False, **kwargs)
    assert fast == plain
    assert not_taken == 0
    cumulative = fast[-1][1]
    assert sum(p["count"] for p in cumulative if p["metric"] == semconv.METRIC_COST) == (12 if config == "reader_added"
                                                                                            else 24)  # fmt: skip
    if not _fast_paths_on():
        assert taken == 0
    elif config.startswith("delta"):  # a delta reader's aggregations are looked up in its views on every call: the
        # plan needs nothing learnt first, every call takes it
        assert taken == 24
    elif config == "reader_added":  # learnt again after the first call of each kind under the new storages
        assert taken == 18
    elif config in ("exemplars", "other_bounds_reservoir"):  # every other call runs under a sampled span: the plan
        # offers their exemplars too
        assert taken == 21
    else:  # the first call of each kind learns the aggregations; the plan records every later one
        assert taken == 21


def _other_bounds_reservoir(**_kwargs: object) -> AlignedHistogramBucketExemplarReservoir:
    return AlignedHistogramBucketExemplarReservoir(boundaries=[1.0, 100.0])


def _buckets(plan: record_plan.RecordPlan) -> list:
    """Every field of every reservoir bucket of the plan's aggregations (a time read by the plan left out)."""
    return [{index: {k: v for k, v in vars(bucket).items() if not (k.endswith("time_unix_nano") and v > 10**12)}
             for index, bucket in aggregation._reservoir._reservoir_storage.items()}
            for aggregation in plan.aggregations]  # fmt: skip


def test_offers_in_the_adds_loop_leave_the_reservoirs_as_the_offers_after_it(monkeypatch) -> None:
    """A sampled call's offers made in the add's loop, in the bucket the add found (``aggregate_values`` given them),
    leave every reservoir bucket (value, time, attributes, span and trace ids) as the plan's offers after the add
    (``offer_each_exemplar``, itself checked against the SDK's offer at import) leave it: values in several buckets,
    on a bound, past the last one, a span and then no span."""
    if not _fast_paths_on() or exemplars.WRITTEN_RESERVOIR is None:
        pytest.skip("no fast paths, or the reservoir's offers not written, on this SDK")
    spans = [trace.NonRecordingSpan(trace.SpanContext(0x5EED + i, 0xC0FFEE + i, False, trace.TraceFlags(1)))
             for i in range(2)]  # fmt: skip
    calls = [((0.5, 10, 20, 0.25), spans[0]), ((2.0, 1000, 3, 0.0001), spans[1]), ((0.01, 0, 70000, 9.0), None),
             ((100.0, 5, 5, 1e9), spans[0])]  # fmt: skip
    buckets, points = [], []
    for fold in (True, False):
        if not fold:
            monkeypatch.setattr(record_plan, "offers_fold", lambda _aggregations: False)
        reader = InMemoryMetricReader()
        meter_provider = MeterProvider(metric_readers=[reader])
        instruments = Instruments(meter_provider.get_meter("otel_aicost"), "USD")
        series = Series(instruments, {semconv.OPERATION_NAME: "chat", semconv.REQUEST_MODEL: "m"}, "priced", "r")
        plan = series.priced_plan
        record_each(instruments, series, semconv.OP_CHAT, 0.5, 10, 20, 0.25, Moment(True))  # learns them
        snapshots = []
        for time, (values, span) in enumerate(calls):
            token = context.attach(trace.set_span_in_context(span) if span is not None else context.Context())
            try:
                moment = Moment(True)  # the call's context: its records are made outside it (the Moment's is used)
                moment.now = 1000 + time
                spanned = moment.context
            finally:
                context.detach(token)
            assert plan.record(values, moment)
            snapshots.append(_buckets(plan))
            assert plan.record(values, None, True, spanned)  # without a Moment: the plan reads the time
            snapshots.append(_buckets(plan))
        assert plan.folds is fold
        buckets.append(snapshots)
        points.append(_points(reader, timed=()))
        meter_provider.shutdown()
    assert points[1], "the plain offers' reader collected no point"  # (else the comparison holds of nothing)
    assert buckets[0] == buckets[1]
    assert points[0] == points[1]


def _small_gaps(seed: int, n: int) -> list[float]:
    """Chunk gaps under a second, one on a bucket bound, some a million times smaller than the rest: their sum's last
    bits depend on the order they are added."""
    rng = random.Random(seed)
    tail = [rng.choice([rng.uniform(0, 0.7), rng.uniform(0, 1e-6)]) for _ in range(n - 1)]
    return [semconv.DURATION_BUCKETS[3], *tail]


def _streams_recorded(fast: bool, readers: int, sampled_span: bool, views: tuple = ()) -> tuple[list, list[bool]]:
    """Six streams' records under one ``Series``, collected after the third and the last: through its streamed plan
    (``fast``; each stream's records first one by one, as the first end of a kind makes them, until the plan takes
    them), or one SDK ``record()`` per value (the oracle). The points, and what the plan answered."""
    readers_list = [InMemoryMetricReader() for _ in range(readers)]
    meter_provider = MeterProvider(metric_readers=readers_list, views=list(views))
    random.seed(20261205)  # a view's random reservoir draws the same numbers on both sides
    instruments = Instruments(meter_provider.get_meter("otel_aicost"), "USD")
    attributes = {semconv.OPERATION_NAME: "chat", semconv.REQUEST_MODEL: "gpt-4o-mini"}
    series = Series(instruments, attributes, "priced", "reported")
    # (duration, input tokens, output tokens, cost, time to first chunk, chunk gaps): gap lists on both sides of
    # the few-values path (sdk_internals.aggregate), values on bucket bounds, sums whose order shows in the last bit
    streams = [
        (0.31, 12, 7, 0.1, 0.02, [0.01, 0.3, 0.02]),
        (1.7, 16, 64, 0.2, 0.3, _small_gaps(21, 49)),
        (0.04, 1, 1, 0.7, 0.01, []),
        (2.56, 300, 9, 0.1 + 0.2, 0.08, [0.1, 0.2, 0.3, 0.04, 0.07, 0.11, 0.13, 0.17]),
        (0.3, 4, 5, 1e-9, 0.1, _small_gaps(28, 9)),
        (0.1, 17, 3, 0.3, 40.96, [0.1, 0.0, 0.3, semconv.DURATION_BUCKETS[-1] * 2]),  # zero, an overflow
    ]
    answers, collected = [], []
    span = TracerProvider().get_tracer("app").start_span("request") if sampled_span else None
    scope = trace.use_span(span, end_on_exit=True) if span is not None else contextlib.nullcontext()
    with scope:
        _record_streams(fast, instruments, series, streams, answers, collected, readers_list)
    meter_provider.shutdown()
    return collected, answers


def _record_streams(fast: bool, instruments: Instruments, series: Series, streams: list, answers: list,
                    collected: list, readers: list) -> None:  # fmt: skip
    histograms = (instruments.duration, instruments.token_usage, instruments.token_usage, instruments.cost,
                  instruments.time_to_first_chunk)  # fmt: skip
    sets = (series.duration, series.input_tokens, series.output_tokens, series.shared, series.shared)
    for index, (*values, chunk_gaps) in enumerate(streams):
        if fast:
            plan = series.streamed_plan  # None: no fast path on this SDK
            taken = plan is not None and plan.record(values, None, True, context.get_current(), chunk_gaps)
            if not taken:  # declined: one by one, as the stream's end then records them
                moment = Moment(True)
                record_each(instruments, series, "chat", *values[:4], moment)
                record_chunks(instruments, series, values[4], chunk_gaps, moment)
            answers.append(taken)
        else:
            for histogram, attribute_set, value in zip(histograms, sets, values):
                histogram.record(value, attribute_set.attributes)
            for gap in chunk_gaps:
                instruments.time_per_output_chunk.record(gap, series.shared.attributes)
        if index in (2, 5):  # (the exemplars' span ids: each run's own span)
            collected.append([_points(reader, timed=()) for reader in readers])


def test_a_views_own_reservoir_is_offered_every_chunk_gap() -> None:
    """Only the SDK's default histogram reservoir keeps each bucket's last value, so only there may the plan offer
    just that one (``sdk_internals.offer_exemplars``); a view's random reservoir counts every value it is offered:
    with each gap offered, its exemplars are the ones one ``record()`` per value leaves (the same random draws)."""
    view = View(instrument_name=semconv.METRIC_TIME_PER_OUTPUT_CHUNK,
                exemplar_reservoir_factory=lambda _aggregation: lambda **_bounds: SimpleFixedSizeExemplarReservoir(2))
    fast, answers = _streams_recorded(True, 1, True, (view,))
    plain, _ = _streams_recorded(False, 1, True, (view,))
    assert fast == plain
    gaps = [point for point in fast[-1][0] if point["metric"] == semconv.METRIC_TIME_PER_OUTPUT_CHUNK]
    assert gaps and all(point["exemplars"] for point in gaps)
    assert any(answers) == _fast_paths_on()


@pytest.mark.parametrize(("readers", "sampled_span"), [(1, False), (2, False), (2, True)])
def test_a_streams_plan_adds_its_chunk_gaps_as_one_record_each(readers: int, sampled_span: bool) -> None:
    """A stream's end records its duration, tokens, cost, time to first chunk and every chunk gap in one step; the
    points are those of one SDK ``record()`` per value, to the last bit of every sum, with two readers too (each
    value added to both readers' aggregations), and in a sampled span (each value offered as an exemplar)."""
    fast, answers = _streams_recorded(True, readers, sampled_span)
    plain, _ = _streams_recorded(False, readers, sampled_span)
    assert fast == plain
    if sampled_span:  # every point has its exemplars (a sampled span around the records: offered with them)
        assert all(point["exemplars"] for point in fast[-1][0])
    assert sum(point["count"] for point in fast[-1][0] if point["metric"] == semconv.METRIC_TIME_PER_OUTPUT_CHUNK) == (
        3 + 49 + 8 + 9 + 4
    )
    if _fast_paths_on():  # the first stream makes the records one by one, the second (its first gaps known
        # already) is the first the plan takes
        assert answers == [False, True, True, True, True, True]
    else:
        assert not any(answers)


def _delta_priced_plan() -> tuple[InMemoryMetricReader, MeterProvider, record_plan.RecordPlan]:
    """A delta reader, its provider and a chat call's priced plan recording into it."""
    reader = InMemoryMetricReader(preferred_temporality={Histogram: AggregationTemporality.DELTA})
    meter_provider = MeterProvider(metric_readers=[reader])
    instruments = Instruments(meter_provider.get_meter("otel_aicost"), "USD")
    series = Series(instruments, {semconv.OPERATION_NAME: "chat", semconv.REQUEST_MODEL: "m"}, "priced", "reported")
    return reader, meter_provider, series.priced_plan


def test_a_delta_collection_waits_for_a_plan_between_lookup_and_add(monkeypatch) -> None:
    """A delta reader's collection replaces the view's aggregations: one that ran between the plan's lookup of an
    aggregation and its add would take the old one away with the value still to come, and the value would be lost.
    The plan holds the views' locks from lookup to add, as the SDK does: a collection started in between waits, and
    every value is in some collection."""
    if not _fast_paths_on():
        pytest.skip("no fast paths on this SDK")
    reader, meter_provider, plan = _delta_priced_plan()
    original, collections, waited = record_plan.aggregate_values, [], []

    def collect() -> None:
        collections.append(_points(reader, timed=()))

    def add_while_a_collection_starts(*args: object) -> bool:  # the aggregations looked up, not yet added to
        collector = threading.Thread(target=collect)
        collector.start()
        collector.join(0.2)
        waited.append(collector.is_alive())
        done = original(*args)
        collectors.append(collector)
        return done

    collectors: list[threading.Thread] = []
    monkeypatch.setattr(record_plan, "aggregate_values", add_while_a_collection_starts)
    for _ in range(3):
        assert plan.record((0.5, 10, 20, 0.25), None, True, context.get_current())
    for collector in collectors:
        collector.join()
    collect()
    assert waited == [True, True, True]
    costs = [point["count"] for points in collections for point in points if point["metric"] == semconv.METRIC_COST]
    assert sum(costs) == 3
    meter_provider.shutdown()


def test_a_reader_added_between_a_delta_plans_lookup_and_add_leaves_the_call_to_be_recorded_one_by_one(
        monkeypatch) -> None:  # fmt: skip
    """A reader added after the plan looked its aggregations up replaces the storages they were looked up under:
    the plan adds nothing and answers False, so the call's records are made one by one (none lost, none twice)."""
    if not _fast_paths_on() or not hasattr(MeterProvider, "add_metric_reader"):
        pytest.skip("no fast paths, or no reader can be added, on this SDK")
    reader, meter_provider, plan = _delta_priced_plan()
    assert plan.record((0.5, 10, 20, 0.25), None, True, context.get_current())
    original = record_plan.aggregations_in_views

    def a_reader_added_after(*args: object) -> object:
        found = original(*args)
        meter_provider.add_metric_reader(InMemoryMetricReader())
        return found

    monkeypatch.setattr(record_plan, "aggregations_in_views", a_reader_added_after)
    assert not plan.record((0.5, 10, 20, 0.25), None, True, context.get_current())
    costs = [point["count"] for point in _points(reader, timed=()) if point["metric"] == semconv.METRIC_COST]
    assert costs == [1]  # the first call's only: the second added nothing
    meter_provider.shutdown()
