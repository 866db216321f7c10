"""Helpers shared by the OTLP/JSON encoders: AnyValue, attributes, resource, scope, grouping."""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from otel_aicost.export.sdk_internals import attribute_items

logger = logging.getLogger(__name__)

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INFINITIES = (math.inf, -math.inf)


def encode_double(value: float) -> float | str:
    """A double as proto3 JSON writes it: NaN and infinities become the strings JSON itself cannot hold."""
    if value != value:  # only NaN differs from itself
        return "NaN"
    if value in INFINITIES:
        return "Infinity" if value > 0 else "-Infinity"
    return value


def encode_any_value(value: Any) -> dict:
    """An AnyValue. Raises ValueError for values OTLP cannot carry (the caller drops that attribute)."""
    kind = type(value)
    if kind is str:
        return {"stringValue": value}
    if kind is bool:
        return {"boolValue": value}
    if kind is int:
        if INT64_MIN <= value <= INT64_MAX:
            return {"intValue": str(value)}
        raise ValueError(f"integer {value} does not fit in int64")
    if kind is float:
        return {"doubleValue": encode_double(value)}
    if value is None:
        return {}
    if kind is tuple or kind is list:  # span attribute arrays arrive as tuples
        return {"arrayValue": {"values": [encode_any_value(item) for item in value]} if value else {}}
    # Less common types, checked in the same order as the SDK's protobuf encoder.
    if isinstance(value, bool):
        return {"boolValue": bool(value)}
    if isinstance(value, str):
        return {"stringValue": str(value)}
    if isinstance(value, int):
        return encode_any_value(int(value))
    if isinstance(value, float):
        return {"doubleValue": encode_double(float(value))}
    if isinstance(value, (bytes, bytearray)):
        return {"bytesValue": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Sequence):  # empty repeated fields are left out, like every default
        return {"arrayValue": {"values": [encode_any_value(item) for item in value]} if value else {}}
    if isinstance(value, Mapping):
        pairs = [{"key": str(k), "value": encode_any_value(v)} for k, v in value.items()]
        return {"kvlistValue": {"values": pairs} if pairs else {}}
    raise ValueError(f"invalid type {type(value).__name__} for an OTLP value")


def encode_attributes(attributes: Mapping[str, Any] | None) -> list[dict]:
    if not attributes:
        return []
    # The SDK's BoundedAttributes is a Python-level Mapping: iterating its own dict is several times faster.
    items = attribute_items(attributes)
    encoded = []
    append = encoded.append
    for key, value in items:
        kind = type(value)  # inline fast paths for the common scalar types; everything else goes the long way
        if kind is str:
            append({"key": key, "value": {"stringValue": value}})
        elif kind is int and INT64_MIN <= value <= INT64_MAX:
            append({"key": key, "value": {"intValue": str(value)}})
        elif kind is float and value == value and value not in INFINITIES:  # finite (NaN != NaN)
            append({"key": key, "value": {"doubleValue": value}})
        elif kind is bool:
            append({"key": key, "value": {"boolValue": value}})
        else:
            try:
                append({"key": key, "value": encode_any_value(value)})
            except ValueError as error:  # same choice as the SDK encoder: drop the one attribute, keep the record
                logger.debug("dropping attribute %r: %s", key, error)
    return encoded


def put_attributes(target: dict, attributes: Mapping[str, Any] | None, field: str = "attributes") -> None:
    if attributes:
        encoded = encode_attributes(attributes)
        if encoded:
            target[field] = encoded


def encode_resource(resource: Any) -> dict:
    encoded: dict = {}
    if resource is not None:
        put_attributes(encoded, resource.attributes)
    return encoded


def encode_scope(scope: Any) -> dict:
    encoded: dict = {}
    if scope is None:
        return encoded
    if scope.name:
        encoded["name"] = scope.name
    if scope.version:
        encoded["version"] = scope.version
    put_attributes(encoded, getattr(scope, "attributes", None))
    return encoded


Grouped = list[tuple[Any, list[tuple[Any, list[Any]]]]]


def group_by_resource_and_scope(items: Sequence[Any], resource_of: Callable, scope_of: Callable) -> Grouped:
    """Group items by resource, then by instrumentation scope, keeping first-seen order.

    Grouping is by identity first (one dict lookup per item: almost every item shares the same two objects),
    then groups whose resources or scopes are equal but distinct objects are merged, as OTLP requires.
    """
    by_identity: dict[tuple[int, int], tuple[Any, Any, list[Any]]] = {}
    for item in items:
        resource = resource_of(item)
        scope = scope_of(item)
        key = (id(resource), id(scope))
        group = by_identity.get(key)
        if group is None:
            by_identity[key] = (resource, scope, [item])
        else:
            group[2].append(item)

    merged: Grouped = []
    for resource, scope, members in by_identity.values():
        target = _find_or_add(_find_or_add(merged, resource, list), scope, list)
        if target:  # two distinct objects are equal: fill again item by item, in order, as the SDK encoder does
            return _group_in_item_order(items, resource_of, scope_of, by_identity)
        target.extend(members)
    return merged


def _group_in_item_order(items: Sequence[Any], resource_of: Callable, scope_of: Callable, by_identity: dict) -> Grouped:
    merged: Grouped = []
    targets = {
        key: _find_or_add(_find_or_add(merged, resource, list), scope, list)
        for key, (resource, scope, _) in by_identity.items()
    }
    for item in items:
        targets[(id(resource_of(item)), id(scope_of(item)))].append(item)
    return merged


def _find_or_add(pairs: list, key: Any, make: Callable) -> Any:
    """The value paired with ``key`` (equal, not only identical), added when missing. Lists here are tiny."""
    for known_key, value in pairs:
        if known_key is key or known_key == key:
            return value
    value = make()
    pairs.append((key, value))
    return value


def schema_url_of(obj: Any) -> str:
    return (getattr(obj, "schema_url", None) or "") if obj is not None else ""
