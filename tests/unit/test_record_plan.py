"""``RecordPlan`` (a usual call's histogram records in one step) exports exactly what one record per value exports
(oracle: the SDK's own ``record()``, on an identically configured provider with the fast paths off): real
instrumented chat and embeddings calls, with collections in between, cumulative and delta readers, a reader added
half-way, exemplars under a sampled span, a view that keeps some attributes, and the plan must really be taken."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.trace import TracerProvider

from otel_aicost import semconv
from otel_aicost.instrumentation import histogram_records, record_plan
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from tests.support import mock_openai
from tests.unit.test_call_budget import cases, respond
from tests.unit.test_histogram_records import exported

TIMED = (semconv.METRIC_OPERATION_DURATION,)  # their values differ run to run: counts and attributes only


def run(monkeypatch, fast: bool, *, delta: bool = False, views: tuple = (), sampled_span: bool = False,
        reader_added: bool = False) -> tuple[list, int]:  # fmt: skip
    """Eight chat and eight embeddings calls, two readers (the first delta if asked) collected every third call; the
    points of every collection and how many calls the plans recorded."""
    if not fast:
        monkeypatch.setattr(histogram_records, "_hash_attributes", None)
    taken = []
    original = record_plan.aggregate_values

    def counted(*args: object) -> bool:
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
            else:
                calls["chat"][0]()
                calls["embeddings"][0]()
            if index % 3 == 2:
                collected.append([_points(reader) for reader in readers])
        collected.append([_points(reader) for reader in readers])
    finally:
        instrumentor.uninstrument()
        monkeypatch.undo()
    return collected, sum(taken)


def _points(reader: InMemoryMetricReader) -> list:
    points = exported(reader)
    for point in points:
        if point["metric"] in TIMED:
            for timing in ("sum", "min", "max", "bucket_counts", "exemplars"):
                point.pop(timing, None)
        else:
            point["exemplars"] = [(value, attributes) for value, attributes, _span in point["exemplars"]]
    return sorted(points, key=repr)


def _fast_paths_on() -> bool:
    return histogram_records._hash_attributes is not None


@pytest.mark.parametrize("config", ["cumulative", "delta", "view", "exemplars", "reader_added"])
def test_the_same_points_as_one_record_per_value(monkeypatch, config: str) -> None:
    kwargs = {
        "cumulative": {},
        "delta": {"delta": True},
        "view": {"views": (View(instrument_name=semconv.METRIC_TOKEN_USAGE, attribute_keys={semconv.TOKEN_TYPE}),)},
        "exemplars": {"sampled_span": True},
        "reader_added": {"reader_added": True},
    }[config]
    if config == "reader_added" and not hasattr(MeterProvider, "add_metric_reader"):
        pytest.skip("this SDK cannot add a reader to a running MeterProvider")
    fast, taken = run(monkeypatch, True, **kwargs)
    plain, not_taken = run(monkeypatch, False, **kwargs)
    assert fast == plain
    assert not_taken == 0
    cumulative = fast[-1][1]
    assert sum(p["count"] for p in cumulative if p["metric"] == semconv.METRIC_COST) == (8 if config == "reader_added"
                                                                                            else 16)  # fmt: skip
    if not _fast_paths_on() or config == "delta":  # delta aggregations are looked up on every record: no plan
        assert taken == 0
    elif config == "reader_added":  # learnt again after the first call of each kind under the new storages
        assert taken == 12
    elif config == "exemplars":  # every other call runs under a sampled span: those take the one-by-one path
        assert 0 < taken <= 8
    else:  # the first call of each kind learns the aggregations; the plan records every later one
        assert taken == 14
