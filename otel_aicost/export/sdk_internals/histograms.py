"""Histogram privates: records without the SDK's per-record overhead (``instrumentation/histogram_records.py``):
the aggregations found and added to; their exemplar offers are ``exemplars.py``'s. Listed in the table of
``sdk_internals/__init__.py``."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from functools import reduce
from itertools import repeat
from operator import add
from typing import Any

from otel_aicost.export.sdk_internals import exemplars as _exemplars
from otel_aicost.export.sdk_internals.checked import FAST_PATHS
from otel_aicost.export.sdk_internals.exemplars import offer_exemplars

_logger = logging.getLogger("otel_aicost")

try:  # any of them missing means one record() per value everywhere
    from opentelemetry.sdk.metrics._internal._view_instrument_match import _hash_attributes as _sdk_hash_attributes
    from opentelemetry.sdk.metrics._internal.aggregation import _ExplicitBucketHistogramAggregation
    from opentelemetry.sdk.metrics._internal.instrument import _Histogram
except ImportError:  # pragma: no cover - depends on the SDK installed
    _sdk_hash_attributes = None

# the SDK's hash of an attribute set as its views key aggregations by; None: no histogram fast path on this SDK
hash_attributes = _sdk_hash_attributes if FAST_PATHS else None
_AGGREGATION_FIELDS = (
    "_lock", "_value", "_sum", "_min", "_max", "_record_min_max", "_boundaries", "_get_empty_bucket_counts",
    "_reservoir",
)  # fmt: skip
_MATCH_FIELDS = ("_view", "_aggregation", "_lock", "_reset_on_collect", "_get_or_create_aggregation",
                 "_attributes_aggregation")  # fmt: skip


def histogram_consumer(histogram: Any) -> Any:
    """The measurement consumer of an SDK histogram if every private the fast path reads is there, else None."""
    if hash_attributes is None or not isinstance(histogram, _Histogram):
        return None
    consumer = getattr(histogram, "_measurement_consumer", None)
    storages = getattr(consumer, "_reader_storages", None)
    if not isinstance(storages, dict) or exemplar_filter(consumer) is None:
        _logger.debug("otel_aicost: histogram values recorded one by one (no reader storages on this SDK)")
        return None
    for storage in storages.values():
        if not hasattr(storage, "_get_or_init_view_instrument_match"):
            return None
        for match in storage._get_or_init_view_instrument_match(histogram):
            gone = [f for f in _MATCH_FIELDS if not hasattr(match, f)]
            gone += [f for f in _AGGREGATION_FIELDS if not hasattr(match._aggregation, f)]
            if gone or not hasattr(match._view, "_attribute_keys"):
                _logger.debug("otel_aicost: histogram values recorded one by one (SDK internals moved: %s)", gone)
                return None
    return consumer


def reader_storages(consumer: Any) -> Any:
    """The consumer's reader storages: replaced, never mutated, when a reader is added or removed."""
    return consumer._reader_storages


def exemplar_filter(consumer: Any) -> Any:
    return getattr(getattr(consumer, "_sdk_config", None), "exemplar_filter", None)


def explicit_bucket_matches(storages: Any, histogram: Any) -> list[Any] | None:
    """The view matches of ``histogram`` in every reader storage, if all aggregate into explicit buckets."""
    matches = [match for storage in storages.values() for match in storage._get_or_init_view_instrument_match(histogram)]
    if all(type(match._aggregation) is _ExplicitBucketHistogramAggregation for match in matches):
        return matches
    return None


def view_attribute_keys(match: Any) -> Any:
    """The attribute keys a view keeps (None: all)."""
    return match._view._attribute_keys


def aggregate_in_view(match: Any, key: Any, attributes: dict[str, Any], values: Sequence[float],
                      sampled: Sequence[float], time_ns: int, context: Any, record_attributes: dict[str, Any]
                      ) -> Any:  # fmt: skip
    """Aggregate ``values`` into ``match``'s aggregation of the attribute set ``key`` (``attributes``: what the view
    keeps) and offer its exemplar reservoir the ``sampled`` ones (``offer_exemplars``, with the records' own
    attributes); return that aggregation if the view keeps it for the life of the reader (cumulative), None if
    collections replace it (delta)."""
    if match._reset_on_collect:  # collect() discards aggregations: hold the lock as the SDK does
        with match._lock:
            aggregation = match._get_or_create_aggregation(key, attributes)
            aggregate(aggregation, values)
            if sampled:
                offer_exemplars(aggregation, sampled, time_ns, context, record_attributes)
        return None
    aggregation = match._attributes_aggregation.get(key)
    if aggregation is None:
        with match._lock:
            aggregation = match._get_or_create_aggregation(key, attributes)
    aggregate(aggregation, values)
    if sampled:
        offer_exemplars(aggregation, sampled, time_ns, context, record_attributes)
    return aggregation


