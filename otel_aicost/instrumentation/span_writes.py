"""Put a call's start and end attributes on its SDK span without the SDK cleaning values that are already clean.

``Span.set_attributes`` runs every value through ``_clean_attribute_value`` (type checks, string truncation, sequences
copied to tuples), about half a microsecond per attribute: a third of the cost of a chat call's span. The end
attributes of a call are plain values (str, bool, int, float, and tuples of str such as the finish reasons), which
that cleaning returns as they are. So when every value is of those exact types (and every key a non-empty str) they
are stored the way ``BoundedAttributes`` stores cleaned values (``export/sdk_internals.store_clean_span_attributes``:
the SDK's own span, every private it reads there, no string length limit, room under the count limit, a checked SDK
version); anything else goes through ``set_attributes``. ``tests/unit/test_span_writes.py`` compares the exported spans
with the SDK's own path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.trace import SpanKind

from otel_aicost.export.sdk_internals import attributes_can_follow_start, store_clean_span_attributes


def start_span(tracer: Any, name: str, parent: Any, attributes: Mapping[str, Any], plain: bool | None = None
               ) -> tuple[Any, int]:  # fmt: skip
    """``tracer.start_span(name, context=parent, kind=CLIENT, attributes=attributes)``, exported the same, and how
    many attributes the span holds when we know it exactly (-1 when not: the sampler and span processors may have
    changed them). Where neither the sampler nor a span processor's ``on_start`` can see the difference
    (``sdk_internals.attributes_can_follow_start``) and the values are plain, the span starts without attributes and
    they are stored as clean values at once: the SDK would clean every one of them (about half the cost of
    starting a chat call's span). ``plain``: whether every key and value is plain, if the caller knows it
    (``attributes.start_attributes``: each part checked once where it is made); None: checked here."""
    if plain is None:
        plain = all_plain(attributes)
    if not (plain and attributes_can_follow_start(tracer)):
        return tracer.start_span(name, context=parent, kind=SpanKind.CLIENT, attributes=attributes), -1
    span = tracer.start_span(name, context=parent, kind=SpanKind.CLIENT)
    # no is_recording() asked first (an SDK frame per call): the store refuses a span that is not the SDK's recording
    # one, and a non-recording span's set_attributes does nothing
    if not store_clean_span_attributes(span, attributes, fresh=True):
        span.set_attributes(attributes)
        return span, -1
    return span, len(attributes)


def set_attributes(span: Any, attributes: Mapping[str, Any]) -> None:
    """``span.set_attributes(attributes)``, the same attributes in the same order, cheaper where it can be."""
    if not (all_plain(attributes) and store_clean_span_attributes(span, attributes)):
        span.set_attributes(attributes)


def all_plain(attributes: Mapping[str, Any]) -> bool:
    """Whether the SDK's cleaning would return every value and key as it is: non-empty str keys; str, bool, int and
    float values, and non-empty tuples of str (a call's finish reasons). A plain loop: callgrind counts about half
    the instructions of the same check made with sets of types and iterators in C (round 7)."""
    for key, value in attributes.items():
        if type(key) is not str or not key:
            return False
        kind = type(value)
        if kind is str or kind is int or kind is float or kind is bool:
            continue
        if kind is not tuple or not value:
            return False
        for item in value:
            if type(item) is not str:
                return False
    return True
