"""Why a period departed: which factor of spend moved.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from otel_aicost.finops.series import CACHED, COST, COST_CACHED, COST_INPUT, COST_OUTPUT, INPUT, OUTPUT, PRICED

MIN_EXTRA_SHARE = 0.5  # new models must make half the extra spend to be the cause
# A cost per request below any real price: a change from (or to) zero, e.g. free calls that start to cost, is a
# finite log change measured from it, so that the factor that made the difference still stands out.
_FLOOR = 1e-12
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
class Profile:
    """What one period (or the average of comparable ones) looks like, per model."""

    requests: float
    models: dict[str, list]  # model -> cell (sums; averaged over the comparable periods for an expected profile)

    @property
    def spend(self) -> float:
        return sum(float(c[COST]) for c in self.models.values())


def profile(cells: Mapping[str, list]) -> Profile:
    return Profile(sum(c[PRICED] for c in cells.values()), {m: list(c) for m, c in cells.items() if c[PRICED]})


def _expected(history: Sequence[Mapping[str, list]]) -> Profile:
    """The mean profile of comparable periods (medians are taken on the totals, see ``detect._judge``)."""
    models: dict[str, list] = {}
    for cells in history:
        for model, cell in cells.items():
            mine = models.setdefault(model, [0] * len(cell))
            for i, v in enumerate(cell):
                mine[i] += float(v)
    n = len(history)
    return Profile(sum(c[PRICED] for c in models.values()) / n, {m: [v / n for v in c] for m, c in models.items()})


def explain(
    actual: Profile,
    history: Sequence[Mapping[str, list]],
    expected_spend: float,
    expected_requests: float,
    seen_models: set[str],
    score: float,
    *,
    with_volume: bool,
) -> tuple[str, str, dict[str, float]]:
    """(cause, what moved in words, factor -> log change it explains) of a period that departed by ``score``."""
    base = _expected(history)
    contributions = _contributions(actual, base, expected_requests, with_volume)
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
    return cause, detail, {k: round(v, 4) for k, v in contributions.items()}


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
        out[factor] = math.log(max(changed, _FLOOR) / max(base_cpr, _FLOOR)) if changed > 0 or base_cpr > 0 else 0.0
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
