"""``forecast`` and ``anomalies`` from telemetry files: an injected spike is found with its cause, spend so far is
exact, budgets come from the config, bad input exits 2 naming what exists."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from otel_aicost.cli.anomalies import command as anomalies_command
from otel_aicost.cli.forecast import command as forecast_command
from tests.support.analytics_calls import DAY, NOV_2
from tests.support.analytics_calls import spiky_calls as _calls
from tests.support.otlp_lines import write_lines


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("analytics")
    calls = _calls()
    write_lines(folder / "spans.jsonl", calls, per_line=50)
    return folder, calls


def run(command, args):
    return CliRunner().invoke(command, args, catch_exceptions=False)


def test_anomalies_find_the_injected_hour_and_say_output_grew(telemetry):
    folder, _ = telemetry
    result = run(anomalies_command, [str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["anomalies"]
    assert [(a["start"], a["cause"]) for a in found] == [("2026-11-18T14:00Z", "output_tokens")]
    assert found[0]["spend"] > 2.5 * found[0]["expected_spend"]  # 8,500 against 3,100 per million calls
    table = run(anomalies_command, [str(folder)])
    assert "output tokens per request" in table.stdout and "2026-11-18 14:00" in table.stdout


def test_none_found_says_the_threshold_asked_for(telemetry):
    folder, _ = telemetry
    result = run(anomalies_command, [str(folder), "--threshold", "8"])  # the spike scores +6.8
    assert result.exit_code == 0, result.output
    # was "within 4 robust deviations" whatever --threshold said
    assert result.stdout.strip() == (
        "No anomalous hours: every period is within 8 robust deviations of comparable ones."
    )


def test_anomalies_per_team_as_csv(telemetry):
    folder, _ = telemetry
    result = run(anomalies_command, [str(folder), "--by", "team", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["tag.team"], r["cause"]) for r in rows} == {("search", "output_tokens"), ("ads", "output_tokens")}


def test_forecast_spent_so_far_is_exact_and_budgets_run_out(telemetry, tmp_path):
    folder, calls = telemetry
    config = tmp_path / "aicost.toml"
    config.write_text(
        '[[budgets]]\nname = "search-month"\nlimit = 1000\nperiod = "month"\nmatch = { team = "search" }\n'
        '[[budgets]]\nname = "tiny-day"\nlimit = 0.01\nperiod = "day"\n'
    )
    result = run(forecast_command, [str(folder), "--by", "team", "--config", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["until"] == "2026-12-01T00:00:00+00:00"  # the data's month: it is over
    by_team = {g["key"]["tag.team"]: g for g in document["groups"]}
    want = sum((c.cost for c in calls if c.tags["team"] == "search"), Decimal(0))
    assert Decimal(by_team["search"]["spent"]) == want
    search = by_team["search"]
    per_day = want / 21
    dec_1 = NOV_2 + 29 * DAY
    remaining_days = (dec_1 - max(c.start_ns for c in calls)) / DAY  # the rest of Nov 22, then Nov 23 to 30
    expected = float(want) + float(per_day) * remaining_days
    assert float(search["low"]) <= expected * 1.05 and float(search["high"]) >= expected * 0.95
    budgets = {b["name"]: b for b in document["budgets"]}
    assert budgets["search-month"]["exhausted_on"] is None  # ~0.05 a day against 1000
    assert budgets["tiny-day"]["exhausted_on"] == "2026-11-22"  # already over today
    table = run(forecast_command, [str(folder), "--by", "team", "--config", str(config)])
    assert "search-month" in table.stdout and "not before --until" in table.stdout


def test_unknown_by_key_exits_2_with_the_keys_that_exist(telemetry):
    folder, _ = telemetry
    for command in (forecast_command, anomalies_command):
        result = run(command, [str(folder), "--by", "teem"])
        assert result.exit_code == 2
        assert "teem" in result.output and "tag keys seen: team" in result.output and "model" in result.output
        assert "Traceback" not in result.output


def test_bad_config_and_until_before_the_data_exit_2(telemetry, tmp_path):
    folder, _ = telemetry
    config = tmp_path / "bad.toml"
    config.write_text('[[budgets]]\nname = "x"\nlimit = -1\n')
    result = run(forecast_command, [str(folder), "--config", str(config)])
    assert result.exit_code == 2 and "bad.toml" in result.output and "limit" in result.output
    result = run(forecast_command, [str(folder), "--until", "2026-11-05"])
    assert result.exit_code == 2 and "not after the last call" in result.output


def test_text_tables_say_the_currency_of_each_row_when_there_are_several(tmp_path):
    """The same traffic priced twice, once in USD and once in EUR (two configs' telemetry in one folder): the
    forecast and the anomalies come per currency, and the text table must say which row is which (the header
    says "in each currency"). Oracle: the same commands' JSON, row for row."""
    calls = _calls()
    twins = [dataclasses.replace(c, currency="EUR") for c in calls]  # ids come from the position in the file
    write_lines(tmp_path / "spans.jsonl", calls + twins, per_line=50)
    forecast = json.loads(run(forecast_command, [str(tmp_path), "--format", "json"]).stdout)
    table = run(forecast_command, [str(tmp_path)]).stdout.splitlines()
    header = next(line for line in table if line.lstrip().startswith("currency") or "spent so far (" in line)
    assert "currency" in header.split()
    totals = [line.split() for line in table if line.startswith("TOTAL")]  # by model, the default
    assert sorted(row[1] for row in totals) == sorted(t["currency"] for t in forecast["totals"]) == ["EUR", "USD"]
    anomalies = json.loads(run(anomalies_command, [str(tmp_path), "--format", "json"]).stdout)["anomalies"]
    assert sorted(a["currency"] for a in anomalies) == ["EUR", "USD"]  # the spike, in each currency
    rows = run(anomalies_command, [str(tmp_path)]).stdout.splitlines()
    assert "currency" in rows[0].split()
    listed = [line.split()[2] for line in rows[2:] if line[:4].isdigit()]  # date, hour, currency, spend...
    assert listed == [a["currency"] for a in anomalies]
