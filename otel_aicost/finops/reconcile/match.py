"""Match billed rows to telemetry per group and classify each gap.

A group is day x Azure account x model x deployment type x token direction x currency: billed rows in two
currencies (two billing accounts holding accounts of the same name) are never summed together. Telemetry joins
the group in its own currency, else the only billed group of its key (another currency: compared as they are,
the reconciliation warns), else forms its own group. Billed rows whose meter the shipped data does not know form
their own groups (``unmatched_meter``), one per day, account, meter and currency.

Usage billed on a later day: Azure sometimes bills a day's tokens on the next day(s). Per account, model,
deployment type and direction, telemetry tokens that a day's bill lacks are carried forward for up to
``lag_days`` days and set against tokens that later days bill beyond their own telemetry; both ends of such a
carry are ``billed_later``. Then each group, its carried tokens taken into account, is:

=====================  ==========================================================================
``matched``            tokens and cost agree (within ``tolerance``)
``price_difference``   tokens agree, cost does not: a negotiated discount, a price change, a
                       currency conversion, or a deployment type priced differently than declared
``billed_later``       the tokens agree once carried to (or from) another day
``not_instrumented``   the bill has more tokens than telemetry saw: calls made without otel-aicost
``not_billed``         telemetry has tokens the bill lacks (within the lag at the end of the export
                       they may still be billed: ``note`` says so)
``unmatched_meter``    a charge on an Azure OpenAI account whose meter is not in the shipped data
=====================  ==========================================================================
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from otel_aicost.finops.reconcile.export_reader import BilledRow
from otel_aicost.finops.reconcile.meters import parse_meter
from otel_aicost.finops.reconcile.telemetry_side import Usage

MATCHED, PRICE_DIFFERENCE, BILLED_LATER = "matched", "price_difference", "billed_later"
NOT_INSTRUMENTED, NOT_BILLED, UNMATCHED_METER = "not_instrumented", "not_billed", "unmatched_meter"
GAP_CLASSES = (MATCHED, PRICE_DIFFERENCE, BILLED_LATER, NOT_INSTRUMENTED, NOT_BILLED, UNMATCHED_METER)
DEFAULT_LAG_DAYS = 3
DEFAULT_TOLERANCE = Decimal("0.005")  # relative: 0.5% of the larger side
TOKEN_SLACK = Decimal(1)  # tokens: quantities on the bill may be rounded
COST_SLACK = Decimal("0.000001")


@dataclass
class Group:
    day: date
    account: str
    model: str  # price-data model name, or the raw meter name for unmatched meters
    deployment_type: str
    direction: str
    currency: str
    billed: list[BilledRow] = field(default_factory=list)
    billed_cost: Decimal = Decimal(0)
    billed_tokens: Decimal = Decimal(0)
    telemetry: Usage = field(default_factory=Usage)
    carried_in: Decimal = Decimal(0)  # telemetry tokens of earlier days billed here
    carried_out: Decimal = Decimal(0)  # telemetry tokens of this day billed on later days
    carried_in_cost: Decimal = Decimal(0)
    carried_out_cost: Decimal = Decimal(0)
    carried_tags: dict[str, Fraction] = field(default_factory=dict)  # tags JSON -> carried-in tokens
    gap_class: str = MATCHED
    note: str = ""

    @property
    def key(self) -> tuple:
        return (self.day, self.account, self.model, self.deployment_type, self.direction, self.currency)

    @property
    def gap(self) -> Decimal:
        """Billed minus telemetry cost of this day's group (before carrying)."""
        return self.billed_cost - self.telemetry.cost

    @property
    def meters(self) -> list[str]:
        return sorted({row.meter_name for row in self.billed})


