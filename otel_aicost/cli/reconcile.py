"""``otel-aicost reconcile``: telemetry against the Azure bill (a Cost Management FOCUS export), showback, gateway."""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation

import click

from otel_aicost.cli._outputs import make_folder_for
from otel_aicost.finops.focus.write import format_decimal
from otel_aicost.finops.reconcile import ExportError, days_window, read_export, read_telemetry, reconcile
from otel_aicost.finops.reconcile.allocate import BASES, allocate
from otel_aicost.finops.reconcile.gateway import DEFAULT_TOLERANCE as GATEWAY_TOLERANCE
from otel_aicost.finops.reconcile.gateway import compare, read_gateway, tag_keys
from otel_aicost.finops.reconcile.match import DEFAULT_LAG_DAYS, DEFAULT_TOLERANCE
from otel_aicost.finops.reconcile.output import (
    GATEWAY_COLUMNS,
    GROUP_COLUMNS,
    SHOWBACK_COLUMNS,
    gateway_rows,
    gateway_table,
    group_rows,
    showback_rows,
    to_csv,
    to_json,
    to_table,
)  # fmt: skip
from otel_aicost.finops.telemetry_input import InputError, check_stats, input_paths, run_reader, window

DEFAULT_METRIC_TAGS = ("cost_center", "team", "application", "environment", "feature")


def _aliases(values: tuple[str, ...]) -> dict[str, str]:
    aliases = {}
    for value in values:
        host, sep, account = value.partition("=")
        if not sep or not host.strip() or not account.strip():
            raise click.BadParameter(f"{value!r}: expected HOST=ACCOUNT", param_hint="--account")
        aliases[host.strip().lower()] = account.strip()
    return aliases


def _percent(value: str, option: str) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or number > 100:
        raise click.BadParameter(f"{value!r} is not a percentage between 0 and 100", param_hint=option)
    return number / 100


@click.command("reconcile")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))
@click.option(
    "--export", "exports", multiple=True, metavar="PATH",
    help="Cost Management FOCUS cost export: CSV/Parquet file, folder, or FinOps hub storage folder (repeatable).",
)  # fmt: skip
@click.option("--gateway", metavar="FILE", help="API Management token metrics (customMetrics or Azure Monitor export).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--allocate", "allocate_", is_flag=True, help="Write showback rows (-o): each billed row split by tags.")
@click.option("--basis", type=click.Choice(BASES), default="tokens", show_default=True, help="Showback split basis.")
@click.option("-o", "--output", type=click.Path(), help="Showback CSV (with --allocate).")
@click.option(
    "--cost-column", type=click.Choice(["BilledCost", "EffectiveCost"]), default="BilledCost", show_default=True,
    help="EffectiveCost spreads commitment purchases (PTU reservations) over their usage.",
)  # fmt: skip
@click.option(
    "--account", "accounts", multiple=True, metavar="HOST=ACCOUNT",
    help="Map an endpoint host (or its first label) to a Cognitive Services account: custom subdomains, gateways.",
)  # fmt: skip
@click.option("--lag-days", type=click.IntRange(0, 31), default=DEFAULT_LAG_DAYS, show_default=True,
              help="How many days late usage may be billed.")  # fmt: skip
@click.option("--tolerance", default=str((DEFAULT_TOLERANCE * 100).normalize()), show_default=True, metavar="PERCENT",
              help="Relative difference still counted as a match.")  # fmt: skip
