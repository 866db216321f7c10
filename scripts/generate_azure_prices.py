"""Generate ``otel_aicost/cost/pricing/data/azure.json``: Azure OpenAI prices per deployment type, tier and modality.

Two registry packages are read (run by hand when prices are refreshed; nothing here runs at run time):

* the Azure Retail Prices API snapshot bundled in ``azure-genai-prices`` (MIT): the meters themselves, which win;
* LiteLLM's price table (``litellm``, MIT) for models the meter snapshot does not have yet (it is months older
  than LiteLLM's table); those rows say so in their ``source``.

    pip download azure-genai-prices==0.2.0 litellm==1.110.2 --no-deps -d /tmp/azp
    cd /tmp/azp && unzip -o -q azure_genai_prices-0.2.0-py3-none-any.whl -d agp
    unzip -o -q litellm-1.110.2-*.whl litellm/model_prices_and_context_window_backup.json -d ll
    python scripts/generate_azure_prices.py /tmp/azp/agp /tmp/azp/ll/litellm/model_prices_and_context_window_backup.json

Meter names are read by ``otel_aicost.cost.pricing.azure_meters`` (also used by ``otel-aicost prices import``).
Every meter that prices tokens but names no model it knows is printed at the end, so nothing is dropped silently.

Where Azure publishes no batch meter for a model, its batch price is derived as 50% of the standard price of
the same deployment type (Azure's published batch discount) and the row says ``derived``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from otel_aicost.cost.pricing.azure_meters import (
    BATCH_OF,
    DEPLOYMENT_TYPES,
    MODELS,
    classify,
    unit_divisor,
)

OUT = Path(__file__).resolve().parent.parent / "otel_aicost" / "cost" / "pricing" / "data" / "azure.json"
MILLION = Decimal(1_000_000)
LONG_CONTEXT = 272_000
PRODUCTS = ("Azure OpenAI",)  # "Azure OpenAI", "Azure OpenAI GPT5", "... Reasoning", "... Embedding", "... Media"

# LiteLLM keys for models the meter snapshot lacks: entry name -> (aliases, global key, data-zone key or None).
LITELLM_MODELS: dict[str, tuple[tuple[str, ...], str, str | None]] = {
    "gpt-5.5-pro": (("gpt-5.5-pro", "gpt-5.5-pro-2026-04-23"), "azure/gpt-5.5-pro", None),
    "gpt-6-astra": (("gpt-6-astra", "gpt-6-astra-2026-09-03"), "azure/gpt-6-astra", "azure/eu/gpt-6-astra"),
    "gpt-6-sol": (("gpt-6-sol", "gpt-6-sol-2026-09-22", "gpt-6"), "azure/gpt-6-sol", "azure/eu/gpt-6-sol"),
    "gpt-6-luna": (("gpt-6-luna", "gpt-6-luna-2026-09-22"), "azure/gpt-6-luna", "azure/eu/gpt-6-luna"),
    "gpt-6.1-sol": (("gpt-6.1-sol", "gpt-6.1-sol-2026-09-29", "gpt-6.1"), "azure/gpt-6.1-sol", "azure/eu/gpt-6.1-sol"),
    "gpt-6.1-terra": (("gpt-6.1-terra",), "azure/gpt-6.1-terra", "azure/eu/gpt-6.1-terra"),
    "model-router": (("model-router", "model-router-2025-11-18"), "azure/model-router", None),
}
LITELLM_FIELDS = {  # our field -> LiteLLM per-token field (its tier / long-context suffixes are added)
    "input": "input_cost_per_token",
    "cached_input": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "output": "output_cost_per_token",
    "audio_input": "input_cost_per_audio_token",
    "cached_audio_input": "cache_read_input_audio_token_cost",
    "audio_output": "output_cost_per_audio_token",
    "image_input": "input_cost_per_image_token",
}
PRICE_FIELDS = tuple(LITELLM_FIELDS) + ("cached_image_input",)


def per_million(value: Decimal) -> str:
    return format((value * MILLION).normalize(), "f")


def majority(region_prices: dict[str, Decimal]) -> Decimal:
    """The price most regions pay (ties: the lower); regions that differ are listed separately."""
    counts = Counter(region_prices.values())
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def from_meters(snapshot: dict) -> tuple[dict, list[str]]:
    fetched = snapshot["fetched_at"][:10]
    # (entry, deployment type, tier, context, field) -> region -> (effective, price, meter)
    cells: dict[tuple, dict[str, tuple[str, Decimal, str]]] = defaultdict(dict)
    unknown: set[str] = set()
    for item in snapshot["items"]:
        if not item.get("productName", "").startswith(PRODUCTS) or item.get("retailPrice", 0) <= 0:
            continue
        meter = item["meterName"]
        facts = classify(meter)
        if facts is None:
            continue
        if facts["key"] not in MODELS:
            unknown.add(f"{meter}  ->  {facts['key']!r}")
            continue
        if (facts["deployment"], facts["mode"]) not in DEPLOYMENT_TYPES:
            continue
        name, _aliases = MODELS[facts["key"]]
        deployment_type, tier = DEPLOYMENT_TYPES[(facts["deployment"], facts["mode"])]
        price = Decimal(str(item["retailPrice"])) / unit_divisor(item.get("unitOfMeasure", "1"))
        effective = (item.get("effectiveStartDate") or "")[:10]
        cell = cells[(name, deployment_type, tier, facts["context"], facts["field"])]
        for region in item.get("regions") or [item.get("armRegionName", "")]:
            region = (region or "").strip().lower()
            previous = cell.get(region)
            # Superseded rows stay in the feed: the latest that has taken effect wins.
            if effective <= fetched and (previous is None or effective > previous[0]):
                cell[region] = (effective, price, meter)
    entries: dict[str, dict] = {}
    for (name, deployment_type, tier, context, field), regions in sorted(cells.items()):
        aliases = next(a for n, a in MODELS.values() if n == name)
        entry = entries.setdefault(name, {"aliases": sorted(set(aliases)), "prices": {}})
        row = entry["prices"].setdefault(f"{deployment_type}/{tier}/{context}", {"regions": {}, "meters": []})
        prices = {region: value[1] for region, value in regions.items() if region} or {
            region: value[1] for region, value in regions.items()
        }
        usual = majority(prices)
        row[field] = per_million(usual)
        row["effective_from"] = max(row.get("effective_from", ""), max(value[0] for value in regions.values()))
        for meter in sorted({value[2] for value in regions.values()}):
            if meter not in row["meters"]:
                row["meters"].append(meter)
        for region, price in sorted(prices.items()):
            if price != usual:
                row["regions"].setdefault(region, {})[field] = per_million(price)
    return entries, sorted(unknown)


def derive_batch(entries: dict) -> None:
    """A batch deployment type without its own meters: 50% of the same type's standard price, said so."""
    for entry in entries.values():
        prices = entry["prices"]
        for key, row in list(prices.items()):
            deployment_type, tier, context = key.split("/")
            batch = BATCH_OF.get(deployment_type)
            if batch is None or tier != "default" or f"{batch}/default/{context}" in prices:
                continue
            derived = {f: format((Decimal(row[f]) / 2).normalize(), "f") for f in PRICE_FIELDS if f in row}
            if "input" not in derived:
                continue
            derived["effective_from"] = row["effective_from"]
            derived["derived"] = f"no {batch} meter: 50% of {deployment_type} (Azure's batch discount)"
            prices[f"{batch}/default/{context}"] = derived


