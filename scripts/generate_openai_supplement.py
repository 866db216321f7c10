"""Generate ``otel_aicost/cost/pricing/data/openai.json``: what genai-prices does not say about OpenAI models.

Read from LiteLLM's price table (``litellm``, MIT; its ``source`` fields point at OpenAI's pricing page), run by
hand when prices are refreshed; nothing here runs at run time:

* ``limits``: context window and max output tokens per model (implausible-usage checks, budget reservations);
* ``regional_uplift``: the multiplier OpenAI's regional-processing (data residency) endpoints add, per model;
* ``prices``: complete prices of the models genai-prices cannot price or prices incompletely: fine-tuned models
  (with their cached-input rate), models with audio or image token rates, 12-hour cache writes, and models
  genai-prices does not know at all. These win over genai-prices for those models.

    pip download litellm==1.110.2 --no-deps -d /tmp/ll && cd /tmp/ll
    unzip -o -q litellm-1.110.2-*.whl litellm/model_prices_and_context_window_backup.json
    python scripts/generate_openai_supplement.py /tmp/ll/litellm/model_prices_and_context_window_backup.json 1.110.2
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "otel_aicost" / "cost" / "pricing" / "data" / "openai.json"
MILLION = Decimal(1_000_000)
LONG = "_above_272k_tokens"
FIELDS = {  # our field -> LiteLLM per-token field
    "input": "input_cost_per_token",
    "cached_input": "cache_read_input_token_cost",
    "cache_write": "cache_creation_input_token_cost",
    "cache_write_12h": "cache_creation_input_token_cost_above_12hr",
    "output": "output_cost_per_token",
    "audio_input": "input_cost_per_audio_token",
    "cached_audio_input": "cache_read_input_audio_token_cost",
    "audio_output": "output_cost_per_audio_token",
    "image_input": "input_cost_per_image_token",
    "cached_image_input": "cache_read_input_image_token_cost",
    "image_output": "output_cost_per_image_token",
}
MODALITY_FIELDS = ("audio_input", "audio_output", "image_input", "image_output", "cache_write_12h")
TIERS = {"default": "", "priority": "_priority", "flex": "_flex", "batch": "_batches"}
PROVIDERS = ("openai", "text-completion-openai")


def per_million(value: float) -> str:
    return format((Decimal(str(value)) * MILLION).normalize(), "f")


def genai_prices_knows(model: str) -> bool:
    from genai_prices import data_snapshot

    try:
        data_snapshot._bundled_snapshot().find_provider_model(model, None, "openai", None)
    except LookupError:
        return False
    return True


def prices_of(row: dict) -> dict:
    prices: dict[str, dict] = {}
    for tier, suffix in TIERS.items():
        for context, long_suffix in (("short", ""), ("long", LONG)):
            cell = {}
            for field, name in FIELDS.items():
                for key in (f"{name}{long_suffix}{suffix}", f"{name}{suffix}{long_suffix}"):
                    value = row.get(key)
                    if isinstance(value, (int, float)) and value >= 0:
                        cell[field] = per_million(value)
                        break
            if "input" in cell:
                prices[f"{tier}/{context}"] = cell
    return prices


def main(table_file: str, version: str) -> None:
    table = json.loads(Path(table_file).read_text("utf-8"))
    models: dict[str, dict] = {}
    for key, row in sorted(table.items()):
        if not isinstance(row, dict) or row.get("litellm_provider") not in PROVIDERS or "/" in key:
            continue
        entry: dict = {}
        context, output = row.get("max_input_tokens"), row.get("max_output_tokens")
        if isinstance(context, int) and context > 0:
            entry["limits"] = [context, output if isinstance(output, int) and output > 0 else None]
        uplift = row.get("regional_processing_uplift_multiplier_eu") or row.get("regional_processing_uplift_multiplier_us")
        if isinstance(uplift, (int, float)) and uplift > 1:
            entry["regional_uplift"] = str(Decimal(str(uplift)))
        wanted = (
            key.startswith("ft:")
            or any(isinstance(row.get(FIELDS[f]), (int, float)) for f in MODALITY_FIELDS)
            or not genai_prices_knows(key)
        )
        prices = prices_of(row) if wanted else {}
        if prices:
            entry["prices"] = prices
        if entry:
            models[key] = entry
    data = {
        "source": f"litellm {version}",
        "source_detail": f"LiteLLM {version} model_prices_and_context_window_backup.json (OpenAI pricing page)",
        "unit": "USD per 1M tokens",
        "generator": "scripts/generate_openai_supplement.py",
        "keys": "service_tier/context; tier batch = Batch API; context long = input above 272000 tokens",
        "models": models,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    priced = sum(1 for m in models.values() if "prices" in m)
    print(f"wrote {OUT}: {len(models)} models ({priced} with prices, "
          f"{sum(1 for m in models.values() if 'regional_uplift' in m)} with a regional uplift)")


if __name__ == "__main__":
    main(*sys.argv[1:])
