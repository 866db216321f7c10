"""The report's figures per group, from the sums ``CallTable.report_groups()`` rolls up (``ReportGroups``).

Per group (and in total, per currency):

* requests, errors (span status ERROR or ``error.type``), tokens by type: input (all of it, cached included),
  cached input, cache write, output (reasoning included) and reasoning;
* cost: the exact ``Decimal`` sum of ``gen_ai.usage.cost`` over priced calls;
* cost per request: mean, p50, p95 over priced calls; cost per 1K tokens: cost / (input + output tokens of
  priced calls) * 1000;
* cached-token savings, per call: the input price implied by the call itself,
  ``aicost.cost.input / (input - cached - cache write tokens)``, times the cached tokens, minus what they cost
  (``aicost.cost.cache_read``). Calls whose input was all cached imply no input price and add nothing (counted
  in ``savings_unknown_requests``). Savings are an estimate, rounded to 1e-12;
* unpriced share: share of the successful calls not priced (``unknown_model``, ``no_usage``, ``provisioned``; a
  ``free`` call has a known cost of 0 and counts as priced);
  failed calls are counted in ``errors``, never as unpriced; estimated
  share: share of the cost whose token counts were estimated locally (``aicost.usage.source=estimated``); assumed
  share: share of the cost priced on an assumed Azure deployment type (``aicost.deployment.type_source=assumed``:
  a deployment not declared in the config, priced as Global Standard, under-counting Data Zone and Regional);
* latency p50/p95 over successful calls; output tokens per second = sum of output tokens / sum of durations of
  successful calls that produced output; latency vs tokens: Pearson correlation of duration and output
  tokens over successful calls; cost per second of latency = cost / sum of durations of priced calls.

Percentiles are exact (nearest rank: always a value some call had) from per-group ``array('d')`` columns:
8 bytes per value, at most three values per call (~24 MB per million calls), so memory stays far under 1 GB.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from otel_aicost import semconv
from otel_aicost.finops.report.stats import pearson, percentile

SAMPLE_SIZE = 5000  # calls in the latency scatter's sample
SAVINGS_QUANTUM = Decimal("1e-12")
DERIVED_QUANTUM = Decimal("1e-12")
KNOWN_COST = (None, semconv.STATUS_PRICED, semconv.STATUS_FREE)  # statuses whose cost is known (free: 0)


class GroupSums:
    """Running sums of one group; mergeable (the totals per currency add the groups up)."""

    __slots__ = (
        "assumed_cost",
        "cache_write",
        "cached",
        "cost",
        "costs",
        "durations",
        "errors",
        "estimated_cost",
        "input",
        "out_duration",
        "out_tokens",
        "out_tokens_timed",
        "output",
        "priced",
        "priced_duration",
        "priced_tokens",
        "reasoning",
        "requests",
        "savings",
        "savings_unknown",
        "unpriced",
    )  # fmt: skip

    def __init__(self) -> None:
        self.requests = self.errors = self.input = self.cached = self.cache_write = 0
        self.output = self.reasoning = self.priced = self.priced_tokens = self.savings_unknown = 0
        self.out_tokens_timed = self.unpriced = 0
        self.cost = Decimal(0)
        self.estimated_cost = Decimal(0)
        self.assumed_cost = Decimal(0)
        self.savings = Decimal(0)
        self.priced_duration = self.out_duration = 0.0
        self.costs = array("d")  # per priced call
        self.durations = array("d")  # per successful call
        self.out_tokens = array("d")  # per successful call, aligned with durations

    def merge(self, other: GroupSums) -> None:
        for name in self.__slots__:
            mine = getattr(self, name)
            if isinstance(mine, array):
                mine.extend(getattr(other, name))
            else:
                setattr(self, name, mine + getattr(other, name))


@dataclass
class GroupSummary:
    """The figures of one group. Money is ``Decimal``; shares are 0..1; latency in seconds."""

    key: dict[str, str]
    currency: str
    requests: int
    errors: int
    input_tokens: int
    cached_input_tokens: int
    cache_write_tokens: int
    output_tokens: int
    reasoning_tokens: int
    priced_requests: int
    cost: Decimal
    cost_per_request_mean: Decimal | None
    cost_per_request_p50: Decimal | None
    cost_per_request_p95: Decimal | None
    cost_per_1k_tokens: Decimal | None
    cached_savings: Decimal
    savings_unknown_requests: int
    unpriced_share: float
    estimated_share: float
    latency_p50_s: float | None
    latency_p95_s: float | None
    output_tokens_per_s: float | None
    latency_output_tokens_correlation: float | None
    cost_per_latency_s: Decimal | None
    assumed_share: float = 0.0


class ReportGroups:
    """The report's running sums per group key and the latency sample, as ``CallTable.report_groups()`` rolls
    them up from its cells; ``summaries()`` gives the figures."""

    def __init__(self, by: Sequence[str] = (), since_ns: int | None = None, until_ns: int | None = None) -> None:
        self.by = list(by)
        self.since_ns, self.until_ns = since_ns, until_ns
        self.groups: dict[tuple, GroupSums] = {}
        self.samples: list[tuple[float, int, float, tuple]] = []
        self.seen = 0  # successful calls offered to the sample
        self.filtered_out = 0

    def summaries(self) -> tuple[list[GroupSummary], list[GroupSummary]]:
        """(groups sorted by cost, highest first; totals per currency)."""
        totals: dict[str, GroupSums] = {}
        seconds: dict[str, tuple[list[float], list[float]]] = {}  # per currency: the groups' durations
        groups = []
        for key, group in self.groups.items():
            groups.append(_summarize(dict(zip(self.by, key[:-1])), key[-1], group))
            total = totals.get(key[-1])
            if total is None:
                total = totals[key[-1]] = GroupSums()
                seconds[key[-1]] = ([], [])
            total.merge(group)
            seconds[key[-1]][0].append(group.out_duration)
            seconds[key[-1]][1].append(group.priced_duration)
        for currency, (out, priced) in seconds.items():  # correctly rounded: the same in any order of the groups
            totals[currency].out_duration, totals[currency].priced_duration = math.fsum(out), math.fsum(priced)
        groups.sort(key=lambda g: (-g.cost, -g.requests, tuple(g.key.values())))
        return groups, [_summarize({}, currency, group) for currency, group in sorted(totals.items())]


def _summarize(key: dict[str, str], currency: str, g: GroupSums) -> GroupSummary:
    costs = sorted(g.costs)
    durations = sorted(g.durations)
    return GroupSummary(
        key=key,
        currency=currency,
        requests=g.requests,
        errors=g.errors,
        input_tokens=g.input,
        cached_input_tokens=g.cached,
        cache_write_tokens=g.cache_write,
        output_tokens=g.output,
        reasoning_tokens=g.reasoning,
        priced_requests=g.priced,
        cost=g.cost,
        cost_per_request_mean=_q(g.cost / g.priced) if g.priced else None,
        cost_per_request_p50=_money(percentile(costs, 50)),
        cost_per_request_p95=_money(percentile(costs, 95)),
        cost_per_1k_tokens=_q(g.cost * 1000 / g.priced_tokens) if g.priced_tokens else None,
        cached_savings=g.savings,
        savings_unknown_requests=g.savings_unknown,
        unpriced_share=g.unpriced / (g.requests - g.errors) if g.requests > g.errors else 0.0,
        estimated_share=float(g.estimated_cost / g.cost) if g.cost else 0.0,
        latency_p50_s=percentile(durations, 50),
        latency_p95_s=percentile(durations, 95),
        output_tokens_per_s=g.out_tokens_timed / g.out_duration if g.out_duration > 0 else None,
        latency_output_tokens_correlation=pearson(g.durations, g.out_tokens),
        cost_per_latency_s=_q(g.cost / Decimal(repr(g.priced_duration))) if g.priced_duration > 0 else None,
        assumed_share=float(g.assumed_cost / g.cost) if g.cost else 0.0,
    )


def _money(value: float | None) -> Decimal | None:
    # Costs went into the array as float(Decimal); the shortest repr gives the call's Decimal back.
    return None if value is None else Decimal(repr(value))


def _q(value: Decimal) -> Decimal:
    if not value:
        return Decimal(0)
    try:
        return value.quantize(DERIVED_QUANTUM).normalize()
    except InvalidOperation:  # too many digits for the context: keep it as it is
        return value.normalize()


class TagCosts:
    """Cost per set of allocation tags (``by_tags``), as ``CallTable.tag_costs()`` rolls it up; ``costs`` spreads
    it per tag key and value (the HTML page's "cost by tag")."""

    def __init__(self) -> None:
        self.by_tags: dict[tuple, Decimal] = {}

    @property
    def costs(self) -> dict[tuple[str, str], Decimal]:
        out: dict[tuple[str, str], Decimal] = {}
        for items, cost in self.by_tags.items():
            for item in items:
                out[item] = out.get(item, 0) + cost
        return out
