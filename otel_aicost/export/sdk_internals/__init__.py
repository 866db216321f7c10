"""Every read or write of the OpenTelemetry SDK's private attributes, in one place, each with the versions checked.

The SDK offers no public way to do these things. Each function degrades to a safe answer when the private
attribute is gone, and ``tests/unit/test_sdk_internals.py`` fails loudly on an SDK where one is missing, so an SDK
upgrade that moves them is noticed in CI, not by a user. Checked against opentelemetry-sdk 1.30 to 1.45.

| function | private | why no public API does | when missing |
| --- | --- | --- | --- |
| ``attribute_items`` | ``BoundedAttributes._dict`` | iterating the Mapping is several times slower on the span encoder's hot path | the public Mapping |
| ``span_attributes`` | ``ReadableSpan._attributes`` | ``span.attributes`` is a ``MappingProxyType`` copy-free view that iterates slower | the public view |
| ``span_queue`` | ``BatchSpanProcessor._batch_processor._queue`` (1.34+), ``.queue`` (older) | no queue length (``otel.sdk.processor.span.queue.size`` needs a metrics pipeline of its own) | queued spans count as unsent until a flush |
| ``reset_metric_state`` | ``MeterProvider._measurement_consumer`` (its reader storages) | after ``fork()`` the child must not re-export the parent's cumulative state; ``remove_metric_reader`` shuts the reader down | the child keeps the parent's state (logged once) |
| ``set_resource_attribute`` | ``Resource._attributes`` | resources are immutable, but providers and tracers already hold this one object | the child keeps the parent's ``service.instance.id`` |
| ``store_clean_span_attributes``, ``start_plain_span`` | ``Span._lock``, ``_end_time``, ``_attributes``; ``BoundedAttributes._dict``, ``_lock``, ``_immutable``, ``maxlen``, ``max_value_len`` | ``set_attributes`` cleans every value, even ones its cleaning returns as they are | ``set_attributes`` (``span_writes.py``) |
| ``histogram_consumer`` and the functions below it (``histograms.py``; the adds: ``histogram_adds.py``) | ``Histogram._measurement_consumer`` (``_reader_storages``, ``_sdk_config.exemplar_filter``), ``MetricReaderStorage._get_or_init_view_instrument_match``, ``_ViewInstrumentMatch`` (``_view._attribute_keys``, ``_aggregation``, ``_lock``, ``_reset_on_collect``, ``_attributes_aggregation``: only added to, replaced by a delta collection, checked on the first delta plan, ``histograms.tables_replaced_on_collect``; ``_get_or_create_aggregation``), ``_hash_attributes``, ``_ExplicitBucketHistogramAggregation`` (``_lock``, ``_value``, ``_sum``, ``_min``, ``_max``, ``_record_min_max``, ``_boundaries``, ``_get_empty_bucket_counts``, ``_reservoir``'s ``offer``, and of the default ``AlignedHistogramBucketExemplarReservoir`` its ``_lock``, ``_boundaries``, ``_reservoir_storage`` and its ``ExemplarBucket``s' name-mangled fields, written as its ``offer`` writes them: checked at import, ``exemplars._offers_written_exactly``), ``Histogram._is_enabled`` | no way to record a batch of values, or a repeated attribute set without cleaning and hashing it again, or to offer a call's exemplars without four Python frames and a span read per value | one ``record()`` per value (``histogram_records.py``) |

Two more, outside the table for their length: ``current_context``, ``attach_context``, ``reset_context``
(``context.py``) read the API's ``_RUNTIME_CONTEXT._current_context`` (the ``ContextVar`` of its default
``ContextVarsRuntimeContext``): ``context.get_current``/``attach``/``detach`` are two Python frames each around its
C ``get``/``set``/``reset``; when missing, the API's functions. ``SPANLESS_UNSAMPLED`` knows what
``TraceBasedExemplarFilter.should_sample`` answers for a context without a span (``_SPAN_KEY`` absent: False), since
no way asks it without its three frames; ``sampled_span_ids`` answers for it from one read of the span (its span context's sampled flag) and gives the ids the exemplar offers write; when missing, the filter is asked. ``SPAN_KEY`` (the API's ``_SPAN_KEY``,
None when moved) is the one import of that key: the wrapper's call context, the call's no-span check and that
shortcut.

The two fast paths (span attributes, histogram records) are used only on an SDK within ``CHECKED_SDK_VERSIONS``
(``FAST_PATHS``; a newer SDK takes the plain path until it is checked) and where every private they read is there
(feature-detected once per span class or histogram). ``tests/unit/test_span_writes.py`` and
``tests/unit/test_histogram_records.py`` prove their output equal to the plain path's, on the oldest (1.39) and
newest supported SDK in CI.
"""

