"""Generate ``otel_aicost/cost/pricing/data/genai_prices.json``: genai-prices' OpenAI token prices, shipped with us.

genai-prices (pydantic's price catalog, MIT) needs Python 3.11 and builds pydantic models for 47 providers on
import (~0.7 s); the package supports Python 3.10 and keeps price data off the start-up path. So its data is copied
here, once per genai-prices release, and read at run time as plain JSON by ``cost/pricing/openai_prices.py``:

* the providers ``openai`` and ``azure`` and the providers Azure falls back to (its ``fallback_model_providers``),
  each with its models in genai-prices' order (the first match wins);
* per model: its id, its match logic (``equals``, ``starts_with``, ``ends_with``, ``contains``, ``regex``, ``or``,
  ``and``), its prices (one set, or a list of dated / time-of-day conditional prices) and its price variants
  (``service_tier`` flex/priority, ``processing`` batch...), keeping only the per-token prices
  (``openai_prices.FIELDS``: run it where otel-aicost is installed, e.g. ``pip install -e '.[test]'``), as decimal strings, tiered prices as ``{"base", "tiers": [{"start", "price"}]}``.

Run with the pinned genai-prices installed (it is in the ``test`` extra on Python 3.11+):

    python scripts/generate_genai_prices.py

``tests/unit/test_genai_prices_data.py`` regenerates the data in memory and fails when it differs from the file, and
checks every model name, tier and price date against genai-prices itself.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, time
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

from otel_aicost.cost.pricing.openai_prices import FIELDS

OUT = Path(__file__).resolve().parent.parent / "otel_aicost" / "cost" / "pricing" / "data" / "genai_prices.json"
PROVIDERS = ("openai", "azure")  # what cost/pricing/openai_prices.py looks up; Azure's fallbacks come along
TOKEN_PRICES = tuple(FIELDS)  # the per-1M-token genai-prices ModelPrice attributes we read


def build() -> dict[str, Any]:
    from genai_prices import data_snapshot

    snapshot = data_snapshot._bundled_snapshot()  # the bundled data only, as shipped in the wheel
    by_id = {provider.id: provider for provider in snapshot.providers}
    wanted = list(PROVIDERS)
    for name in PROVIDERS:
        wanted += [p for p in by_id[name].fallback_model_providers or () if p not in wanted]
    providers = {name: _provider(by_id[name]) for name in wanted}
    dates = [
        constraint["start_date"]
        for provider in providers.values()
        for model in provider["models"]
        for constraint in _constraints(model)
        if "start_date" in constraint
    ]
    release = version("genai-prices")
    return {
        "source": f"genai-prices {release}",
        "version": release,
        "latest_price_change": max(dates),
        "source_detail": f"genai-prices {release} (pydantic/genai-prices, MIT): its bundled data snapshot, "
        "per-token prices of OpenAI, Azure and the providers Azure falls back to",
        "unit": "USD per 1M tokens",
        "generator": "scripts/generate_genai_prices.py",
        "providers": providers,
    }


def _provider(provider: Any) -> dict[str, Any]:
    return {
        "fallback": list(provider.fallback_model_providers or ()),
        "models": [_model(model) for model in provider.models],
    }


def _model(model: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": model.id, "match": _clause(model.match)}
    if isinstance(model.prices, list):
        entry["prices"] = [
            {"constraint": _constraint(c.constraint), "prices": _prices(c.prices)} for c in model.prices
        ]
    else:
        entry["prices"] = _prices(model.prices)
    variants = [
        {"when": dict(v.when), "constraint": _constraint(v.constraint), "prices": _prices(v.prices)}
        for v in model.price_variants or ()
    ]
    variants = [v for v in variants if v["prices"]]  # a variant of per-request fees only changes no token price
    if variants:
        entry["variants"] = variants
    return entry


def _clause(clause: Any) -> dict[str, Any]:
    fields = {f.name: getattr(clause, f.name) for f in dataclasses.fields(clause)}
    ((name, value),) = fields.items()
    if name in ("or_", "and_"):
        return {name.rstrip("_"): [_clause(c) for c in value]}
    return {name: value}


def _constraint(constraint: Any) -> dict[str, str] | None:
    if constraint is None:
        return None
    return {
        f.name: _text(getattr(constraint, f.name)) for f in dataclasses.fields(constraint)
    }


def _text(value: Any) -> str:
    if isinstance(value, (date, time)):
        return value.isoformat()
    raise TypeError(f"unexpected constraint value {value!r}")


def _prices(prices: Any) -> dict[str, Any]:
    out = {}
    for key in TOKEN_PRICES:
        value = getattr(prices, key, None)
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif value is not None:
            out[key] = {"base": str(value.base), "tiers": [{"start": t.start, "price": str(t.price)} for t in value.tiers]}
    return out


def _constraints(model: dict[str, Any]) -> list[dict[str, str]]:
    conditional = model["prices"] if isinstance(model["prices"], list) else []
    found = [c["constraint"] for c in conditional + model.get("variants", [])]
    return [c for c in found if c]


def main() -> None:
    data = build()
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    models = sum(len(p["models"]) for p in data["providers"].values())
    print(f"wrote {OUT}: {data['source']}, {models} models of {', '.join(data['providers'])}; "
          f"latest price change {data['latest_price_change']}")


if __name__ == "__main__":
    main()
