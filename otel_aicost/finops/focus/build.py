"""FOCUS 1.2 cost rows from GenAI telemetry: ``build_focus(paths) -> FocusResult`` (writing: ``write``).

One row per charge period (hour or day, UTC), currency, provider, resource (Azure deployment or API endpoint),
region, model, deployment type, token type, allocation tags and pricing status. Token types and the cost
component each one carries:

========================  ============================================  ==========================
x_TokenType               ConsumedQuantity (tokens)                      cost
========================  ============================================  ==========================
``input``                 input - cached input - cache write             ``aicost.cost.input``
``cached_input``          ``gen_ai.usage.cache_read.input_tokens``       ``aicost.cost.cache_read``
``cache_write``           ``gen_ai.usage.cache_creation.input_tokens``   ``aicost.cost.cache_write``
``output``                output (reasoning included)                    ``aicost.cost.output``
========================  ============================================  ==========================

Exactness: the total of a call is ``gen_ai.usage.cost``. When its components do not add up to it to the last
digit (or are missing), the difference goes to the output row (or to an ``unspecified`` row when the call has
no tokens), so the rows of every call add up to exactly its total and the file adds up to exactly the telemetry.
BilledCost = EffectiveCost = ListCost = ContractedCost: telemetry knows the price it was given, no invoice
discounts. Calls without a price (``unknown_model``, ``provisioned``) still get rows for their tokens, with cost 0,
PricingCategory ``Other`` and ``x_PricingStatus`` saying why; ``no_usage`` calls have nothing to bill and no row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial

from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.focus.columns import DEFAULT_BILLING_ACCOUNT
from otel_aicost.finops.focus.rows import FocusRows
from otel_aicost.finops.focus.sums import FocusSums
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.scan import scan
from otel_aicost.finops.time_slots import to_ns


@dataclass
class FocusResult:
    rows: FocusRows  # iterable (again and again) of dicts column -> Decimal, datetime (UTC), int, str or None
    total_cost: dict[str, Decimal]  # per currency, summed straight from the telemetry
    calls: int
    status_counts: dict[str, int]
    stats: ReadStats
    filtered_out: int = 0


def build_focus(
    paths: Iterable[str],
    *,
    granularity: str = "day",
    billing_account: str = DEFAULT_BILLING_ACCOUNT,
    invoice_issuer: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> FocusResult:
    """Read ``paths`` and return FOCUS 1.2 rows aggregated per ``granularity`` (``hour`` or ``day``)."""
    FocusSums(granularity)  # fail here, in the parent, on a bad granularity
    plan = Plan(report=False, focus=granularity, since_ns=to_ns(since), until_ns=to_ns(until))
    table, stats = scan(paths, partial(CallTable, plan), workers=workers, progress=progress)
    builder = table.focus_sums()
    return FocusResult(
        rows=FocusRows(builder, billing_account, invoice_issuer),
        total_cost=builder.total_cost,
        calls=builder.calls,
        status_counts=builder.status_counts,
        stats=stats,
        filtered_out=builder.filtered_out,
    )
