"""``otel-aicost demo``: a loopback OpenAI endpoint, an instrumented workload, the telemetry it wrote, and its cost."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import click

from otel_aicost import semconv


@click.command()
@click.option("--data-dir", default="otel-aicost-data", show_default=True, type=click.Path(file_okay=False),
              help="Where the telemetry goes (OTLP JSON lines, the Collector file exporter's format).")  # fmt: skip
@click.option("--rounds", default=1, show_default=True, type=click.IntRange(1, 1000), help="Repeat the workload.")
def command(data_dir: str, rounds: int) -> None:
    """Run an instrumented sample workload against a loopback OpenAI endpoint (no API key needed)."""
    try:
        import openai  # noqa: F401 - the demo drives the real client
    except ImportError:
        error = click.ClickException("the demo drives the openai client: pip install 'otel-aicost[demo]'")
        error.exit_code = 2
        raise error from None
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_aicost.demo.fake_openai import FakeOpenAI
    from otel_aicost.demo.workload import DEMO_CONFIG, DEMO_DEPLOYMENTS, run_workload
    from otel_aicost.export.file import JsonLinesFileMetricExporter, JsonLinesFileSpanExporter
    from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "otel-aicost-demo")})
    memory = InMemorySpanExporter()
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(JsonLinesFileSpanExporter(data_dir)))
    tracer_provider.add_span_processor(SimpleSpanProcessor(memory))
    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[PeriodicExportingMetricReader(JsonLinesFileMetricExporter(data_dir))],
    )
    started = datetime.now(timezone.utc)
    instrumentor = OpenAICostInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, config=DEMO_CONFIG)
    try:
        with FakeOpenAI(deployments=DEMO_DEPLOYMENTS) as server:
            click.echo(f"Loopback OpenAI endpoint: {server.base_url}", err=True)
            failures = run_workload(server.base_url, server.azure_endpoint, rounds)
    finally:
        instrumentor.uninstrument()
        tracer_provider.shutdown()
        meter_provider.shutdown()
    spans = sorted(memory.get_finished_spans(), key=lambda span: span.start_time or 0)
    click.echo(format_table(spans))
    for failure, count in Counter(failures).items():
        click.echo(f"  note: {failure}" + (f" (x{count})" if count > 1 else ""))
    click.echo(f"\nTelemetry written to {Path(data_dir).resolve()}/ (traces.jsonl, metrics.jsonl)")
    finops_outputs(data_dir, started)


def finops_outputs(data_dir: str, since: datetime) -> None:
    """This run's FinOps report, its FOCUS file and its HTML report, from one read of the telemetry just written."""
    from functools import partial

    from otel_aicost.finops.call_table import CallTable, Plan
    from otel_aicost.finops.focus.columns import DEFAULT_BILLING_ACCOUNT
    from otel_aicost.finops.focus.rows import focus_rows
    from otel_aicost.finops.focus.write import write_csv
    from otel_aicost.finops.report.build import report_from
    from otel_aicost.finops.report.groups import parse_by
    from otel_aicost.finops.report.html import write_html
    from otel_aicost.finops.report.output import to_table
    from otel_aicost.finops.scan import scan
    from otel_aicost.finops.time_slots import to_ns

    plan = Plan(by=tuple(parse_by("team,model")), sample=True, series_by=(), focus="day", since_ns=to_ns(since))
    table, stats = scan([data_dir], partial(CallTable, plan), workers=1)
    report = report_from(table.report_groups(), stats, since, None)
    click.echo("\nReport (otel-aicost report --by team,model):\n" + to_table(report))
    focus_path = Path(data_dir) / "focus-costs.csv"
    count = write_csv(focus_rows(table.focus_sums(), DEFAULT_BILLING_ACCOUNT, None), focus_path)
    click.echo(f"\nFOCUS 1.2 cost rows: {focus_path.resolve()} ({count} rows; otel-aicost focus -o FILE)")
    html_path = Path(data_dir) / "report.html"
    write_html(report, table.series(), str(html_path), table.tag_costs())
    click.echo(f"HTML report with charts: {html_path.resolve()}")