def resets_on_collect(match: Any) -> bool:
    """Whether ``match``'s collections replace its aggregations (a delta reader's view)."""
    return match._reset_on_collect


def view_locks(slots: Sequence[tuple[Any, dict[str, Any], Any]]) -> tuple[Any, ...]:
    """The locks of the view matches of ``slots`` (each once), in one order for every caller (by ``id``): held
    together while their aggregations are looked up and added to (``aggregations_in_views``). The SDK itself holds
    one match lock at a time, then an aggregation's lock, as ``aggregate_values`` takes them after these."""
    locks = {id(match._lock): match._lock for match, _, _ in slots}
    return tuple(locks[key] for key in sorted(locks))


def aggregations_in_views(consumer: Any, storages: Any, slots: Sequence[tuple[Any, dict[str, Any], Any]],
                          found: tuple[list[Any], list[Any]] | None = None) -> list[Any] | None:  # fmt: skip
    """The aggregation each of ``slots`` = (view match, the attributes it keeps, their key) names now, made if new
    since the last collection, as the SDK's ``_get_or_create_aggregation`` makes it (the cardinality limit too); None
    if the reader storages changed since. To be called with ``view_locks(slots)`` held until the values are added:
    a delta view's collection replaces its aggregations under that lock, so a value added after it let go would be
    lost, which is why the SDK holds it too.

    ``found``: the caller's (tables, aggregations), one of each per slot, kept from its last call and changed only
    under the same locks (None: every slot looked up): the view's table (``_attributes_aggregation``) the slot's
    aggregation was found in, and that aggregation. The SDK only adds to a table, and a delta collection puts a new
    one in its place (``tables_replaced_on_collect``), so while a view holds the same table the slot's aggregation is
    the one found: not looked up again. A lookup hashes the SDK's nested key tuple (a tuple keeps no hash): about
    1.9k instructions a slot, 7.6k of the 14k a chat call's plan added with a delta reader (callgrind, Python
    3.11). The tables are held in ``found``, so one kept cannot be freed and another made at its address."""
    if consumer._reader_storages is not storages:
        return None
    if found is None:
        return [match._attributes_aggregation.get(key) or match._get_or_create_aggregation(key, attributes)
                for match, attributes, key in slots]  # fmt: skip
    tables, aggregations = found
    index = 0
    for match, attributes, key in slots:
        table = match._attributes_aggregation
        if table is not tables[index]:
            aggregation = table.get(key)
            if aggregation is None:
                aggregation = match._get_or_create_aggregation(key, attributes)
            tables[index] = table
            aggregations[index] = aggregation
        index += 1
    return aggregations


_TABLES_REPLACED: list[bool] = []  # tables_replaced_on_collect's answer, once asked


def tables_replaced_on_collect() -> bool:
    """Whether this SDK's views only add to their table of aggregations (``_attributes_aggregation``) and a delta
    collection puts a new table in its place, the old one left as it was (``_ViewInstrumentMatch.collect``, 1.45), so
    that ``aggregations_in_views`` may keep what it found per table: a delta and a cumulative reader, a value
    recorded, a collection, another value. Asked once, on the first delta plan (about 1.5 ms: a meter provider)."""
    if not _TABLES_REPLACED:
        _TABLES_REPLACED.append(_tables_replaced())
    return _TABLES_REPLACED[0]


def _tables_replaced() -> bool:
    try:
        from opentelemetry.sdk.metrics import Histogram, MeterProvider
        from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader

        delta = InMemoryMetricReader(preferred_temporality={Histogram: AggregationTemporality.DELTA})
        provider = MeterProvider(metric_readers=[delta, InMemoryMetricReader()], shutdown_on_exit=False)
        try:
            histogram = provider.get_meter("check").create_histogram("h")
            histogram.record(1.0, {"a": "b"})
            storages = reader_storages(histogram._measurement_consumer)
            matches = [match for storage in storages.values()
                       for match in storage._get_or_init_view_instrument_match(histogram)]  # fmt: skip
            before = [(match, match._attributes_aggregation, dict(match._attributes_aggregation)) for match in matches]
            delta.collect()
            histogram.record(2.0, {"a": "b"})
            resetting = [each for each in before if each[0]._reset_on_collect]
            kept = [each for each in before if not each[0]._reset_on_collect]
            return (
                len(resetting) == len(kept) == 1
                and all(len(table) == 1 and table == old for _, table, old in before)  # the old tables as they were
                and resetting[0][0]._attributes_aggregation is not resetting[0][1]  # a new table in its place
                and kept[0][0]._attributes_aggregation is kept[0][1]  # the cumulative view's kept
            )
        finally:
            provider.shutdown()
    except Exception:  # noqa: BLE001 - anything unexpected: every aggregation looked up on every call
        _logger.debug("otel_aicost: delta aggregations looked up on every call", exc_info=True)
        return False


