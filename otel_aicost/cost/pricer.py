"""What one call cost: ``Pricer.price(PricingRequest) -> Cost``. Pure Decimal arithmetic; no OpenTelemetry here.

The request and cost values are in ``call_cost.py``; which price entry applies (models, Azure deployment, tier,
host, date) is ``resolution.py``, cached here per combination; audio, image and 12-hour cache-write tokens are
split in ``token_costs.py``. The usual text call is priced inline below, on every call's path.

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
from decimal import Decimal
from typing import Any

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.cost import fees
from otel_aicost.cost.call_cost import Cost, PricingRequest
from otel_aicost.cost.outputs import OutputStats
from otel_aicost.cost.pricing import genai_data
from otel_aicost.cost.pricing.catalog import Catalog
from otel_aicost.cost.pricing.entry import PriceEntry
from otel_aicost.cost.resolution import Resolution, Resolved, candidates
from otel_aicost.cost.shipped import ShippedDataError
from otel_aicost.cost.token_costs import EXACT, ZERO, billable, multimodal_cost
from otel_aicost.instrumentation.usage import REPORTED, Usage

_CACHE_LIMIT = 4096
_log = logging.getLogger(__name__)


class Pricer:
    """Prices calls from the shipped catalog and the user's overrides. Built once per instrumentation.

    ``price()`` is on every call's path: the price entry of a (models, deployment, tier, host) combination is
    resolved once and cached (until the next UTC midnight, so dated price changes, promotions' ends and override
    ``effective_from`` dates take effect); a cached call is a few Decimal multiplications.
    """

    def __init__(self, settings: Settings, catalog: Catalog | None = None) -> None:
        self.catalog = catalog if catalog is not None else Catalog.from_settings(settings)
        self.currency = settings.currency
        self.factor = Decimal(1) if settings.currency == "USD" else settings.usd_rate  # USD prices times this
        self.resolution = Resolution(settings, self.catalog, self.currency, self.factor)
        self._cache: dict[tuple[Any, ...], Resolved] = {}
        self._expires = 0.0
        self.period = 0  # counts the cache's periods (``_new_day``): a price known in one holds until the next
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
        return self.resolution.deployment(name)

    def entry(self, request: PricingRequest) -> PriceEntry | None:
        """The price entry (per 1M tokens, USD) that ``price()`` would use for this call, if any (an ended
        promotion is returned as it is: ``price()`` makes that call ``stale_price``)."""
        return self.resolution.entry(request)

    def price(self, request: PricingRequest) -> Cost:
        """The cost of one call. Never raises."""
        try:
            if request.free:
                return fees.free(Cost, self.currency)
            cost = self._price(request)
            if request.units is not None or request.tools:
                models = candidates(request, self.resolution.deployment_of(request))
                azure = request.provider == semconv.PROVIDER_AZURE
                cost = fees.add_fees(cost, request.units, request.tools, models, azure, self.factor)
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

    def _tokens_cost(self, resolved: Resolved, usage: Usage, request_model: str | None) -> Cost:
        if resolved.cost is not None:
            return resolved.cost
        inputs = usage.input_tokens
        if type(inputs) is not int or inputs < 0:  # billable(), inlined for the counts every call has
            inputs = billable(inputs)
        output = usage.output_tokens
        if type(output) is not int or output < 0:
            output = billable(output)
        if inputs > resolved.max_input or output > resolved.max_output:
            return self._implausible(resolved, inputs, output)
        if self.outputs is not None and usage.source == REPORTED:
            self.outputs.observe(request_model, output)
        cache_read = usage.cache_read_tokens  # most calls have none: no billable() call for them
        cache_read = min(billable(cache_read), inputs) if cache_read else 0
        cache_write = usage.cache_write_tokens
        cache_write = min(billable(cache_write), inputs - cache_read) if cache_write else 0
        rates = resolved.rates
        if resolved.long_rates is not None and inputs > resolved.long_threshold:
            rates = resolved.long_rates
        multiply = EXACT.multiply
        add = EXACT.add
        if (usage.input_audio_tokens or usage.output_audio_tokens or usage.input_image_tokens
                or usage.cache_write_12h_tokens or usage.output_image_tokens):
            counts = (inputs, output, cache_read, cache_write)
            return multimodal_cost(usage, resolved, rates, self.currency, counts)  # type: ignore[arg-type]
        uncached = inputs - cache_read - cache_write
        input_cost = multiply(rates.input, uncached) if uncached else ZERO  # type: ignore[union-attr]
        read_cost = multiply(rates.cache_read, cache_read) if cache_read else ZERO  # type: ignore[union-attr]
        write_cost = multiply(rates.cache_write, cache_write) if cache_write else ZERO  # type: ignore[union-attr]
        output_cost = multiply(rates.output, output) if output else ZERO  # type: ignore[union-attr]
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
            ZERO,
            ZERO,
            ZERO,
            resolved.type_source,
        )

    def _implausible(self, resolved: Resolved, inputs: int, output: int) -> Cost:
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

    def resolved(self, request: PricingRequest) -> Resolved:
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
            resolved = self.resolution.resolve(request)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = resolved
        return resolved

    def period_now(self) -> int:
        """The current period of the cache: prices resolved in it hold while it is the same (``usual_end.plan_of``,
        which reads ``period`` while ``_expires`` is ahead and calls this only when it is not)."""
        if time.time() >= self._expires:
            self._new_day()
        return self.period

    def _new_day(self) -> None:
        self.period += 1
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