def build_groups(rows: Iterable[BilledRow], telemetry: dict[tuple, Usage], in_usd: bool = False) -> list[Group]:
    """One group per key on either side, billed rows and telemetry usage in it (not yet classified).

    ``telemetry``: usage per (day, account, model, deployment type, direction, currency).

    ``in_usd``: compare the bill's USD amounts (``usd_cost``) with telemetry priced in USD; the rows keep their
    billing-currency cost for showback.
    """
    groups: dict[tuple, Group] = {}
    for row in rows:
        meter = parse_meter(row.meter_name)
        account = row.account or "(no account)"
        currency = "USD" if in_usd else row.currency
        if meter is None:
            key = (row.day, account, row.meter_name or "(no meter)", "", "", currency, UNMATCHED_METER)
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(row.day, account, key[2], "", "", currency, gap_class=UNMATCHED_METER)
        else:
            key = (row.day, account, meter.model, meter.deployment_type, meter.direction, currency)
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(*key)
        group.billed.append(row)
        group.billed_cost += row.usd_cost if in_usd and row.usd_cost is not None else row.cost
        group.billed_tokens += row.tokens or 0
    billed_currencies: dict[tuple, list[str]] = {}
    for key in groups:
        if len(key) == 6:
            billed_currencies.setdefault(key[:5], []).append(key[5])
    telemetry_currencies: dict[tuple, int] = {}
    for key in telemetry:
        telemetry_currencies[key[:5]] = telemetry_currencies.get(key[:5], 0) + 1
    for key, usage in telemetry.items():
        billed_in = billed_currencies.get(key[:5], [])
        if key not in groups and len(billed_in) == 1 and telemetry_currencies[key[:5]] == 1:
            key = (*key[:5], billed_in[0])  # one currency on each side: compared as they are (warned)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(*key)
        group.telemetry = usage
    return sorted(groups.values(), key=lambda g: (g.key, g.gap_class == UNMATCHED_METER))


def classify(groups: list[Group], lag_days: int = DEFAULT_LAG_DAYS, tolerance: Decimal = DEFAULT_TOLERANCE) -> None:
    """Carry late-billed tokens between days, then set ``gap_class`` (and ``note``) of every group."""
    series: dict[tuple, list[Group]] = {}
    for group in groups:
        if group.gap_class != UNMATCHED_METER:
            series.setdefault(group.key[1:], []).append(group)
    last_day = max((g.day for g in groups if g.billed), default=None)
    for days in series.values():
        _carry(sorted(days, key=lambda g: g.day), lag_days)
    for group in groups:
        if group.gap_class == UNMATCHED_METER:
            group.note = "meter not in the shipped Azure price data: cannot tell model, deployment type or direction"
            continue
        group.gap_class = _class_of(group, tolerance)
        if group.gap_class == NOT_BILLED and last_day is not None and (last_day - group.day).days < lag_days:
            group.note = f"within {lag_days} days of the export's last day: may still be billed"


def _carry(days: list[Group], lag_days: int) -> None:
    pending: deque[list] = deque()  # [group, tokens left to carry, cost per token, tag fractions]
    for group in days:
        while pending and (group.day - pending[0][0].day).days > lag_days:
            pending.popleft()
        own = group.telemetry.tokens
        deficit = group.billed_tokens - own
        while deficit > 0 and pending:
            entry = pending[0]
            source, left, unit_cost, tag_share = entry
            moved = min(deficit, left)
            source.carried_out += moved
            source.carried_out_cost += moved * unit_cost
            group.carried_in += moved
            group.carried_in_cost += moved * unit_cost
            for tags, share in tag_share.items():
                group.carried_tags[tags] = group.carried_tags.get(tags, Fraction(0)) + share * Fraction(moved)
            deficit -= moved
            entry[1] = left - moved
            if entry[1] <= 0:
                pending.popleft()
        surplus = own - group.billed_tokens
        if surplus > 0 and own > 0:
            shares = {tags: Fraction(tokens) / Fraction(own) for tags, (tokens, _c) in group.telemetry.by_tags.items()}
            pending.append([group, surplus, group.telemetry.cost / own, shares])


def _close(a: Decimal, b: Decimal, slack: Decimal, tolerance: Decimal) -> bool:
    return abs(a - b) <= max(slack, tolerance * max(abs(a), abs(b)))


def _class_of(group: Group, tolerance: Decimal) -> str:
    seen = group.telemetry.tokens - group.carried_out + group.carried_in
    expected_cost = group.telemetry.cost - group.carried_out_cost + group.carried_in_cost
    if not group.billed and seen <= 0 and group.carried_out > 0:
        return BILLED_LATER
    if not _close(group.billed_tokens, seen, TOKEN_SLACK, tolerance):
        return NOT_INSTRUMENTED if group.billed_tokens > seen else NOT_BILLED
    if not _close(group.billed_cost, expected_cost, COST_SLACK, tolerance):
        return PRICE_DIFFERENCE
    if group.carried_in or group.carried_out:
        return BILLED_LATER
    return MATCHED