def from_litellm(table: dict, version: str, covered: set[str]) -> dict:
    entries: dict[str, dict] = {}
    for name, (aliases, global_key, zone_key) in LITELLM_MODELS.items():
        if name in covered or global_key not in table:
            continue
        entry = {"aliases": sorted(set(aliases)), "source": f"litellm {version} ({global_key})", "prices": {}}
        for deployment_type, key in (("global_standard", global_key), ("data_zone_standard", zone_key)):
            row = table.get(key) if key else None
            if row is None:
                continue
            for tier, suffix in (("default", ""), ("priority", "_priority"), ("batch", "_batches")):
                for context, long_suffix in (("short", ""), ("long", f"_above_{LONG_CONTEXT // 1000}k_tokens")):
                    cell = {}
                    for field, litellm_field in LITELLM_FIELDS.items():
                        value = row.get(f"{litellm_field}{long_suffix}{suffix}")
                        if isinstance(value, (int, float)):
                            cell[field] = per_million(Decimal(str(value)))
                    if "input" not in cell:
                        continue
                    cell["litellm_key"] = key
                    if tier == "batch":
                        target = f"{BATCH_OF[deployment_type]}/default/{context}"
                    else:
                        target = f"{deployment_type}/{tier}/{context}"
                    entry["prices"][target] = cell
        entries[name] = entry
    return entries


def main(unpacked_wheel: str, litellm_table: str, litellm_version: str = "1.110.2") -> None:
    snapshot = json.loads((Path(unpacked_wheel) / "azure_genai_prices" / "data" / "snapshot.json").read_text("utf-8"))
    entries, unknown = from_meters(snapshot)
    derive_batch(entries)
    for entry in entries.values():
        for row in entry["prices"].values():
            if not row.get("regions"):
                row.pop("regions", None)
    table = json.loads(Path(litellm_table).read_text("utf-8"))
    supplement = from_litellm(table, litellm_version, set(entries))
    data = {
        "source": "azure-retail-prices",
        "source_detail": "Azure Retail Prices API (prices.azure.com), snapshot bundled in azure-genai-prices 0.2.0;"
        f" models it lacks from litellm {litellm_version}'s table (their rows name it)",
        "snapshot_date": snapshot["fetched_at"][:10],
        "unit": "USD per 1M tokens",
        "generator": "scripts/generate_azure_prices.py",
        "keys": "deployment_type/service_tier/context; context 'long' applies when input tokens exceed 272000",
        "long_context_threshold": LONG_CONTEXT,
        "models": dict(sorted({**entries, **supplement}.items())),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(entries)} models from meters, {len(supplement)} from litellm")
    if unknown:
        print(f"{len(unknown)} token meters name no model in MODELS (not priced):")
        print("\n".join(f"  {line}" for line in unknown))


if __name__ == "__main__":
    main(*sys.argv[1:])
