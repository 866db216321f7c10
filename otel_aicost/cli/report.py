"""``otel-aicost report``: cost and unit economics of GenAI calls from telemetry files."""

from __future__ import annotations

import click

from otel_aicost.finops.report import build as report_module
from otel_aicost.finops.report.output import to_csv, to_json, to_table
from otel_aicost.finops.telemetry_input import InputError, check_stats, end_progress, input_paths, progress_printer, run_reader, window


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))
@click.option(
    "--by",
    default="",
    metavar="DIMS",
    help="Group by comma-separated dimensions: model, request_model, provider, deployment, deployment_type, "
    "region, service, operation, pricing_status, usage_source, server, hour, day, month, or a tag key "
    "(team, or tag.team).",
)
@click.option("--since", metavar="WHEN", help="Start of the window, inclusive: ISO date or date-time (UTC).")
@click.option("--until", metavar="WHEN", help="End of the window, exclusive; a bare date includes that whole day.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML page with charts.",
)
@click.option("--limit", type=int, default=50, show_default=True, help="Table rows to show (json/csv have all).")
@click.option(
    "--progress/--no-progress", default=None, help="Show reading progress on stderr (default: when it is a terminal)."
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=None, help="Reader processes (default: all CPUs for big inputs)."
)
def command(paths, by, since, until, fmt, html_path, limit, progress, workers) -> None:
    """Totals and unit economics of GenAI calls in OTLP JSON lines files or folders (default ./otel-aicost-data/).

    Per group: requests, errors, tokens by type, exact cost, cost per request (mean, p50, p95), cost per 1K
    tokens, cached-token savings, unpriced and estimated shares, latency p50/p95, output tokens per second,
    latency/tokens correlation and cost per second of latency.
    """
    start, stop = window(since, until)
    if html_path:  # fail before reading gigabytes
        try:
            import plotly  # noqa: F401
        except ImportError:
            raise InputError(
                "--html needs plotly: install otel-aicost[html]  (pip install 'otel-aicost[html]')"
            ) from None
    show = progress_printer(progress)
    result = run_reader(
        report_module.build_report,
        input_paths(paths),
        by,
        since=start,
        until=stop,
        workers=workers,
        progress=show,
    )
    end_progress(show)
    check_stats(result.stats)
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        click.echo(to_table(result, limit=limit))
    if html_path:
        from otel_aicost.finops.report.html import write_html

        try:
            write_html(result, html_path)
        except OSError as exc:
            raise InputError(f"cannot write {html_path}: {exc.strerror or exc}") from None
        click.echo(f"HTML report written to {html_path}", err=True)
