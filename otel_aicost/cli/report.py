"""``otel-aicost report``: cost and unit economics of GenAI calls from telemetry files.

One read serves every output asked for: the table (or JSON/CSV), ``--html`` (which adds the forecast and the
anomalies) and ``--focus`` (FOCUS 1.2 rows, as ``otel-aicost focus`` writes them).
"""

from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

import click

from otel_aicost.cli._finops_read import load_budgets, read, reading_options
from otel_aicost.finops.report.build import DIMENSIONS, ReportBuilder, parse_by, report_from, to_ns
from otel_aicost.finops.report.output import COLUMN_NAMES, DEFAULT_COLUMNS, parse_columns, to_csv, to_json, to_table
from otel_aicost.finops.series import SeriesBuilder, TagCosts
from otel_aicost.finops.telemetry_input import InputError, window


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
@click.option("--limit", type=int, default=50, show_default=True, help="Table rows to show (json/csv have all).")
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
    "--config",
    type=click.Path(dir_okay=False),
    help="Config file whose [[budgets]] the HTML page draws (default: OTEL_AICOST_CONFIG).",
)
def command(
    paths, by, since, until, fmt, columns, wide, limit, html_path, focus_path, config, progress, workers
) -> None:
    """Totals and unit economics of GenAI calls in OTLP JSON lines files or folders (default ./otel-aicost-data/).

    Per group: calls, failed calls, tokens by type, exact cost, cost per call (mean, median, p95), cost per 1K
    tokens, cache savings, share not priced and estimated, latency (median, p95), output tokens per second,
    latency-tokens correlation, cost per second of latency.
    """
    start, stop = window(since, until)
    dims = parse_by(by)
    try:
        chosen = parse_columns(columns)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--columns") from None
    if wide:
        chosen = list(COLUMN_NAMES)
    since_ns, until_ns = to_ns(start), to_ns(stop)
    factories = {"report": partial(ReportBuilder, dims, since_ns, until_ns)}
    budgets = load_budgets(config) if html_path else []
    if html_path:  # the page's timeline, forecast and anomalies: totals per currency, models kept apart
        factories["series"] = partial(SeriesBuilder, [], budgets=budgets, since_ns=since_ns, until_ns=until_ns)
        factories["tags"] = TagCosts
    if focus_path:
        from otel_aicost.finops.focus.build import FocusBuilder

        focus_format = _focus_format(focus_path)
        factories["focus"] = partial(FocusBuilder, "day", since_ns, until_ns)
    sinks, stats = read(paths, factories, dims=dims, workers=workers, progress=progress)
    result = report_from(sinks.sinks["report"], stats, start, stop)
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "csv":
        click.echo(to_csv(result), nl=False)
    else:
        width = None if chosen is not None else shutil.get_terminal_size((120, 24)).columns
        click.echo(to_table(result, limit=limit, columns=chosen, width=width))
    if html_path:
        from otel_aicost.finops.report.html import write_html

        try:
            write_html(result, sinks.sinks["series"], html_path, sinks.sinks["tags"])
        except OSError as exc:
            raise InputError(f"cannot write {html_path}: {exc.strerror or exc}") from None
        click.echo(f"HTML report written to {html_path}", err=True)
    if focus_path:
        _write_focus(sinks.sinks["focus"], focus_path, focus_format)


def _focus_format(path: str) -> str:
    if not path.endswith(".parquet"):
        return "csv"
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError("Parquet output needs pyarrow: pip install 'otel-aicost[parquet]'") from None
    return "parquet"


def _write_focus(builder, path: str, fmt: str) -> None:
    from otel_aicost.finops.focus.build import DEFAULT_BILLING_ACCOUNT, focus_rows
    from otel_aicost.finops.focus.write import MissingExtra, write_csv, write_parquet

    rows = focus_rows(builder, DEFAULT_BILLING_ACCOUNT, None)
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        count = (write_parquet if fmt == "parquet" else write_csv)(rows, path)
    except MissingExtra as exc:
        raise InputError(str(exc)) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}") from None
    click.echo(f"FOCUS 1.2: {count:,} rows -> {path}", err=True)
