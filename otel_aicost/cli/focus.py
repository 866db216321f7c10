"""``otel-aicost focus``: FOCUS 1.2 cost rows (CSV or Parquet, or a FinOps hubs ingestion folder) from telemetry."""

from __future__ import annotations

from pathlib import Path

import click

from otel_aicost.cli._outputs import make_folder_for
from otel_aicost.finops.focus.build import build_focus
from otel_aicost.finops.focus.columns import DEFAULT_BILLING_ACCOUNT
from otel_aicost.finops.focus.write import MissingExtra, format_decimal, write_csv, write_finops_hub, write_parquet
from otel_aicost.finops.telemetry_input import (
    InputError,
    check_stats,
    end_progress,
    input_paths,
    progress_printer,
    run_reader,
    window,
)

SUFFIXES = {".csv": "csv", ".parquet": "parquet"}


def output_format(output: str, fmt: str | None, layout: str) -> str:
    """csv or parquet, from --format or the file's suffix; a suffix that promises another format is an error."""
    if layout == "finops-hub":
        return fmt or "parquet"
    suffix = Path(output).suffix.lower()
    implied = SUFFIXES.get(suffix)
    if suffix and implied is None:
        raise click.BadParameter(
            f"{output!s}: FOCUS rows are written as CSV or Parquet, not {suffix}; name the file .csv or .parquet",
            param_hint="-o/--output",
        )
    if fmt is not None and implied is not None and fmt != implied:
        raise click.BadParameter(f"{output}: the name says {implied} but --format is {fmt}", param_hint="-o/--output")
    return fmt or implied or "csv"


@click.command("focus")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))
@click.option(
    "-o", "--output", required=True, type=click.Path(), help="File to write (a folder with --layout finops-hub)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default=None,
    help="Default: from the file name, else csv; parquet for finops-hub.",
)
@click.option(
    "--granularity", type=click.Choice(["hour", "day"]), default="day", show_default=True, help="Charge period length."
)
@click.option(
    "--billing-account",
    default=DEFAULT_BILLING_ACCOUNT,
    show_default=True,
    help="BillingAccountId (and Name) of every row.",
)
@click.option("--invoice-issuer", default=None, help="InvoiceIssuerName (default: the provider: OpenAI or Microsoft).")
@click.option(
    "--layout",
    type=click.Choice(["plain", "finops-hub"]),
    default="plain",
    show_default=True,
    help="finops-hub: OUTPUT/ingestion/Costs/yyyy/mm/SCOPE/*.parquet + manifest.json.",
)
@click.option("--scope", default=None, help="finops-hub scope path (default: otel-aicost/BILLING-ACCOUNT).")
@click.option("--since", metavar="WHEN", help="Start of the window, inclusive: ISO date or date-time (UTC).")
@click.option("--until", metavar="WHEN", help="End of the window, exclusive; a bare date includes that whole day.")
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Reading progress on stderr (default: on a terminal, once reading takes more than two seconds).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Reader processes (default: all CPUs for big inputs; 1 with --granularity hour, whose per-hour sums each "
    "process would hold: 198 MB instead of 571 MB for 1M spans).",
)
def command(
    paths, output, fmt, granularity, billing_account, invoice_issuer, layout, scope, since, until, progress, workers
) -> None:
    """Write FOCUS 1.2 rows from OTLP JSON lines files or folders (default ./otel-aicost-data/).

    One row per charge period, provider, resource, model, token type (input, cached input, cache write,
    output) and allocation tags; costs add up exactly to the telemetry's gen_ai.usage.cost.
    """
    fmt = output_format(output, fmt, layout)
    if workers is None and granularity == "hour":
        workers = 1  # bounded memory: every reader process would hold its own copy of the per-hour sums
    if layout == "finops-hub" and fmt != "parquet":
        raise click.UsageError("--layout finops-hub writes parquet (FinOps hubs ingest parquet); drop --format csv")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("Parquet output needs pyarrow: pip install 'otel-aicost[parquet]'") from None
    make_folder_for(output, is_folder=layout == "finops-hub")  # before the read, which may take minutes
    start, stop = window(since, until)
    show = progress_printer(progress)
    paths = input_paths(paths)
    result = run_reader(
        build_focus,
        paths,
        granularity=granularity,
        billing_account=billing_account,
        invoice_issuer=invoice_issuer,
        since=start,
        until=stop,
        workers=workers,
        progress=show,
    )
    end_progress(show)
    check_stats(result.stats, paths)
    try:
        if layout == "finops-hub":
            written = write_finops_hub(result.rows, output, scope or f"otel-aicost/{billing_account}")
            where = ", ".join(str(p) for p in written) or f"nothing (no rows) under {output}"
        else:
            (write_parquet if fmt == "parquet" else write_csv)(result.rows, output)
            where = output
    except MissingExtra as exc:
        raise InputError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write {output}: {getattr(exc, 'strerror', None) or exc}") from None
    totals = (
        ", ".join(f"{format_decimal(cost)} {currency}" for currency, cost in sorted(result.total_cost.items())) or "0"
    )
    click.echo(
        f"FOCUS 1.2: {len(result.rows):,} rows from {result.calls:,} GenAI calls, cost {totals} -> {where}", err=True
    )
    unpriced = {k: v for k, v in result.status_counts.items() if k not in ("priced", "free")}
    if unpriced:
        detail = ", ".join(f"{count:,} {status}" for status, count in sorted(unpriced.items()))
        click.echo(
            f"  not priced: {detail} (their tokens are in rows with cost 0 and x_PricingStatus; no_usage has no row)",
            err=True,
        )
