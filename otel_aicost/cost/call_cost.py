"""The question and the answer of pricing one call: ``PricingRequest`` in, ``Cost`` out (``cost/pricer.py`` asks).

Plain frozen values, built on every call's path (``frozen.fast_init`` gives them a one-store ``__init__``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment
from otel_aicost.cost.fees import ToolCall, Units
from otel_aicost.frozen import fast_init
from otel_aicost.instrumentation.usage import Usage

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

