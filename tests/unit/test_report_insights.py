"""``report --forecast --anomalies`` (and ``--html``/``--focus``) from one read; the JSON carries what the page shows.

The telemetry is typed in. Every call is gpt-4o with 2,000 input and 500 output tokens at the synthetic 2.5 / 10
USD per 1M tokens of ``tests.support.otlp_lines``: 0.005 + 0.005 = 0.01 USD, tagged team=search.
*Steady*: one call an hour from 2026-11-01 00:00 to 2026-11-14 23:00 UTC (14 days, 336 calls, 0.24 USD a day).
*Spiked*: 25 calls in the noon hour of the weekdays Nov 2-6, but 250 on Thursday Nov 5 (350 calls).
The numbers below are worked out by hand from that.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner

from otel_aicost.cli.anomalies import command as anomalies_command
from otel_aicost.cli.forecast import command as forecast_command
from otel_aicost.cli.report import command as report_command
from tests.support.otlp_lines import SyntheticCall, span, traces_line

NOV_1 = int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp()) * 10**9
HOUR = 3600 * 10**9
DAY = 24 * HOUR


def _call(start_ns: int) -> SyntheticCall:
    return SyntheticCall(start_ns=start_ns, input_tokens=2000, output_tokens=500, tags={"team": "search"}).priced()


def _write(path, starts: list[int]) -> None:
    calls = [_call(start) for start in starts]
    assert calls[0].cost == Decimal("0.01")
    lines = [
        traces_line([span(c, i) for i, c in enumerate(calls[n : n + 50], start=n)]) for n in range(0, len(calls), 50)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def steady(tmp_path):
    path = tmp_path / "steady.jsonl"
    _write(path, [NOV_1 + h * HOUR for h in range(14 * 24)])
    return path


@pytest.fixture
def spiked(tmp_path):
    path = tmp_path / "spiked.jsonl"
    noon = [NOV_1 + day * DAY + 12 * HOUR for day in (1, 2, 3, 4, 5)]  # Mon Nov 2 .. Fri Nov 6
    count = {noon[3]: 250}  # Thursday Nov 5
    _write(path, [hour + 10 * 10**9 * i for hour in noon for i in range(count.get(hour, 25))])
    return path


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "aicost.toml"
    path.write_text(
        '[[budgets]]\nname = "search-month"\nlimit = 5.0\nperiod = "month"\nmatch = { team = "search" }\n',
        encoding="utf-8",
    )
    return path


def _run(command, args):
    result = CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_report_json_carries_the_forecast_worked_out_by_hand(steady, config):
    result = _run(report_command, [steady, "--forecast", "--anomalies", "--config", config, "--format", "json"])
    document = json.loads(result.stdout)
    assert document["totals"][0]["cost"] == "3.36"  # 336 calls x 0.01
    forecast = document["forecast"]
    assert forecast["until"] == "2026-12-01T00:00:00+00:00"  # the end of the last call's month
    (total,) = forecast["totals"]
    # Spent: 14 days x 0.24 = 3.36. To come: the rest of the last call's hour (0.01; it started at 23:00, the
    # last hour of Nov 14) and Nov 15-30, 16 days x 0.24 = 3.84: 7.21. A flat series: no range.
    assert (total["spent"], total["forecast"], total["low"], total["high"]) == ("3.36", "7.21", "7.21", "7.21")
    assert [g["key"] for g in forecast["groups"]] == [{"model": "gpt-4o-2024-08-06"}]
    (budget,) = forecast["budgets"]
    # 5.00 - 3.36 = 1.64 left; 0.01 + 0.24 a day after Nov 14: 1.45 by the end of Nov 20, 1.69 by Nov 21.
    assert (budget["name"], budget["spent"], budget["exhausted_on"]) == ("search-month", "3.36", "2026-11-21")
    assert document["anomalies"] == {"by": [], "granularity": "hour", "anomalies": []}


def test_report_json_carries_the_anomaly_and_its_cause(spiked):
    result = _run(report_command, [spiked, "--anomalies", "--format", "json"])
    document = json.loads(result.stdout)
    assert "forecast" in document and document["totals"][0]["cost"] == "3.5"  # 350 calls
    (anomaly,) = document["anomalies"]["anomalies"]
    # Expected: the noon hours of the three weekdays before (25 calls, 0.25 USD each).
    assert anomaly["start"] == "2026-11-05T12:00Z"
    assert (anomaly["requests"], anomaly["expected_requests"]) == (250, 25)
    assert (anomaly["spend"], anomaly["expected_spend"]) == (2.5, 0.25)
    assert anomaly["cause"] == "volume" and anomaly["currency"] == "USD"
    assert anomaly["detail"] == "250 requests, expected 25 (10.0x)"
    # the same as the anomalies command finds
    alone = json.loads(_run(anomalies_command, [spiked, "--format", "json"]).stdout)
    assert alone["anomalies"] == document["anomalies"]["anomalies"]


def test_report_lists_the_anomalies_as_the_anomalies_command_does(tmp_path):
    # Two spikes, Thursday Nov 5 and Friday Nov 6 at noon (250 calls against 25), each judged against the noon hours
    # of Mon-Wed (a Saturday call ends the data after them): both are found, and both commands list them most
    # recent first (the report listed them oldest first under a footer saying "most recent first").
    path = tmp_path / "twice.jsonl"
    noon = [NOV_1 + day * DAY + 12 * HOUR for day in (1, 2, 3, 4, 5)]  # Mon Nov 2 .. Fri Nov 6
    count = {noon[3]: 250, noon[4]: 250}
    saturday = NOV_1 + 6 * DAY + 12 * HOUR
    _write(path, [hour + 10 * 10**9 * i for hour in noon for i in range(count.get(hour, 25))] + [saturday])
    document = json.loads(_run(report_command, [path, "--anomalies", "--format", "json"]).stdout)
    alone = json.loads(_run(anomalies_command, [path, "--format", "json"]).stdout)
    assert [a["start"] for a in alone["anomalies"]] == ["2026-11-06T12:00Z", "2026-11-05T12:00Z"]
    assert document["anomalies"] == alone
    table = _run(report_command, [path, "--anomalies"]).stdout
    assert table.index("2026-11-06 12:00") < table.index("2026-11-05 12:00") and "most recent first" in table


def test_report_forecast_matches_the_forecast_command(steady, config):
    document = json.loads(_run(report_command, [steady, "--forecast", "--config", config, "--format", "json"]).stdout)
    alone = json.loads(
        _run(forecast_command, [steady, "--until", "2026-12-01", "--config", config, "--format", "json"]).stdout
    )
    assert document["forecast"]["totals"] == alone["totals"]
    assert document["forecast"]["groups"] == alone["groups"]
    assert document["forecast"]["budgets"] == alone["budgets"]


def test_forecast_and_report_forecast_end_at_the_same_default(steady, config):
    # Neither is given an end: both forecast to the end of the last call's month (Nov 14 23:00 -> Dec 1), whatever
    # day the test runs (the data is November 2026's; the default does not read the clock).
    document = json.loads(_run(report_command, [steady, "--forecast", "--config", config, "--format", "json"]).stdout)
    alone = json.loads(_run(forecast_command, [steady, "--config", config, "--format", "json"]).stdout)
    assert alone["until"] == document["forecast"]["until"] == "2026-12-01T00:00:00+00:00"
    assert alone == document["forecast"]


def test_plain_report_json_has_neither(steady):
    document = json.loads(_run(report_command, [steady, "--format", "json"]).stdout)
    assert "forecast" not in document and "anomalies" not in document


def test_report_table_prints_both_below_the_figures(spiked):
    text = _run(report_command, [spiked, "--forecast", "--anomalies"]).stdout
    figures, forecast, anomalies = (
        text.index("TOTAL"),
        text.index("Forecast to 2026-12-01"),
        text.index("request volume"),
    )
    assert figures < forecast < anomalies
    assert "250 requests, expected 25 (10.0x)" in text


def test_csv_cannot_hold_them(steady):
    result = CliRunner().invoke(report_command, [str(steady), "--forecast", "--format", "csv"])
    assert result.exit_code == 2
    assert "CSV holds one table" in result.output


def test_every_output_from_one_read(tmp_path, spiked, monkeypatch):
    from otel_aicost.finops import one_pass

    reads = []
    real = one_pass.scan
    monkeypatch.setattr(one_pass, "scan", lambda *a, **k: reads.append(a) or real(*a, **k))
    page, rows = tmp_path / "r.html", tmp_path / "f.csv"
    args = [spiked, "--forecast", "--anomalies", "--html", page, "--focus", rows, "--format", "json"]
    document = json.loads(_run(report_command, args).stdout)
    assert len(reads) == 1
    assert document["anomalies"]["anomalies"][0]["cause"] == "volume"
    assert "request volume" in page.read_text(encoding="utf-8")  # the page lists the same anomaly
    lines = rows.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    billed = header.index("BilledCost")
    assert sum(Decimal(line.split(",")[billed]) for line in lines[1:]) == Decimal("3.5")
