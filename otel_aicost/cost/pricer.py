"""What one call cost: ``Pricer.price(...) -> Cost``. Pure Decimal arithmetic; no OpenTelemetry here.

Rules (SPEC section 3): the call is priced by the response model, else the request model, else the model of
the configured Azure deployment. Input tokens include cached, cache-write, audio and image tokens: cache reads
are charged at the cached price (cached audio at the cached audio price), cache writes at the cache-write price
(12-hour writes at theirs), uncached audio at the audio price, image tokens at the image price, the rest at the
input price. Output tokens include reasoning and audio tokens: audio output at the audio price, the rest at the
output price; reasoning is never added again. Batch deployments and the ``flex`` / ``priority`` service tiers use
their own prices; ``provisioned`` deployments have no per-token cost; no usage is ``no_usage``, never 0.

Garbage token counts never raise: negative counts and counts that are not numbers count as 0 and breakdowns are
clamped to the totals they are part of. Usage beyond what the model can bill in one call (``limits``) is
``implausible_usage``: recorded, not priced, never charged to a budget, and said once per model in the log.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Context, Decimal
from typing import Any

from otel_aicost.frozen import fast_init
from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.instrumentation.usage import REPORTED, Usage
from otel_aicost.cost import limits
from otel_aicost.cost.outputs import OutputStats
from otel_aicost.cost.pricing import genai_data
from otel_aicost.cost.pricing.catalog import Catalog, residency_of
from otel_aicost.cost import fees
from otel_aicost.cost.fees import ToolCall, Units
from otel_aicost.cost.pricing.entry import PriceEntry, TokenRates
from otel_aicost.cost.shipped import ShippedDataError

_EXACT = Context(prec=80)  # wide enough that no product or sum of ours is ever rounded
_CACHE_LIMIT = 4096
_ZERO = Decimal(0)
_log = logging.getLogger(__name__)

TYPE_DECLARED = "declared"  # aicost.deployment.type_source values
TYPE_DETECTED = "detected"
TYPE_ASSUMED = "assumed"


@fast_init
@dataclass(frozen=True)
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
    audio_input: Decimal | None = None
    audio_output: Decimal | None = None
    image_output: Decimal | None = None
    deployment_type_source: str | None = None  # Azure: declared | detected | assumed
    units: Decimal | None = None  # per-image, per-minute or per-character charges (cost/fees.py)
    tools: Decimal | None = None  # built-in tool fees (cost/fees.py)


@fast_init
@dataclass(frozen=True)
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
    server_address: str | None = None  # OpenAI regional processing hosts (eu./us.api.openai.com) cost more
    when: datetime | None = None  # when the call was made (default: now); decides dated and promotional prices
    units: Units | None = None  # what a per-unit model bills (images, seconds, characters)
    tools: tuple[ToolCall, ...] = ()  # built-in tool calls, each with its fee
    free: bool = False  # a call the API does not bill


def effective_service_tier(requested: str | None, responded: str | None) -> str | None:
    """The tier to price: what the response says it ran on wins over what was asked for."""
    return responded or requested


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A cached answer for one (models, deployment, tier, host) combination."""

    cost: Cost | None  # the whole answer when the call is not priced per token (unknown, provisioned, stale)
    entry: PriceEntry | None = None
    rates: TokenRates | None = None
    long_rates: TokenRates | None = None
    long_threshold: int = 0
    model: str | None = None
    source: str | None = None
    type_source: str | None = None
    max_input: int = limits.UNKNOWN_MAX_INPUT
    max_output: int = limits.UNKNOWN_MAX_OUTPUT


