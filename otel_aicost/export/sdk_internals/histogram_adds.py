"""Values added to the SDK's histogram aggregations as ``_ExplicitBucketHistogramAggregation.aggregate`` adds them
one at a time, in one step per batch (``aggregate``, ``aggregate_values``), with a sampled batch's exemplar offers
made from the add's own buckets where the reservoir is the SDK's default one (``aggregate_offering``,
``offers_fold``). Finding the aggregations is ``histograms.py``'s; writing an offer is ``exemplars.py``'s. Listed
in the table of ``sdk_internals/__init__.py``."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import reduce
from itertools import repeat
from operator import add
from typing import Any

from otel_aicost.export.sdk_internals import exemplars as _exemplars
from otel_aicost.export.sdk_internals.exemplars import offer_exemplars


def aggregate(aggregation: Any, values: Sequence[float], last: dict[int, Any] | None = None) -> None:
    """What ``_ExplicitBucketHistogramAggregation.aggregate`` does once per value, for all of them under one lock.
    ``last``: a dict given to be filled with each bucket the values went into (its index) and that bucket's last
    value where the count tells it (the bucket's one value; ``None``: not told), for ``aggregate_offering``."""
    with aggregation._lock:
        counts = aggregation._value
        if counts is None:
            counts = aggregation._value = aggregation._get_empty_bucket_counts()
        boundaries = aggregation._boundaries
        # fewer values than twice the boundaries (a broken stream's few chunk gaps): each value added as the SDK adds
        # it, in one pass; more: counted per boundary in the values sorted once (timeit, 14 boundaries, SDK 1.45: 4
        # values 1.8 against 3.4 µs, 24 values 5.3 against 5.7, 28 level, 49 values 9.6 against 7.5)
        if len(values) < 2 * len(boundaries):
            # the sum one addition per value, in order (the SDK's float); min() and max() of two as the comparisons
            # they make (the one kept on a tie too): no reduce(), min() or max() calls, ~0.5 µs of 1.5 for four values
            # (timeit, Python 3.11)
            total, low, high = aggregation._sum, aggregation._min, aggregation._max
            for value in values:
                total += value
                bucket = bisect_left(boundaries, value)
                counts[bucket] += 1
                if last is not None:
                    last[bucket] = value
                if value < low:
                    low = value
                if value > high:
                    high = value
            aggregation._sum = total
            if aggregation._record_min_max:  # a view may turn them off
                aggregation._min, aggregation._max = low, high
        else:
            # one addition per value, in order: the same float sum as the per-record path (not sum(): compensated
            # from Python 3.12)
            aggregation._sum = reduce(add, values, aggregation._sum)
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
            if aggregation._record_min_max:
                aggregation._min = min(aggregation._min, ordered[0])
                aggregation._max = max(aggregation._max, ordered[bisect_left(ordered, ordered[-1])])


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