def aggregate(aggregation: Any, values: Sequence[float], last: dict[int, Any] | None = None) -> None:
    """What ``_ExplicitBucketHistogramAggregation.aggregate`` does once per value, for all of them under one lock.
    ``last``: a dict given to be filled with each bucket the values went into (its index) and that bucket's last
    value where the count tells it (the bucket's one value; ``None``: not told), for ``aggregate_offering``."""
    with aggregation._lock:
        counts = aggregation._value
        if counts is None:
            counts = aggregation._value = aggregation._get_empty_bucket_counts()
        # one addition per value, in order: the same float sum as the per-record path (not sum(): compensated
        # from Python 3.12)
        aggregation._sum = reduce(add, values, aggregation._sum)
        boundaries = aggregation._boundaries
        # fewer values than twice the boundaries (a broken stream's few chunk gaps): each value's bucket, as the SDK
        # finds it; more: counted per boundary in the values sorted once (timeit, 14 boundaries, SDK 1.45: 4 values
        # 1.8 against 3.4 µs, 24 values 5.3 against 5.7, 28 level, 49 values 9.6 against 7.5)
        if len(values) < 2 * len(boundaries):
            if last is None:
                for value in values:
                    counts[bisect_left(boundaries, value)] += 1
            else:
                for value in values:
                    bucket = bisect_left(boundaries, value)
                    counts[bucket] += 1
                    last[bucket] = value
            low, high = min(values), max(values)
        else:
            # the buckets counted per boundary, not per value: a value's bucket (bisect_left in the boundaries) is
            # at most i exactly when the value is at most boundaries[i], so the values in buckets 0..i are those at
            # or below boundaries[i] (bisect_right in the values sorted); no NaN reaches here (record_many checks)
            ordered = sorted(values)
            at_or_below = [*map(bisect_right, repeat(ordered), boundaries), len(ordered)]
            before = 0
            for index, counted in enumerate(at_or_below):
                if counted != before:
                    counts[index] += counted - before
                    if last is not None:  # a bucket of one value: that value (else found by aggregate_offering)
                        last[index] = ordered[before] if counted - before == 1 else None
                    before = counted
            # min() and max() of the values from their sorted order, as the SDK's one value at a time leaves them
            # (without two passes over the values: ~15k instructions for 49, callgrind): the sort is stable, so the
            # values that compare equal stand in their own order, and min() and max() keep the first of equal ones
            # (a zero of either sign, an int and its float): the first of the sort, and the first of its last run
            low = ordered[0]
            high = ordered[bisect_left(ordered, ordered[-1])]
        if aggregation._record_min_max:
            aggregation._min = min(aggregation._min, low)
            aggregation._max = max(aggregation._max, high)


def aggregate_offering(aggregation: Any, values: Sequence[float], time_ns: int, context: Any,
                       attributes: dict[str, Any], ids: Any) -> None:  # fmt: skip
    """``aggregate``, then ``offer_exemplars`` of the same ``values`` (a sampled batch: all of them offered). The
    default reservoir keeps each bucket's last value of a batch, all sharing the time, attributes and span
    (``offer_exemplars``); where it finds buckets in the aggregation's own boundaries, the add tells which buckets
    the values went into and a bucket's one value, the rest found from the end of the values, stopping once every
    bucket has its last: a stream's chunk gaps fill a few buckets, so a few values are looked at, not each value's
    bucket found (``offer_exemplars``' ``bisect_left`` per value, its ``zip`` and ``dict``: ~67k instructions for 49
    chunk gaps, callgrind, Python 3.11). ``ids``: the span ids read (``span_ids``) or ``UNREAD``."""
    reservoir = aggregation._reservoir
    boundaries = aggregation._boundaries
    if type(reservoir) is not _exemplars.WRITTEN_RESERVOIR or tuple(reservoir._boundaries) != boundaries:
        aggregate(aggregation, values)
        offer_exemplars(aggregation, values, time_ns, context, attributes, ids)
        return
    last: dict[int, Any] = {}
    aggregate(aggregation, values, last)
    missing = [*last.values()].count(None)
    if missing:
        for value in reversed(values):
            bucket = bisect_left(boundaries, value)
            if last[bucket] is None:
                last[bucket] = value
                missing -= 1
                if not missing:
                    break
    _exemplars._write_offers(reservoir, last, time_ns, attributes, _exemplars.span_ids(context)
                             if ids is _exemplars.UNREAD else ids)  # fmt: skip


