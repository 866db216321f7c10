"""``otel-aicost prices [MODEL]``: what a call would cost per 1M tokens, where the price comes from, its dates.

``otel-aicost prices import FILE [-o OUT]`` turns a downloaded price file (genai-prices snapshot, Azure Retail
Prices API dump, LiteLLM's table) into a dated local catalog for ``OTEL_AICOST_PRICES`` / ``prices_file``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from otel_aicost import semconv
from otel_aicost.cli._pricing_common import DEPLOYMENT_TYPE, BadInput, emit, money, settings, unknown_model
from otel_aicost.config.settings import Deployment
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.pricing import PriceEntry, azure_prices, openai_prices, supplement
from otel_aicost.cost.pricing.entry import OPTIONAL_RATES

COLUMNS = (
    "model",
    "priced_as",
    "input",
    "cached_input",
    "cache_write",
    "output",
    "currency",
    "per",
    "source",
    "effective_from",
    "valid_until",
)
IMPORT_OUTPUT = "otel-aicost-prices.json"


@click.command("prices")
@click.argument("model", required=False)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help=f"prices import: where to write "
              f"the catalog (default ./{IMPORT_OUTPUT}).")
@click.option("--deployment-type", type=DEPLOYMENT_TYPE, help="Azure deployment type to price for.")
@click.option("--region", help="Azure region of the deployment (where prices differ by region).")
@click.option(
    "--service-tier",
    type=click.Choice(["default", "flex", "priority"]),
    default="default",
    show_default=True,
    help="OpenAI service tier (Azure: priority processing).",
)
@click.option("--batch", is_flag=True, help="OpenAI Batch API price.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def command(
    model: str | None,
    file: str | None,
    output: str | None,
    deployment_type: str | None,
    region: str | None,
    service_tier: str,
    batch: bool,
    as_json: bool,
    fmt: str,
) -> None:
    """Prices per 1M tokens (input, cached input, cache write, output, audio) from the shipped catalog, an
    imported catalog and your config file's overrides. With no MODEL, list every model that can be priced.

    Prices are USD per 1M tokens; with another currency they are shown converted at the config's usd_rate.
    [[prices]] overrides in the config file are USD per 1M tokens too, whatever the currency.

    \b
    otel-aicost prices import FILE [-o OUT]
        write a dated local catalog from a genai-prices snapshot, an Azure Retail Prices API dump or LiteLLM's
        price table; point OTEL_AICOST_PRICES (or prices_file in the config) at it.
    """
    fmt = "json" if as_json else fmt
    if model == "import":
        import_catalog(file, output)
        return
    if file is not None:
        raise BadInput(f"unexpected argument {file!r} (only 'prices import FILE' takes a second argument)")
    pricer = Pricer(settings())
    if model is None:
        names = azure_names(deployment_type) if deployment_type else openai_names()
        names = names + [p for p in pricer.catalog.overrides.patterns() if p not in names]
        rows = [row for name in names if (row := describe(pricer, name, deployment_type, region, service_tier, batch))]
        for row in rows:  # a catalog prefix ('ft:gpt-3.5-turbo-') is a pattern, not a model: show it as a glob
            if row["model"][-1:] in "-:." and row["model"]:
                row["model"] = row["priced_as"] = row["model"] + "*"
        columns = [c for c in COLUMNS if c != "cache_write" or any(r.get(c) is not None for r in rows)]
        emit(rows, fmt, columns)
        if fmt == "table":
            click.echo(unit_note(pricer), err=True)
        return
    if deployment_type == "provisioned":
        raise BadInput("provisioned deployments are billed per PTU-hour; there is no per-token price")
    row = describe(pricer, model, deployment_type, region, service_tier, batch)
    if row is None:
        raise unknown_model(model, known_names(pricer))
    if fmt == "table":
        width = max(len(key) for key in row)
        for key, value in row.items():
            if value is not None:
                click.echo(f"{key.ljust(width)}  {value}")
        click.echo(unit_note(pricer), err=True)
        return
    emit([row], fmt, list(row))


def known_names(pricer: Pricer) -> list[str]:
    """Every model name and pattern the catalog and the config know, for "did you mean"."""
    names = [*openai_names(), *azure_prices.model_names(), *pricer.catalog.overrides.patterns()]
    if pricer.catalog.local is not None:
        names += pricer.catalog.local.model_names()
    return [name for name in names if name[-1:] not in ("-", ":", ".")]  # catalog prefixes are no model names


def openai_names() -> list[str]:
    """OpenAI models priced by genai-prices or, for those it does not know, by the shipped supplement."""
    known = openai_prices.model_ids()
    return known + [name for name in supplement.model_names() if name not in set(known)]


def azure_names(deployment_type: str) -> list[str]:
    kind = "global_standard" if deployment_type == "provisioned" else deployment_type
    return [name for name in azure_prices.model_names() if kind in azure_prices.deployment_types(name)]


def describe(
    pricer: Pricer, model: str, deployment_type: str | None, region: str | None, service_tier: str, batch: bool
) -> dict[str, Any] | None:
    deployment = Deployment(name=model, model=model, type=deployment_type, region=region) if deployment_type else None
    provider = semconv.PROVIDER_AZURE if deployment_type else semconv.PROVIDER_OPENAI
    kind = None if deployment_type == "provisioned" else deployment_type
    if kind is None and deployment is not None:
        deployment = Deployment(name=model, model=model, type="global_standard", region=region)
    request = PricingRequest(
        semconv.OP_CHAT,
        None,
        request_model=model,
        deployment=deployment,
        service_tier=service_tier,
        provider=provider,
        batch=batch,
    )
    entry = pricer.entry(request)
    if entry is None:
        return None
    row = _row(model, entry, pricer)
    if entry.long is not None:
        long = _row(model, entry.long, pricer)
        row["long_context_above_input_tokens"] = entry.long_threshold
        for key in ("input", "cached_input", "cache_write", "output"):
            row[f"long_context_{key}"] = long[key]
    return row


def _row(model: str, entry: PriceEntry, pricer: Pricer) -> dict[str, Any]:
    factor = pricer.factor
    converted = entry.scaled(factor) if pricer.currency != "USD" else entry
    return {
        "model": model,
        "priced_as": entry.model,
        "input": money(converted.input),
        "cached_input": money(converted.cached_input if converted.cached_input is not None else converted.input),
        "cache_write": money(converted.cache_write),  # None (shown "-"): the model bills no cache writes
        "output": money(converted.output),
        **{name: money(getattr(converted, name)) for name in OPTIONAL_RATES[2:] if getattr(converted, name) is not None},
        "currency": pricer.currency,
        "per": "1M tokens",
        "source": entry.describe_source(),
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else None,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
    }


def unit_note(pricer: Pricer) -> str:
    note = f"prices per 1M tokens in {pricer.currency}"
    if pricer.currency != "USD":
        note += f" (USD converted at usd_rate {money(pricer.factor)})"
    if pricer.catalog.overrides:
        note += "; [[prices]] overrides in the config are USD per 1M tokens"
    if pricer.catalog.local is not None:
        note += f"; imported catalog {pricer.catalog.local.path}"
    return note


def import_catalog(file: str | None, output: str | None) -> None:
    """``prices import FILE``: validate and write the local catalog; exit 2 with file and key on bad input."""
    from otel_aicost.cost.pricing import importers
    from otel_aicost.cost.pricing.imported import CatalogError

    if not file:
        raise BadInput("prices import needs a FILE: a genai-prices snapshot, an Azure Retail Prices API dump "
                       "or LiteLLM's model_prices_and_context_window.json")
    try:
        text = Path(file).read_text(encoding="utf-8")
    except OSError as error:
        raise BadInput(f"{file}: cannot read: {error.strerror or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput(f"{file}:{error.lineno}: not JSON: {error.msg}") from None
    try:
        catalog = importers.convert(data, file)
    except CatalogError as error:
        raise BadInput(str(error)) from None
    target = Path(output or IMPORT_OUTPUT)
    target.write_text(json.dumps(catalog, indent=1) + "\n", encoding="utf-8")
    counts = f"{len(catalog['openai'])} OpenAI and {len(catalog['azure'])} Azure models"
    click.echo(f"wrote {target}: {counts} from {catalog['source']}")
    click.echo(f"use it with: export OTEL_AICOST_PRICES={target.resolve()}  (or prices_file in the config)")
