"""The report's terminal table for humans: by model by default, fits the terminal, worded headers, one number
format per money column with its currency, failed calls in their own column."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from otel_aicost.cli.report import command as report_command
from otel_aicost.finops.report.output import COLUMN_NAMES, money_cells
from tests.support.otlp_lines import random_calls, write_lines


@pytest.fixture(scope="module")
def calls():
    return random_calls(800, seed=21)


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory, calls):
    folder = tmp_path_factory.mktemp("table")
    write_lines(folder / "spans.jsonl", calls, per_line=40)
    return folder


def run(args, columns=200):
    return CliRunner().invoke(report_command, args, catch_exceptions=False, env={"COLUMNS": str(columns)})


def _rows(text: str) -> list[str]:
    lines = text.splitlines()
    return [line for line in lines[2:] if line and not line.startswith(("-", "...")) and "GenAI calls" not in line]


def test_default_is_by_model_with_worded_headers(telemetry, calls):
    result = run([str(telemetry)])
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert header.startswith("model") and "cost (USD)" in header and "per call (USD)" in header and "failed" in header
    assert "cur" not in header.split() and "r(lat,out)" not in header
    models = {c.response_model or c.request_model for c in calls}
    assert {row.split()[0] for row in _rows(result.stdout)} == models | {"TOTAL"}


def test_fits_the_terminal_and_says_what_is_hidden(telemetry):
    result = run([str(telemetry), "--by", "team,model"], columns=90)
    table = [line for line in result.stdout.splitlines() if "more columns" not in line and "GenAI calls" not in line]
    assert all(len(line) <= 90 for line in table)
    assert "more columns with --wide or --columns" in result.stdout
    wide = run([str(telemetry), "--wide"], columns=90)
    assert "latency-tokens correlation" in wide.stdout and "more columns" not in wide.stdout


def test_columns_choose_and_reject(telemetry):
    result = run([str(telemetry), "--columns", "cost,requests"])
    assert result.stdout.splitlines()[0].split() == ["model", "cost", "(USD)", "calls"]
    bad = run([str(telemetry), "--columns", "cost,speed"])
    assert bad.exit_code == 2 and "speed" in bad.output and all(n in bad.output for n in COLUMN_NAMES[:3])


def test_one_money_format_per_column():
    cells = money_cells([0.0003, 7.8e-5, 12.5, None, 0])
    assert cells == ["0.000300", "0.000078", "12.500000", "-", "0.000000"]
    assert not any("e" in c for c in cells)
    assert money_cells([1234.5, 0.25]) == ["1,234.50", "0.25"]
    assert money_cells([0.5, 1e-9]) == ["0.500", "<0.001"]


def test_failed_calls_are_their_own_column_never_unpriced(telemetry, calls):
    result = run([str(telemetry), "--by", "", "--columns", "requests,errors,unpriced"])
    total = _rows(result.stdout)[-1].split()
    ok = [c for c in calls if not c.error_type]
    unpriced = sum(1 for c in ok if c.pricing_status != "priced") / len(ok)
    assert total == [f"{len(calls):,}", str(sum(1 for c in calls if c.error_type)), f"{unpriced * 100:.1f}%"]


def test_money_cells_in_the_table_share_their_decimals(telemetry):
    result = run([str(telemetry), "--columns", "cost,cost_per_request"])
    for column in (1, 2):
        cells = [row.split()[column] for row in _rows(result.stdout) if row.split()[column] != "-"]
        assert len({len(c.split(".")[1]) for c in cells}) == 1, cells
        assert all(re.fullmatch(r"<?[\d,]+\.\d+", c) for c in cells)


def test_a_key_or_column_named_twice_counts_once(telemetry):
    """``--by model,model`` and ``--by team,tag.team`` group as ``--by model`` / ``--by team`` (not a second,
    identical column); ``--columns cost,cost`` shows the cost once."""
    for twice, once in ((["--by", "model,model"], ["--by", "model"]), (["--by", "team,tag.team"], ["--by", "team"])):
        doubled = run([str(telemetry), *twice, "--format", "json"])
        single = run([str(telemetry), *once, "--format", "json"])
        assert doubled.exit_code == 0 and doubled.stdout == single.stdout, twice
        assert run([str(telemetry), *twice]).stdout == run([str(telemetry), *once]).stdout
    header = run([str(telemetry), "--columns", "cost,cost,requests"]).stdout.splitlines()[0]
    assert header.count("cost (USD)") == 1 and "calls" in header, header


def test_a_negative_limit_is_refused(telemetry):
    result = CliRunner().invoke(report_command, [str(telemetry), "--limit", "-3"])
    assert result.exit_code == 2 and "--limit" in result.output and "-3" in result.output, result.output
