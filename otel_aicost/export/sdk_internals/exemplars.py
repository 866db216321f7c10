"""Exemplar privates: whether a call's records sample exemplars, and their offers to the histograms' reservoirs
without the SDK's per-offer frames (``instrumentation/record_plan.py``, ``histograms.aggregate_in_view``). Listed in
the table of ``sdk_internals/__init__.py``."""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Sequence
from itertools import repeat
from time import time_ns
from typing import Any

from opentelemetry.trace import INVALID_SPAN, Span, get_current_span

from otel_aicost.export.sdk_internals.checked import FAST_PATHS

_logger = logging.getLogger("otel_aicost")

try:  # any of them missing: every offer through the reservoir's own offer, every filter asked
    from opentelemetry.sdk.metrics._internal.exemplar import (
        AlignedHistogramBucketExemplarReservoir,
        AlwaysOffExemplarFilter,
        AlwaysOnExemplarFilter,
        TraceBasedExemplarFilter,
    )

    # the SDK's exemplar filters that decide from the context alone, not the value: asked once per batch
    CONTEXT_ONLY_FILTERS: tuple[type, ...] = (AlwaysOffExemplarFilter, AlwaysOnExemplarFilter, TraceBasedExemplarFilter)
    _TraceBased: Any = TraceBasedExemplarFilter
except ImportError:  # pragma: no cover - depends on the SDK installed
    CONTEXT_ONLY_FILTERS = ()
    _TraceBased = None
    AlignedHistogramBucketExemplarReservoir = None

try:  # the key trace.get_current_span() reads (opentelemetry-api 1.30 .. 1.45)
    from opentelemetry.trace.propagation import _SPAN_KEY as SPAN_KEY
except ImportError:  # pragma: no cover - moved
    SPAN_KEY = None

# the exemplar filter whose answer is False for a context that holds no span (TraceBasedExemplarFilter.should_sample:
# get_current_span's INVALID_SPAN), known here without its call (three frames of the SDK and API, about 1.3k
# instructions a call with no span around it, callgrind), and for one that holds a span its span context's sampled
# flag (sampled_span_ids); None: always asked
SPANLESS_UNSAMPLED = _TraceBased if FAST_PATHS and SPAN_KEY is not None else None


def context_only_sampled(exemplar_filter: Any, value: float, now: int | None, attributes: Any, context: Any) -> bool:
    """What a context-only exemplar filter (``CONTEXT_ONLY_FILTERS``) answers for a record in ``context``: the
    trace-based filter's False for a context without a span known without its call (``SPANLESS_UNSAMPLED``), any
    other answer asked of the filter (at ``now``; None: the time read here, only when asked). One place for the rule
    ``Moment.samples`` and ``RecordPlan.record`` both use."""
    if type(exemplar_filter) is SPANLESS_UNSAMPLED and context.get(SPAN_KEY) is None:
        return False
    return exemplar_filter.should_sample(value, time_ns() if now is None else now, attributes, context)


def sampled_span_ids(exemplar_filter: Any, value: float, attributes: Any, context: Any) -> Any:
    """For the records of one call in ``context`` under a context-only exemplar filter (``CONTEXT_ONLY_FILTERS``):
    False if the filter samples none of them; else what their exemplar offers write of the span (``span_ids``). For
    the trace-based filter (``SPANLESS_UNSAMPLED``) both from one read of the span, as its ``should_sample`` reads it
    (``get_current_span``: the span under ``SPAN_KEY`` if it is an API ``Span``; not sampled if none, the invalid
    span, or its span context not sampled): the filter's call and a second read for the ids cost about 17k
    instructions a call in a sampled span (Python 3.11, callgrind), this about 6k."""
    if type(exemplar_filter) is SPANLESS_UNSAMPLED:
        span = context.get(SPAN_KEY)
        if span is None or not (type(span) in _SPAN_TYPES or _is_span(span)) or span == INVALID_SPAN:
            return False
        span_context = span.get_span_context()
        if not span_context.trace_flags.sampled:
            return False
        return span_context.span_id, span_context.trace_id
    if not context_only_sampled(exemplar_filter, value, None, attributes, context):
        return False
    return span_ids(context)


# the types get_current_span takes for a span (an isinstance of the API's Span, an ABC: a Python frame each time),
# only those that are one kept (an ABC's registration can make a type one later, never undo it)
_SPAN_TYPES: set[type] = set()