def aggregate_value(consumer: Any, storages: Any, aggregations: Sequence[Any], value: float) -> bool:
    """Add one value to cumulative ``aggregations`` found under ``storages``; False (nothing done) if the consumer's
    reader storages changed since."""
    return aggregate_values(consumer, storages, aggregations, (value,) * len(aggregations))


def aggregate_values(consumer: Any, storages: Any, aggregations: Sequence[Any], values: Sequence[float],
                     time_ns: int = 0, attributes: Sequence[dict[str, Any]] = (), ids: Any = None) -> bool:  # fmt: skip
    """Add each value to the cumulative aggregation at its position (``aggregations[i]`` takes ``values[i]``; one
    loop over pairs, not a loop over each value's list of them: the usual plan has one aggregation a value);
    False (nothing done) if the reader storages changed since.

    With ``attributes`` (one set a value: a sampled call, only for ``aggregations`` that ``offers_fold`` allows),
    each value is also offered to its aggregation's reservoir in the bucket the add found, after the add, as
    ``exemplars.offer_each_exemplar`` writes an offer (``ids``: ``span_ids`` of the records' context, read): not
    found again, no second loop (callgrind micro: a chat call in a sampled span 5.6k instructions fewer)."""
    if consumer._reader_storages is not storages:
        return False
    index = 0  # each value by its index, not zip(): the zip object and its iterators cost about 2k instructions a
    for aggregation in aggregations:  # chat call's four values, an index about 0.7k (callgrind, Python 3.12)
        value = values[index]
        bucket = bisect_left(aggregation._boundaries, value)
        # what _ExplicitBucketHistogramAggregation.aggregate does, under its lock (taken with acquire and release: a
        lock = aggregation._lock  # with statement costs a quarter more instructions)
        lock.acquire()
        try:
            counts = aggregation._value
            if counts is None:
                counts = aggregation._value = aggregation._get_empty_bucket_counts()
            aggregation._sum += value
            counts[bucket] += 1
            if aggregation._record_min_max:  # as the SDK's min() and max(): the same on NaN-free values
                if value < aggregation._min:
                    aggregation._min = value
                if value > aggregation._max:
                    aggregation._max = value
        finally:
            lock.release()
        if attributes:  # the offer, as the SDK makes it after the add, under the reservoir's lock
            reservoir = aggregation._reservoir
            lock = reservoir._lock
            lock.acquire()
            try:
                bucket = reservoir._reservoir_storage[bucket]
                bucket._ExemplarBucket__value = value
                bucket._ExemplarBucket__time_unix_nano = time_ns
                bucket._ExemplarBucket__attributes = attributes[index]
                if ids is not None:
                    bucket._ExemplarBucket__span_id, bucket._ExemplarBucket__trace_id = ids
                bucket._ExemplarBucket__offered = True
            finally:
                lock.release()
        index += 1
    return True


def offers_fold(aggregations: Sequence[Any]) -> bool:
    """Whether ``aggregate_values`` may offer to every one of ``aggregations``' reservoirs: each is exactly
    the default reservoir whose offers are written (``exemplars.WRITTEN_RESERVOIR``) and finds a value's bucket in
    the aggregation's own boundaries (the SDK builds it with them; a view's reservoir factory could give others)."""
    written = _exemplars.WRITTEN_RESERVOIR
    return written is not None and all(
        type(aggregation._reservoir) is written and tuple(aggregation._reservoir._boundaries) == aggregation._boundaries
        for aggregation in aggregations
    )


def meter_check(histogram: Any) -> Callable[[], bool] | None:
    """What ``meter_enabled(histogram)`` asks, to be asked on each record without a frame of ours: the histogram's
    bound ``_is_enabled`` (None: it has none, it always records)."""
    try:
        return histogram._is_enabled
    except AttributeError:
        return None


def meter_enabled(histogram: Any) -> bool:
    """Whether the meter of an SDK histogram records (``_is_enabled``; a histogram without it always does)."""
    try:  # read directly, not by getattr with a default: about 700 instructions less per call (own_instructions.py)
        is_enabled = histogram._is_enabled
    except AttributeError:
        return True
    return is_enabled()
