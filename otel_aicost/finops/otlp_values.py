"""One OTLP attribute value (``AnyValue``) read as what a cost record needs: a string, a token count or an exact
cost, each within the bounds of ``plausible`` (else ``Implausible`` skips the span, counted by reason); and the check
that a span's cost components do not add up to more than its cost."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from otel_aicost import semconv
from otel_aicost.finops import plausible
from otel_aicost.finops.plausible import Implausible
from otel_aicost.quoting import show


class Value(msgspec.Struct, gc=False):
    stringValue: str | None = None
    intValue: int | str | None = None
    doubleValue: Decimal | None = None
    boolValue: bool | None = None


class KeyValue(msgspec.Struct, gc=False):
    key: str
    value: Value | None = None


_ROUNDING = Decimal("1e-9")  # components and cost are doubles each rounded on their own: off in the last digits


def components_within(cost: Decimal, components: tuple) -> None:
    """Cost components that add up to more than the call's cost (beyond rounding) are a damaged span: no call is
    billed less than its parts, and the difference would make a FOCUS row with a negative price (finding F20)."""
    parts = 0
    for component in components:
        if component is not None:
            parts += component
    if parts > cost and parts - cost > parts * _ROUNDING:
        raise Implausible("cost", f"cost components add up to {show(parts)}, above {semconv.USAGE_COST} {show(cost)}")


def text_of(value: Value | None) -> str | None:
    if value is None:
        return None
    text = value.stringValue
    if text is not None:
        return text
    for other in (value.intValue, value.doubleValue, value.boolValue):  # a number where a string was expected
        if other is not None:
            return str(other)
    return None


def tokens_of(value: Value | None, name: str) -> int:
    """A token count: an int64 (a JSON number or a string of digits), or a whole double; absent means 0."""
    if value is None:
        return 0
    number = value.intValue
    if number is not None:
        return plausible.tokens(number, name)
    double = value.doubleValue
    if double is not None:
        if double.is_finite() and 0 <= double <= plausible.MAX_TOKENS:
            if double == double.to_integral_value():
                return int(double)
            raise Implausible("tokens", f"{name} {show(double)} is not a whole number")
        raise Implausible("tokens", f"{name} {show(double)} is outside 0..{plausible.MAX_TOKENS:,}")
    if value.stringValue is not None or value.boolValue is not None:
        raise Implausible("malformed", f"{name} is not a number")
    return 0


def cost_of(value: Value | None, name: str) -> Decimal | None:
    """A cost: a double read as the exact Decimal of its JSON text (an int64 also does); absent means None."""
    if value is None:
        return None
    number = value.doubleValue
    if number is not None:
        return plausible.cost(number, name)
    whole = value.intValue
    if whole is not None:
        return plausible.cost(Decimal(plausible.whole(whole, name, "cost")), name)
    if value.stringValue is not None or value.boolValue is not None:
        raise Implausible("malformed", f"{name} is not a number")
    return None