def _is_span(span: Any) -> bool:
    if not isinstance(span, Span):
        return False
    if issubclass(type(span), Span) and len(_SPAN_TYPES) < 64:
        _SPAN_TYPES.add(type(span))
    return True


UNREAD: Any = object()  # the span ids not read yet (``offer_exemplars``)


def offer_exemplars(aggregation: Any, values: Sequence[float], time_ns: int, context: Any,
                    attributes: dict[str, Any], ids: Any = UNREAD) -> None:  # fmt: skip
    """Offer ``values`` to the aggregation's exemplar reservoir as ``aggregate`` does once the filter said yes: what
    ``_sample_exemplar`` hands ``_reservoir.offer`` of a ``Measurement``, without making one. Its
    ``__post_init__`` copies the attributes through ``_clean_attribute_value`` (a copy equal to the set: plain
    values under non-empty string keys, ``histogram_records.AttributeSet``), with an ``isinstance`` against the ABCs
    per value. With ``RecordPlan`` offering a call's exemplars in one step, a chat call in a sampled span adds 275k
    instructions, not 507k (``bench/cache_misses.py --cases chat_in_span``, SDK 1.45.2). ``ids``: ``span_ids`` of
    ``context`` if read already (``UNREAD``: read here if needed).

    A histogram's default reservoir (exactly the SDK's ``AlignedHistogramBucketExemplarReservoir``) keeps the last
    value offered in each bucket, everything of the earlier offer overwritten (value, time, attributes, span): with
    one time, one attribute set and one context for all ``values``, offering only each bucket's last value leaves
    it as offering them all would, and those offers are written here (``WRITTEN_RESERVOIR``). Any other reservoir
    (a view's own: a random one counts every value it is offered) is offered every value."""
    reservoir = aggregation._reservoir
    if type(reservoir) is WRITTEN_RESERVOIR:
        boundaries = reservoir._boundaries  # each value's bucket as the reservoir finds it (values here are finite)
        last = dict(zip(map(bisect_left, repeat(boundaries), values), values))  # each bucket's last value
        _write_offers(reservoir, last, time_ns, attributes, span_ids(context) if ids is UNREAD else ids)
        return
    offer = reservoir.offer
    for value in values:
        offer(value, time_ns, attributes, context)


def offer_each_exemplar(aggregations: Sequence[Any], values: Sequence[float], time_ns: int, context: Any,
                        attributes: Sequence[dict[str, Any]], ids: Any = UNREAD) -> None:  # fmt: skip
    """``offer_exemplars`` of ``values[i]`` with ``attributes[i]`` to ``aggregations[i]``'s reservoir, for each i
    (the span read at most once for all of them). Each written offer is ``_write_offers``' body, inlined: its frame
    and its dict cost about 1.3k instructions an offer (Python 3.11, callgrind)."""
    index = 0
    for aggregation in aggregations:
        reservoir = aggregation._reservoir
        value = values[index]
        if type(reservoir) is WRITTEN_RESERVOIR:
            if ids is UNREAD:
                ids = span_ids(context)
            lock = reservoir._lock
            lock.acquire()
            try:
                bucket = reservoir._reservoir_storage[bisect_left(reservoir._boundaries, value)]
                bucket._ExemplarBucket__value = value
                bucket._ExemplarBucket__time_unix_nano = time_ns
                bucket._ExemplarBucket__attributes = attributes[index]
                if ids is not None:
                    bucket._ExemplarBucket__span_id, bucket._ExemplarBucket__trace_id = ids
                bucket._ExemplarBucket__offered = True
            finally:
                lock.release()
        else:
            reservoir.offer(value, time_ns, attributes[index], context)
        index += 1


def span_ids(context: Any) -> tuple[int, int] | None:
    """What ``ExemplarBucket.offer`` reads of ``context``: its span's (span id, trace id); None for no valid span
    (the bucket then keeps the ids it had). The same for every offer of one call: read once for all of them."""
    span = get_current_span(context)
    if span != INVALID_SPAN:
        span_context = span.get_span_context()
        return span_context.span_id, span_context.trace_id
    return None


