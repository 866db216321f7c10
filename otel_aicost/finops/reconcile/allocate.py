"""Showback: split each billed row across the allocation tags of its telemetry, exactly.

For a billed row in group G: the telemetry that explains G is its own day's tokens (less those billed on later
days) plus tokens carried in from earlier days. If G bills more tokens than that, the unexplained fraction
``(billed - explained) / billed`` goes to ``unallocated``; the rest is split across tag sets in proportion to
their telemetry tokens (``basis="tokens"``, the default: every token of a direction costs the same on one
meter, so tokens are the measure telemetry gets right even when its price is not the negotiated one) or their
telemetry cost (``basis="cost"``). Rows with no telemetry at all (an unknown meter, an account never
instrumented) are wholly ``unallocated``.

Money: each row's cost is split in units of 1e-10 (or the row's own finest digit, if finer) by the largest
remainder method, so the shares of every row add up to exactly its cost, and every total to the bill's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from otel_aicost.finops.reconcile.export_reader import BilledRow
from otel_aicost.finops.reconcile.match import UNMATCHED_METER, Group

UNALLOCATED = "unallocated"
BASES = ("tokens", "cost")
MIN_DIGITS = 10


@dataclass(frozen=True, slots=True)
class Share:
    row: BilledRow
    group: Group
    tags: str  # JSON object of allocation tags, or "unallocated"
    cost: Decimal
    fraction: Fraction


def split_exact(total: Decimal, weights: list[Fraction]) -> list[Decimal]:
    """``total`` split in proportion to ``weights`` (summing to 1) so that the parts add up to exactly ``total``."""
    if not weights:
        return []
    exponent = total.as_tuple().exponent
    digits = max(MIN_DIGITS, -exponent if isinstance(exponent, int) else MIN_DIGITS)
    with localcontext() as context:
        context.prec = 60
        units = int(abs(total).scaleb(digits))
        sign = -1 if total < 0 else 1
        exact = [Fraction(units) * w for w in weights]
        floors = [int(e) for e in exact]
        left = units - sum(floors)
        order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
        return [Decimal(sign * f).scaleb(-digits) for f in floors]


def weights_of(group: Group, basis: str) -> dict[str, Fraction]:
    """Tag set -> fraction of the group's billed rows it carries (``unallocated`` included); fractions sum to 1."""
    if group.gap_class == UNMATCHED_METER:
        return {UNALLOCATED: Fraction(1)}
    usage = group.telemetry
    own = Fraction(usage.tokens)
    keep = (own - Fraction(group.carried_out)) / own if own > 0 else Fraction(0)
    measure: dict[str, Fraction] = {}
    for tags, (tokens, cost) in usage.by_tags.items():
        amount = Fraction(tokens if basis == "tokens" else cost) * keep
        if amount > 0:
            measure[tags] = measure.get(tags, Fraction(0)) + amount
    for tags, tokens in group.carried_tags.items():
        if tokens > 0:
            unit = (
                Fraction(1)
                if basis == "tokens" or not group.carried_in
                else (Fraction(group.carried_in_cost) / Fraction(group.carried_in))
            )
            measure[tags] = measure.get(tags, Fraction(0)) + tokens * unit
    explained = own * keep + Fraction(group.carried_in)
    billed = Fraction(group.billed_tokens)
    unexplained = (billed - explained) / billed if billed > 0 and billed > explained else Fraction(0)
    if not measure:
        return {UNALLOCATED: Fraction(1)}
    total = sum(measure.values())
    weights = {tags: (1 - unexplained) * amount / total for tags, amount in measure.items()}
    if unexplained:
        weights[UNALLOCATED] = unexplained
    return weights


def allocate(groups: Iterable[Group], basis: str = "tokens") -> Iterator[Share]:
    """Every billed row's shares, in group order then row order."""
    if basis not in BASES:
        raise ValueError(f"allocation basis must be tokens or cost, not {basis!r}")
    for group in groups:
        if not group.billed:
            continue
        weights = weights_of(group, basis)
        names = sorted(weights, key=lambda t: (t == UNALLOCATED, t))
        fractions = [weights[n] for n in names]
        for row in group.billed:
            for name, fraction, cost in zip(names, fractions, split_exact(row.cost, fractions)):
                yield Share(row, group, name, cost, fraction)


def tag_label(tags: str) -> str:
    """``team=search;feature=chat`` (sorted keys), ``(untagged)`` for an empty set, or ``unallocated``."""
    if tags == UNALLOCATED:
        return UNALLOCATED
    items = json.loads(tags) if tags else {}
    return ";".join(f"{k}={v}" for k, v in sorted(items.items())) or "(untagged)"