@click.option(
    "--gateway-tolerance",
    default=str((GATEWAY_TOLERANCE * 100).normalize()),
    show_default=True,
    metavar="PERCENT",
    help="Gateway vs telemetry difference still counted as ok (the gateway estimates streamed calls).",
)
@click.option(
    "--since", metavar="WHEN", help="Telemetry window start (default: --lag-days before the export's first day)."
)
@click.option("--until", metavar="WHEN", help="Telemetry window end, exclusive (default: after the export's last day).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Telemetry reader processes.")
def command(paths, exports, gateway, fmt, allocate_, basis, output, cost_column, accounts, lag_days, tolerance,
            gateway_tolerance, since, until, workers) -> None:  # fmt: skip
    """Match Azure OpenAI charges of a Cost Management FOCUS export to telemetry (PATH as for `report`).

    Groups: day x account x model x deployment type x token direction, each with billed and telemetry cost and
    tokens, the gap and its class (matched, price_difference, billed_later, not_instrumented, not_billed,
    unmatched_meter). --allocate -o FILE splits every billed row across allocation tags (unallocated for what
    telemetry cannot explain); the shares add up exactly to the bill. --gateway FILE compares API Management
    token metrics with telemetry per tag dimension and flags bypass.
    """
    if not exports and not gateway:
        raise click.UsageError("give --export PATH (a Cost Management FOCUS export) and/or --gateway FILE")
    if allocate_ and not output:
        raise click.UsageError("--allocate writes showback rows: give -o FILE")
    if allocate_ and not exports:
        raise click.UsageError("--allocate splits the bill: give --export PATH")
    if fmt == "csv" and exports and gateway:
        raise click.UsageError("--format csv writes one table: run --export and --gateway separately")
    if output:
        make_folder_for(output)  # before the reads
    relative = _percent(tolerance, "--tolerance")
    aliases = _aliases(accounts)
    start, stop = window(since, until)
    telemetry_paths = input_paths(paths)
    try:
        export = read_export(exports, cost_column) if exports else None
        points = read_gateway(gateway) if gateway else []
    except ExportError as exc:
        raise InputError(str(exc)) from None
    if start is None and stop is None:
        days = [r.day for r in export.rows] if export else []
        start, stop = days_window(days + [p.day for p in points], lead_days=lag_days if days else 0)
    telemetry = run_reader(read_telemetry, telemetry_paths, aliases=aliases, since=start, until=stop, workers=workers)
    check_stats(telemetry.stats, telemetry_paths)
    document: dict = {}
    if export is not None:
        result = reconcile(
            exports, telemetry_paths, cost_column=cost_column, since=start, until=stop, lag_days=lag_days,
            tolerance=relative, export=export, telemetry=telemetry,
        )  # fmt: skip
        rows = group_rows(result)
        if fmt == "json":
            document.update(json.loads(to_json(result, rows)))
        elif fmt == "csv":
            to_csv(rows, GROUP_COLUMNS, sys.stdout)
        else:
            click.echo(to_table(result, rows))
        if allocate_:
            _write_showback(result, basis, output)
    if gateway:
        known = {k for dims in telemetry.builder.dims for k in json.loads(dims[7] or "{}")} | set(DEFAULT_METRIC_TAGS)
        keys = tag_keys(points, known)
        groups = compare(points, telemetry.builder.items(), keys, _percent(gateway_tolerance, "--gateway-tolerance"))
        if fmt == "csv":
            to_csv(gateway_rows(groups), GATEWAY_COLUMNS, sys.stdout)
        elif fmt == "json":
            document.update({"gateway_dimensions": keys, "gateway": gateway_rows(groups, plain=True)})
        else:
            click.echo(("\n" if export is not None else "") + gateway_table(groups, keys))
    if fmt == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))


def _write_showback(result, basis: str, output: str) -> None:
    billed = sum((g.billed_cost for g in result.groups), Decimal(0))
    allocated = Decimal(0)
    try:
        with open(output, "w", newline="", encoding="utf-8") as out:
            rows = []
            for row in showback_rows(allocate(result.groups, basis), basis):
                allocated += row["BilledCost"]
                rows.append(row)
            to_csv(rows, SHOWBACK_COLUMNS, out)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(
        f"showback: {len(rows):,} rows, allocated {format_decimal(allocated)} of billed {format_decimal(billed)} "
        f"-> {output}",
        err=True,
    )
