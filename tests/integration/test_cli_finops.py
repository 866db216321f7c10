"""The report and focus commands: output formats, HTML page, clear errors with exit code 2 and no traceback."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner

from otel_aicost.cli.focus import command as focus_command
from otel_aicost.cli.report import command as report_command
from tests.support.focus_rules import violations
from tests.support.otlp_lines import write_lines

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def calls(synthetic_telemetry):
    return synthetic_telemetry(600, seed=55, per_line=30)[0]


@pytest.fixture(scope="module")
def telemetry(synthetic_telemetry):
    return synthetic_telemetry(600, seed=55, per_line=30)[1]


def run(command, args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(command, args, catch_exceptions=False)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(command, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def total_cost(calls):
    return sum((c.cost for c in calls if c.cost is not None), Decimal(0))


def test_report_json_totals(telemetry, calls):
    result = run(report_command, [str(telemetry), "--by", "team", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["by"] == ["tag.team"]
    assert Decimal(document["totals"][0]["cost"]) == total_cost(calls)
    assert sum(Decimal(g["cost"]) for g in document["groups"]) == total_cost(calls)
    assert document["input"]["genai_calls"] == len(calls)
    assert {g["key"]["tag.team"] for g in document["groups"]} == {c.tags["team"] for c in calls}


def test_report_csv_and_table(telemetry, calls):
    result = run(report_command, [str(telemetry), "--by", "model", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    groups = [r for r in rows if r["group"] == "group"]
    assert {r["model"] for r in groups} == {c.response_model or c.request_model for c in calls}
    assert sum(int(r["requests"]) for r in groups) == len(calls)
    table = run(report_command, [str(telemetry), "--by", "provider"])
    assert table.exit_code == 0
    assert "TOTAL" in table.stdout and "azure.ai.openai" in table.stdout and f"{len(calls):,}" in table.stdout


def test_report_reads_the_default_folder(tmp_path, calls):
    (tmp_path / "otel-aicost-data").mkdir()
    write_lines(tmp_path / "otel-aicost-data" / "traces.jsonl", calls[:10])
    result = run(report_command, ["--format", "json"], cwd=tmp_path)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["input"]["genai_calls"] == 10


def test_missing_input_exits_2_without_traceback(tmp_path):
    for args in ([str(tmp_path / "nope.jsonl")], []):
        result = run(report_command, args, cwd=tmp_path)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert "nope.jsonl" in result.output or "otel-aicost-data" in result.output
    result = run(focus_command, [str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 2 and "no such file" in result.output and "Traceback" not in result.output


def test_corrupt_file_exits_2_and_corrupt_lines_warn(tmp_path, calls):
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not telemetry\n")
    result = run(report_command, [str(garbage)])
    assert result.exit_code == 2 and "not OTLP JSON lines" in result.output and "Traceback" not in result.output
    partly = tmp_path / "partly.jsonl"
    write_lines(partly, calls[:20], per_line=5)
    with open(partly, "a") as out:
        out.write('{"resourceSpans":[{"scopeSpans"')  # torn last line
    result = run(report_command, [str(partly), "--format", "json"])
    assert result.exit_code == 0
    assert f"{partly}:5" in result.stderr and "skipped 1 corrupt line" in result.stderr
    assert json.loads(result.stdout)["input"]["corrupt_lines"] == 1


def test_bad_options_exit_2(telemetry):
    assert run(report_command, [str(telemetry), "--since", "yesterday"]).exit_code == 2
    assert run(report_command, [str(telemetry), "--since", "2026-02-01", "--until", "2026-01-01"]).exit_code == 2
    assert run(focus_command, [str(telemetry)]).exit_code == 2  # -o is required
    assert run(focus_command, [str(telemetry), "-o", "x", "--layout", "finops-hub", "--format", "csv"]).exit_code == 2


def test_focus_command_writes_valid_csv(tmp_path, telemetry, calls):
    out = tmp_path / "focus.csv"
    result = run(
        focus_command, [str(telemetry), "-o", str(out), "--granularity", "hour", "--billing-account", "acct-1"]
    )
    assert result.exit_code == 0, result.output
    with open(out, newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert violations(reader.fieldnames, rows) == []
    assert sum(Decimal(r["BilledCost"]) for r in rows) == total_cost(calls)
    assert str(total_cost(calls)) in result.stderr


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow (extra 'parquet') not installed")
def test_focus_command_finops_hub(tmp_path, telemetry):
    result = run(
        focus_command, [str(telemetry), "-o", str(tmp_path / "hub"), "--layout", "finops-hub", "--scope", "ai/prod"]
    )
    assert result.exit_code == 0, result.output
    found = sorted(p.relative_to(tmp_path / "hub").as_posix() for p in (tmp_path / "hub").rglob("*"))
    assert any(re.fullmatch(r"ingestion/Costs/\d{4}/\d{2}/ai/prod/.+__otel-aicost\.parquet", f) for f in found)
    assert any(f.endswith("ai/prod/manifest.json") for f in found)


def test_html_report_is_self_contained_with_its_charts(tmp_path, telemetry):
    page = tmp_path / "report.html"
    result = run(report_command, [str(telemetry), "--by", "team,model", "--html", str(page)])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']?https?:", text, re.IGNORECASE)
    assert not re.search(r"<link[^>]+href=[\"']?https?:", text, re.IGNORECASE)
    for div in ("aicost-spend-over-time", "aicost-cost-by-group", "aicost-latency-vs-tokens"):
        assert f'id="{div}"' in text
    # issue 15: inline SVG charts instead of 4.8 MB of inlined plotly.js; the page stays small
    assert text.count("<svg") >= 5 and len(text.encode()) < 1_500_000


def test_report_html_and_focus_from_one_read(tmp_path, telemetry, calls, monkeypatch):
    from otel_aicost.cli import _finops_read

    reads = []
    real = _finops_read.scan
    monkeypatch.setattr(_finops_read, "scan", lambda *a, **k: reads.append(a) or real(*a, **k))
    page, rows = tmp_path / "r.html", tmp_path / "f.csv"
    result = run(report_command, [str(telemetry), "--html", str(page), "--focus", str(rows), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(reads) == 1 and page.exists()
    with rows.open(encoding="utf-8") as handle:
        focus_rows = list(csv.DictReader(handle))
    assert sum(Decimal(r["BilledCost"]) for r in focus_rows) == total_cost(calls)
    assert Decimal(json.loads(result.stdout)["totals"][0]["cost"]) == total_cost(calls)


def test_progress_goes_to_stderr_when_asked(telemetry):
    result = run(report_command, [str(telemetry), "--progress", "--format", "json"])
    assert result.exit_code == 0
    assert "reading:" in result.stderr and "lines" in result.stderr
    json.loads(result.stdout)  # stdout stays machine-readable


def test_time_window_parsing():
    from datetime import datetime, timezone

    from otel_aicost.finops.telemetry_input import parse_moment

    utc = timezone.utc
    assert parse_moment("2026-09-21") == datetime(2026, 9, 21, tzinfo=utc)
    assert parse_moment("2026-09-21", end=True) == datetime(2026, 9, 22, tzinfo=utc)  # the whole day
    assert parse_moment("2026-09-21T10:30:00Z") == datetime(2026, 9, 21, 10, 30, tzinfo=utc)
    assert parse_moment("2026-09-21T12:30:00+02:00") == datetime(2026, 9, 21, 10, 30, tzinfo=utc)
    assert parse_moment("2026-09-21T10:30") == datetime(2026, 9, 21, 10, 30, tzinfo=utc)  # naive means UTC


def test_report_window_from_the_command_line(telemetry, calls):
    from datetime import datetime, timezone

    first_day = datetime.fromtimestamp(min(c.start_ns for c in calls) / 1e9, timezone.utc).date().isoformat()
    result = run(report_command, [str(telemetry), "--until", first_day, "--format", "json"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    end = datetime.fromisoformat(first_day).replace(tzinfo=timezone.utc).timestamp() + 86400
    inside = [c for c in calls if c.start_ns / 1e9 < end]
    assert document["totals"][0]["requests"] == len(inside)
    assert document["input"]["outside_window"] == len(calls) - len(inside)


# --- CLI answers that used to mislead (issue 16) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extra", "problem"),
    [
        ("costs.xlsx", [], "not .xlsx; name the file .csv or .parquet"),
        ("costs.json", [], "not .json"),
        ("costs.csv", ["--format", "parquet"], "the name says csv but --format is parquet"),
    ],
)
def test_focus_refuses_a_file_name_that_promises_another_format(tmp_path, telemetry, name, extra, problem):
    result = run(focus_command, [str(telemetry), "-o", str(tmp_path / name), *extra])
    assert result.exit_code == 2 and problem in result.output and "Traceback" not in result.output
    assert not (tmp_path / name).exists()


def test_a_folder_without_telemetry_is_named(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    for command, extra in ((report_command, []), (focus_command, ["-o", str(tmp_path / "f.csv")])):
        result = run(command, [str(tmp_path), *extra])
        assert result.exit_code == 2 and f"no telemetry files found in {tmp_path}" in result.output


@pytest.mark.parametrize("content", [b"# My project\n\nSome words.\n\n- a list\n", b"\x89PNG\r\n\x1a\n\x00\x00\xff"])
def test_a_file_that_is_not_telemetry_exits_2_whatever_it_holds(tmp_path, content):
    path = tmp_path / "README.jsonl"
    path.write_bytes(content)
    for command, extra in ((report_command, []), (focus_command, ["-o", str(tmp_path / "f.csv")])):
        result = run(command, [str(path), *extra])
        assert result.exit_code == 2 and f"{path}: not OTLP JSON lines" in result.output, result.output


def test_an_unexpected_error_is_one_line_unless_debug(monkeypatch, telemetry):
    from otel_aicost.cli import _finops_read, main

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(_finops_read, "scan", broken)
    result = CliRunner().invoke(main, ["report", str(telemetry)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "otel-aicost: internal error (RuntimeError: a bug of ours). This is a bug" in result.output
    result = CliRunner().invoke(main, ["--debug", "report", str(telemetry)])
    assert isinstance(result.exception, RuntimeError)
