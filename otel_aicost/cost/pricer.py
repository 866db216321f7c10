"""What one call cost: ``Pricer.price(...) -> Cost``. Pure Decimal arithmetic; no OpenTelemetry here.

Rules (SPEC section 3): the call is priced by the response model, else the request model, else the model of
the configured Azure deployment. Input tokens include cached and cache-write tokens: cache reads are charged at
the cached price, cache writes at the cache-write price, the rest at the input price. Output tokens include
reasoning tokens, which are never added again. Batch deployments and the ``flex`` / ``priority`` service tiers
use their own prices; ``provisioned`` deployments have no per-token cost; no usage is ``no_usage``, never 0.

Garbage token counts never raise: negative counts and counts that are not numbers count as 0, cache counts are
clamped to the input they are part of, and counts above ``MAX_TOKENS`` are clamped to it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.cost.pricing.catalog import Catalog
from otel_aicost.cost.pricing.entry import PriceEntry, TokenRates
from otel_aicost.instrumentation.usage import Usage

MAX_TOKENS = 10**15  # no call has this many; beyond it a count is garbage and is clamped
_EXACT = Context(prec=80)  # wide enough that no product or sum of ours is ever rounded
_CACHE_LIMIT = 4096
_ZERO = Decimal(0)
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cost:
    """The price of one call. Components add up to ``total``; all ``None`` unless ``status == "priced"``."""

    status: str
    currency: str = "USD"
    total: Decimal | None = None
    input: Decimal | None = None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    output: Decimal | None = None
    model: str | None = None  # the price-table entry used
    source: str | None = None  # e.g. "genai-prices 0.2.3", "config"


@dataclass(frozen=True, slots=True)
class PricingRequest:
    """The facts of one call that decide its price."""

    operation: str
    usage: Usage | None
    request_model: str | None = None
    response_model: str | None = None
    deployment: Deployment | None = None  # Azure: from the config file, or name only
    service_tier: str | None = None  # the tier the response says it ran on, else the requested one
    provider: str = semconv.PROVIDER_OPENAI
    batch: bool = False  # an OpenAI Batch API result (Azure batch is a deployment type)


def effective_service_tier(requested: str | None, responded: str | None) -> str | None:
    """The tier to price: what the response says it ran on wins over what was asked for."""
    return responded or requested


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A cached answer for one (models, deployment, tier) combination."""

    cost: Cost | None  # the whole answer when the call is not priced per token (unknown, provisioned)
    entry: PriceEntry | None = None
    rates: TokenRates | None = None
    long_rates: TokenRates | None = None
    long_threshold: int = 0
    model: str | None = None
    source: str | None = None


