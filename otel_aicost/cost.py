"""What one call cost: ``Pricer.price(...) -> Cost``. Pure Decimal arithmetic; no OpenTelemetry here.

INTERFACE STUB: the pricing work (price catalog, Azure deployment types, overrides) fills in ``Pricer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from . import semconv
from .config import Deployment, Settings
from .usage import Usage


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


class Pricer:
    """Prices calls from the shipped catalog and the user's overrides. Built once per instrumentation."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def deployment(self, name: str | None) -> Deployment | None:
        """The configured deployment of this name, if any."""
        if not name:
            return None
        return self.settings.deployments.get(name)

    def price(self, request: PricingRequest) -> Cost:
        if request.usage is None:
            return Cost(semconv.STATUS_NO_USAGE, self.settings.currency)
        return Cost(semconv.STATUS_UNKNOWN_MODEL, self.settings.currency)
