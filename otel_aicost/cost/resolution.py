"""Which price answers a call: its candidate models, its Azure deployment, and the price entry they resolve to.

``Resolution.resolve(request) -> Resolved`` is asked once per (models, deployment, tier, host, day) combination:
``cost/pricer.py`` caches the answer, so nothing here is on a cached call's path. A ``Resolved`` is either a whole
answer (a provisioned deployment, an unknown model, an ended price) or the per-token rates and billing ceilings
to price with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.cost import limits
from otel_aicost.cost.call_cost import TYPE_ASSUMED, TYPE_DECLARED, Cost, PricingRequest
from otel_aicost.cost.pricing.catalog import Catalog, residency_of
from otel_aicost.cost.pricing.entry import PriceEntry, TokenRates


@dataclass(frozen=True, slots=True)
class Resolved:
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


class Resolution:
    """The catalog lookups of pricing: the user's deployments and overrides, the shipped prices, the currency."""

    def __init__(self, settings: Settings, catalog: Catalog, currency: str, factor: Decimal) -> None:
        self.settings = settings
        self.catalog = catalog
        self.currency = currency
        self.factor = factor  # USD prices times this give the configured currency

    def deployment(self, name: str | None) -> Deployment | None:
        """The configured deployment of this name, if any."""
        if not name:
            return None
        return self.settings.deployments.get(name)

    def deployment_of(self, request: PricingRequest) -> Deployment | None:
        """The call's deployment, completed from the config file when the call only named it."""
        deployment = request.deployment
        if deployment is not None and deployment.type is None and deployment.model is None:
            return self.deployment(deployment.name) or deployment
        return deployment

    def type_source(self, request: PricingRequest) -> str | None:
        """How the Azure deployment type that prices this call was known (``aicost.deployment.type_source``)."""
        if request.provider != semconv.PROVIDER_AZURE and request.deployment is None:
            return None
        deployment = self.deployment_of(request)
        if deployment is not None and deployment.type:
            return TYPE_DECLARED
        return TYPE_ASSUMED

    def entry(self, request: PricingRequest) -> PriceEntry | None:
        """The price entry (per 1M tokens, USD) that prices this call, if any (an ended promotion is returned as it
        is: ``resolve`` makes that call ``stale_price``)."""
        deployment = self.deployment_of(request)
        return self.catalog.resolve(
            candidates(request, deployment),
            provider=request.provider,
            deployment_type=deployment.type if deployment else None,
            service_tier=request.service_tier,
            region=deployment.region if deployment else None,
            batch=request.batch,
            residency=residency_of(request.server_address) if request.provider == semconv.PROVIDER_OPENAI else None,
            when=request.when,
        )

    def resolve(self, request: PricingRequest) -> Resolved:
        deployment = self.deployment_of(request)
        type_source = self.type_source(request)
        if deployment is not None and deployment.type == "provisioned":
            model = next(iter(candidates(request, deployment)), None)
            cost = Cost(
                semconv.STATUS_PROVISIONED,
                self.currency,
                model=model,
                source="config (provisioned deployment: billed per PTU-hour, no per-token cost)",
                deployment_type_source=type_source,
            )
            return Resolved(cost)
        found = self.entry(request)
        if found is None:
            return Resolved(Cost(semconv.STATUS_UNKNOWN_MODEL, self.currency, deployment_type_source=type_source))
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
            return Resolved(cost)
        entry = found
        rates = TokenRates.of(entry, self.factor)
        long_rates = TokenRates.of(entry.long, self.factor) if entry.long is not None else None
        ceiling_in, ceiling_out = limits.ceilings(candidates(request, deployment) + [entry.model])
        if request.operation == semconv.OP_EMBEDDINGS:
            ceiling_in *= limits.EMBEDDING_INPUTS_PER_CALL  # one call embeds up to 2048 inputs
        return Resolved(
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


def candidates(request: PricingRequest, deployment: Deployment | None) -> list[str]:
    """The model names that may price the call, in the order SPEC 3 tries them: response, request, deployment."""
    names = [request.response_model, request.request_model, deployment.model if deployment else None]
    return [name for name in names if isinstance(name, str) and name.strip()]