SCREENFUL = 30  # per-call rows up to this many calls; beyond it one row per kind of call, with a count


def call_kind(attributes) -> str:  # type: ignore[no-untyped-def]
    """What kind of call a span is, for a reader: "chat", "chat stream", "azure chat", "responses", "... cached"."""
    a = attributes or {}
    api_type = a.get(semconv.OPENAI_API_TYPE)
    # The API (responses, images, audio.speech, batches, ...) names a call better than its operation, except chat.
    named = api_type and api_type != semconv.API_CHAT_COMPLETIONS
    kind = str(api_type) if named else str(a.get(semconv.OPERATION_NAME, ""))
    if a.get(semconv.TOOL_CALLS_PREFIX + "web_search"):
        kind += " + web search"
    if a.get(semconv.PROVIDER_NAME) == semconv.PROVIDER_AZURE:
        kind = f"azure {kind}"
    if a.get(semconv.REQUEST_STREAM):
        kind += " stream"
    if a.get(semconv.USAGE_CACHE_READ_INPUT_TOKENS):
        kind += " cached"
    return kind


def format_table(spans: list) -> str:  # type: ignore[type-arg]
    """One row per call; beyond a screenful, one row per (kind, model, team, outcome) with the number of calls."""
    calls = []
    total = Decimal(0)
    for span in spans:
        a = span.attributes or {}
        cost = a.get(semconv.USAGE_COST)
        cost = Decimal(repr(cost)) if cost is not None else None
        total += cost or 0
        calls.append((
            (call_kind(a), str(a.get(semconv.RESPONSE_MODEL) or a.get(semconv.REQUEST_MODEL, "")),
             str(a.get(semconv.TAG_PREFIX + "team", "")),
             str(a.get(semconv.ERROR_TYPE) or a.get(semconv.PRICING_STATUS, ""))),
            [int(a.get(key) or 0) for key in
             (semconv.USAGE_INPUT_TOKENS, semconv.USAGE_CACHE_READ_INPUT_TOKENS, semconv.USAGE_OUTPUT_TOKENS)],
            ((span.end_time or 0) - (span.start_time or 0)) / 1e6,
            cost,
        ))  # fmt: skip
    grouped = len(calls) > SCREENFUL
    if grouped:
        groups: dict[tuple, list] = {}  # type: ignore[type-arg]
        for key, tokens, latency, cost in calls:
            group = groups.setdefault(key, [0, [0, 0, 0], 0.0, None])
            group[0] += 1
            group[1] = [mine + theirs for mine, theirs in zip(group[1], tokens)]
            group[2] += latency
            group[3] = cost if group[3] is None else group[3] + (cost or 0)
        items = [(key, n, tokens, latency / n, cost) for key, (n, tokens, latency, cost) in groups.items()]
    else:
        items = [(key, 1, tokens, latency, cost) for key, tokens, latency, cost in calls]
    header = ("call", "model", "team", "in", "cached", "out", "latency ms", "cost USD", "pricing")
    if grouped:
        header = ("calls", *header[:6], "mean latency ms", *header[7:])
    rows = []
    for (kind, model, team, outcome), n, tokens, latency, cost in items:
        shown_cost = f"{cost:.8f}" if cost is not None else "-"
        row = (kind, model, team, *(str(t) for t in tokens), f"{latency:.1f}", shown_cost, outcome)
        rows.append((str(n), *row) if grouped else row)
    columns = len(header)
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i]) for i in range(columns)]
    numeric = {0, 4, 5, 6, 7, 8} if grouped else {3, 4, 5, 6, 7}
    lines = []
    for row in [header, *rows]:
        cells = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    summary = f"\n{len(spans)} requests, total cost {total:.6f} USD"
    if grouped:
        summary += f" (over {SCREENFUL} calls: one row per kind of call, summed)"
    lines.append(summary)
    return "\n".join(lines)
