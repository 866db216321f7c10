"""Span privates: attributes stored as the SDK stores cleaned values, a span started with its plain attributes
stored that way when they may follow the start (``instrumentation/span_writes.py``). Listed in the table of
``sdk_internals/__init__.py``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.trace import SpanKind

from otel_aicost.export.sdk_internals.checked import FAST_PATHS

_logger = logging.getLogger("otel_aicost")

_SPAN_FIELDS = ("_lock", "_end_time", "_attributes")
_ATTRIBUTE_FIELDS = ("_dict", "_lock", "_immutable", "maxlen", "max_value_len")
_span_classes: dict[type, bool] = {}  # span class -> whether its internals are all there


def store_clean_span_attributes(span: Any, attributes: Mapping[str, Any], start_count: int = -1) -> bool:
    """Store ``attributes``, values the SDK's cleaning returns as they are, the way ``BoundedAttributes`` stores
    cleaned values: under the span's lock and the attributes' lock, a key already present moved to the end, on a span
    not yet ended, with room under the count limit and no string length limit. False: nothing stored, use
    ``span.set_attributes``. ``start_count``: how many attributes ``start_plain_span`` put on the span, when none of
    their keys is among ``attributes`` (by construction: the usual end's): while the span holds exactly that many,
    nothing was stored since (the SDK drops no key under the count limit), so no key of ``attributes`` is there."""
    try:  # read directly, not by getattr with a default: about 500 instructions less per store (callgrind)
        bounded = span._attributes
    except AttributeError:  # not the SDK's span (a non-recording one)
        return False
    if type(bounded) is not BoundedAttributes or bounded.max_value_len is not None:
        return False
    usable = _span_classes.get(type(span))  # looked up here, not in _span_usable: a frame less on each call
    if not (usable or (usable is None and _span_usable(span))):
        return False
    span_lock, attributes_lock = span._lock, bounded._lock  # taken with acquire and release: a with statement
    span_lock.acquire()  # costs about 1.5k instructions more each (callgrind)
    try:
        if span._end_time is not None or bounded._immutable:  # ended: the SDK's own warning
            return False
        stored = bounded._dict
        attributes_lock.acquire()
        try:
            if bounded.maxlen is not None and len(stored) + len(attributes) > bounded.maxlen:
                return False
            # a key already there moves to the end (asked of two key views: isdisjoint then goes through the
            # smaller; given the dict, it looks up each of its keys); not asked while the span holds just its
            # start_count keys (the check costs about 3.1k instructions on a chat call's end, callgrind)
            if stored and len(stored) != start_count and not stored.keys().isdisjoint(attributes.keys()):
                for key in attributes:
                    stored.pop(key, None)
            stored.update(attributes)
            return True
        finally:
            attributes_lock.release()
    finally:
        span_lock.release()


def _span_usable(span: Any) -> bool:
    usable = _span_classes.get(type(span))
    if usable is None:
        bounded = span._attributes
        gone = [f for f in _SPAN_FIELDS if not hasattr(span, f)] + [f for f in _ATTRIBUTE_FIELDS if not hasattr(bounded, f)]
        if gone:
            _logger.debug("otel_aicost: span attributes set through set_attributes (SDK internals moved: %s)", gone)
        usable = _span_classes[type(span)] = FAST_PATHS and not gone
    return usable


_started_plainly: dict[int, tuple[Any, Any, Any, bool]] = {}  # id(tracer) -> (tracer, processors, sampler, answer)


def start_plain_span(tracer: Any, name: str, parent: Any, attributes: Mapping[str, Any]) -> tuple[Any, int]:
    """``tracer.start_span(name, context=parent, kind=CLIENT, attributes=attributes)`` for plain ``attributes``
    (``span_writes.all_plain``), exported the same, and how many attributes the span holds when known exactly (-1
    when not). Where neither the sampler nor a span processor's ``on_start`` can see the difference
    (``attributes_can_follow_start``, its answer remembered per tracer), the span starts
    without attributes and they are stored in its fresh ``BoundedAttributes`` at once, without the span's and the
    attributes' locks, which no other code can hold yet (an acquire and release costs about 950 instructions,
    callgrind): the SDK would clean every value (about half the cost of starting a chat call's span)."""
    if not attributes_can_follow_start(tracer):
        return tracer.start_span(name, context=parent, kind=SpanKind.CLIENT, attributes=attributes), -1
    span = tracer.start_span(name, context=parent, kind=SpanKind.CLIENT)
    # no is_recording() asked first (an SDK frame per call): a span that is not the SDK's recording one has no
    # BoundedAttributes, and a non-recording span's set_attributes does nothing
    try:
        bounded = span._attributes
    except AttributeError:
        bounded = None
    if type(bounded) is BoundedAttributes and bounded.max_value_len is None:
        usable = _span_classes.get(type(span))
        stored = bounded._dict
        if (
            (usable or (usable is None and _span_usable(span)))
            and not stored
            and span._end_time is None
            and not bounded._immutable
            and (bounded.maxlen is None or len(attributes) <= bounded.maxlen)
        ):
            stored.update(attributes)
            return span, len(attributes)
    span.set_attributes(attributes)  # not as fresh as promised: the general path
    return span, -1


def attributes_can_follow_start(tracer: Any) -> bool:
    """Whether a span of ``tracer`` started without attributes and given them at once (``store_clean_span_attributes``)
    ends up exactly as one started with them: the SDK's own tracer, a sampler of the SDK's that never reads
    attributes (``ALWAYS_ON``/``ALWAYS_OFF``, ``TraceIdRatioBased``, ``ParentBased`` over those: when it samples it
    returns the attributes it was given, unread), and span processors whose ``on_start`` is the SDK's no-op (the
    batch and simple processors and their subclasses that leave it alone). Reads ``SynchronousMultiSpanProcessor.
    _span_processors`` (and ``ConcurrentMultiSpanProcessor``'s) and ``ParentBased``'s delegates; answered again
    whenever the processors or the sampler change."""
    try:  # read directly, not by getattr with a default: about 500 instructions less per getattr (callgrind)
        processors = tracer.span_processor._span_processors
        sampler = tracer.sampler
    except AttributeError:  # not the SDK's tracer (or its internals moved): never plain
        processors = sampler = None
    known = _started_plainly.get(id(tracer))
    if known is not None and known[0] is tracer and known[1] is processors and known[2] is sampler:
        return known[3]
    answer = (
        FAST_PATHS
        and _TracerType is not None
        and type(tracer) is _TracerType
        and isinstance(processors, tuple)
        and all(getattr(type(p), "on_start", None) in _NO_OP_ON_START for p in processors)
        and _blind(sampler)
    )
    if len(_started_plainly) > 64:
        _started_plainly.clear()
    _started_plainly[id(tracer)] = (tracer, processors, sampler, answer)
    return answer


def _blind(sampler: Any) -> bool:
    if type(sampler) in _BLIND_SAMPLERS:
        return True
    if type(sampler) not in _PARENT_BASED:
        return False
    delegates = [getattr(sampler, name, None) for name in _PARENT_BASED_DELEGATES]
    return all(type(delegate) in _BLIND_SAMPLERS for delegate in delegates)


try:
    from opentelemetry.sdk.trace import SpanProcessor as _SpanProcessor
    from opentelemetry.sdk.trace import Tracer as _TracerType
    from opentelemetry.sdk.trace.export import BatchSpanProcessor as _Batch
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor as _Simple
    from opentelemetry.sdk.trace.sampling import ParentBased, ParentBasedTraceIdRatio, StaticSampler, TraceIdRatioBased

    _NO_OP_ON_START = frozenset(klass.__dict__["on_start"] for klass in (_SpanProcessor, _Batch, _Simple)
                                if "on_start" in klass.__dict__)  # fmt: skip
    _BLIND_SAMPLERS: tuple[type, ...] = (StaticSampler, TraceIdRatioBased)
    _PARENT_BASED: tuple[type, ...] = (ParentBased, ParentBasedTraceIdRatio)
except ImportError:  # pragma: no cover - depends on the SDK installed
    _TracerType = None
    _NO_OP_ON_START = frozenset()
    _BLIND_SAMPLERS = _PARENT_BASED = ()
_PARENT_BASED_DELEGATES = (
    "_root", "_remote_parent_sampled", "_remote_parent_not_sampled", "_local_parent_sampled",
    "_local_parent_not_sampled",
)  # fmt: skip
