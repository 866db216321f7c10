"""Which price applies: overrides, an imported catalog, Azure deployment-type prices, then OpenAI list prices.

``Catalog.resolve`` is the slow path (dictionary and regex work; the first use reads the shipped price files); the
``Pricer`` in ``otel_aicost.cost.pricer`` caches its answers, so a model is resolved once per day and deployment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal

from otel_aicost import semconv
from otel_aicost.config.settings import PriceOverride
from otel_aicost.cost.pricing import azure_prices, imported, openai_prices, supplement
from otel_aicost.cost.pricing.entry import PriceEntry
from otel_aicost.cost.pricing.overrides import Overrides

BATCH_TYPES = ("global_batch", "data_zone_batch")
STANDARD_OF_BATCH = {"global_batch": "global_standard", "data_zone_batch": "data_zone_standard"}
# OpenAI's regional processing (data residency) hosts: requests there cost more on newer models.
REGIONAL_HOSTS = {"eu.api.openai.com": "eu", "us.api.openai.com": "us"}


def service_tier_of(tier: str | None) -> str:
    """``flex`` / ``priority`` as priced; everything else (``auto``, ``default``, ``scale``, None) is standard."""
    if tier is None:
        return "default"
    tier = tier.strip().lower()
    return tier if tier in ("flex", "priority") else "default"


def residency_of(host: str | None) -> str | None:
    """``eu`` / ``us`` for OpenAI's regional processing hosts, else None."""
    return REGIONAL_HOSTS.get(host.strip().lower()) if isinstance(host, str) else None


class Catalog:
    """All price sources in the order they win. Stateless apart from the user's overrides and imported file."""

    def __init__(self, overrides: Iterable[PriceOverride] = (), local: imported.LocalCatalog | None = None) -> None:
        self.overrides = Overrides(overrides)
        self.local = local

    @classmethod
    def from_settings(cls, settings: object) -> Catalog:
        path = getattr(settings, "prices_file", None)
        return cls(getattr(settings, "prices", ()), imported.load(path) if path else None)

    def resolve(
        self,
        candidates: Sequence[str],
        *,
        provider: str = semconv.PROVIDER_OPENAI,
        deployment_type: str | None = None,
        service_tier: str | None = None,
        region: str | None = None,
        batch: bool = False,
        residency: str | None = None,
        when: datetime | None = None,
    ) -> PriceEntry | None:
        """The price for the first of ``candidates`` (response model, request model, deployment model) known.

        ``deployment_type`` set (or ``provider`` Azure) means Azure pricing; an unknown type prices as Global
        Standard and says so in the entry's notes. ``residency`` (``eu``/``us``) adds OpenAI's regional
        processing uplift where the model has one.
        """
        when = when or datetime.now(timezone.utc)
        names = [name for name in dict.fromkeys(c for c in candidates if c and c.strip())]
        if self.overrides:
            for name in names:
                entry = self.overrides.lookup(name, when.date())
                if entry is not None:
                    return entry
        tier = service_tier_of(service_tier)
        azure = deployment_type is not None or provider == semconv.PROVIDER_AZURE
        if self.local is not None:
            for name in names:
                entry = self.local.lookup(name, azure=azure, deployment_type=deployment_type)
                if entry is not None:
                    return entry
        for name in names:
            entry = self._azure(name, deployment_type, tier, region) if azure else None
            if entry is None:
                entry = self._openai(name, provider, deployment_type, tier, batch, when)
            if entry is not None:
                return self._regional(entry, names, residency) if residency and not azure else entry
        return None

    def _regional(self, entry: PriceEntry, names: Sequence[str], residency: str) -> PriceEntry:
        uplift = supplement.regional_uplift(*names, entry.model)
        if uplift is None:
            return entry.with_notes(f"regional processing ({residency}): no uplift for this model")
        percent = format(((uplift - 1) * 100).normalize(), "f")
        return entry.scaled(uplift).with_notes(f"regional processing ({residency}): +{percent}%")

    def _azure(self, name: str, deployment_type: str | None, tier: str, region: str | None) -> PriceEntry | None:
        notes: list[str] = []
        kind = deployment_type
        if kind not in semconv.DEPLOYMENT_TYPES or kind == "provisioned":
            if kind != "provisioned":
                notes.append("deployment type unknown; priced as global_standard")
            kind = azure_prices.GLOBAL_STANDARD
        wanted = "priority" if tier == "priority" else "default"
        if tier == "flex":
            notes.append("Azure has no flex tier; standard price")
        entry = azure_prices.lookup(name, kind, wanted, region)
        if entry is None and wanted == "priority":
            entry = azure_prices.lookup(name, kind, "default", region)
            if entry is not None:
                notes.append("no priority price; standard price")
        if entry is None and kind in BATCH_TYPES:
            standard = azure_prices.lookup(name, STANDARD_OF_BATCH[kind], "default", region)
            if standard is not None:  # the generator derives these; a model without a standard row lands here
                entry = standard.scaled(Decimal("0.5"))
                notes.append(f"no {kind} price: 50% of {STANDARD_OF_BATCH[kind]} (Azure's batch discount)")
        if entry is None and kind not in BATCH_TYPES and kind != azure_prices.GLOBAL_STANDARD:
            entry = azure_prices.lookup(name, azure_prices.GLOBAL_STANDARD, wanted, region)
            if entry is not None:
                notes.append(f"no {kind} price; global_standard")
        return entry.with_notes(*notes) if entry is not None else None

    def _openai(
        self, name: str, provider: str, deployment_type: str | None, tier: str, batch: bool, when: datetime
    ) -> PriceEntry | None:
        is_azure = deployment_type is not None or provider == semconv.PROVIDER_AZURE
        batch = batch or deployment_type in BATCH_TYPES
        wanted = "batch" if batch else tier
        entry = openai_prices.lookup(
            name, provider="azure" if is_azure else "openai", service_tier=tier, batch=batch, when=when
        )
        if entry is None:
            entry = supplement.lookup(name, wanted)
        else:
            entry = supplement.fill(entry, name, wanted)
        if entry is None:
            return None
        if is_azure:
            if deployment_type in semconv.DEPLOYMENT_TYPES:
                return entry.with_notes(f"no Azure {deployment_type} price; OpenAI list price")
            return entry.with_notes("deployment type unknown; no Azure price; OpenAI list price")
        return entry

    def model_names(self) -> list[str]:
        """Every model name the shipped catalogs price (OpenAI and Azure), plus the user's override patterns."""
        names = set(openai_prices.model_ids()) | set(azure_prices.model_names())
        if self.local is not None:
            names |= set(self.local.model_names())
        return sorted(names) + [p for p in self.overrides.patterns() if p not in names]


def today() -> date:
    return datetime.now(timezone.utc).date()
