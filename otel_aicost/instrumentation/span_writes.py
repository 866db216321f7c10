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

from otel_aicost.export.sdk_internals import start_plain_span, store_clean_span_attributes


def start_span(tracer: Any, name: str, parent: Any, attributes: Mapping[str, Any], plain: bool | None = None
               ) -> tuple[Any, int]:  # fmt: skip
    """``tracer.start_span(name, context=parent, kind=CLIENT, attributes=attributes)``, exported the same, and how
    many attributes the span holds when we know it exactly (-1 when not: the sampler and span processors may have
    changed them). Plain values (``plain``: whether every key and value is, if the caller knows it, as
    ``attributes.start_attributes`` does; None: checked here) start through ``sdk_internals.start_plain_span``, stored
    as clean values where nothing can see the difference (``call.Call`` asks it directly for plain ones)."""
    if plain is None:
        plain = all_plain(attributes)
    if not plain:
        return tracer.start_span(name, context=parent, kind=SpanKind.CLIENT, attributes=attributes), -1
    return start_plain_span(tracer, name, parent, attributes)


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