from __future__ import annotations

import collections
import inspect
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry.attributes import BoundedAttributes

from otel_aicost.export.sdk_internals.checked import (
    _HISTOGRAM_FAST_PATH_SINCE,
    CHECKED_SDK_VERSIONS,
    FAST_PATHS,
    _sdk_version,
)
from otel_aicost.export.sdk_internals.context import CONTEXT_VARIABLE, attach_context, current_context, reset_context
from otel_aicost.export.sdk_internals.exemplars import (
    CONTEXT_ONLY_FILTERS,
    SPAN_KEY,
    SPANLESS_UNSAMPLED,
    UNREAD,
    WRITTEN_RESERVOIR,
    context_only_sampled,
    offer_each_exemplar,
    offer_exemplars,
    sampled_span_ids,
    span_ids,
)
from otel_aicost.export.sdk_internals.histogram_adds import (
    aggregate,
    aggregate_offering,
    aggregate_value,
    aggregate_values,
    offers_fold,
)
from otel_aicost.export.sdk_internals.histograms import (
    aggregate_in_view,
    aggregations_in_views,
    exemplar_filter,
    explicit_bucket_matches,
    hash_attributes,
    histogram_consumer,
    meter_check,
    meter_enabled,
    reader_storages,
    resets_on_collect,
    tables_replaced_on_collect,
    view_attribute_keys,
    view_locks,
)
from otel_aicost.export.sdk_internals.spans import (
    _ATTRIBUTE_FIELDS,
    _SPAN_FIELDS,
    _span_usable,
    attributes_can_follow_start,
    start_plain_span,
    store_clean_span_attributes,
)

__all__ = [
    "CHECKED_SDK_VERSIONS", "CONTEXT_ONLY_FILTERS", "FAST_PATHS", "SPAN_KEY", "SPANLESS_UNSAMPLED", "UNREAD", "WRITTEN_RESERVOIR", "aggregate",
    "aggregate_in_view", "aggregate_offering", "aggregate_value", "aggregate_values", "aggregations_in_views", "attach_context", "attribute_items",
    "attributes_can_follow_start", "context_only_sampled", "current_context", "exemplar_filter", "explicit_bucket_matches", "hash_attributes",
    "histogram_consumer", "meter_check", "meter_enabled", "missing", "reader_storages", "resets_on_collect",
    "offer_each_exemplar", "offer_exemplars", "offers_fold", "reset_context", "reset_metric_state", "sampled_span_ids", "set_resource_attribute", "span_attributes", "span_ids",
    "span_queue", "start_plain_span", "store_clean_span_attributes", "tables_replaced_on_collect", "view_attribute_keys", "view_locks", "_span_usable",
]  # fmt: skip

_logger = logging.getLogger("otel_aicost")


