"""Span privates: attributes stored as the SDK stores cleaned values, and when start attributes may follow the start
(``instrumentation/span_writes.py``). Listed in the table of ``sdk_internals/__init__.py``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry.attributes import BoundedAttributes

from otel_aicost.export.sdk_internals.checked import FAST_PATHS

_logger = logging.getLogger("otel_aicost")

_SPAN_FIELDS = ("_lock", "_end_time", "_attributes")
_ATTRIBUTE_FIELDS = ("_dict", "_lock", "_immutable", "maxlen", "max_value_len")
_span_classes: dict[type, bool] = {}  # span class -> whether its internals are all there


def store_clean_span_attributes(span: Any, attributes: Mapping[str, Any], fresh: bool = False,
                                start_count: int = -1) -> bool:  # fmt: skip
    """Store ``attributes``, values the SDK's cleaning returns as they are, the way ``BoundedAttributes`` stores
    cleaned values: under the span's lock and the attributes' lock, a key already present moved to the end, on a span
    not yet ended, with room under the count limit and no string length limit. False: nothing stored, use
    ``span.set_attributes``. ``fresh``: the span was just started by the caller, with no attributes, and no other
    code holds it yet (no span processor's ``on_start`` saw it: ``attributes_can_follow_start``): stored without the
    two locks, which nothing else can be holding (an acquire and release costs about 950 instructions, callgrind).
    ``start_count``: how many attributes such a fresh store put on the span, when none of their keys is among
    ``attributes`` (by construction: the usual end's, ``span_writes.start_span``): while the span holds exactly that
    many, nothing was stored since (the SDK drops no key under the count limit), so no key of ``attributes`` is
    there."""
    try:  # read directly, not by getattr with a default: about 500 instructions less per store (callgrind)
        bounded = span._attributes
    except AttributeError:  # not the SDK's span (a non-recording one)
        return False
    if type(bounded) is not BoundedAttributes or bounded.max_value_len is not None:
        return False
    usable = _span_classes.get(type(span))  # looked up here, not in _span_usable: a frame less on each call
    if not (usable or (usable is None and _span_usable(span))):
        return False
    if fresh:
        stored = bounded._dict
        if stored or span._end_time is not None or bounded._immutable or (
            bounded.maxlen is not None and len(attributes) > bounded.maxlen
        ):  # not as fresh as promised: the general path
            return False
        stored.update(attributes)
        return True
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
