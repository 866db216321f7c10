"""The telemetry side of reconciliation: tokens and cost per day, Azure account, model, deployment type and
token direction, split by allocation tags.

It reads the calls into the one table every output derives from (``call_table.CallTable``) and takes its daily
FOCUS rows (``FocusSums``), so a call's cost is split over input, cached input, cache write and output exactly as
the FOCUS export splits it (components that do not add up put the difference on output), and the reconciliation
and the FOCUS file always agree. Calls to endpoints that are not Azure OpenAI
accounts (api.openai.com, or a gateway host without an ``--account`` alias) cannot be on an Azure bill: they are
counted, not matched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from functools import partial

from otel_aicost.cost.pricing.azure_prices import find_model
from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.focus.sums import FocusSums
from otel_aicost.finops.reconcile.accounts import account_of_host
from otel_aicost.finops.reconcile.meters import OUTPUT
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.scan import scan
from otel_aicost.finops.time_slots import to_ns

ASSUMED_DEPLOYMENT_TYPE = "global_standard"  # what the instrumentation prices a call as when nothing says


@dataclass
class Usage:
    """Tokens and cost of one reconciliation group, in total and per allocation tag set (JSON)."""

    tokens: Decimal = Decimal(0)
    cost: Decimal = Decimal(0)
    calls: int = 0  # calls with tokens in this direction
    by_tags: dict[str, list[Decimal]] = field(default_factory=dict)  # tags JSON -> [tokens, cost]

    def add(self, tags: str, tokens: Decimal, cost: Decimal, calls: int = 0) -> None:
        self.tokens += tokens
        self.cost += cost
        self.calls += calls
        share = self.by_tags.setdefault(tags, [Decimal(0), Decimal(0)])
        share[0] += tokens
        share[1] += cost


@dataclass
class TelemetrySide:
    groups: dict[tuple, Usage]  # (day, account, model, deployment type, direction, currency) -> Usage
    currencies: set[str]
    stats: ReadStats
    calls: int
    other_endpoints: dict[str, int]  # server address -> calls (not an Azure OpenAI account)
    builder: FocusSums  # its daily rows, for the gateway comparison


def canonical_model(model: str) -> str:
    """The Azure price-data name of a model as the API reports it (``gpt-4o`` -> ``gpt-4o-2024-08-06``)."""
    return find_model(model) or model.strip().lower()


def read_telemetry(
    paths: Iterable[str],
    *,
    aliases: Mapping[str, str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    workers: int | None = None,
) -> TelemetrySide:
    plan = Plan(report=False, focus="day", since_ns=to_ns(since), until_ns=to_ns(until))
    table, stats = scan(paths, partial(CallTable, plan), workers=workers)
    return from_builder(table.focus_sums(), stats, aliases)


def from_builder(builder: FocusSums, stats: ReadStats, aliases: Mapping[str, str] | None = None) -> TelemetrySide:
    groups: dict[tuple, Usage] = {}
    other: dict[str, int] = {}
    currencies: set[str] = set()
    models: dict[str, str] = {}
    for key, (tokens, cost, calls, _reasoning) in builder.items():
        period, currency, _provider, server, _deployment, _region, model, deployment_type, tags, _status, kind = key
        account = account_of_host(server, aliases)
        if account is None:
            label = server or "(no server address)"
            other[label] = other.get(label, 0) + calls
            continue
        currencies.add(currency)
        if model not in models:
            models[model] = canonical_model(model) if model else "(unknown model)"
        day = datetime.fromtimestamp(period // 10**9, timezone.utc).date()
        direction = kind if kind in ("input", "cached_input", "cache_write", "output") else OUTPUT
        group_key = (day, account, models[model], deployment_type or ASSUMED_DEPLOYMENT_TYPE, direction, currency)
        usage = groups.get(group_key)
        if usage is None:
            usage = groups[group_key] = Usage()
        usage.add(tags, Decimal(tokens), cost, calls)
    return TelemetrySide(groups, currencies, stats, builder.calls, other, builder)


def tags_of(tags_json: str) -> dict[str, str]:
    return json.loads(tags_json) if tags_json else {}
