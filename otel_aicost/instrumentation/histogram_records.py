"""Record into SDK histograms without the SDK's per-record overhead: many values of one attribute set at once (a
stream's chunk gaps), and repeated attribute sets cheaply (every call's duration, tokens and cost).

A 50-chunk stream has 49 ``time_per_output_chunk`` values with the same attributes. Recording them one by one costs
the SDK a ``Measurement`` (attribute cleaning), an exemplar decision, an attribute hash and a lock per value, about
10 µs each, most of a stream's overhead. The SDK has no public way to record a batch, so ``record_many`` resolves the
series once and adds every value to its explicit-bucket aggregation the way ``aggregate`` would (the same sum, added
in the same order, the same bucket, min and max), and offers each value the exemplar filter samples to the reservoir.
Every call also records duration, tokens and cost under attribute sets that repeat (model, operation, tags); the SDK
cleans and hashes them on every record. Here the hash of each attribute set is computed once and reused (attribute
sets of plain str, int, float and bool values only: the SDK's cleaning leaves them as they are; the cache key holds
each value's type, since 1, 1.0 and True are equal in Python but distinct attribute values). The exported points are
the same as with one ``record()`` per value; ``tests/unit/test_histogram_records.py`` proves it against the
per-record path, with exemplars, views, delta collections and the cardinality limit.

The fast path reads SDK internals (every one listed below), so it is feature-detected once per instrument and
used only where all of them exist and every view of the instrument aggregates into explicit buckets; anything else
(another aggregation, a no-op or foreign meter, a disabled meter, an internal that moved) takes the plain path,
one ``record()`` per value, with a debug log naming why.

Every private it reads (checked against opentelemetry-sdk 1.45; SDK 1.30 and 1.39 lack ``_hash_attributes`` and take
the plain path):

- ``Histogram._measurement_consumer``: its ``_reader_storages`` and ``_sdk_config.exemplar_filter``
- ``MetricReaderStorage._get_or_init_view_instrument_match``
- ``_ViewInstrumentMatch``: ``_view._attribute_keys``, ``_aggregation``, ``_lock``, ``_reset_on_collect``,
  ``_attributes_aggregation``, ``_get_or_create_aggregation``
- ``_view_instrument_match._hash_attributes``
- ``_ExplicitBucketHistogramAggregation``: ``_lock``, ``_value``, ``_sum``, ``_min``, ``_max``, ``_record_min_max``,
  ``_boundaries``, ``_get_empty_bucket_counts``, ``_sample_exemplar``
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from time import time_ns
from typing import Any
from weakref import WeakKeyDictionary

from opentelemetry.context import get_current

_logger = logging.getLogger("otel_aicost")

try:  # the SDK's own internals; any of them missing means the plain path everywhere
    from opentelemetry.sdk.metrics._internal._view_instrument_match import _hash_attributes
    from opentelemetry.sdk.metrics._internal.aggregation import _ExplicitBucketHistogramAggregation
    from opentelemetry.sdk.metrics._internal.exemplar import (
        AlwaysOffExemplarFilter,
        AlwaysOnExemplarFilter,
        TraceBasedExemplarFilter,
    )
    from opentelemetry.sdk.metrics._internal.instrument import _Histogram
    from opentelemetry.sdk.metrics._internal.measurement import Measurement

    # the SDK's exemplar filters that decide from the context alone, not the value: asked once per batch
    _CONTEXT_ONLY_FILTERS: tuple[type, ...] = (
        AlwaysOffExemplarFilter,
        AlwaysOnExemplarFilter,
        TraceBasedExemplarFilter,
    )
except ImportError:  # pragma: no cover - depends on the SDK installed
    _hash_attributes = None
    _CONTEXT_ONLY_FILTERS = ()

_AGGREGATION_FIELDS = (
    "_lock", "_value", "_sum", "_min", "_max", "_record_min_max", "_boundaries", "_get_empty_bucket_counts",
    "_sample_exemplar",
)  # fmt: skip
_MATCH_FIELDS = ("_view", "_aggregation", "_lock", "_reset_on_collect", "_get_or_create_aggregation")

# instrument -> its measurement consumer when the fast path applies, else None
_plans: WeakKeyDictionary[Any, Any] = WeakKeyDictionary()
# an attribute set's (items, value types) -> the SDK's hash of it (None: not plain values, the plain path); bounded
_hashes: dict[tuple[tuple[tuple[str, Any], ...], tuple[type, ...]], Any] = {}
_MAX_HASHES = 10_000
_PLAIN = (str, int, float, bool)  # values the SDK's cleaning leaves as they are


def record(histogram: Any, value: float, attributes: Mapping[str, Any]) -> None:
    """``histogram.record(value, attributes)``, exported the same, with the attribute set's hash computed once."""
    record_many(histogram, (value,), attributes)


