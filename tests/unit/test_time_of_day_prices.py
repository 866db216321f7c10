"""Prices that change with the time of day (genai-prices 0.2.3 ships DeepSeek's off-peak hours, which Azure
deployments of DeepSeek models are priced by) hold only until their hour ends: the pricer's cache of resolved
prices must not carry the peak price of noon into the off-peak evening.

Oracle: DeepSeek's published prices (api-docs.deepseek.com/quick_start/pricing, as genai-prices 0.2.3 lists them):
deepseek-chat $0.27 per 1M input tokens, 50% off from 16:30 to 00:30 UTC ($0.135).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost import semconv
from otel_aicost.config.settings import Settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.pricing import catalog
from otel_aicost.instrumentation.usage import Usage

PEAK, OFF_PEAK = Decimal("0.27"), Decimal("0.135")


def test_a_price_cached_at_noon_is_not_used_in_the_off_peak_evening(monkeypatch):
    clock = [datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)]

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return clock[0]

    monkeypatch.setattr(catalog, "datetime", Clock)
    monkeypatch.setattr(time, "time", lambda: clock[0].timestamp())
    pricer = Pricer(Settings())
    call = PricingRequest("chat", Usage(1_000_000, 0), request_model="deepseek-chat", provider=semconv.PROVIDER_AZURE)
    assert pricer.price(call).total == PEAK
    clock[0] = datetime(2026, 12, 2, 20, 0, tzinfo=timezone.utc)
    assert pricer.price(call).total == OFF_PEAK
    clock[0] = datetime(2026, 12, 3, 0, 45, tzinfo=timezone.utc)
    assert pricer.price(call).total == PEAK
