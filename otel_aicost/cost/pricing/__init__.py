"""The offline price catalog: genai-prices' data (OpenAI list prices), Azure deployment-type prices, user overrides.

Nothing here fetches anything; all data ships in this package (``data/``).
"""

from __future__ import annotations

from otel_aicost.cost.pricing.catalog import Catalog, service_tier_of
from otel_aicost.cost.pricing.entry import PriceEntry, TokenRates

__all__ = ["Catalog", "PriceEntry", "TokenRates", "service_tier_of"]
