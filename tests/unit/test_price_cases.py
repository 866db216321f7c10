"""The price of one call on every usage shape, against rates typed in by hand from their sources (issue 11).

Nothing here is read from our data files or computed by our code: each rate below was typed from the source
named in the comment above its group, with the date it was read. The expected cost is the plain formula
``tokens x rate / 1M`` per component, in Decimal, in this file.

Sources (all USD per 1M tokens):
  [OAI]  OpenAI API pricing page (developers.openai.com/api/docs/pricing) as carried by the LiteLLM 1.110.2 price
         table (fields whose "source" names that page; package fetched from PyPI 2026-12-02) and cross-checked
         against api-evangelist's read of the same page on 2026-08-27 (plans/openai-plans-pricing.yml).
  [AZM]  Azure Retail Prices API meters, snapshot of 2026-08-11 bundled in azure-genai-prices 0.2.0 (meter name
         and retailPrice quoted; "1K" meters multiplied by 1000 here by hand).
  [AZL]  Azure prices for models newer than that snapshot, from LiteLLM 1.110.2's azure/ entries (source:
         azure.microsoft.com blog "GPT-6 Astra, Sol and Luna for production agents in Microsoft Foundry").
  [RES]  OpenAI regional processing (data residency): +10% on models from gpt-5.4 on, per LiteLLM 1.110.2
         regional_processing_uplift_multiplier_eu/us = 1.1 (hosts eu.api.openai.com, us.api.openai.com).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.usage import Usage

D = Decimal
M = D(1_000_000)
WHEN = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Rates:
    """Per-1M rates of one case, typed from its source. None: the source publishes no such rate."""

    input: str
    cached: str | None = None
    output: str = "0"
    write: str | None = None
    write_12h: str | None = None
    audio_in: str | None = None
    audio_cached: str | None = None
    audio_out: str | None = None
    image_in: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    model: str
    rates: Rates
    inp: int = 100_000
    cached: int = 20_000
    out: int = 10_000
    write: int = 0
    write_12h: int = 0
    audio_in: int = 0
    audio_cached: int = 0
    audio_out: int = 0
    image_in: int = 0
    provider: str = semconv.PROVIDER_OPENAI
    deployment: str | None = None  # Azure deployment type
    region: str | None = None
    tier: str | None = None
    batch: bool = False
    host: str | None = None
    extra: dict = field(default_factory=dict)

    def expected(self) -> dict[str, Decimal]:
        r = self.rates
        cached = self.cached  # without a cached rate, cached tokens cost the input rate (never less than we know)
        cached_audio = self.audio_cached
        text_cached = cached - cached_audio
        uncached_audio = self.audio_in - cached_audio
        text_in = self.inp - cached - self.write - uncached_audio - self.image_in
        writes_30m = self.write - self.write_12h
        parts = {
            "input": text_in * D(r.input) + self.image_in * D(r.image_in or r.input),
            "cache_read": text_cached * D(r.cached or r.input) + cached_audio * D(r.audio_cached or "0"),
            "cache_write": writes_30m * D(r.write or r.input) + self.write_12h * D(r.write_12h or r.write or r.input),
            "output": (self.out - self.audio_out) * D(r.output),
            "audio_input": uncached_audio * D(r.audio_in or r.input),
            "audio_output": self.audio_out * D(r.audio_out or r.output),
        }
        parts = {name: value / M for name, value in parts.items()}
        parts["total"] = sum(parts.values(), D(0))
        return parts


def openai(id, model, rates, **kw):
    return Case(id, model, rates, **kw)


def azure(id, model, deployment, rates, **kw):
    return Case(id, model, rates, provider=semconv.PROVIDER_AZURE, deployment=deployment, **kw)


CASES = [
    # --- [OAI] standard tier, read 2026-08-27 / LiteLLM 1.110.2 (2026-12-02) ---------------------------------------
    openai("oai-gpt-4o", "gpt-4o-2024-08-06", Rates("2.50", "1.25", "10.00")),
    openai("oai-gpt-4o-0513", "gpt-4o-2024-05-13", Rates("5.00", None, "15.00")),
    openai("oai-gpt-4o-mini", "gpt-4o-mini-2024-07-18", Rates("0.15", "0.075", "0.60")),
    openai("oai-gpt-4.1", "gpt-4.1-2025-04-14", Rates("2.00", "0.50", "8.00")),
    openai("oai-gpt-4.1-mini", "gpt-4.1-mini", Rates("0.40", "0.10", "1.60")),
    openai("oai-gpt-4.1-nano", "gpt-4.1-nano", Rates("0.10", "0.025", "0.40")),
    openai("oai-o1", "o1-2024-12-17", Rates("15.00", "7.50", "60.00")),
    openai("oai-o3", "o3-2025-04-16", Rates("2.00", "0.50", "8.00")),
    openai("oai-o3-mini", "o3-mini", Rates("1.10", "0.55", "4.40")),
    openai("oai-o4-mini", "o4-mini-2025-04-16", Rates("1.10", "0.275", "4.40")),
    openai("oai-gpt-5", "gpt-5-2025-08-07", Rates("1.25", "0.125", "10.00")),
    openai("oai-gpt-5-mini", "gpt-5-mini", Rates("0.25", "0.025", "2.00")),
    openai("oai-gpt-5-nano", "gpt-5-nano", Rates("0.05", "0.005", "0.40")),
    openai("oai-gpt-5.1", "gpt-5.1", Rates("1.25", "0.125", "10.00")),
    openai("oai-gpt-5.2", "gpt-5.2", Rates("1.75", "0.175", "14.00")),
    openai("oai-gpt-5.4", "gpt-5.4", Rates("2.50", "0.25", "15.00")),
    openai("oai-gpt-5.4-mini", "gpt-5.4-mini", Rates("0.75", "0.075", "4.50")),
    openai("oai-gpt-5.5", "gpt-5.5", Rates("5.00", "0.50", "30.00")),
    openai("oai-gpt-5.5-pro", "gpt-5.5-pro", Rates("30.00", None, "180.00"), cached=0),
    openai("oai-gpt-5.6-terra", "gpt-5.6-terra", Rates("2.00", "0.20", "12.00", write="2.50")),
    openai("oai-gpt-6-sol", "gpt-6-sol", Rates("2.00", "0.20", "10.00", write="2.50")),
    openai("oai-gpt-6-luna", "gpt-6-luna", Rates("0.10", "0.01", "0.50", write="0.125")),
    openai("oai-emb-3-small", "text-embedding-3-small", Rates("0.02"), inp=6_000, cached=0, out=0),
    openai("oai-emb-3-large", "text-embedding-3-large", Rates("0.13"), inp=6_000, cached=0, out=0),
    # --- [OAI] Batch API (tier "batch"), same dates ------------------------------------------------------------------
    openai("oai-batch-gpt-4o-mini", "gpt-4o-mini", Rates("0.075", None, "0.30"), cached=0, batch=True),
    openai("oai-batch-gpt-4.1", "gpt-4.1", Rates("1.00", None, "4.00"), cached=0, batch=True),
    openai("oai-batch-gpt-5", "gpt-5", Rates("0.625", "0.0625", "5.00"), batch=True),
    openai("oai-batch-gpt-5.4", "gpt-5.4", Rates("1.25", "0.13", "7.50"), batch=True),
    openai("oai-batch-o3", "o3", Rates("1.00", None, "4.00"), cached=0, batch=True),
    openai("oai-batch-gpt-6-sol", "gpt-6-sol", Rates("1.00", "0.10", "5.00", write="1.25"), batch=True),
    # --- [OAI] Flex tier ---------------------------------------------------------------------------------------------
    openai("oai-flex-gpt-5", "gpt-5", Rates("0.625", "0.0625", "5.00"), tier="flex"),
    openai("oai-flex-gpt-5-mini", "gpt-5-mini", Rates("0.125", "0.0125", "1.00"), tier="flex"),
    openai("oai-flex-o3", "o3", Rates("1.00", "0.25", "4.00"), tier="flex"),
    openai("oai-flex-o4-mini", "o4-mini", Rates("0.55", "0.138", "2.20"), tier="flex"),
    openai("oai-flex-gpt-5.5", "gpt-5.5", Rates("2.50", "0.25", "15.00"), tier="flex"),
    openai("oai-flex-gpt-6-sol", "gpt-6-sol", Rates("1.00", "0.10", "5.00", write="1.25"), tier="flex"),
    # --- [OAI] Priority tier -----------------------------------------------------------------------------------------
    openai("oai-prio-gpt-4o", "gpt-4o", Rates("4.25", "2.125", "17.00"), tier="priority"),
    openai("oai-prio-gpt-4.1", "gpt-4.1", Rates("3.50", "0.875", "14.00"), tier="priority"),
    openai("oai-prio-gpt-5", "gpt-5", Rates("2.50", "0.25", "20.00"), tier="priority"),
    openai("oai-prio-gpt-5.4", "gpt-5.4", Rates("5.00", "0.50", "30.00"), tier="priority"),
    openai("oai-prio-gpt-5.5", "gpt-5.5", Rates("12.50", "1.25", "75.00"), tier="priority"),
    openai("oai-prio-gpt-6-sol", "gpt-6-sol", Rates("4.00", "0.40", "20.00", write="5.00"), tier="priority"),
    # --- [OAI] prompt-cache writes (30-minute; 12-hour where the page lists it) -------------------------------------
    openai("oai-write-gpt-6-sol", "gpt-6-sol", Rates("2.00", "0.20", "10.00", write="2.50"), write=30_000),
    openai("oai-write-gpt-6-astra", "gpt-6-astra", Rates("10.00", "1.00", "50.00", write="12.50"), write=30_000),
    openai("oai-write-gpt-6-luna", "gpt-6-luna", Rates("0.10", "0.01", "0.50", write="0.125"), write=30_000),
    openai("oai-write-gpt-6.1-sol", "gpt-6.1-sol", Rates("2.00", "0.10", "10.00", write="2.50"), write=30_000),
    openai("oai-write-gpt-5.6-sol", "gpt-5.6-sol", Rates("4.00", "0.40", "20.00", write="5.00"), write=30_000),
    openai(
        "oai-write-12h-gpt-6-sol",
        "gpt-6-sol",
        Rates("2.00", "0.20", "10.00", write="2.50", write_12h="5.00"),
        write=30_000,
        write_12h=10_000,
    ),
    # --- [OAI] audio and realtime token rates ------------------------------------------------------------------------
    # The example: gpt-audio, 1,200 in (1,000 audio) / 600 out (500 audio) = $0.0655.
    openai(
        "oai-audio-issue-example",
        "gpt-audio",
        Rates("2.50", None, "10.00", audio_in="32.00", audio_out="64.00"),
        inp=1_200,
        cached=0,
        out=600,
        audio_in=1_000,
        audio_out=500,
        extra={"total": "0.0655"},
    ),
    openai(
        "oai-audio-mini",
        "gpt-audio-mini",
        Rates("0.60", None, "2.40", audio_in="10.00", audio_out="20.00"),
        cached=0,
        audio_in=60_000,
        audio_out=8_000,
    ),
    openai(
        "oai-audio-4o-preview",
        "gpt-4o-audio-preview-2024-12-17",
        Rates("2.50", None, "10.00", audio_in="40.00", audio_out="80.00"),
        cached=0,
        audio_in=50_000,
        audio_out=5_000,
    ),
    openai(
        "oai-audio-4o-mini-preview",
        "gpt-4o-mini-audio-preview-2024-12-17",
        Rates("0.15", None, "0.60", audio_in="10.00", audio_out="20.00"),
        cached=0,
        audio_in=50_000,
        audio_out=5_000,
    ),
    openai(
        "oai-realtime-cached-audio",
        "gpt-realtime",
        Rates("4.00", "0.40", "16.00", audio_in="32.00", audio_cached="0.40", audio_out="64.00"),
        audio_in=70_000,
        audio_cached=15_000,
        audio_out=6_000,
    ),
    openai(
        "oai-realtime-mini-cached-audio",
        "gpt-realtime-mini",
        Rates("0.60", "0.06", "2.40", audio_in="10.00", audio_cached="0.30", audio_out="20.00"),
        audio_in=70_000,
        audio_cached=15_000,
        audio_out=6_000,
    ),
    openai(
        "oai-realtime-image-in",
        "gpt-realtime",
        Rates("4.00", "0.40", "16.00", audio_in="32.00", audio_cached="0.40", audio_out="64.00", image_in="5.00"),
        cached=0,
        image_in=30_000,
    ),
    # --- [OAI] fine-tuned inference, with the cached-input rate ----------------------------------------------------
    openai("oai-ft-4o-mini", "ft:gpt-4o-mini-2024-07-18:acme::9abc", Rates("0.30", "0.15", "1.20")),
    openai("oai-ft-4o", "ft:gpt-4o-2024-08-06:acme:support:7xyz", Rates("3.75", "1.875", "15.00")),
    openai("oai-ft-4.1", "ft:gpt-4.1-2025-04-14:acme::1", Rates("3.00", "0.75", "12.00")),
    openai("oai-ft-4.1-mini", "ft:gpt-4.1-mini-2025-04-14:acme::2", Rates("0.80", "0.20", "3.20")),
    openai("oai-ft-4.1-nano", "ft:gpt-4.1-nano-2025-04-14:acme::3", Rates("0.20", "0.05", "0.80")),
    openai("oai-ft-o4-mini", "ft:o4-mini-2025-04-16:acme::4", Rates("4.00", "1.00", "16.00")),
    openai("oai-ft-gpt-4-0613", "ft:gpt-4-0613:acme::5", Rates("30.00", None, "60.00"), inp=6_000, cached=0, out=1_000),
    openai("oai-ft-gpt-35-0125", "ft:gpt-3.5-turbo-0125:acme::6", Rates("3.00", None, "6.00"), inp=6_000, cached=0, out=1_000),
    # --- [RES] regional processing endpoints ---------------------------------------------------------------------
    openai("res-eu-gpt-5.4", "gpt-5.4", Rates("2.75", "0.275", "16.50"), host="eu.api.openai.com"),
    openai("res-us-gpt-5.5", "gpt-5.5", Rates("5.50", "0.55", "33.00"), host="us.api.openai.com"),
    openai("res-eu-gpt-6-sol", "gpt-6-sol", Rates("2.20", "0.22", "11.00", write="2.75"), host="eu.api.openai.com"),
    openai("res-eu-gpt-5.6-luna", "gpt-5.6-luna", Rates("0.22", "0.022", "1.32"), host="eu.api.openai.com"),
    openai("res-eu-gpt-4o-no-uplift", "gpt-4o", Rates("2.50", "1.25", "10.00"), host="eu.api.openai.com"),
    openai("res-us-gpt-4.1-no-uplift", "gpt-4.1", Rates("2.00", "0.50", "8.00"), host="us.api.openai.com"),
    openai("res-global-host-no-uplift", "gpt-5.4", Rates("2.50", "0.25", "15.00"), host="api.openai.com"),
    # --- [AZM] Azure Global Standard (meters "... glbl" / "... Gl") --------------------------------------------------
    # gpt-4o-0806-Inp-glbl 0.0025/1K, gpt-4o-0806-Outp-glbl 0.01/1K, gpt 4o 0806 cached Inp glbl 0.00125/1K
    azure("az-gs-gpt-4o", "gpt-4o-2024-08-06", "global_standard", Rates("2.50", "1.25", "10.00")),
    # gpt-4o-mini-0718-Inp-glbl 0.00015/1K, -Outp-glbl 0.0006/1K, gpt 4o mini 0718 cached Inp glbl 7.5e-05/1K
    azure("az-gs-gpt-4o-mini", "gpt-4o-mini-2024-07-18", "global_standard", Rates("0.15", "0.075", "0.60")),
    # gpt 4.1 Inp glbl 0.002/1K, Outp glbl 0.008/1K, cached Inp glbl 0.0005/1K
    azure("az-gs-gpt-4.1", "gpt-4.1-2025-04-14", "global_standard", Rates("2.00", "0.50", "8.00")),
    # GPT 5 Inpt Glbl 1.25/1M, outpt Glbl 10.0/1M, cchd Inpt Glbl 0.125/1M
    azure("az-gs-gpt-5", "gpt-5-2025-08-07", "global_standard", Rates("1.25", "0.125", "10.00")),
    # 5.4 inp Gl 2.5/1M, 5.4 opt Gl 15.0/1M, 5.4 cd inp Gl 0.25/1M
    azure("az-gs-gpt-5.4", "gpt-5.4", "global_standard", Rates("2.50", "0.25", "15.00")),
    # 5.4 longco inp Gl 5.0/1M, 5.4 longco opt Gl 22.5/1M: a 300k-token input bills wholly at the long rate
    azure("az-gs-gpt-5.4-long", "gpt-5.4", "global_standard", Rates("5.00", None, "22.50"), inp=300_000, cached=0),
    # o3 0416 Inp glbl 0.002/1K, Outp glbl 0.008/1K, cached Inp glbl 0.0005/1K
    azure("az-gs-o3", "o3-2025-04-16", "global_standard", Rates("2.00", "0.50", "8.00")),
    # o4-mini 0416 Inp glbl 0.0011/1K, Outp glbl 0.0044/1K, cached Inp glbl 0.000275/1K
    azure("az-gs-o4-mini", "o4-mini-2025-04-16", "global_standard", Rates("1.10", "0.275", "4.40")),
    # text-embedding-3-small-glbl 2e-05/1K
    azure("az-gs-emb-3-small", "text-embedding-3-small", "global_standard", Rates("0.02"), inp=6_000, cached=0, out=0),
    # 5.6 sol ShortCo Inp Std Gl 5.0, Opt 30.0, Cd Inp 0.5, Cd Wr 6.25 (/1M)
    azure(
        "az-gs-gpt-5.6-sol-write",
        "gpt-5.6-sol",
        "global_standard",
        Rates("5.00", "0.50", "30.00", write="6.25"),
        write=30_000,
    ),
    # The gpt-5.6 alias is gpt-5.6-sol on Azure (LiteLLM 1.110.2 azure/gpt-5.6 carries sol's rates).
    azure("az-gs-gpt-5.6-alias", "gpt-5.6", "global_standard", Rates("5.00", "0.50", "30.00")),
    # [AZL] azure/gpt-6-sol: 2.0 / cached 0.2 / write 2.5 / 10.0
    azure("az-gs-gpt-6-sol", "gpt-6-sol", "global_standard", Rates("2.00", "0.20", "10.00", write="2.50"), write=10_000),
    # [AZL] azure/gpt-5.5-pro: 30 / cached 3 / 180
    azure("az-gs-gpt-5.5-pro", "gpt-5.5-pro", "global_standard", Rates("30.00", "3.00", "180.00")),
    # [AZL] azure/model-router: 0.14 per 1M input, output billed by the routed model (0 here)
    azure("az-gs-model-router", "model-router", "global_standard", Rates("0.14", None, "0"), cached=0),
    # --- [AZM] Azure Data Zone Standard (meters "... Data Zone" / "... DZone" / "... Dz") --------------------------------
    # gpt 4o 0806 Inp Data Zone 0.00275/1K, Outp 0.011/1K, cached Inp 0.001375/1K
    azure("az-dz-gpt-4o", "gpt-4o-2024-08-06", "data_zone_standard", Rates("2.75", "1.375", "11.00")),
    # gpt 4o mini 0718 Inp Data Zone 0.000165/1K, Outp 0.00066/1K, cached 8.3e-05/1K
    azure("az-dz-gpt-4o-mini", "gpt-4o-mini-2024-07-18", "data_zone_standard", Rates("0.165", "0.083", "0.66")),
    # gpt 4.1 Inp Data Zone 0.0022/1K, Outp 0.0088/1K, cached 0.00055/1K
    azure("az-dz-gpt-4.1", "gpt-4.1-2025-04-14", "data_zone_standard", Rates("2.20", "0.55", "8.80")),
    # GPT 5 Inpt DZone 1.375, outpt DZone 11.0, cchd Inpt DZone 0.1375 (/1M)
    azure("az-dz-gpt-5", "gpt-5-2025-08-07", "data_zone_standard", Rates("1.375", "0.1375", "11.00")),
    # 5.4 inp Dz 2.75, opt Dz 16.5, cd inp Dz 0.275 (/1M; the 13 US/EU regions)
    azure("az-dz-gpt-5.4", "gpt-5.4", "data_zone_standard", Rates("2.75", "0.275", "16.50")),
    # 5.6 sol ShortCo Inp Std DZ 5.5, Opt 33.0, Cd Inp 0.55, Cd Wr 6.875 (/1M)
    azure(
        "az-dz-gpt-5.6-sol-write",
        "gpt-5.6-sol",
        "data_zone_standard",
        Rates("5.50", "0.55", "33.00", write="6.875"),
        write=30_000,
    ),
    # 5.6 luna ShortCo Inp Std DZ 1.1, Opt 6.6, Cd Inp 0.11 (/1M)
    azure("az-dz-gpt-5.6-luna", "gpt-5.6-luna", "data_zone_standard", Rates("1.10", "0.11", "6.60")),
    # text embedding 3 small DZ 2.2e-05/1K (the 13 US/EU regions)
    azure("az-dz-emb-3-small", "text-embedding-3-small", "data_zone_standard", Rates("0.022"), inp=6_000, cached=0, out=0),
    # 4o mini 0718 ft inp Dz 0.000165/1K, opt Dz 0.00066/1K, cd inp Dz 8.3e-05/1K (the renamed fine-tune meters)
    azure("az-dz-ft-4o-mini", "gpt-4o-mini-2024-07-18.ft-0123abcd", "data_zone_standard", Rates("0.165", "0.083", "0.66")),
    # 4.1 ft inp Dz 0.0022/1K, opt Dz 0.0088/1K, cd inp Dz 0.00055/1K
    azure("az-dz-ft-4.1", "gpt-4.1-2025-04-14.ft-77aa", "data_zone_standard", Rates("2.20", "0.55", "8.80")),
    # [AZL] azure/eu/gpt-6-sol: 2.4 / cached 0.24 / write 3.0 / 12.0
    azure("az-dz-gpt-6-sol", "gpt-6-sol", "data_zone_standard", Rates("2.40", "0.24", "12.00", write="3.00"), write=10_000),
    # --- [AZM] Azure Regional Standard ("... regnl"), with the region's own meter price -----------------------------
    # gpt 4.1 Inp regnl 0.0022/1K, Outp regnl 0.0088/1K, cached Inp regnl 0.00055/1K (eastus2, 2025-11-01)
    azure("az-rg-gpt-4.1-eastus2", "gpt-4.1", "regional_standard", Rates("2.20", "0.55", "8.80"), region="eastus2"),
    # the same meters in swedencentral: 0.00242 / 0.00968 / 0.000605 per 1K
    azure(
        "az-rg-gpt-4.1-sweden", "gpt-4.1", "regional_standard", Rates("2.42", "0.605", "9.68"), region="swedencentral"
    ),
    # --- [AZM] Azure batch ---------------------------------------------------------------------------------------------
    # gpt 4.1 Batch Inp glbl 0.001/1K, Batch Outp glbl 0.004/1K
    azure("az-gb-gpt-4.1", "gpt-4.1", "global_batch", Rates("1.00", None, "4.00"), cached=0),
    # gpt 4.1 Batch Inp Data Zone 0.0011/1K, Batch Outp Data Zone 0.0044/1K
    azure("az-db-gpt-4.1", "gpt-4.1", "data_zone_batch", Rates("1.10", None, "4.40"), cached=0),
    # gpt 4o 0806 Batch Inp Data Zone 0.001375/1K, Batch Outp Data Zone 0.0055/1K
    azure("az-db-gpt-4o", "gpt-4o-2024-08-06", "data_zone_batch", Rates("1.375", None, "5.50"), cached=0),
    # GPT 5 Batch Inpt Glbl 0.625/1M, Batch outpt Glbl 5.0/1M
    azure("az-gb-gpt-5", "gpt-5", "global_batch", Rates("0.625", None, "5.00"), cached=0),
    # o3 0416 Batch Inp glbl 0.001/1K, Batch Outp glbl 0.004/1K
    azure("az-gb-o3", "o3", "global_batch", Rates("1.00", None, "4.00"), cached=0),
    # 5.4 Batch inp Gl 1.25/1M, 5.4 Batch opt Gl 7.5/1M
    azure("az-gb-gpt-5.4", "gpt-5.4", "global_batch", Rates("1.25", None, "7.50"), cached=0),
    # No luna batch meter: Azure's published batch discount, 50% of Data Zone Standard 1.1 / 6.6.
    azure("az-db-gpt-5.6-luna-derived", "gpt-5.6-luna", "data_zone_batch", Rates("0.55", None, "3.30"), cached=0),
    # --- [AZM] Azure priority processing ("pp") ----------------------------------------------------------------------
    # 5 pp inp Gl 2.5, 5 pp opt Gl 20.0, 5 pp cd inp Gl 0.25 (/1M)
    azure("az-pp-gpt-5", "gpt-5", "global_standard", Rates("2.50", "0.25", "20.00"), tier="priority"),
    # 4.1 pp inp Gl 0.0035/1K, opt Gl 0.014/1K, cd inp Gl 0.000875/1K
    azure("az-pp-gpt-4.1", "gpt-4.1", "global_standard", Rates("3.50", "0.875", "14.00"), tier="priority"),
    # --- [AZM] Azure audio and realtime --------------------------------------------------------------------------------
    # gpt aud 0828 txt Inp glbl 0.0025/1K, txt Outp glbl 0.01/1K, Inp glbl 0.04/1K (audio), Outp glbl 0.08/1K (audio)
    azure(
        "az-gs-gpt-audio",
        "gpt-audio-2025-08-28",
        "global_standard",
        Rates("2.50", None, "10.00", audio_in="40.00", audio_out="80.00"),
        cached=0,
        audio_in=60_000,
        audio_out=8_000,
    ),
    # gpt aud 0828 txt Inp DZone 0.00275/1K, txt Outp DZone 0.011/1K, Inp DZone 0.044/1K, Outp DZone 0.088/1K
    azure(
        "az-dz-gpt-audio",
        "gpt-audio",
        "data_zone_standard",
        Rates("2.75", None, "11.00", audio_in="44.00", audio_out="88.00"),
        cached=0,
        audio_in=60_000,
        audio_out=8_000,
    ),
    # gpt rt txt 0828 Inp glbl 0.004/1K, cchd 0.0004/1K, Outp 0.016/1K; gpt rt aud 0828 Inp glbl 0.032/1K,
    # cchd Inp glbl 0.0004/1K, Outp glbl 0.064/1K; gpt rt img 0828 Inp glbl 0.005/1K
    azure(
        "az-gs-gpt-realtime",
        "gpt-realtime-2025-08-28",
        "global_standard",
        Rates("4.00", "0.40", "16.00", audio_in="32.00", audio_cached="0.40", audio_out="64.00", image_in="5.00"),
        audio_in=50_000,
        audio_cached=10_000,
        audio_out=6_000,
        image_in=5_000,
    ),
    # gpt rt txt mn in gl 1215 0.6, cd in 0.06, Out 2.4; gpt rt aud mn in gl 1215 10.0, cd in 0.3, out 20.0 (/1M)
    azure(
        "az-gs-gpt-realtime-mini",
        "gpt-realtime-mini-2025-12-15",
        "global_standard",
        Rates("0.60", "0.06", "2.40", audio_in="10.00", audio_cached="0.30", audio_out="20.00"),
        audio_in=50_000,
        audio_cached=10_000,
        audio_out=6_000,
    ),
    # --- [AZM] Azure fine-tuned inference (Global) ----------------------------------------------------------------
    # gpt-4o-mini-0718-FT-inp-glbl 0.00015/1K, -FT-Outp-glbl 0.0006/1K, -cached-FT-inp-glbl 7.5e-05/1K
    azure("az-gs-ft-4o-mini", "gpt-4o-mini-2024-07-18.ft-0123abcd", "global_standard", Rates("0.15", "0.075", "0.60")),
    # gpt-4.1-ft input global 0.002/1K, output global 0.008/1K, cached input global 0.0005/1K
    azure("az-gs-ft-4.1", "gpt-4.1-2025-04-14.ft-77aa", "global_standard", Rates("2.00", "0.50", "8.00")),
    # o4-mini-ft input global 0.0011/1K, output global 0.0044/1K, cached input global 0.000275/1K
    azure("az-gs-ft-o4-mini", "o4-mini-2025-04-16.ft-5b", "global_standard", Rates("1.10", "0.275", "4.40")),
]


def _price(case: Case):
    deployment = None
    if case.deployment is not None:
        deployment = Deployment(name="my-deployment", model=case.model, type=case.deployment, region=case.region)
    usage = Usage(
        input_tokens=case.inp,
        output_tokens=case.out,
        cache_read_tokens=case.cached,
        cache_write_tokens=case.write,
        cache_write_12h_tokens=case.write_12h,
        input_audio_tokens=case.audio_in,
        cache_read_audio_tokens=case.audio_cached,
        output_audio_tokens=case.audio_out,
        input_image_tokens=case.image_in,
    )
    request = PricingRequest(
        operation=semconv.OP_CHAT,
        usage=usage,
        request_model=case.model,
        response_model=case.model,
        deployment=deployment,
        service_tier=case.tier,
        provider=case.provider,
        batch=case.batch,
        server_address=case.host,
        when=WHEN,
    )
    return Pricer(Settings()).price(request)


def test_the_table_is_big_enough():
    assert len(CASES) >= 80
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_price(case: Case):
    cost = _price(case)
    assert cost.status == semconv.STATUS_PRICED, (cost.status, cost.source)
    expected = case.expected()
    if "total" in case.extra:
        assert expected["total"] == D(case.extra["total"])  # the formula agrees with the issue's own figure
    assert cost.total == expected["total"], (cost.total, expected, cost.source)
    assert cost.input == expected["input"]
    assert cost.cache_read == expected["cache_read"]
    assert cost.cache_write == expected["cache_write"]
    assert cost.output == expected["output"]
    assert cost.audio_input == expected["audio_input"]
    assert cost.audio_output == expected["audio_output"]
    components = [cost.input, cost.cache_read, cost.cache_write, cost.output, cost.audio_input, cost.audio_output]
    assert cost.image_output + sum(components, D(0)) == cost.total