class Pricer:
    """Prices calls from the shipped catalog and the user's overrides. Built once per instrumentation.

    ``price()`` is on every call's path: the price entry of a (models, deployment, tier) combination is resolved
    once and cached (until the next UTC midnight, so dated price changes and override ``effective_from`` dates
    take effect); a cached call is a few Decimal multiplications.
    """

    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.catalog = catalog if catalog is not None else Catalog(settings.prices)
        self.currency = settings.currency
        self._factor = Decimal(1) if settings.currency == "USD" else settings.usd_rate
        self._cache: dict[tuple[Any, ...], _Resolved] = {}
        self._expires = 0.0
        self._no_usage = Cost(semconv.STATUS_NO_USAGE, self.currency)
        self._failed = False

    def preload(self) -> None:
        """Load the price data now (about a second: genai-prices builds its pydantic models on import) instead
        of on the first priced call. Call it at setup, e.g. from a background thread."""
        self.catalog.resolve(["gpt-4o-mini"])
        self.catalog.resolve(["gpt-4o-mini"], deployment_type="global_standard")

    def deployment(self, name: str | None) -> Deployment | None:
        """The configured deployment of this name, if any."""
        if not name:
            return None
        return self.settings.deployments.get(name)

    def price(self, request: PricingRequest) -> Cost:
        """The cost of one call. Never raises."""
        try:
            return self._price(request)
        except Exception:  # noqa: BLE001 - never raise into the application; say so once
            if not self._failed:
                self._failed = True
                _log.warning("otel-aicost: could not price a call; it is reported as unknown_model", exc_info=True)
            return Cost(semconv.STATUS_UNKNOWN_MODEL, self.currency)

    def _price(self, request: PricingRequest) -> Cost:
        usage = request.usage
        if usage is None:
            return self._no_usage
        if time.time() >= self._expires:
            self._new_day()
        key = (
            request.response_model,
            request.request_model,
            request.deployment,
            request.service_tier,
            request.provider,
            request.batch,
        )
        resolved = self._cache.get(key)
        if resolved is None:
            resolved = self._resolve(request)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = resolved
        if resolved.cost is not None:
            return resolved.cost
        inputs = _count(usage.input_tokens)
        cache_read = min(_count(usage.cache_read_tokens), inputs)
        cache_write = min(_count(usage.cache_write_tokens), inputs - cache_read)
        output = _count(usage.output_tokens)
        rates = resolved.rates
        if resolved.long_rates is not None and inputs > resolved.long_threshold:
            rates = resolved.long_rates
        multiply = _EXACT.multiply
        uncached = inputs - cache_read - cache_write
        input_cost = multiply(rates.input, uncached) if uncached else _ZERO  # type: ignore[union-attr]
        read_cost = multiply(rates.cache_read, cache_read) if cache_read else _ZERO  # type: ignore[union-attr]
        write_cost = multiply(rates.cache_write, cache_write) if cache_write else _ZERO  # type: ignore[union-attr]
        output_cost = multiply(rates.output, output) if output else _ZERO  # type: ignore[union-attr]
        add = _EXACT.add
        total = add(add(add(input_cost, read_cost), write_cost), output_cost)
        return _priced(
            self.currency, total, input_cost, read_cost, write_cost, output_cost, resolved.model, resolved.source
        )

    def _new_day(self) -> None:
        self._cache.clear()
        now = time.time()
        self._expires = now - (now % 86400) + 86400  # the next UTC midnight

    def entry(self, request: PricingRequest) -> PriceEntry | None:
        """The price entry (per 1M tokens, USD) that ``price()`` would use for this call, if any."""
        deployment = self._deployment_of(request)
        return self.catalog.resolve(
            _candidates(request, deployment),
            provider=request.provider,
            deployment_type=deployment.type if deployment else None,
            service_tier=request.service_tier,
            region=deployment.region if deployment else None,
            batch=request.batch,
        )

    def _deployment_of(self, request: PricingRequest) -> Deployment | None:
        deployment = request.deployment
        if deployment is not None and deployment.type is None and deployment.model is None:
            return self.deployment(deployment.name) or deployment
        return deployment

    def _resolve(self, request: PricingRequest) -> _Resolved:
        deployment = self._deployment_of(request)
        if deployment is not None and deployment.type == "provisioned":
            model = next(iter(_candidates(request, deployment)), None)
            cost = Cost(
                semconv.STATUS_PROVISIONED,
                self.currency,
                model=model,
                source="config (provisioned deployment: billed per PTU-hour, no per-token cost)",
            )
            return _Resolved(cost)
        entry = self.entry(request)
        if entry is None:
            return _Resolved(Cost(semconv.STATUS_UNKNOWN_MODEL, self.currency))
        rates = TokenRates.of(entry, self._factor)
        long_rates = TokenRates.of(entry.long, self._factor) if entry.long is not None else None
        return _Resolved(
            None, entry, rates, long_rates, entry.long_threshold or 0, entry.model, entry.describe_source()
        )


_COST_FIELDS = ("status", "currency", "total", "input", "cache_read", "cache_write", "output", "model", "source")
_SET = [getattr(Cost, name).__set__ for name in _COST_FIELDS]
_FAST = tuple(Cost.__dataclass_fields__) == _COST_FIELDS  # if Cost gains a field, use its __init__ instead


def _priced(
    currency: str,
    total: Decimal,
    input_cost: Decimal,
    read_cost: Decimal,
    write_cost: Decimal,
    output_cost: Decimal,
    model: str | None,
    source: str | None,
) -> Cost:
    """``Cost(STATUS_PRICED, ...)`` without the frozen-dataclass ``__init__`` (4 µs -> 1.5 µs on the call path):
    the slot descriptors set each field once on a fresh instance, which is what ``__init__`` does."""
    if not _FAST:  # pragma: no cover - only if Cost's fields change without updating this function
        return Cost(
            semconv.STATUS_PRICED, currency, total, input_cost, read_cost, write_cost, output_cost, model, source
        )
    cost = _new(Cost)
    s_status, s_currency, s_total, s_input, s_read, s_write, s_output, s_model, s_source = _SET
    s_status(cost, semconv.STATUS_PRICED)
    s_currency(cost, currency)
    s_total(cost, total)
    s_input(cost, input_cost)
    s_read(cost, read_cost)
    s_write(cost, write_cost)
    s_output(cost, output_cost)
    s_model(cost, model)
    s_source(cost, source)
    return cost


_new = object.__new__


def _candidates(request: PricingRequest, deployment: Deployment | None) -> list[str]:
    names = [request.response_model, request.request_model, deployment.model if deployment else None]
    return [name for name in names if isinstance(name, str) and name.strip()]


def _count(value: Any) -> int:
    """A token count we can price: an int in [0, MAX_TOKENS]; anything else counts as 0."""
    if type(value) is not int:
        try:
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            return 0
    if value < 0:
        return 0
    return min(value, MAX_TOKENS)
