"""``otel-aicost prices [MODEL]``: what a call would cost per 1M tokens, where the price comes from, its date."""

from __future__ import annotations

from typing import Any

import click

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment
from otel_aicost.cost.pricer import Pricer, PricingRequest
from otel_aicost.cost.pricing import PriceEntry
from otel_aicost.cost.pricing import azure_prices
from otel_aicost.cost.pricing import openai_prices
from otel_aicost.cli._pricing_common import DEPLOYMENT_TYPE, BadInput, emit, money, settings, unknown_model

COLUMNS = (
    "model",
    "priced_as",
    "input",
    "cached_input",
    "cache_write",
    "output",
    "currency",
    "source",
    "effective_from",
)


@click.command("prices")
@click.argument("model", required=False)
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
    deployment_type: str | None,
    region: str | None,
    service_tier: str,
    batch: bool,
    as_json: bool,
    fmt: str,
) -> None:
    """Prices per 1M tokens (input, cached input, cache write, output) from the shipped catalog and your
    config file's overrides. With no MODEL, list every model that can be priced."""
    fmt = "json" if as_json else fmt
    pricer = Pricer(settings())
    if model is None:
        names = azure_names(deployment_type) if deployment_type else openai_prices.model_ids()
        names = names + [p for p in pricer.catalog.overrides.patterns() if p not in names]
        rows = [row for name in names if (row := describe(pricer, name, deployment_type, region, service_tier, batch))]
        for row in rows:  # a catalog prefix ('ft:gpt-3.5-turbo-') is a pattern, not a model: show it as a glob
            if row["model"][-1:] in "-:." and row["model"]:
                row["model"] = row["priced_as"] = row["model"] + "*"
        columns = [c for c in COLUMNS if c != "cache_write" or any(r.get(c) is not None for r in rows)]
        emit(rows, fmt, columns)
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
        return
    emit([row], fmt, list(row))


def known_names(pricer: Pricer) -> list[str]:
    """Every model name and pattern the catalog and the config know, for "did you mean"."""
    names = [*openai_prices.model_ids(), *azure_prices.model_names(), *pricer.catalog.overrides.patterns()]
    return [name for name in names if name[-1:] not in ("-", ":", ".")]  # catalog prefixes are no model names


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
    factor = pricer._factor
    converted = entry.scaled(factor) if pricer.currency != "USD" else entry
    return {
        "model": model,
        "priced_as": entry.model,
        "input": money(converted.input),
        "cached_input": money(converted.cached_input if converted.cached_input is not None else converted.input),
        "cache_write": money(converted.cache_write),  # None (shown "-"): the model bills no cache writes
        "output": money(converted.output),
        "currency": pricer.currency,
        "per": "1M tokens",
        "source": entry.describe_source(),
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else None,
    }