def attribute_items(attributes: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    """The (key, value) pairs of span, resource or scope attributes, fast for the SDK's ``BoundedAttributes``."""
    if type(attributes) is BoundedAttributes:
        inner = getattr(attributes, "_dict", None)
        if isinstance(inner, dict):
            return inner.items()
    return attributes.items()


def span_attributes(span: Any) -> Mapping[str, Any]:
    """A ``ReadableSpan``'s attributes without the read-only proxy ``span.attributes`` wraps them in."""
    return getattr(span, "_attributes", None) or span.attributes


def span_queue(processor: Any) -> collections.deque[Any] | None:
    """The bounded queue of an SDK ``BatchSpanProcessor``, or None when this SDK keeps it elsewhere."""
    for owner, name in ((getattr(processor, "_batch_processor", None), "_queue"), (processor, "queue")):
        queue = getattr(owner, name, None)
        if isinstance(queue, collections.deque) and queue.maxlen is not None:
            return queue
    return None


def reset_metric_state(meter_provider: Any) -> bool:
    """Forget every aggregated metric point of an SDK ``MeterProvider`` (instruments keep working). True if done."""
    consumer = getattr(meter_provider, "_measurement_consumer", None)
    storages = getattr(consumer, "_reader_storages", None)
    if not isinstance(storages, Mapping):
        _logger.warning("otel-aicost: this OpenTelemetry SDK hides its metric state; a forked child may "
                        "report its parent's counts again")  # fmt: skip
        return False
    if hasattr(consumer, "add_metric_reader"):  # newer SDKs: a fresh, empty storage per reader
        for reader in list(storages):
            consumer.remove_metric_reader(reader)
            consumer.add_metric_reader(reader)
        return True
    from opentelemetry.sdk.metrics._internal.metric_reader_storage import MetricReaderStorage  # older SDKs

    with_limit = len(inspect.signature(MetricReaderStorage).parameters) > 3
    consumer._reader_storages = {
        reader: MetricReaderStorage(
            consumer._sdk_config,
            reader._instrument_class_temporality,
            reader._instrument_class_aggregation,
            *((reader._instrument_class_cardinality_limit,) if with_limit else ()),
        )
        for reader in storages
    }
    return True


def set_resource_attribute(resource: Any, key: str, value: str) -> bool:
    """Change one attribute of an existing ``Resource`` in place (every provider holding it sees the change)."""
    attributes = getattr(resource, "_attributes", None)
    inner = getattr(attributes, "_dict", None)
    if not isinstance(inner, dict):
        return False
    inner[key] = value
    return True


def missing() -> list[str]:
    """The private attributes this SDK no longer has (what ``tests/unit/test_sdk_internals.py`` asserts empty)."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    gone = []
    if not isinstance(getattr(BoundedAttributes(attributes={"a": 1}), "_dict", None), dict):
        gone.append("BoundedAttributes._dict")
    from opentelemetry.sdk.trace import TracerProvider

    tracer_provider = TracerProvider()
    with tracer_provider.get_tracer("check").start_as_current_span("s") as span:
        span.set_attribute("a", 1)
        gone += [f"Span.{f}" for f in _SPAN_FIELDS if not hasattr(span, f)]
        gone += [f"BoundedAttributes.{f}" for f in _ATTRIBUTE_FIELDS if not hasattr(span._attributes, f)]
    if not isinstance(getattr(span, "_attributes", None), BoundedAttributes):
        gone.append("ReadableSpan._attributes")
    processor = BatchSpanProcessor(SpanExporter())
    try:
        if span_queue(processor) is None:
            gone.append("BatchSpanProcessor queue")
    finally:
        processor.shutdown()
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    consumer = getattr(provider, "_measurement_consumer", None)
    if not isinstance(getattr(consumer, "_reader_storages", None), Mapping):
        gone.append("MeterProvider._measurement_consumer._reader_storages")
    if FAST_PATHS and _HISTOGRAM_FAST_PATH_SINCE <= _sdk_version():  # the histogram fast path's privates
        if hash_attributes is None:
            gone.append("_view_instrument_match._hash_attributes (or another histogram private)")
        elif histogram_consumer(provider.get_meter("check").create_histogram("h")) is None:
            gone.append("the histogram privates of histogram_consumer (debug log names them)")
        if not tables_replaced_on_collect():
            gone.append("a delta collection's new table of aggregations (histograms.tables_replaced_on_collect)")
        if WRITTEN_RESERVOIR is None:
            gone.append("AlignedHistogramBucketExemplarReservoir's _lock, _boundaries, _reservoir_storage or the "
                        "ExemplarBucket fields its offer writes (exemplars._offers_written_exactly)")
    provider.shutdown()
    if not isinstance(getattr(getattr(Resource({"a": "b"}), "_attributes", None), "_dict", None), dict):
        gone.append("Resource._attributes._dict")
    if not CONTEXT_VARIABLE:
        gone.append("opentelemetry.context._RUNTIME_CONTEXT._current_context")
    return gone
