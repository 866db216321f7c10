"""The embedded default destination: real SDK pipelines into JSON lines files, rotation, crashes, bad disks."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExportResult

from otel_aicost.export import (
    DEFAULT_DIRECTORY,
    JsonLinesFileLogExporter,
    JsonLinesFileMetricExporter,
    JsonLinesFileSpanExporter,
)
from otel_aicost.export.jsonl_writer import JsonLinesWriter

ROTATED = re.compile(r"^traces-\d{8}T\d{6}\.\d{6}Z(?:-\d+)?\.jsonl$")


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def span_names(lines: list[dict]) -> list[str]:
    return [
        span["name"] for line in lines for r in line["resourceSpans"] for s in r["scopeSpans"] for span in s["spans"]
    ]


def tracer_with(exporter, simple: bool = True):
    provider = TracerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter) if simple else BatchSpanProcessor(exporter))
    return provider, provider.get_tracer("otel_aicost", "0.1.0")


def test_default_directory_and_file_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spans, metrics, logs = JsonLinesFileSpanExporter(), JsonLinesFileMetricExporter(), JsonLinesFileLogExporter()
    assert DEFAULT_DIRECTORY == "otel-aicost-data"
    assert [Path(e.path) for e in (spans, metrics, logs)] == [
        Path("otel-aicost-data/traces.jsonl"),
        Path("otel-aicost-data/metrics.jsonl"),
        Path("otel-aicost-data/logs.jsonl"),
    ]
    assert not Path("otel-aicost-data").exists()  # nothing is created before there is telemetry to write


def test_batch_span_processor_writes_one_line_per_export_with_every_span(tmp_path):
    exporter = JsonLinesFileSpanExporter(tmp_path)
    provider, tracer = tracer_with(exporter, simple=False)
    for index in range(1200):
        with tracer.start_as_current_span(f"chat {index}", attributes={"gen_ai.usage.input_tokens": index}):
            pass
    provider.shutdown()
    lines = read_lines(tmp_path / "traces.jsonl")
    assert 1 < len(lines) < 1200  # batched: several spans per line
    assert sorted(span_names(lines)) == sorted(f"chat {i}" for i in range(1200))
    first = lines[0]["resourceSpans"][0]
    assert {"key": "service.name", "value": {"stringValue": "svc"}} in first["resource"]["attributes"]
    assert first["scopeSpans"][0]["scope"] == {"name": "otel_aicost", "version": "0.1.0"}
    assert exporter.dropped == 0
    assert oct(os.stat(tmp_path / "traces.jsonl").st_mode & 0o777) == "0o600"  # telemetry is not world-readable


def test_metrics_through_a_periodic_reader(tmp_path, monkeypatch):
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", raising=False)
    exporter = JsonLinesFileMetricExporter(tmp_path)
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(metric_readers=[reader], resource=Resource.create({"service.name": "svc"}))
    meter = provider.get_meter("otel_aicost")
    cost = meter.create_counter("gen_ai.usage.cost", unit="{USD}")
    duration = meter.create_histogram(
        "gen_ai.client.operation.duration", unit="s", explicit_bucket_boundaries_advisory=[0.1, 1.0, 10.0]
    )
    cost.add(0.25, {"team": "search"})
    cost.add(0.5, {"team": "search"})
    duration.record(0.5, {"team": "search"})
    duration.record(20.0, {"team": "search"})
    assert provider.force_flush()
    cost.add(1.0, {"team": "search"})
    provider.shutdown()
    lines = read_lines(tmp_path / "metrics.jsonl")
    assert len(lines) == 2  # the forced flush, then the final collection at shutdown

    def metric(line, name):
        metrics = line["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        return next(m for m in metrics if m["name"] == name)

    first_cost = metric(lines[0], "gen_ai.usage.cost")["sum"]
    assert first_cost["aggregationTemporality"] == 2  # cumulative, like the OTLP exporter's default
    assert first_cost["dataPoints"][0]["asDouble"] == 0.75
    assert metric(lines[1], "gen_ai.usage.cost")["sum"]["dataPoints"][0]["asDouble"] == 1.75
    histogram = metric(lines[0], "gen_ai.client.operation.duration")["histogram"]["dataPoints"][0]
    assert histogram["explicitBounds"] == [0.1, 1.0, 10.0]  # the instrument's bucket advice is kept
    assert histogram["bucketCounts"] == ["0", "1", "0", "1"]
    assert histogram["count"] == "2" and histogram["sum"] == 20.5 and histogram["max"] == 20.0


def test_metric_temporality_follows_the_otlp_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")
    exporter = JsonLinesFileMetricExporter(tmp_path)
    assert exporter._preferred_temporality[Counter] == AggregationTemporality.DELTA
    assert exporter._preferred_temporality[Histogram] == AggregationTemporality.DELTA
    explicit = JsonLinesFileMetricExporter(tmp_path, preferred_temporality={Counter: AggregationTemporality.CUMULATIVE})
    assert explicit._preferred_temporality[Counter] == AggregationTemporality.CUMULATIVE


@pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
def test_logs_through_the_sdk_logs_api_and_the_logging_handler(tmp_path):
    exporter = JsonLinesFileLogExporter(tmp_path)
    provider = LoggerProvider(resource=Resource.create({"service.name": "svc"}))
    provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
    provider.get_logger("otel_aicost.budgets").emit(
        body="budget search-daily reached 80%",
        severity_number=SeverityNumber.WARN,
        severity_text="WARN",
        attributes={"aicost.budget.name": "search-daily"},
        event_name="aicost.budget.threshold",
    )
    std_logger = logging.getLogger("test_file_exporter.app")
    handler = LoggingHandler(logger_provider=provider)
    std_logger.addHandler(handler)
    try:
        std_logger.error("payment %s failed", "42")
    finally:
        std_logger.removeHandler(handler)
    provider.shutdown()
    records = [
        record
        for line in read_lines(tmp_path / "logs.jsonl")
        for r in line["resourceLogs"]
        for s in r["scopeLogs"]
        for record in s["logRecords"]
    ]
    assert [r["body"] for r in records] == [
        {"stringValue": "budget search-daily reached 80%"},
        {"stringValue": "payment 42 failed"},
    ]
    assert records[0]["severityNumber"] == 13 and records[0]["eventName"] == "aicost.budget.threshold"
    assert records[1]["severityNumber"] == 17


def test_rotation_by_size_keeps_the_newest_files_and_every_line_whole(tmp_path):
    exporter = JsonLinesFileSpanExporter(tmp_path, max_bytes=4000, max_rotated_files=3)
    provider, tracer = tracer_with(exporter)
    for index in range(200):
        with tracer.start_as_current_span(f"span {index:03d}"):
            pass
    provider.shutdown()
    rotated = sorted(p.name for p in tmp_path.iterdir() if p.name != "traces.jsonl")
    assert len(rotated) == 3 and all(ROTATED.match(name) for name in rotated)
    for name in [*rotated, "traces.jsonl"]:
        assert (tmp_path / name).stat().st_size <= 4000
    kept = [name for path in [*rotated, "traces.jsonl"] for name in span_names(read_lines(tmp_path / path))]
    # What is kept is a contiguous run of the newest spans, ending with the last one; the oldest were deleted.
    assert kept == [f"span {i:03d}" for i in range(200 - len(kept), 200)]
    assert 0 < len(kept) < 200
    assert exporter.dropped == 0


def test_a_line_longer_than_the_size_limit_is_still_written_whole(tmp_path):
    exporter = JsonLinesFileSpanExporter(tmp_path, max_bytes=100, max_rotated_files=1)
    provider, tracer = tracer_with(exporter)
    for _ in range(3):
        with tracer.start_as_current_span("big", attributes={"blob": "x" * 500}):
            pass
    provider.shutdown()
    assert span_names(read_lines(tmp_path / "traces.jsonl")) == ["big"]
    assert len(list(tmp_path.iterdir())) == 2  # the current file and one rotated file
    assert exporter.dropped == 0


def test_many_threads_write_whole_lines(tmp_path):
    exporter = JsonLinesFileSpanExporter(tmp_path, max_bytes=50_000, max_rotated_files=1000)
    provider, tracer = tracer_with(exporter)

    def work(thread: int) -> None:
        for index in range(150):
            with tracer.start_as_current_span(f"t{thread}-{index}", attributes={"payload": "y" * (index % 7) * 40}):
                pass

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    provider.shutdown()
    names = [name for path in sorted(tmp_path.iterdir()) for name in span_names(read_lines(path))]
    assert sorted(names) == sorted(f"t{t}-{i}" for t in range(8) for i in range(150))
    assert len(list(tmp_path.iterdir())) > 2  # rotation happened while threads raced


CRASHING_WRITER = textwrap.dedent(
    """
    import sys
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from otel_aicost.export import JsonLinesFileSpanExporter

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesFileSpanExporter(sys.argv[1])))
    tracer = provider.get_tracer("crash")
    index = 0
    while True:
        with tracer.start_as_current_span(f"s{index}", attributes={"blob": "z" * (index % 50) * 2000}):
            pass
        index += 1
    """
)


def _kill_writer_mid_run(directory: Path, min_lines: int) -> None:
    process = subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, str(directory)])
    path = directory / "traces.jsonl"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if path.exists() and path.read_bytes().count(b"\n") >= min_lines:
                break
            time.sleep(0.01)
        else:
            pytest.fail("the writer process produced too few lines")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL


def test_sigkill_mid_run_leaves_every_complete_line_readable(tmp_path):
    _kill_writer_mid_run(tmp_path, min_lines=200)
    raw = (tmp_path / "traces.jsonl").read_bytes()
    lines = raw.split(b"\n")
    complete, last = lines[:-1], lines[-1]  # ``last`` is empty unless the kill tore a line
    names = [json.loads(line)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] for line in complete]
    assert names == [f"s{i}" for i in range(len(names))]  # nothing lost, nothing garbled before the end
    if last:
        with pytest.raises(json.JSONDecodeError):
            json.loads(last)

    # A new process appending after a torn line starts a fresh line: the fragment never swallows new data.
    with open(tmp_path / "traces.jsonl", "ab") as file:
        file.write(b'{"resourceSpans":[{"torn')
    provider, tracer = tracer_with(JsonLinesFileSpanExporter(tmp_path))
    with tracer.start_as_current_span("after restart"):
        pass
    provider.shutdown()
    tail = (tmp_path / "traces.jsonl").read_bytes().split(b"\n")
    assert tail[-1] == b""
    assert tail[-3].endswith(b'{"resourceSpans":[{"torn')
    assert span_names([json.loads(tail[-2])]) == ["after restart"]


def test_a_directory_that_cannot_exist_drops_counts_and_warns_once(tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the directory should be")
    exporter = JsonLinesFileSpanExporter(blocker / "data")
    provider, tracer = tracer_with(exporter)
    with caplog.at_level(logging.WARNING, logger="otel_aicost.exporters"):
        for _ in range(5):
            with tracer.start_as_current_span("lost"):  # the application sees nothing
                pass
    provider.shutdown()
    assert exporter.dropped == 5
    warnings = [r for r in caplog.records if r.name == "otel_aicost.exporters" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(blocker / "data" / "traces.jsonl") in warnings[0].getMessage()


def test_disk_full_drops_counts_warns_once_and_recovers(tmp_path, caplog):
    if not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full to simulate a full disk")
    (tmp_path / "traces.jsonl").symlink_to("/dev/full")
    exporter = JsonLinesFileSpanExporter(tmp_path)
    provider, tracer = tracer_with(exporter)
    with caplog.at_level(logging.INFO, logger="otel_aicost.exporters"):
        for _ in range(3):
            with tracer.start_as_current_span("lost"):
                pass
        assert exporter.dropped == 3
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "No space left" in warnings[0].getMessage()

        (tmp_path / "traces.jsonl").unlink()  # space is back
        with tracer.start_as_current_span("kept"):
            pass
    provider.shutdown()
    assert span_names(read_lines(tmp_path / "traces.jsonl")) == ["kept"]
    assert exporter.dropped == 3
    assert any("works again" in r.getMessage() for r in caplog.records)


def test_export_result_reports_failure_and_shutdown_stops_writing(tmp_path):
    exporter = JsonLinesFileSpanExporter(tmp_path)
    provider, tracer = tracer_with(exporter)
    with tracer.start_as_current_span("before"):
        pass
    assert exporter.force_flush()
    provider.shutdown()
    spans = TracerProvider().get_tracer("x").start_span("late")
    spans.end()
    assert exporter.export([spans]) == SpanExportResult.FAILURE
    assert exporter.dropped == 1
    assert span_names(read_lines(tmp_path / "traces.jsonl")) == ["before"]


def test_metric_and_log_exporters_never_raise_on_a_bad_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    metric_exporter = JsonLinesFileMetricExporter(blocker)
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=3_600_000)
    meters = MeterProvider(metric_readers=[reader])
    meters.get_meter("m").create_counter("c").add(1)
    meters.force_flush()
    meters.shutdown()
    assert metric_exporter.dropped >= 1

    log_exporter = JsonLinesFileLogExporter(blocker)
    loggers = LoggerProvider()
    loggers.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    loggers.get_logger("l").emit(body="x")
    loggers.shutdown()
    assert log_exporter.dropped == 1


def test_two_processes_sharing_the_directory_keep_every_line(tmp_path):
    # Two exporters on one directory behave like two worker processes: separate descriptors, one file name.
    first = JsonLinesFileSpanExporter(tmp_path, max_bytes=3000, max_rotated_files=1000)
    second = JsonLinesFileSpanExporter(tmp_path, max_bytes=3000, max_rotated_files=1000)
    providers = [tracer_with(first), tracer_with(second)]
    for index in range(120):
        provider, tracer = providers[index % 2]
        with tracer.start_as_current_span(f"w{index % 2}-{index}"):
            pass
    for provider, _ in providers:
        provider.shutdown()
    names = [name for path in sorted(tmp_path.iterdir()) for name in span_names(read_lines(path))]
    assert sorted(names) == sorted(f"w{i % 2}-{i}" for i in range(120))
    assert first.dropped == second.dropped == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_can_write_even_if_the_lock_was_held_at_fork(tmp_path):
    exporter = JsonLinesFileSpanExporter(tmp_path)
    provider, tracer = tracer_with(exporter)
    with tracer.start_as_current_span("parent"):
        pass
    exporter._writer._lock.acquire()  # as if another thread was mid-write when the application forked
    try:
        pid = os.fork()
        if pid == 0:  # child: must not deadlock
            try:
                with tracer.start_as_current_span("child"):
                    pass
            finally:
                os._exit(0)
        deadline = time.monotonic() + 10
        while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("the forked child deadlocked on the writer's lock")
            time.sleep(0.01)
        status = waited[1]
    finally:
        exporter._writer._lock.release()
    assert os.waitstatus_to_exitcode(status) == 0
    provider.shutdown()
    assert sorted(span_names(read_lines(tmp_path / "traces.jsonl"))) == ["child", "parent"]


def test_an_encoding_bug_is_counted_and_logged_once_not_raised(tmp_path, caplog):
    exporter = JsonLinesFileSpanExporter(tmp_path)
    with caplog.at_level(logging.ERROR, logger="otel_aicost.exporters"):
        for _ in range(3):
            assert exporter.export([object(), object()]) == SpanExportResult.FAILURE  # not spans at all
    assert exporter.dropped == 6
    assert len([r for r in caplog.records if r.name == "otel_aicost.exporters"]) == 1


def _append_fresh(directory: str, lines: int, worker: int) -> None:
    line = json.dumps({"worker": worker, "pad": "x" * 1_000_000}).encode()
    for _ in range(lines):
        writer = JsonLinesWriter(directory, "shared", max_bytes=10**10)  # a fresh open looks at the file's tail
        assert writer.write(line)
        writer.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_processes_opening_the_file_while_another_writes_a_long_line_add_no_empty_lines(tmp_path):
    # A pre-fork server's workers open the one file at their first export, often while another is writing: the
    # tail must not be taken for a torn line (that wrote an empty line before the next), and nothing may be lost.
    import multiprocessing

    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_fresh, args=(str(tmp_path), 25, n)) for n in range(4)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [process.exitcode for process in workers] == [0, 0, 0, 0]
    lines = (tmp_path / "shared.jsonl").read_bytes().split(b"\n")
    assert lines.pop() == b"", "the file ends with a complete line"
    assert b"" not in lines, f"{lines.count(b'')} empty lines"
    assert sorted(json.loads(line)["worker"] for line in lines) == sorted(n for n in range(4) for _ in range(25))
