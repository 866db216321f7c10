"""Put a call's end attributes on its SDK span without the SDK cleaning values that are already clean.

``Span.set_attributes`` runs every value through ``_clean_attribute_value`` (type checks, string truncation, sequences
copied to tuples), about half a microsecond per attribute: a third of the cost of a chat call's span. The end
attributes of a call are plain values (str, bool, int, float, and tuples of str such as the finish reasons), which
that cleaning returns as they are. So they are stored the way ``BoundedAttributes`` stores cleaned values: under the
span's lock and the attributes' lock, a key already present moved to the end, on a span not yet ended. This path is
taken only when every value is of those exact types, the span is the SDK's own ``Span`` with every internal below,
no string length limit is set (it would truncate) and the attribute count limit leaves room; anything else goes
through ``set_attributes``. ``tests/unit/test_span_writes.py`` compares the exported spans with the SDK's own path.

Privates read (opentelemetry-sdk 1.45, 1.39 and 1.30; checked once per span class): ``Span._lock``,
``Span._end_time``, ``Span._attributes``; ``BoundedAttributes._dict``, ``_lock``, ``_immutable``, ``maxlen``,
``max_value_len``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry.attributes import BoundedAttributes

_logger = logging.getLogger("otel_aicost")
_SCALARS = frozenset((str, bool, int, float))
_STRINGS = frozenset((str,))
_SPAN_FIELDS = ("_lock", "_end_time", "_attributes")
_ATTRIBUTE_FIELDS = ("_dict", "_lock", "_immutable", "maxlen", "max_value_len")
_checked: dict[type, bool] = {}  # span class -> whether its internals are all there


def set_attributes(span: Any, attributes: Mapping[str, Any]) -> None:
    """``span.set_attributes(attributes)``, the same attributes in the same order, cheaper where it can be."""
    bounded = getattr(span, "_attributes", None)
    if type(bounded) is BoundedAttributes and bounded.max_value_len is None and _usable(span) and _all_plain(attributes):
        with span._lock:
            if span._end_time is None and not bounded._immutable:  # ended: the SDK's own warning, below
                stored = bounded._dict
                with bounded._lock:
                    if bounded.maxlen is None or len(stored) + len(attributes) <= bounded.maxlen:
                        for key, value in attributes.items():
                            if key in stored:
                                del stored[key]
                            stored[key] = value
                        return
    span.set_attributes(attributes)


def _all_plain(attributes: Mapping[str, Any]) -> bool:
    for value in attributes.values():
        if type(value) in _SCALARS:
            continue
        if type(value) is tuple and value and set(map(type, value)) == _STRINGS:
            continue
        return False
    return set(map(type, attributes)) == _STRINGS and "" not in attributes  # keys: non-empty str


def _usable(span: Any) -> bool:
    usable = _checked.get(type(span))
    return _check(span) if usable is None else usable


def _check(span: Any) -> bool:
    bounded = span._attributes
    missing = [f for f in _SPAN_FIELDS if not hasattr(span, f)] + [f for f in _ATTRIBUTE_FIELDS if not hasattr(bounded, f)]
    if missing:
        _logger.debug("otel_aicost: span attributes set through set_attributes (SDK internals moved: %s)", missing)
    _checked[type(span)] = not missing
    return not missing
