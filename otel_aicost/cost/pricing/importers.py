"""``otel-aicost prices import FILE``: turn a price file someone downloaded into a dated local catalog.

Three inputs are recognised by their shape: LiteLLM's ``model_prices_and_context_window.json`` (a table of
model -> ``input_cost_per_token`` ...), a genai-prices snapshot (``data.json``: providers with models and
``input_mtok`` prices) and an Azure Retail Prices API dump (``{"Items": [...]}`` pages, a list of items, or
azure-genai-prices' ``{"items": [...]}``). The result is validated (``imported.validate``) before it is written.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from otel_aicost.cost.pricing import azure_meters, openai_prices
from otel_aicost.cost.pricing.imported import FORMAT, CatalogError, validate

MILLION = Decimal(1_000_000)
LITELLM_FIELDS = {
    "input": "input_cost_per_token",
    "cached_input": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "output": "output_cost_per_token",
    "audio_input": "input_cost_per_audio_token",
    "audio_output": "output_cost_per_audio_token",
    "image_input": "input_cost_per_image_token",
}
GENAI_FIELDS = openai_prices.FIELDS  # genai-prices ModelPrice keys -> PriceEntry fields, the one table


def kind_of(data: Any) -> str:
    """``litellm``, ``genai-prices`` or ``azure-retail``; ``CatalogError`` for anything else."""
    if isinstance(data, dict) and isinstance(data.get("Items") or data.get("items"), list):
        return "azure-retail"
    if isinstance(data, list) and data and isinstance(data[0], dict):
        if "meterName" in data[0]:
            return "azure-retail"
        if "models" in data[0] and "id" in data[0]:
            return "genai-prices"
    if isinstance(data, dict) and isinstance(data.get("providers"), list):
        return "genai-prices"
    if isinstance(data, dict) and any(isinstance(v, dict) and "input_cost_per_token" in v for v in data.values()):
        return "litellm"
    raise CatalogError(
        "not a price file I know: expected LiteLLM's model_prices_and_context_window.json, a genai-prices "
        "snapshot (data.json) or an Azure Retail Prices API dump ({\"Items\": [...]})"
    )


def convert(data: Any, name: str, today: date | None = None) -> dict[str, Any]:
    """The local catalog (``imported.FORMAT``) of the price file ``name`` (its path), validated; ``CatalogError``
    messages start with ``name``."""
    today = today or datetime.now(timezone.utc).date()
    try:
        kind = kind_of(data)
    except CatalogError as error:
        raise CatalogError(f"{name}: {error}") from None
    openai, azure = {"litellm": _litellm, "genai-prices": _genai_prices, "azure-retail": _azure_retail}[kind](data)
    catalog = {
        "format": FORMAT,
        "source": f"{kind} {Path(name).name} imported {today.isoformat()}",
        "imported_at": today.isoformat(),
        "unit": "USD per 1M tokens",
        "openai": openai,
        "azure": azure,
    }
    return validate(catalog, name)


def _per_million(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    return format((Decimal(str(value)) * MILLION).normalize(), "f")


def _litellm(table: dict[str, Any]) -> tuple[dict, dict]:
    openai: dict[str, dict] = {}
    azure: dict[str, dict] = defaultdict(dict)
    for key, row in table.items():
        if not isinstance(row, dict) or "input_cost_per_token" not in row:
            continue
        rates = {field: v for field, name in LITELLM_FIELDS.items() if (v := _per_million(row.get(name))) is not None}
        provider = row.get("litellm_provider")
        if provider in ("openai", "text-completion-openai") and "/" not in key:
            openai[key] = rates
        elif provider == "azure" and key.count("/") == 1:
            azure[key.split("/", 1)[1]]["global_standard"] = rates
        elif provider == "azure" and key.startswith(("azure/eu/", "azure/us/")):
            azure[key.split("/", 2)[2]].setdefault("data_zone_standard", rates)
    return openai, dict(azure)


def _genai_prices(data: Any) -> tuple[dict, dict]:
    providers = data["providers"] if isinstance(data, dict) else data
    found: dict[str, dict] = {"openai": {}, "azure": {}}
    for provider in providers:
        if not isinstance(provider, dict) or provider.get("id") not in found:
            continue
        for model in provider.get("models") or []:
            prices = model.get("prices")
            if isinstance(prices, list):  # dated prices: the last one listed is the newest
                prices = prices[-1].get("prices") if prices and isinstance(prices[-1], dict) else None
            if not isinstance(prices, dict) or prices.get("input_mtok") is None:
                continue
            rates = {}
            for key, field in GENAI_FIELDS.items():
                value = prices.get(key)
                if isinstance(value, dict):  # tiered: the base price
                    value = value.get("base")
                if value is not None:
                    rates[field] = str(value)
            found[provider["id"]][model["id"]] = rates
    azure = {name: {"global_standard": rates} for name, rates in found["azure"].items()}
    return found["openai"], azure


def _azure_retail(data: Any) -> tuple[dict, dict]:
    items = data if isinstance(data, list) else (data.get("Items") or data.get("items"))
    azure: dict[str, dict] = defaultdict(dict)
    for item in items:
        if not isinstance(item, dict) or item.get("type", "Consumption") != "Consumption":
            continue
        facts = azure_meters.classify(str(item.get("meterName", "")))
        if facts is None or facts["key"] not in azure_meters.MODELS or not item.get("retailPrice"):
            continue
        kind = azure_meters.DEPLOYMENT_TYPES.get((facts["deployment"], facts["mode"]))
        if kind is None or kind[1] != "default" or facts["context"] != "short":
            continue
        name = azure_meters.MODELS[facts["key"]][0]
        price = Decimal(str(item["retailPrice"])) / azure_meters.unit_divisor(str(item.get("unitOfMeasure", "1")))
        azure[name].setdefault(kind[0], {})[facts["field"]] = format((price * MILLION).normalize(), "f")
    return {}, {name: {k: v for k, v in rows.items() if "input" in v} for name, rows in azure.items()}
