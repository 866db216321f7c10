"""Generate ``otel_aicost/pricing/data/azure.json`` from the dated Azure retail-price snapshot.

The snapshot is the one bundled in the ``azure-genai-prices`` wheel (MIT), a compacted copy of Azure's public
Retail Prices API (https://prices.azure.com/api/retail/prices). This script is run by hand when prices are
refreshed; nothing here runs at run time and otel-aicost does not depend on azure-genai-prices.

    pip download azure-genai-prices==0.2.0 --no-deps -d /tmp/azp
    mkdir -p /tmp/azp/x && cd /tmp/azp/x && unzip -o ../azure_genai_prices-0.2.0-py3-none-any.whl
    python scripts/generate_azure_prices.py /tmp/azp/x

It uses the package's own meter-name parser (``azure_genai_prices.meters.parse_catalog``) to turn Azure meter
names into (model, price kind, deployment, billing mode, context) and keeps the OpenAI text and embedding models
that otel-aicost prices, under the model names the API returns (``gpt-4o-2024-08-06``, not ``gpt 4o 0806``).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "otel_aicost" / "pricing" / "data" / "azure.json"
MILLION = Decimal(1_000_000)

# Azure meter model id (as parsed by azure-genai-prices) -> (our entry name, names the API returns for it).
# Several meter ids can feed one entry (Azure spells the same model differently per deployment type).
MODELS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gpt-4o": ("gpt-4o-2024-08-06", ("gpt-4o", "gpt-4o-2024-08-06")),
    "gpt-4o-0513": ("gpt-4o-2024-05-13", ("gpt-4o-2024-05-13",)),
    "gpt-4o-1120": ("gpt-4o-2024-11-20", ("gpt-4o-2024-11-20",)),
    "gpt-4o-mini-0718": ("gpt-4o-mini-2024-07-18", ("gpt-4o-mini", "gpt-4o-mini-2024-07-18")),
    "gpt-4.1": ("gpt-4.1-2025-04-14", ("gpt-4.1", "gpt-4.1-2025-04-14")),
    "gpt-4.1-mini": ("gpt-4.1-mini-2025-04-14", ("gpt-4.1-mini", "gpt-4.1-mini-2025-04-14")),
    "gpt-4.1-nano": ("gpt-4.1-nano-2025-04-14", ("gpt-4.1-nano", "gpt-4.1-nano-2025-04-14")),
    "gpt-4.5-0227": ("gpt-4.5-preview-2025-02-27", ("gpt-4.5-preview", "gpt-4.5-preview-2025-02-27")),
    "gpt-4-8k": ("gpt-4-0613", ("gpt-4", "gpt-4-0613")),
    "gpt-4-32k": ("gpt-4-32k-0613", ("gpt-4-32k", "gpt-4-32k-0613")),
    "gpt-4-turbo-128k": ("gpt-4-turbo-2024-04-09", ("gpt-4-turbo", "gpt-4-turbo-2024-04-09")),
    "gpt-4-turbo128k": ("gpt-4-turbo-2024-04-09", ("gpt-4-turbo", "gpt-4-turbo-2024-04-09")),
    "gpt-35-turbo16k-0125": ("gpt-35-turbo-0125", ("gpt-35-turbo", "gpt-35-turbo-0125", "gpt-3.5-turbo-0125")),
    "gpt-35-turbo-16k-0125": ("gpt-35-turbo-0125", ("gpt-35-turbo", "gpt-35-turbo-0125", "gpt-3.5-turbo-0125")),
    "gpt-35-turbo-instruct": ("gpt-35-turbo-instruct-0914", ("gpt-35-turbo-instruct", "gpt-3.5-turbo-instruct")),
    "gpt-5": ("gpt-5-2025-08-07", ("gpt-5", "gpt-5-2025-08-07")),
    "gpt-5-mini": ("gpt-5-mini-2025-08-07", ("gpt-5-mini", "gpt-5-mini-2025-08-07")),
    "gpt-5-nano": ("gpt-5-nano-2025-08-07", ("gpt-5-nano", "gpt-5-nano-2025-08-07")),
    "gpt-5-pro": ("gpt-5-pro", ("gpt-5-pro", "gpt-5-pro-2025-10-06")),
    "gpt-5-chat": ("gpt-5-chat", ("gpt-5-chat", "gpt-5-chat-latest")),
    "gpt-5-codex": ("gpt-5-codex", ("gpt-5-codex",)),
    "gpt-5.1": ("gpt-5.1", ("gpt-5.1", "gpt-5.1-2025-11-13")),
    "gpt-5.1-chat": ("gpt-5.1-chat", ("gpt-5.1-chat", "gpt-5.1-chat-latest")),
    "gpt-5.1-codex": ("gpt-5.1-codex", ("gpt-5.1-codex",)),
    "gpt-5.1-codex-max": ("gpt-5.1-codex-max", ("gpt-5.1-codex-max",)),
    "gpt-5.1-codex-mini": ("gpt-5.1-codex-mini", ("gpt-5.1-codex-mini",)),
    "gpt-5.2": ("gpt-5.2", ("gpt-5.2", "gpt-5.2-2025-12-11")),
    "gpt-5.2-chat": ("gpt-5.2-chat", ("gpt-5.2-chat", "gpt-5.2-chat-latest")),
    "gpt-5.2-codex": ("gpt-5.2-codex", ("gpt-5.2-codex",)),
    "gpt-5.2-pro": ("gpt-5.2-pro", ("gpt-5.2-pro",)),
    "gpt-5.3-chat": ("gpt-5.3-chat", ("gpt-5.3-chat", "gpt-5.3-chat-latest")),
    "gpt-5.3-codex": ("gpt-5.3-codex", ("gpt-5.3-codex",)),
    "gpt-5.4": ("gpt-5.4", ("gpt-5.4",)),
    "gpt-5.4-mini": ("gpt-5.4-mini", ("gpt-5.4-mini",)),
    "gpt-5.4-nano": ("gpt-5.4-nano", ("gpt-5.4-nano",)),
    "gpt-5.4-pro": ("gpt-5.4-pro", ("gpt-5.4-pro",)),
    "gpt-5.5": ("gpt-5.5", ("gpt-5.5",)),
    "gpt-5.6-luna": ("gpt-5.6-luna", ("gpt-5.6-luna",)),
    "gpt-5.6-sol": ("gpt-5.6-sol", ("gpt-5.6-sol",)),
    "gpt-5.6-terra": ("gpt-5.6-terra", ("gpt-5.6-terra",)),
    "o1-1217": ("o1-2024-12-17", ("o1", "o1-2024-12-17")),
    "o1-mini": ("o1-mini-2024-09-12", ("o1-mini", "o1-mini-2024-09-12")),
    "o1-preview": ("o1-preview-2024-09-12", ("o1-preview", "o1-preview-2024-09-12")),
    "o1-pro": ("o1-pro-2025-03-19", ("o1-pro", "o1-pro-2025-03-19")),
    "o3-0416": ("o3-2025-04-16", ("o3", "o3-2025-04-16")),
    "o3-mini-0131": ("o3-mini-2025-01-31", ("o3-mini", "o3-mini-2025-01-31")),
    "o3-pro": ("o3-pro-2025-06-10", ("o3-pro", "o3-pro-2025-06-10")),
    "o3-deep-research-0626": ("o3-deep-research-2025-06-26", ("o3-deep-research", "o3-deep-research-2025-06-26")),
    "o4-mini-0416": ("o4-mini-2025-04-16", ("o4-mini", "o4-mini-2025-04-16")),
    "codex-mini": ("codex-mini", ("codex-mini", "codex-mini-latest")),
    "computer-use": ("computer-use-preview", ("computer-use-preview", "computer-use-preview-2025-03-11")),
    "oss-120b": ("gpt-oss-120b", ("gpt-oss-120b",)),
    "text-embedding-3-large": ("text-embedding-3-large", ("text-embedding-3-large",)),
    "text-embedding-3-small": ("text-embedding-3-small", ("text-embedding-3-small",)),
    "text-embedding-ada-002": ("text-embedding-ada-002", ("text-embedding-ada-002", "ada")),
    # Fine-tuned inference: priced on Azure's own fine-tuned meters, keyed by "ft:" + base model.
    "gpt-4o-0806-ft": ("ft:gpt-4o-2024-08-06", ("ft:gpt-4o-2024-08-06", "ft:gpt-4o")),
    "gpt-4o-mini-0718-ft": ("ft:gpt-4o-mini-2024-07-18", ("ft:gpt-4o-mini-2024-07-18", "ft:gpt-4o-mini")),
    "gpt-4.1-ft": ("ft:gpt-4.1-2025-04-14", ("ft:gpt-4.1-2025-04-14", "ft:gpt-4.1")),
    "gpt-4.1-mini-ft": ("ft:gpt-4.1-mini-2025-04-14", ("ft:gpt-4.1-mini-2025-04-14", "ft:gpt-4.1-mini")),
    "gpt-4.1-nano-ft": ("ft:gpt-4.1-nano-2025-04-14", ("ft:gpt-4.1-nano-2025-04-14", "ft:gpt-4.1-nano")),
    "o4-mini-ft": ("ft:o4-mini-2025-04-16", ("ft:o4-mini-2025-04-16", "ft:o4-mini")),
}

DEPLOYMENT = {  # (azure-genai-prices deployment, billing mode) -> (our deployment type, service tier)
    ("global", "standard"): ("global_standard", "default"),
    ("global", "priority"): ("global_standard", "priority"),
    ("global", "batch"): ("global_batch", "default"),
    ("data_zone", "standard"): ("data_zone_standard", "default"),
    ("data_zone", "priority"): ("data_zone_standard", "priority"),
    ("data_zone", "batch"): ("data_zone_batch", "default"),
    ("regional", "standard"): ("regional_standard", "default"),
}
KINDS = {"input": "input", "cache_read": "cached_input", "cache_write": "cache_write", "output": "output"}


def per_million(value: Decimal) -> str:
    text = format((value * MILLION).normalize(), "f")
    return text


def majority(region_prices: dict[str, Decimal]) -> Decimal:
    """The price most regions pay (ties: the lower); regions that differ are listed separately."""
    counts = Counter(region_prices.values())
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def main(unpacked_wheel: str) -> None:
    sys.path.insert(0, unpacked_wheel)
    from azure_genai_prices.meters import parse_catalog

    snapshot_file = Path(unpacked_wheel) / "azure_genai_prices" / "data" / "snapshot.json"
    snapshot = json.loads(snapshot_file.read_text(encoding="utf-8"))
    fetched = snapshot["fetched_at"][:10]
    table, _report = parse_catalog(snapshot["items"], products=("Azure OpenAI",), as_of=fetched)

    entries: dict[str, dict] = {}
    for (meter_model, kind, deployment, mode, context), meter in sorted(table.items()):
        if meter_model not in MODELS or kind not in KINDS or (deployment, mode) not in DEPLOYMENT:
            continue
        name, aliases = MODELS[meter_model]
        entry = entries.setdefault(name, {"aliases": sorted(set(aliases)), "meters": [], "prices": {}})
        if meter_model not in entry["meters"]:
            entry["meters"].append(meter_model)
        deployment_type, tier = DEPLOYMENT[(deployment, mode)]
        key = f"{deployment_type}/{tier}/{context}"
        row = entry["prices"].setdefault(key, {"regions": {}})
        prices = {region: price for region, price in meter.region_prices.items() if region}
        if not prices:
            prices = dict(meter.region_prices)
        default = majority(prices)
        field = KINDS[kind]
        row[field] = per_million(default)
        dates = sorted(set(meter.region_effective_dates.values()))
        row["effective_from"] = max([row.get("effective_from", ""), dates[-1] if dates else ""])
        row.setdefault("meters", []).append(meter.meter_name)
        for region, price in sorted(prices.items()):
            if price != default:
                row["regions"].setdefault(region, {})[field] = per_million(price)
    for entry in entries.values():
        for row in entry["prices"].values():
            if not row["regions"]:
                del row["regions"]
    data = {
        "source": "azure-retail-prices",
        "source_detail": "Azure Retail Prices API (prices.azure.com), snapshot bundled in azure-genai-prices 0.2.0",
        "snapshot_date": fetched,
        "unit": "USD per 1M tokens",
        "generator": "scripts/generate_azure_prices.py",
        "keys": "deployment_type/service_tier/context; context 'long' applies when input tokens exceed 272000",
        "long_context_threshold": 272000,
        "models": dict(sorted(entries.items())),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(entries)} models, snapshot {fetched})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/azp/x")
