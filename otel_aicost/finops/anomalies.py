"""Hours or days whose spend or cost per request departs from the expected, each with the factor that moved.

Expected: the median of *comparable* earlier periods of the same group, the same hour of the day (for hours) on
the previous days of the same kind (weekday or weekend), or the previous days of the same kind (for days):
``COMPARABLE`` of them, skipping periods already found anomalous. Medians ignore one-off bursts, and comparing
like with like absorbs the daily and weekly rhythm (including a nightly batch job, which recurs). The score is
the log of actual over expected (for falls, the relative fall, which cannot pass -100%) in robust standard
deviations of the comparable periods (1.4826 x their median
absolute deviation in log space, at least ``MIN_SPREAD`` and twice the Poisson noise of the expected call count): a period is anomalous when the score of its spend or of
its cost per request reaches ``THRESHOLD`` (either way: spikes and drops).

Cause: spend = requests x cost per request, and per model m, cost per request =
``share_m x (input_m x (1 - cache_m) x price_in_m + input_m x cache_m x price_cached_m + output_m x price_out_m)``
with input and output tokens per request, the cache hit rate (cached / input tokens) and the prices per token
implied by the cost components on the spans. Each factor is set in turn from the expected (comparable periods)
to the actual period, all others kept; the log change it makes is its contribution. The cause is the factor with
the largest contribution in the direction of the departure: ``volume``, ``input_tokens``, ``output_tokens``,
``model_mix``, ``cache_hit_rate`` or ``price``; ``new_model`` when models never seen before in the group make
most of the extra spend, ``new_group`` for the first period of a group that appears after the data begins.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .series import CACHED, COST, COST_CACHED, COST_INPUT, COST_OUTPUT, DAY_NS, HOUR_NS, INPUT, OUTPUT, PRICED

THRESHOLD = 4.0
COMPARABLE = 7
MIN_COMPARABLE = 3
MIN_SPREAD = 0.15  # 15%: ordinary hour-to-hour wobble is never an anomaly
MAX_SCORE = 99.9  # the score of a new group (no history to compare with)
MIN_EXTRA_SHARE = 0.5  # new models must make half the extra spend to be the cause
CAUSES = ("volume", "input_tokens", "output_tokens", "model_mix", "cache_hit_rate", "price", "new_model", "new_group")
CAUSE_WORDS = {
    "volume": "request volume",
    "input_tokens": "input tokens per request",
    "output_tokens": "output tokens per request",
    "model_mix": "model mix",
    "cache_hit_rate": "cache hit rate",
    "price": "price per token",
    "new_model": "new model",
    "new_group": "new group",
}


@dataclass
class Anomaly:
    group: tuple
    start_ns: int
    granularity: str
    spend: float
    expected_spend: float
    requests: int
    expected_requests: float
    cost_per_request: float | None
    expected_cost_per_request: float | None
    score: float  # signed, robust standard deviations of log spend (or cost per request, the larger)
    metric: str  # "spend" or "cost_per_request": which departed most
    cause: str
    detail: str
    contributions: dict[str, float] = field(default_factory=dict)  # factor -> log change it explains


@dataclass
class Profile:
    """What one period (or the average of comparable ones) looks like, per model."""

    requests: float
    models: dict[str, list]  # model -> cell (sums; averaged over the comparable periods for an expected profile)

    @property
    def spend(self) -> float:
        return sum(float(c[COST]) for c in self.models.values())


def detect(
    periods: Mapping[int, Mapping[str, list]],
    *,
    granularity: str = "hour",
    group: tuple = (),
    data_start_ns: int | None = None,
    data_end_ns: int | None = None,
    threshold: float = THRESHOLD,
) -> list[Anomaly]:
    """Anomalies of one group. ``periods``: period start (ns) -> model -> series cell (``series.HourlySeries``).

    ``data_end_ns``: when the telemetry stops; a period it cuts short is not judged (it would look like a fall).
    """
    step = HOUR_NS if granularity == "hour" else DAY_NS
    if not periods:
        return []
    first, last = min(periods), max(periods)
    found: list[Anomaly] = []
    anomalous: set[int] = set()
    seen_models: set[str] = set()
    if data_start_ns is not None and first - data_start_ns >= MIN_COMPARABLE * DAY_NS:
        # a group that shows up days after the data begins: its first period is the news
        actual = _profile(periods[first])
        found.append(_new_group(group, first, granularity, actual))
    for start in range(first, last + 1, step):
        cells = periods.get(start, {})
        if data_end_ns is not None and start + step > data_end_ns:
            break  # the telemetry ends inside this period
        comparable = [p for p in _comparable(start, step, first) if p not in anomalous]
        if len(comparable) >= MIN_COMPARABLE and (cells or any(periods.get(p) for p in comparable)):
            history = [periods.get(p, {}) for p in comparable]
            anomaly = _judge(start, granularity, group, cells, history, seen_models, threshold)
            if anomaly is not None:
                found.append(anomaly)
                anomalous.add(start)
        seen_models.update(m for m, c in cells.items() if c[PRICED])
    found.sort(key=lambda a: a.start_ns)
    return found


def _comparable(start: int, step: int, first: int) -> list[int]:
    """Earlier periods like ``start``: same hour of the day on earlier days of the same kind, most recent first."""
    weekend = _is_weekend(start)
    out, moment = [], start - (DAY_NS if step == HOUR_NS else step)
    while moment >= first and len(out) < COMPARABLE:
        if _is_weekend(moment) == weekend:
            out.append(moment)
        moment -= DAY_NS
    return out


def _is_weekend(ns: int) -> bool:
    return (ns // DAY_NS + 3) % 7 >= 5  # 1970-01-01 was a Thursday (3)


def _profile(cells: Mapping[str, list]) -> Profile:
    return Profile(sum(c[PRICED] for c in cells.values()), {m: list(c) for m, c in cells.items() if c[PRICED]})


def _expected(history: Sequence[Mapping[str, list]]) -> Profile:
    """The mean profile of comparable periods (medians are taken on the totals, see ``_judge``)."""
    models: dict[str, list] = {}
    for cells in history:
        for model, cell in cells.items():
            mine = models.setdefault(model, [0] * len(cell))
            for i, v in enumerate(cell):
                mine[i] += float(v)
    n = len(history)
    return Profile(sum(c[PRICED] for c in models.values()) / n, {m: [v / n for v in c] for m, c in models.items()})


def _judge(start, granularity, group, cells, history, seen_models, threshold) -> Anomaly | None:
    actual = _profile(cells)
    spends = [sum(float(c[COST]) for c in h.values()) for h in history]
    counts = [sum(c[PRICED] for c in h.values()) for h in history]
    expected_spend, expected_requests = statistics.median(spends), statistics.median(counts)
    # Counts of calls are noisy by nature (Poisson: a relative spread of 1/sqrt(n)); never judge finer than twice it.
    floor = max(MIN_SPREAD, 2 / math.sqrt(expected_requests)) if expected_requests > 0 else 1.0
    spend_score = _score(actual.spend, spends, floor)
    cprs = [s / n for s, n in zip(spends, counts) if n]
    cpr = actual.spend / actual.requests if actual.requests else None
    # A mean over calls: the call count's noise does not carry into it, the comparable periods' own spread does.
    cpr_score = _score(cpr, cprs, MIN_SPREAD) if cpr is not None and len(cprs) >= MIN_COMPARABLE else 0.0
    metric, score = ("spend", spend_score) if abs(spend_score) >= abs(cpr_score) else ("cost_per_request", cpr_score)
    if abs(score) < threshold:
        return None
    base = _expected(history)
    contributions = _contributions(actual, base, expected_requests, metric == "spend")
    new_spend = sum(float(c[COST]) for m, c in actual.models.items() if m not in seen_models)
    extra = actual.spend - expected_spend
    if new_spend > 0 and extra > 0 and new_spend >= MIN_EXTRA_SHARE * extra:
        cause = "new_model"
        names = ", ".join(sorted(m for m in actual.models if m not in seen_models))
        detail = f"new model {names}: {new_spend:,.4g} of {actual.spend:,.4g} (expected {expected_spend:,.4g})"
    else:
        sign = 1 if score > 0 else -1
        cause = max(contributions, key=lambda f: sign * contributions[f])
        detail = _detail(cause, actual, base, expected_requests)
    expected_cpr = statistics.median(cprs) if cprs else None
    return Anomaly(
        group,
        start,
        granularity,
        actual.spend,
        expected_spend,
        int(actual.requests),
        expected_requests,
        cpr,
        expected_cpr,
        round(score, 2),
        metric,
        cause,
        detail,
        {k: round(v, 4) for k, v in contributions.items()},
    )


def _score(value: float | None, history: Sequence[float], floor: float) -> float:
    """Robust standard deviations above (log scale: spend multiplies) or below (linear: it can only fall to 0)."""
    if value is None:
        return 0.0
    unit = _unit(history)
    logs = [math.log1p(max(h, 0.0) / unit) for h in history]
    middle = statistics.median(logs)
    spread = max(MAD_SCALE * statistics.median(abs(x - middle) for x in logs), floor)
    now = math.log1p(max(value, 0.0) / unit)
    if now >= middle:
        return (now - middle) / spread
    return (math.expm1(now - middle)) / spread  # relative fall: -1 when it drops to nothing


MAD_SCALE = 1.4826


def _unit(history: Sequence[float]) -> float:
    """A small amount relative to the series (1% of its median, or of its mean) so that empty periods stay finite."""
    middle = statistics.median(history) or (sum(history) / len(history) if history else 0.0)
    return 0.01 * middle if middle > 0 else 1e-12


def _cost_per_request(parts: Mapping[str, dict[str, float]]) -> float:
    total = 0.0
    for p in parts.values():
        total += p["share"] * (
            p["input"] * (1 - p["cache"]) * p["price_in"]
            + p["input"] * p["cache"] * p["price_cached"]
            + p["output"] * p["price_out"]
            + p["other"]
        )
    return total


def _factors(profile: Profile) -> dict[str, dict[str, float]]:
    """Per model: share of requests, tokens per request, cache hit rate, prices per token, cost not in components."""
    out = {}
    requests = profile.requests or 1.0
    for model, c in profile.models.items():
        n = float(c[PRICED]) or 1.0
        cost = float(c[COST])
        inp, cached, outp = float(c[INPUT]), float(c[CACHED]), float(c[OUTPUT])
        cin, ccached, cout = float(c[COST_INPUT]), float(c[COST_CACHED]), float(c[COST_OUTPUT])
        if cin + ccached + cout < 0.5 * cost:  # no components on the spans: one blended price per token
            blended = cost / (inp + outp) if inp + outp else 0.0
            price_in = price_cached = price_out = blended
            other = 0.0 if inp + outp else cost / n
        else:
            price_in = cin / (inp - cached) if inp > cached else 0.0
            price_cached = ccached / cached if cached else 0.0
            price_out = cout / outp if outp else 0.0
            other = (cost - cin - ccached - cout) / n
        out[model] = {
            "share": float(c[PRICED]) / requests,
            "input": inp / n,
            "cache": cached / inp if inp else 0.0,
            "output": outp / n,
            "price_in": price_in,
            "price_cached": price_cached,
            "price_out": price_out,
            "other": other,
        }
    return out


_FACTOR_KEYS = {
    "input_tokens": ("input",),
    "output_tokens": ("output",),
    "model_mix": ("share",),
    "cache_hit_rate": ("cache",),
    "price": ("price_in", "price_cached", "price_out", "other"),
}


def _contributions(actual: Profile, base: Profile, expected_requests: float, with_volume: bool) -> dict[str, float]:
    a, b = _factors(actual), _factors(base)
    models = set(a) | set(b)
    zero = {"share": 0.0}
    # A model missing on one side takes its figures from the other; only its share differs.
    full_b = {m: {**(a.get(m) or {}), **b[m]} if m in b else {**a[m], **zero} for m in models}
    full_a = {m: {**(b.get(m) or {}), **a[m]} if m in a else {**b[m], **zero} for m in models}
    base_cpr = _cost_per_request(full_b)
    out = {}
    if with_volume:
        out["volume"] = math.log((actual.requests + 1) / (expected_requests + 1))
    for factor, keys in _FACTOR_KEYS.items():
        mixed = {m: {**full_b[m], **{k: full_a[m][k] for k in keys}} for m in models}
        changed = _cost_per_request(mixed)
        out[factor] = math.log(changed / base_cpr) if changed > 0 and base_cpr > 0 else 0.0
    return out


def _detail(cause: str, actual: Profile, base: Profile, expected_requests: float) -> str:
    def ratio(now: float, before: float) -> str:
        return f"{now / before:.1f}x" if before else "from 0"

    if cause == "volume":
        return f"{actual.requests:,.0f} requests, expected {expected_requests:,.0f} ({ratio(actual.requests, expected_requests)})"
    totals = {}
    for name, profile in (("now", actual), ("before", base)):
        cells = profile.models.values()
        n = sum(float(c[PRICED]) for c in cells) or 1.0
        inp = sum(float(c[INPUT]) for c in cells)
        totals[name] = {
            "input": inp / n,
            "output": sum(float(c[OUTPUT]) for c in cells) / n,
            "cache": sum(float(c[CACHED]) for c in cells) / inp if inp else 0.0,
        }
    now, before = totals["now"], totals["before"]
    if cause == "input_tokens":
        return f"{now['input']:,.0f} input tokens per request, expected {before['input']:,.0f} ({ratio(now['input'], before['input'])})"
    if cause == "output_tokens":
        return f"{now['output']:,.0f} output tokens per request, expected {before['output']:,.0f} ({ratio(now['output'], before['output'])})"
    if cause == "cache_hit_rate":
        return f"cache hit rate {now['cache']:.0%}, expected {before['cache']:.0%}"
    if cause == "model_mix":
        shares = []
        for model in sorted(set(actual.models) | set(base.models)):
            a = (
                float(actual.models[model][PRICED]) / actual.requests
                if model in actual.models and actual.requests
                else 0
            )
            b = float(base.models[model][PRICED]) / base.requests if model in base.models and base.requests else 0
            if abs(a - b) >= 0.05:
                shares.append(f"{model} {a:.0%} of requests (expected {b:.0%})")
        return "; ".join(shares) or "the share of requests per model changed"
    if cause == "price":
        return "cost per token changed at the same token counts (price or deployment type)"
    return ""


def _new_group(group: tuple, start: int, granularity: str, actual: Profile) -> Anomaly:
    return Anomaly(
        group,
        start,
        granularity,
        actual.spend,
        0.0,
        int(actual.requests),
        0.0,
        actual.spend / actual.requests if actual.requests else None,
        None,
        MAX_SCORE,
        "spend",
        "new_group",
        f"first calls of this group: {actual.requests:,.0f} requests costing {actual.spend:,.4g}",
    )
