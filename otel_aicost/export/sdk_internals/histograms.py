"""Histogram privates: records without the SDK's per-record overhead (``instrumentation/histogram_records.py``):
the aggregations found (the consumer, its reader storages, the views' tables); the values added to them are
``histogram_adds.py``'s, their exemplar offers ``exemplars.py``'s. Listed in the table of
``sdk_internals/__init__.py``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from otel_aicost.export.sdk_internals.checked import FAST_PATHS
from otel_aicost.export.sdk_internals.exemplars import offer_exemplars
from otel_aicost.export.sdk_internals.histogram_adds import aggregate

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
