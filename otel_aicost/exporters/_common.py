"""Helpers shared by the OTLP/JSON encoders: AnyValue, attributes, resource, scope, grouping."""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry.attributes import BoundedAttributes

logger = logging.getLogger(__name__)

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INFINITIES = (math.inf, -math.inf)


def encode_double(value: float) -> float | str:
    """A double as proto3 JSON writes it: NaN and infinities become the strings JSON itself cannot hold."""
    if value != value:  # noqa: PLR0124 - NaN test
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
    items = attributes._dict.items() if type(attributes) is BoundedAttributes else attributes.items()
    encoded = []
    append = encoded.append
    for key, value in items:
        kind = type(value)  # inline fast paths for the common scalar types; everything else goes the long way
        if kind is str:
            append({"key": key, "value": {"stringValue": value}})
        elif kind is int and INT64_MIN <= value <= INT64_MAX:
            append({"key": key, "value": {"intValue": str(value)}})
        elif kind is float and value == value and value not in INFINITIES:  # noqa: PLR0124 - NaN test
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
        for known_resource, scopes in merged:
            if known_resource is resource or known_resource == resource:
                break
        else:
            scopes = []
            merged.append((resource, scopes))
        for known_scope, known_members in scopes:
            if known_scope is scope or known_scope == scope:
                known_members.extend(members)
                break
        else:
            scopes.append((scope, members))
    return merged


def schema_url_of(obj: Any) -> str:
    return (getattr(obj, "schema_url", None) or "") if obj is not None else ""