class Pricer:
    """Prices calls from the shipped catalog and the user's overrides. Built once per instrumentation.

    ``price()`` is on every call's path: the price entry of a (models, deployment, tier, host) combination is
    resolved once and cached (until the next UTC midnight, so dated price changes, promotions' ends and override
    ``effective_from`` dates take effect); a cached call is a few Decimal multiplications.
    """

    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.settings = settings
        self.catalog = catalog if catalog is not None else Catalog.from_settings(settings)
        self.currency = settings.currency
        self._factor = Decimal(1) if settings.currency == "USD" else settings.usd_rate
        self._cache: dict[tuple[Any, ...], _Resolved] = {}
        self._expires = 0.0
        self._changes: tuple[int, ...] | None = None  # time-of-day price changes, read once
        self._no_usage = Cost(semconv.STATUS_NO_USAGE, self.currency)
        self._failed = False
        self._implausible_said: set[str] = set()
        self.outputs: OutputStats | None = None  # set by a budget guard: each model's outputs, for its estimates

    def preload(self) -> None:
        """Load the shipped price data now (JSON files, read and indexed once per process) instead of on the first
        priced call. Call it at setup, e.g. from a background thread."""
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
            if request.free:
                return fees.free(Cost, self.currency)
            cost = self._price(request)
            if request.units is not None or request.tools:
                models = _candidates(request, self._deployment_of(request))
                azure = request.provider == semconv.PROVIDER_AZURE
                cost = fees.add_fees(cost, request.units, request.tools, models, azure, self._factor)
            return cost
        except Exception:  # noqa: BLE001 - never raise into the application; say so once
            return self._unknown_after_failure()

    def price_tokens(
        self, operation: str, usage: Usage | None, request_model: str | None, response_model: str | None,
        deployment: Deployment | None, service_tier: str | None, provider: str, server_address: str | None,
    ) -> Cost:  # fmt: skip
        """``price(PricingRequest(...))`` of a call billed by its tokens alone (no units, tool calls, batch or date),
        the same answer without building the request unless this combination's price is not cached yet: the call
        path of every chat, completion and embeddings call. Never raises."""
        try:
            if usage is None:
                return self._no_usage
            if time.time() >= self._expires:
                self._new_day()
            key = (operation, response_model, request_model, deployment, service_tier, provider, False, server_address,
                   None)  # fmt: skip  (the layout of ``resolved``)
            resolved = self._cache.get(key)
        except Exception:  # noqa: BLE001 - e.g. an unhashable deployment: the full path says what went wrong
            resolved = None
        if resolved is None:
            return self.price(PricingRequest(operation, usage, request_model, response_model, deployment, service_tier,
                                             provider, server_address=server_address))  # fmt: skip
        try:
            return self._tokens_cost(resolved, usage, request_model)
        except Exception:  # noqa: BLE001 - as price()
            return self._unknown_after_failure()

    def _unknown_after_failure(self) -> Cost:
        if not self._failed:
            self._failed = True
            error = sys.exc_info()[1]  # called from an except block
            damaged = isinstance(error, ShippedDataError)  # a broken install: the file and problem say it all
            _log.warning("otel-aicost: could not price a call%s; it is reported as unknown_model",
                         f" ({error})" if damaged else "", exc_info=not damaged)  # fmt: skip
        return Cost(semconv.STATUS_UNKNOWN_MODEL, self.currency)

    def _price(self, request: PricingRequest) -> Cost:
        usage = request.usage
        if usage is None:
            return self._no_usage
        return self._tokens_cost(self.resolved(request), usage, request.request_model)

    def _tokens_cost(self, resolved: _Resolved, usage: Usage, request_model: str | None) -> Cost:
        if resolved.cost is not None:
            return resolved.cost
        inputs = usage.input_tokens
        if type(inputs) is not int or inputs < 0:  # _count, inlined for the counts every call has
            inputs = _count(inputs)
        output = usage.output_tokens
        if type(output) is not int or output < 0:
            output = _count(output)
        if inputs > resolved.max_input or output > resolved.max_output:
            return self._implausible(resolved, inputs, output)
        if self.outputs is not None and usage.source == REPORTED:
            self.outputs.observe(request_model, output)
        cache_read = usage.cache_read_tokens  # most calls have none: no _count call for them
        cache_read = min(_count(cache_read), inputs) if cache_read else 0
        cache_write = usage.cache_write_tokens
        cache_write = min(_count(cache_write), inputs - cache_read) if cache_write else 0
        rates = resolved.rates
        if resolved.long_rates is not None and inputs > resolved.long_threshold:
            rates = resolved.long_rates
        multiply = _EXACT.multiply
        add = _EXACT.add
        if usage.input_audio_tokens or usage.output_audio_tokens or usage.input_image_tokens or usage.cache_write_12h_tokens or usage.output_image_tokens:
            return self._multimodal(usage, resolved, rates, inputs, output, cache_read, cache_write)  # type: ignore[arg-type]
        uncached = inputs - cache_read - cache_write
        input_cost = multiply(rates.input, uncached) if uncached else _ZERO  # type: ignore[union-attr]
        read_cost = multiply(rates.cache_read, cache_read) if cache_read else _ZERO  # type: ignore[union-attr]
        write_cost = multiply(rates.cache_write, cache_write) if cache_write else _ZERO  # type: ignore[union-attr]
        output_cost = multiply(rates.output, output) if output else _ZERO  # type: ignore[union-attr]
        total = add(add(add(input_cost, read_cost), write_cost), output_cost)
        return Cost(
            semconv.STATUS_PRICED,
            self.currency,
            total,
            input_cost,
            read_cost,
            write_cost,
            output_cost,
            resolved.model,
            resolved.source,
            _ZERO,
            _ZERO,
            _ZERO,
            resolved.type_source,
        )

    def _multimodal(
        self,
        usage: Usage,
        resolved: _Resolved,
        rates: TokenRates,
        inputs: int,
        output: int,
        cache_read: int,
        cache_write: int,
    ) -> Cost:
        """Audio, image and 12-hour cache-write tokens priced at their own rates (the slower, rarer path)."""
        write_12h = min(_count(usage.cache_write_12h_tokens), cache_write)
        audio_in = min(_count(usage.input_audio_tokens), inputs - cache_write)
        audio_cached = min(_count(usage.cache_read_audio_tokens), audio_in, cache_read)
        room = inputs - cache_read - cache_write
        audio_uncached = min(audio_in - audio_cached, room)
        image_in = min(_count(usage.input_image_tokens), room - audio_uncached)
        text_in = room - audio_uncached - image_in
        audio_out = min(_count(usage.output_audio_tokens), output)
        image_out = min(_count(usage.output_image_tokens), output - audio_out)
        text_out = output - audio_out - image_out

        def cost(*pairs: tuple[Decimal, int]) -> Decimal:
            total = _ZERO
            for rate, tokens in pairs:
                if tokens:
                    total = _EXACT.add(total, _EXACT.multiply(rate, tokens))
            return total

        input_cost = cost((rates.input, text_in), (rates.image_input, image_in))
        read_cost = cost((rates.cache_read, cache_read - audio_cached), (rates.audio_cache_read, audio_cached))
        write_cost = cost((rates.cache_write, cache_write - write_12h), (rates.cache_write_12h, write_12h))
        output_cost = cost((rates.output, text_out))
        audio_input = cost((rates.audio_input, audio_uncached))
        audio_output = cost((rates.audio_output, audio_out))
        image_output = cost((rates.image_output, image_out))
        total = _ZERO
        for part in (input_cost, read_cost, write_cost, output_cost, audio_input, audio_output, image_output):
            total = _EXACT.add(total, part)
        return Cost(
            semconv.STATUS_PRICED,
            self.currency,
            total,
            input_cost,
            read_cost,
            write_cost,
            output_cost,
            resolved.model,
            resolved.source,
            audio_input,
            audio_output,
            image_output,
            resolved.type_source,
        )

    def _implausible(self, resolved: _Resolved, inputs: int, output: int) -> Cost:
        model = resolved.model or "?"
        if model not in self._implausible_said:
            self._implausible_said.add(model)
            _log.warning(
                "otel-aicost: %s reported %d input / %d output tokens, beyond what it can bill in one call "
                "(%d / %d with margin); recorded as reported, not priced, not charged to budgets "
                "(said once per model)",
                model,
                inputs,
                output,
                resolved.max_input,
                resolved.max_output,
            )
        return Cost(
            semconv.STATUS_IMPLAUSIBLE_USAGE,
            self.currency,
            model=resolved.model,
            source=resolved.source,
            deployment_type_source=resolved.type_source,
        )

    def resolved(self, request: PricingRequest) -> _Resolved:
        """The cached price resolution of this call's (operation, models, deployment, tier, host, day)."""
        if time.time() >= self._expires:
            self._new_day()
        key = (
            request.operation,  # embeddings may bill more inputs in one call (limits)
            request.response_model,
            request.request_model,
            request.deployment,
            request.service_tier,
            request.provider,
            request.batch,
            request.server_address,
            request.when.date() if request.when is not None else None,
        )
        resolved = self._cache.get(key)
        if resolved is None:
            resolved = self._resolve(request)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = resolved
        return resolved

    def _new_day(self) -> None:
        self._cache.clear()
        now = time.time()
        midnight = now - (now % 86400)
        later = [change for change in self._daily_changes() if midnight + change > now]
        # the next UTC midnight, or before it the next time-of-day price change (off-peak hours)
        self._expires = midnight + (later[0] if later else 86400)

    def _daily_changes(self) -> tuple[int, ...]:
        if self._changes is None:
            try:
                self._changes = genai_data.daily_changes()
            except ShippedDataError:  # no shipped prices, so none that change with the time of day
                self._changes = ()
        return self._changes

    def entry(self, request: PricingRequest) -> PriceEntry | None:
        """The price entry (per 1M tokens, USD) that ``price()`` would use for this call, if any (an ended
        promotion is returned as it is: ``price()`` makes that call ``stale_price``)."""
        deployment = self._deployment_of(request)
        return self.catalog.resolve(
            _candidates(request, deployment),
            provider=request.provider,
            deployment_type=deployment.type if deployment else None,
            service_tier=request.service_tier,
            region=deployment.region if deployment else None,
            batch=request.batch,
            residency=residency_of(request.server_address) if request.provider == semconv.PROVIDER_OPENAI else None,
            when=request.when,
        )

    def _deployment_of(self, request: PricingRequest) -> Deployment | None:
        deployment = request.deployment
        if deployment is not None and deployment.type is None and deployment.model is None:
            return self.deployment(deployment.name) or deployment
        return deployment

    def type_source(self, request: PricingRequest) -> str | None:
        """How the Azure deployment type that prices this call was known (``aicost.deployment.type_source``)."""
        if request.provider != semconv.PROVIDER_AZURE and request.deployment is None:
            return None
        deployment = self._deployment_of(request)
        if deployment is not None and deployment.type:
            return TYPE_DECLARED
        return TYPE_ASSUMED

    def _resolve(self, request: PricingRequest) -> _Resolved:
        deployment = self._deployment_of(request)
        type_source = self.type_source(request)
        if deployment is not None and deployment.type == "provisioned":
            model = next(iter(_candidates(request, deployment)), None)
            cost = Cost(
                semconv.STATUS_PROVISIONED,
                self.currency,
                model=model,
                source="config (provisioned deployment: billed per PTU-hour, no per-token cost)",
                deployment_type_source=type_source,
            )
            return _Resolved(cost)
        found = self.entry(request)
        if found is None:
            return _Resolved(Cost(semconv.STATUS_UNKNOWN_MODEL, self.currency, deployment_type_source=type_source))
        day = (request.when or datetime.now(timezone.utc)).date()
        if found.ended(day):
            source = f"{found.describe_source()}; valid until {found.valid_until}, no price known after it"
            cost = Cost(
                semconv.STATUS_STALE_PRICE,
                self.currency,
                model=found.model,
                source=source,
                deployment_type_source=type_source,
            )
            return _Resolved(cost)
        entry = found
        rates = TokenRates.of(entry, self._factor)
        long_rates = TokenRates.of(entry.long, self._factor) if entry.long is not None else None
        ceiling_in, ceiling_out = limits.ceilings(_candidates(request, deployment) + [entry.model])
        if request.operation == semconv.OP_EMBEDDINGS:
            ceiling_in *= limits.EMBEDDING_INPUTS_PER_CALL  # one call embeds up to 2048 inputs
        return _Resolved(
            None,
            entry,
            rates,
            long_rates,
            entry.long_threshold or 0,
            entry.model,
            entry.describe_source(),
            type_source,
            ceiling_in,
            ceiling_out,
        )


def _candidates(request: PricingRequest, deployment: Deployment | None) -> list[str]:
    names = [request.response_model, request.request_model, deployment.model if deployment else None]
    return [name for name in names if isinstance(name, str) and name.strip()]


def _count(value: Any) -> int:
    """A token count we can price: a non-negative int; anything else counts as 0."""
    if type(value) is not int:
        try:
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            return 0
    return value if value > 0 else 0
