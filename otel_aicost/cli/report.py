"""``otel-aicost report``: cost and unit economics of GenAI calls from telemetry files.

One read serves every output asked for: the table (or JSON/CSV), ``--forecast`` and ``--anomalies`` (what
``otel-aicost forecast --by`` the same keys and ``otel-aicost anomalies`` of the total show), ``--html`` (which
shows both) and ``--focus`` (FOCUS 1.2 rows, as ``otel-aicost focus`` writes them). Every call is read once into
one table (``finops.call_table``) that all of them are derived from.
"""

from __future__ import annotations

import json
import shutil

import click

from otel_aicost.cli import anomalies as anomalies_cli
from otel_aicost.cli import forecast as forecast_cli
from otel_aicost.cli._finops_read import load_budgets, read, reading_options
from otel_aicost.cli._outputs import make_folder_for
from otel_aicost.finops.call_table import Plan
from otel_aicost.finops.report.build import report_from
from otel_aicost.finops.report.groups import DIMENSIONS, TIME_DIMENSIONS, parse_by
from otel_aicost.finops.report.output import (
    COLUMN_NAMES,
    DEFAULT_COLUMNS,
    parse_columns,
    report_document,
    to_csv,
    to_table,
)
from otel_aicost.finops.telemetry_input import InputError, window
from otel_aicost.finops.time_slots import to_ns


@click.command("report")
@reading_options
@click.option(
    "--by",
    default="model",
    show_default=True,
    metavar="KEYS",
    help=f"Group by comma-separated keys: {', '.join(DIMENSIONS)}, or a tag key (team, or tag.team); '' for one total.",
)
@click.option("--since", metavar="WHEN", help="Start of the window, inclusive: ISO date or date-time (UTC).")
@click.option("--until", metavar="WHEN", help="End of the window, exclusive; a bare date includes that whole day.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option(
    "--columns",
    metavar="NAMES",
    help=f"Table columns, in order: {', '.join(COLUMN_NAMES)}. Default: {', '.join(DEFAULT_COLUMNS)}, "
    "as many as fit the terminal.",
)
@click.option("--wide", is_flag=True, help="Every table column, whatever the terminal width.")
@click.option(
    "--limit", type=click.IntRange(min=0), default=50, show_default=True, help="Table rows to show (json/csv have all)."
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write a self-contained HTML page: key figures, spend over time with the forecast and budgets, "
    "anomalies, cost by group, cost per 1K tokens, latency against tokens.",
)
@click.option(
    "--focus",
    "focus_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write FOCUS 1.2 rows (daily; .parquet or CSV) from the same read.",
)
@click.option(
    "--forecast",
    "with_forecast",
    is_flag=True,
    help="Also the forecast to the end of the last call's month per group (non-time --by keys) with its 80% "
    "range, and each budget's run-out day (as `otel-aicost forecast`), from the same read.",
)
@click.option(
    "--anomalies",
    "with_anomalies",
    is_flag=True,
    help="Also the anomalous hours of the total spend with their cause (as `otel-aicost anomalies`), from the "
    "same read.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Config file whose [[budgets]] the forecast and the HTML page use (default: OTEL_AICOST_CONFIG).",
)
def command(
    paths,
    by,
    since,
    until,
    fmt,
    columns,
    wide,
    limit,
    html_path,
    focus_path,
    with_forecast,
    with_anomalies,
    config,
    progress,
    workers,
) -> None:
    """Totals and unit economics of GenAI calls in OTLP JSON lines files or folders (default ./otel-aicost-data/).

    Per group: calls, failed calls, tokens by type, exact cost, cost per call (mean, median, p95), cost per 1K
    tokens, cache savings, share not priced and estimated, latency (median, p95), output tokens per second,
    latency-tokens correlation, cost per second of latency.

    With --forecast, --anomalies or --html, JSON output carries the forecast and the anomalies too (what the
    HTML page shows); the table prints them below the figures.
    """
    if fmt == "csv" and (with_forecast or with_anomalies):
        raise click.UsageError(
            "CSV holds one table: use --format table or json with --forecast/--anomalies, or run "
            "`otel-aicost forecast --format csv` / `otel-aicost anomalies --format csv`"
        )
    start, stop = window(since, until)
    dims = parse_by(by)
    try:
        chosen = parse_columns(columns)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--columns") from None
    if wide:
        chosen = list(COLUMN_NAMES)
    since_ns, until_ns = to_ns(start), to_ns(stop)
    series_dims = [d for d in dims if d not in TIME_DIMENSIONS]
    insights = with_forecast or with_anomalies or html_path
    budgets = load_budgets(config) if with_forecast or html_path else []
    if focus_path:
        focus_format = _focus_format(focus_path)
    for output in (html_path, focus_path):  # before the read, which may take minutes: a bad path fails at once
        if output:
            make_folder_for(output)
    plan = Plan(
        by=tuple(dims),
        sample=bool(html_path),  # the page's latency scatter
        series_by=tuple(series_dims) if insights else None,
        budgets=tuple(budgets),
        focus="day" if focus_path else None,
        since_ns=since_ns,
        until_ns=until_ns,
    )
    table, stats = read(paths, plan, workers=workers, progress=progress)
    result = report_from(table.report_groups(), stats, start, stop)
    forecast = found = total = None
    if insights:
        from otel_aicost.finops.report.html import insights_of

        total = table.series([])
        forecast, found = insights_of(total, grouped=table.series(), by=series_dims)
    if fmt == "json":
        document = report_document(result)
        if insights:
            document["forecast"] = forecast_cli.forecast_document(forecast, series_dims) if forecast else None
            document["anomalies"] = anomalies_cli.anomalies_document(found, [], "hour")
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        width = None if chosen is not None else shutil.get_terminal_size((120, 24)).columns
        click.echo(to_table(result, limit=limit, columns=chosen, width=width))
        if with_forecast:
            click.echo("")
            click.echo(
                forecast_cli.to_table(forecast, series_dims) if forecast else "No priced calls to forecast from."
            )
        if with_anomalies:
            click.echo("")
            click.echo(anomalies_cli.to_table(found, [], "hour"))
    if html_path:
        from otel_aicost.finops.report.html import write_html

        try:
            write_html(result, total, html_path, table.tag_costs(), insights=(forecast, found))
        except OSError as exc:
            raise InputError(f"cannot write {html_path}: {exc.strerror or exc}") from None
        click.echo(f"HTML report written to {html_path}", err=True)
    if focus_path:
        _write_focus(table.focus_sums(), focus_path, focus_format)


def _focus_format(path: str) -> str:
    if not path.endswith(".parquet"):
        return "csv"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError("Parquet output needs pyarrow: pip install 'otel-aicost[parquet]'") from None
    return "parquet"


def _write_focus(builder, path: str, fmt: str) -> None:
    from otel_aicost.finops.focus.columns import DEFAULT_BILLING_ACCOUNT
    from otel_aicost.finops.focus.rows import focus_rows
    from otel_aicost.finops.focus.write import MissingExtra, write_csv, write_parquet

    rows = focus_rows(builder, DEFAULT_BILLING_ACCOUNT, None)
    try:
        count = (write_parquet if fmt == "parquet" else write_csv)(rows, path)
    except MissingExtra as exc:
        raise InputError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None
    click.echo(f"FOCUS 1.2: {count:,} rows -> {path}", err=True)
