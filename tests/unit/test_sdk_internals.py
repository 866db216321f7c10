"""Every private SDK attribute we rely on is still there, and does what we use it for (``export/sdk_internals``).

When an OpenTelemetry SDK upgrade moves one, this fails by name: the adapter's fallback keeps users safe, but
we lose the fast path or the fork reset without noticing otherwise.
"""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_aicost.export import sdk_internals
from tests.support.telemetry import collected_metrics


def test_no_private_attribute_we_use_has_disappeared():
    assert sdk_internals.missing() == [], (
        f"opentelemetry-sdk no longer has {sdk_internals.missing()}: update otel_aicost/export/sdk_internals/ "
        f"(checked against {sdk_internals.CHECKED_SDK_VERSIONS})"
    )


def test_this_sdk_is_one_the_fast_paths_were_checked_against():
    """A newer SDK turns the span and histogram fast paths off (the plain paths still export the same); this fails so
    that someone checks the privates listed in sdk_internals on it and widens ``checked._CHECKED``."""
    from importlib.metadata import version

    assert sdk_internals.FAST_PATHS, (
        f"opentelemetry-sdk {version('opentelemetry-sdk')} is outside {sdk_internals.CHECKED_SDK_VERSIONS}: check the "
        f"privates of otel_aicost/export/sdk_internals/ on it, then widen _CHECKED in sdk_internals/checked.py"
    )


def test_attribute_items_are_the_spans_own_attributes():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("t").start_as_current_span("s", attributes={"a": 1, "b": "x", "c": (1.5, 2.5)}):
        pass
    (span,) = exporter.get_finished_spans()
    assert list(sdk_internals.attribute_items(sdk_internals.span_attributes(span))) == list(span.attributes.items())
    assert list(sdk_internals.attribute_items({"plain": "dict"})) == [("plain", "dict")]


def test_span_queue_is_the_queue_spans_wait_in():
    processor = BatchSpanProcessor(SpanExporter(), max_queue_size=7, max_export_batch_size=7, schedule_delay_millis=60_000)
    try:
        queue = sdk_internals.span_queue(processor)
        assert queue is not None and queue.maxlen == 7
        provider = TracerProvider()
        provider.add_span_processor(processor)
        for _ in range(3):
            with provider.get_tracer("t").start_as_current_span("s"):
                pass
        assert len(queue) == 3
    finally:
        processor.shutdown()


def test_reset_metric_state_forgets_every_point_and_instruments_keep_working():
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    counter = provider.get_meter("m").create_counter("calls")
    counter.add(5)
    assert sdk_internals.reset_metric_state(provider) is True
    assert reader.get_metrics_data() is None or not reader.get_metrics_data().resource_metrics
    counter.add(2)
    (metric,) = collected_metrics(reader)
    (point,) = metric.data.data_points
    assert point.value == 2, "cumulative from the reset, not from the parent's 5"
    provider.shutdown()


def test_set_resource_attribute_changes_what_every_holder_of_the_resource_sees():
    resource = Resource({"service.name": "svc", "service.instance.id": "parent"})
    provider = TracerProvider(resource=resource)
    assert sdk_internals.set_resource_attribute(resource, "service.instance.id", "child") is True
    assert provider.resource.attributes["service.instance.id"] == "child"
    assert resource.attributes["service.name"] == "svc"
