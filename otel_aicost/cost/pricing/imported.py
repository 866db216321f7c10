"""A dated local price catalog written by ``otel-aicost prices import`` (``OTEL_AICOST_PRICES`` / ``prices_file``).

Offline users refresh prices without upgrading: ``prices import FILE`` turns a genai-prices snapshot, an Azure
Retail Prices API page dump or LiteLLM's price table into this one format (USD per 1M tokens), validated; the
config points at it and every call it prices names it in ``aicost.pricing.source``. It wins over the shipped
catalogs and loses to the config file's own ``[[prices]]``.

Format ``otel-aicost-prices/1``::

    {"format": "otel-aicost-prices/1", "source": "litellm table imported 2026-12-02", "imported_at": "2026-12-02",
     "unit": "USD per 1M tokens",
     "openai": {"gpt-4o": {"input": "2.5", "cached_input": "1.25", "output": "10"}},
     "azure": {"gpt-4o": {"global_standard": {"input": "2.5", ...}, "data_zone_standard": {...}}}}

Optional per price: every rate of ``entry.OPTIONAL_RATES``, ``effective_from`` and ``valid_until`` (ISO dates).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from otel_aicost.cost.pricing.entry import OPTIONAL_RATES, PriceEntry
from otel_aicost.cost.pricing.names import fine_tuned_base, normalise, without_date
from otel_aicost.quoting import show, without_credentials

FORMAT = "otel-aicost-prices/1"
MAX_RATE = Decimal(10_000)  # USD per 1M tokens: no model costs this much; a bigger value is a unit mistake
RATES = ("input", "output") + OPTIONAL_RATES


class CatalogError(ValueError):
    """A price file that cannot be used: the message names the file, the key and what is wrong."""


def check_rates(where: str, row: Any) -> dict[str, Decimal]:
    """The validated rates of one price row (``where`` names it in errors)."""
    if not isinstance(row, dict):
        raise CatalogError(f"{where}: expected a table of rates, got {type(row).__name__}")
    unknown = sorted(set(row) - set(RATES) - {"effective_from", "valid_until"})
    if unknown:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(unknown)}")
    if "input" not in row:
        raise CatalogError(f"{where}: missing 'input' (USD per 1M input tokens)")
    rates: dict[str, Decimal] = {}
    for key in RATES:
        if key not in row or row[key] is None:
            continue
        value = row[key]
        if isinstance(value, bool):
            raise CatalogError(f"{where}.{key}: expected a number, got {show(value)}")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise CatalogError(f"{where}.{key}: expected a number, got {show(value)}") from None
        if not number.is_finite() or number < 0:
            raise CatalogError(f"{where}.{key}: must be a finite number >= 0, got {show(value)}")
        if number > MAX_RATE:
            raise CatalogError(
                f"{where}.{key}: {value} USD per 1M tokens is absurd (above {MAX_RATE}); prices are per 1M tokens"
            )
        rates[key] = number
    for key in ("effective_from", "valid_until"):
        if key in row and row[key] is not None:
            try:
                date.fromisoformat(str(row[key]))
            except ValueError:
                raise CatalogError(f"{where}.{key}: expected a date like 2026-12-31, got {show(row[key])}") from None
    return rates


def validate(data: Any, where: str) -> dict[str, Any]:
    """``data`` checked against the format; raises ``CatalogError`` naming ``where`` and the key."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogError(f"{where}: not an otel-aicost price catalog (expected \"format\": \"{FORMAT}\")")
    for key in ("source", "imported_at"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise CatalogError(f"{where}: missing '{key}'")
    for side in ("openai", "azure"):
        if not isinstance(data.get(side) or {}, dict):
            raise CatalogError(f"{where}: {side}: expected a table of model name -> prices")
    for model, row in (data.get("openai") or {}).items():
        check_rates(f"{where}: openai.{model}", row)
    for model, by_type in (data.get("azure") or {}).items():
        if not isinstance(by_type, dict):
            raise CatalogError(f"{where}: azure.{model}: expected a table of deployment types")
        for kind, row in by_type.items():
            check_rates(f"{where}: azure.{model}.{kind}", row)
    if not data.get("openai") and not data.get("azure"):
        raise CatalogError(f"{where}: no prices (neither 'openai' nor 'azure' has a model)")
    return data


class LocalCatalog:
    """The prices of one imported file."""

    def __init__(self, data: dict[str, Any], path: str) -> None:
        self.path = path
        self.source = str(data["source"])
        self._openai = {normalise(name): row for name, row in (data.get("openai") or {}).items()}
        self._azure = {normalise(name): rows for name, rows in (data.get("azure") or {}).items()}

    def lookup(self, model: str, *, azure: bool, deployment_type: str | None) -> PriceEntry | None:
        name = normalise(model)
        if azure:
            rows = _find(self._azure, name)
            row = rows.get(deployment_type or "global_standard") if rows else None
            if row is not None:
                return _entry(name, row, f"{self.source} ({deployment_type or 'global_standard'})")
            return None
        row = _find(self._openai, name)
        return _entry(name, row, self.source) if row is not None else None

    def model_names(self) -> list[str]:
        return sorted(set(self._openai) | set(self._azure))


def _find(table: dict[str, Any], name: str) -> Any:
    base = fine_tuned_base(name)
    candidates = [name, without_date(name)] + ([f"ft:{base}", f"ft:{without_date(base) or base}"] if base else [])
    for candidate in candidates:
        if candidate and candidate in table:
            return table[candidate]
    return None


def _entry(name: str, row: dict[str, Any], label: str) -> PriceEntry:
    rates = check_rates(label, row)
    return PriceEntry(
        model=name,
        source=label,
        input=rates["input"],
        output=rates.get("output", Decimal(0)),
        effective_from=date.fromisoformat(row["effective_from"]) if row.get("effective_from") else None,
        valid_until=date.fromisoformat(row["valid_until"]) if row.get("valid_until") else None,
        **{key: rates.get(key) for key in OPTIONAL_RATES},  # type: ignore[arg-type]
    )


def load(path: str | Path) -> LocalCatalog:
    """Read and validate a catalog file; ``CatalogError`` names the file and the problem."""
    where = without_credentials(str(path))
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{where}: cannot read the price catalog: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise CatalogError(f"{where}: not UTF-8 text (offset {error.start}): not a price catalog") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogError(f"{where}:{error.lineno}: not JSON: {error.msg}") from None
    return LocalCatalog(validate(data, where), where)