def _write_offers(reservoir: Any, last: dict[int, float], time_ns: int, attributes: dict[str, Any],
                  ids: tuple[int, int] | None) -> None:  # fmt: skip
    """What ``AlignedHistogramBucketExemplarReservoir.offer`` (``FixedSizeExemplarReservoirABC.offer``, then
    ``ExemplarBucket.offer``) leaves in the bucket of each value of ``last`` (bucket index -> value, all sharing the
    time, the attributes and the span ``ids``), under the reservoir's lock as it is taken for an offer. The SDK's
    offer is four Python frames and a span read per value (~12.8k instructions, Python 3.11, callgrind: 51k for a
    chat call's four in a sampled span); written here, its fields are the private ``ExemplarBucket`` fields
    (name-mangled), checked at import against the SDK's own offer (``_offers_written_exactly``)."""
    storage = reservoir._reservoir_storage  # a defaultdict: a bucket made on its first offer, as the SDK's
    lock = reservoir._lock
    lock.acquire()
    try:
        for index, value in last.items():
            bucket = storage[index]
            bucket._ExemplarBucket__value = value
            bucket._ExemplarBucket__time_unix_nano = time_ns
            bucket._ExemplarBucket__attributes = attributes
            if ids is not None:
                bucket._ExemplarBucket__span_id, bucket._ExemplarBucket__trace_id = ids
            bucket._ExemplarBucket__offered = True
    finally:
        lock.release()


def _offers_written_exactly() -> bool:
    """Whether ``offer_each_exemplar`` and ``offer_exemplars`` (``_write_offers``) leave an SDK
    ``AlignedHistogramBucketExemplarReservoir`` as its own ``offer`` does: the same offers (in two sampled spans, in
    a context without one after one in a span, a batch over several buckets, on a bound, past the last bound) made
    into three reservoirs, by the SDK's offer and by each of ours, whose buckets must hold the same fields and values
    and collect the same exemplars. Asked once, at import (about 0.2 ms)."""
    global WRITTEN_RESERVOIR
    if not FAST_PATHS or AlignedHistogramBucketExemplarReservoir is None:
        return False
    previous = WRITTEN_RESERVOIR
    try:
        from types import SimpleNamespace

        from opentelemetry.context import Context
        from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context

        def in_span(trace_id: int, span_id: int) -> Any:
            return set_span_in_context(NonRecordingSpan(SpanContext(trace_id, span_id, False, TraceFlags(1))))

        asked, each, batched = (AlignedHistogramBucketExemplarReservoir(boundaries=[1.0, 2.0]) for _ in range(3))
        if "offer" in type(asked).__dict__ or not all(hasattr(asked, name) for name in (
            "_lock", "_boundaries", "_reservoir_storage")):  # fmt: skip
            return False
        WRITTEN_RESERVOIR = AlignedHistogramBucketExemplarReservoir  # (for the two functions below)
        offers = (([0.5], 3, in_span(0x5EED, 0xC0FFEE)), ([1.0], 4, Context()),
                  ([2.5, 0.2, 1.7, 2.9], 5, in_span(0xF00D, 0xBEEF)), ([1.5], 6, Context()))  # fmt: skip
        for values, time, context in offers:
            attributes = {"k": time}
            for value in values:
                asked.offer(value, time, attributes, context)
            holder = SimpleNamespace(_reservoir=each)  # an aggregation, as the offers see it
            offer_each_exemplar([holder] * len(values), values, time, context, [attributes] * len(values))
            offer_exemplars(SimpleNamespace(_reservoir=batched), values, time, context, attributes)
        expected = {index: vars(bucket) for index, bucket in asked._reservoir_storage.items()}
        if any(expected != {index: vars(bucket) for index, bucket in written._reservoir_storage.items()}
               for written in (each, batched)):  # fmt: skip
            return False
        exemplars = asked.collect({})
        return exemplars == each.collect({}) == batched.collect({}) and len(exemplars) == 3
    except Exception:  # noqa: BLE001 - anything unexpected: the SDK's own offer
        _logger.debug("otel_aicost: exemplars offered through the reservoir (its buckets moved)", exc_info=True)
        return False
    finally:
        WRITTEN_RESERVOIR = previous


# the reservoir whose offers are written here (offer_each_exemplar, _write_offers); None: every offer through the
# reservoir's own offer
WRITTEN_RESERVOIR: Any = None
WRITTEN_RESERVOIR = AlignedHistogramBucketExemplarReservoir if _offers_written_exactly() else None