def record_many(histogram: Any, values: Sequence[float], attributes: Mapping[str, Any]) -> None:
    """Record ``values`` into ``histogram`` under ``attributes``, exactly as one ``record()`` per value would."""
    if not values:
        return
    try:
        plan = _plans[histogram]
    except KeyError:
        plan = _plans[histogram] = _plan(histogram)
    except TypeError:  # not weak-referenceable: not an SDK instrument
        plan = None
    if plan is None or not _enabled(histogram) or not _all_valid(values):
        record = histogram.record
        for value in values:
            record(value, attributes)
        return
    exemplar_filter = plan._sdk_config.exemplar_filter
    context = get_current()
    now = time_ns()
    storages = plan._reader_storages.values()  # replaced, never mutated, when a reader is added or removed
    matches = [match for storage in storages for match in storage._get_or_init_view_instrument_match(histogram)]
    if not all(type(match._aggregation) is _ExplicitBucketHistogramAggregation for match in matches):
        record = histogram.record
        for value in values:
            record(value, attributes)
        return
    items = tuple(attributes.items())
    types = tuple(map(type, attributes.values()))  # 1, 1.0 and True are equal but distinct attribute values
    try:
        key = _hashes[items, types]
    except KeyError:
        key = _hash_of(items, types)
    except TypeError:  # unhashable values (lists): the SDK cleans those
        key = None
    if key is None:  # values the SDK would clean: its own path
        record = histogram.record
        for value in values:
            record(value, attributes)
        return
    attributes = dict(items)  # the caller may change its dict afterwards, as the SDK's own copy allows
    if type(exemplar_filter) in _CONTEXT_ONLY_FILTERS:
        sampled = values if exemplar_filter.should_sample(values[0], now, attributes, context) else ()
    else:
        sampled = [value for value in values if exemplar_filter.should_sample(value, now, attributes, context)]
    for match in matches:
        _add(match, values, attributes, key, sampled, now, context, histogram)


def _hash_of(items: tuple[tuple[str, Any], ...], types: tuple[type, ...]) -> Any:
    plain = all(type(k) is str and type(v) in _PLAIN for k, v in items)
    key = _hash_attributes(dict(items)) if plain else None
    if len(_hashes) < _MAX_HASHES:
        _hashes[items, types] = key
    return key


def _add(match: Any, values: Sequence[float], attributes: dict[str, Any], key: Any, sampled: Sequence[float],
         now: int, context: Any, histogram: Any) -> None:  # fmt: skip
    keys = match._view._attribute_keys
    own = attributes
    if keys is not None:
        own = {k: v for k, v in attributes.items() if k in keys}
        key = _hash_attributes(own)
    if match._reset_on_collect:  # collect() discards aggregations: hold the lock as the SDK does
        with match._lock:
            _aggregate(match._get_or_create_aggregation(key, own), values, sampled, now, context, histogram, attributes)
        return
    aggregation = match._attributes_aggregation.get(key)
    if aggregation is None:
        with match._lock:
            aggregation = match._get_or_create_aggregation(key, own)
    _aggregate(aggregation, values, sampled, now, context, histogram, attributes)


def _aggregate(aggregation: Any, values: Sequence[float], sampled: Sequence[float], now: int, context: Any,
               histogram: Any, attributes: dict[str, Any]) -> None:  # fmt: skip
    """What ``_ExplicitBucketHistogramAggregation.aggregate`` does once per value, for all of them under one lock."""
    with aggregation._lock:
        counts = aggregation._value
        if counts is None:
            counts = aggregation._value = aggregation._get_empty_bucket_counts()
        boundaries = aggregation._boundaries
        total = aggregation._sum
        for value in values:  # one by one, in order: the same float sum as the per-record path
            total += value
            counts[bisect_left(boundaries, value)] += 1
        aggregation._sum = total
        if aggregation._record_min_max:
            aggregation._min = min(aggregation._min, min(values))
            aggregation._max = max(aggregation._max, max(values))
    for value in sampled:
        aggregation._sample_exemplar(Measurement(value, now, histogram, context, attributes), True)


def _plan(histogram: Any) -> Any:
    """The histogram's measurement consumer if every internal the fast path reads is there, else None."""
    if _hash_attributes is None or not isinstance(histogram, _Histogram):
        return None
    consumer = getattr(histogram, "_measurement_consumer", None)
    storages = getattr(consumer, "_reader_storages", None)
    exemplar_filter = getattr(getattr(consumer, "_sdk_config", None), "exemplar_filter", None)
    if not isinstance(storages, dict) or exemplar_filter is None:
        _logger.debug("otel_aicost: chunk timings recorded one by one (no reader storages on this SDK)")
        return None
    for storage in storages.values():
        if not hasattr(storage, "_get_or_init_view_instrument_match"):
            return None
        for match in storage._get_or_init_view_instrument_match(histogram):
            missing = [f for f in _MATCH_FIELDS if not hasattr(match, f)]
            missing += [f for f in ("_attributes_aggregation",) if not hasattr(match, f)]
            missing += [f for f in _AGGREGATION_FIELDS if not hasattr(match._aggregation, f)]
            if missing or not hasattr(match._view, "_attribute_keys"):
                _logger.debug("otel_aicost: chunk timings recorded one by one (SDK internals moved: %s)", missing)
                return None
    return consumer


def _enabled(histogram: Any) -> bool:
    is_enabled = getattr(histogram, "_is_enabled", None)
    return is_enabled is None or is_enabled()


def _all_valid(values: Sequence[float]) -> bool:
    """No value the SDK would drop with a warning (negative, NaN, infinite): those take the plain path."""
    return min(values) >= 0 and math.isfinite(sum(values))  # a NaN or an infinity makes the sum not finite
