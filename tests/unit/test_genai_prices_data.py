"""The shipped ``data/genai_prices.json`` says what the pinned genai-prices says, so users on every Python get the
same OpenAI prices (genai-prices itself needs Python 3.11 and is not imported at run time).

Two oracles, both the pinned genai-prices (installed by the ``test`` extra on Python 3.11+; these tests skip where it
cannot be installed, the price tests with typed-in prices then run against the shipped file alone):
1. the generator's output from the installed genai-prices equals the shipped file byte for byte: a new genai-prices
   pin without a regenerated file fails here;
2. for every model name the data knows (each id, each exact name its match logic lists, dated and compact-dated
   spellings, unknown names), both providers, every tier and every date around a price change, our lookup of the
   shipped file finds the same model and the same prices, effective date included, as genai-prices' own lookup.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime, time, timedelta, timezone
from importlib import metadata, resources
from pathlib import Path

import pytest

from otel_aicost.cost.pricing import genai_data, openai_prices

genai_prices = pytest.importorskip("genai_prices", reason="genai-prices needs Python 3.11+")
from genai_prices import data_snapshot, types  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CONTEXTS = [None, {"service_tier": "flex"}, {"service_tier": "priority"}, {"processing": "batch"}]


def _generator():
    spec = importlib.util.spec_from_file_location("generate_genai_prices", ROOT / "scripts/generate_genai_prices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_file_is_what_the_pinned_genai_prices_generates():
    shipped = resources.files("otel_aicost.cost.pricing").joinpath("data/genai_prices.json").read_text("utf-8")
    assert json.dumps(_generator().build(), indent=1) + "\n" == shipped, (
        "data/genai_prices.json is stale: run python scripts/generate_genai_prices.py"
    )
    assert json.loads(shipped)["version"] == metadata.version("genai-prices")


def _names() -> set[str]:
    snapshot = data_snapshot._bundled_snapshot()
    names: set[str] = {"no-such-model", "gpt-4o-20240806", "gpt-4o-2024-13-45", "o3-mini-high", "claude-x"}

    def equals(clause) -> list[str]:
        if isinstance(clause, types.ClauseEquals):
            return [clause.equals]
        if isinstance(clause, types.ClauseStartsWith):
            return [clause.starts_with, clause.starts_with + "x"]
        return [name for sub in getattr(clause, "or_", []) + getattr(clause, "and_", []) for name in equals(sub)]

    for provider in snapshot.providers:
        if provider.id in genai_data._load()["providers"]:
            for model in provider.models:
                names |= {model.id, f"{model.id}-2025-06-01", f"{model.id}-20250601", *equals(model.match)}
    return names


def _dates() -> list[datetime]:
    days = {date(2024, 1, 1), datetime.now(timezone.utc).date()}
    for provider in genai_data._load()["providers"].values():
        for model in provider.models:
            constraints = [c for c, _ in model.prices] if isinstance(model.prices, list) else []
            for constraint in constraints + [v.constraint for v in model.variants]:
                if constraint is not None and constraint.start_date is not None:
                    days |= {constraint.start_date, constraint.start_date - timedelta(days=1)}
    times = [time(0, 0), time(17, 0), time(23, 59)]  # around the time-of-day (off-peak) prices
    return [datetime.combine(day, at, timezone.utc) for day in sorted(days) for at in times]


def _theirs(prices) -> dict:
    out = {}
    for key in openai_prices.FIELDS:
        value = getattr(prices, key, None)
        if value is not None and hasattr(value, "tiers"):
            value = genai_data.Tiered(
                value.base, tuple(genai_data.Tier(t.start, t.price) for t in sorted(value.tiers, key=lambda t: t.start))
            )
        if value is not None:
            out[key] = value
    return out


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_every_name_tier_and_date_prices_as_genai_prices_does(provider):
    snapshot = data_snapshot._bundled_snapshot()
    pairs = {}
    for name in sorted(_names()):
        try:
            _, theirs = snapshot.find_provider_model(name, None, provider, None)
        except LookupError:
            theirs = None
        ours = genai_data.find(name, provider)
        assert (ours.id if ours else None) == (theirs.id if theirs else None), name
        if ours is not None:
            pairs[ours.id] = (ours, theirs)
    assert len(pairs) > 100
    dates = _dates()
    compared = 0
    for ours, theirs in pairs.values():
        for when in dates:
            for context in CONTEXTS:
                assert ours.get_prices(when, context) == _theirs(theirs.get_prices(when, context)), (ours.id, when, context)
                compared += 1
            expected = None
            if isinstance(theirs.prices, list):
                for conditional in reversed(theirs.prices):
                    if conditional.constraint is not None and conditional.constraint.active(when):
                        expected = getattr(conditional.constraint, "start_date", None)
                        break
            assert ours.effective(when) == expected, (ours.id, when)
    assert compared > 10_000

