"""Forecasts and anomalies on series too small, too flat or all zero to model, and budgets exactly at a threshold.
Oracle: hand arithmetic on typed-in hourly costs (a flat $1 an hour), and the SPEC's wording (section 7: a
threshold is crossed when spend reaches it; ``block`` refuses when spend plus estimate exceeds the limit)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from otel_aicost.budgets.book import BudgetBook
from otel_aicost.budgets.rules import Budget, BudgetExceeded
from tests.integration.adversarial.finops_files import HOUR_NS, no_traceback, run, spans_of, typed_call, write
from tests.support.otlp_lines import traces_line

NOV_1 = int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp()) * 10**9
HOURS = 24 * 14  # 2026-11-01T00:00 .. 2026-11-14T23:00, one call an hour


def hourly(tmp_path, name: str, cost_in: str, cost_out: str, hours: int = HOURS, team: str = "search"):
    calls = [typed_call(team, 100, 10, cost_in, cost_out, at_ns=NOV_1 + h * HOUR_NS) for h in range(hours)]
    lines = [traces_line(spans_of(calls[i : i + 48], first_index=i)).encode() for i in range(0, len(calls), 48)]
    return write(tmp_path / name, lines)


def cli_json(*args) -> dict:
    result = run(*args, "--format", "json", "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def budgets_toml(tmp_path, *tables: str):
    path = tmp_path / "budgets.toml"
    path.write_text("\n".join(tables))
    return path


def test_flat_series_forecast_is_the_hourly_rate_to_the_month_end(tmp_path):
    path = hourly(tmp_path, "flat.jsonl", "0.5", "0.5")
    (total,) = cli_json("forecast", path, "--by", "")["totals"]
    assert Decimal(total["spent"]) == HOURS
    # The last call starts 2026-11-14T23:00; from then to 2026-12-01T00:00 is 385 hours at $1.
    assert Decimal(total["forecast"]) == HOURS + 385
    assert Decimal(total["low"]) <= Decimal(total["forecast"]) <= Decimal(total["high"])
    assert cli_json("anomalies", path, "--granularity", "hour")["anomalies"] == []
    assert cli_json("anomalies", path, "--granularity", "day")["anomalies"] == []


@pytest.mark.parametrize("hours", [1, 2, 25])
def test_tiny_series_forecast_and_anomalies_without_error(tmp_path, hours):
    path = hourly(tmp_path, "tiny.jsonl", "0.5", "0.5", hours=hours)
    document = cli_json("forecast", path, "--by", "team")
    (group,) = document["groups"]
    assert Decimal(group["spent"]) == hours
    assert Decimal(group["forecast"]) >= hours
    assert cli_json("anomalies", path, "--by", "team")["anomalies"] == []


def test_all_zero_cost_series(tmp_path):
    path = hourly(tmp_path, "zero.jsonl", "0", "0")
    document = cli_json("forecast", path, "--by", "")
    for row in document["totals"]:
        assert Decimal(row["spent"]) == 0 and Decimal(row["forecast"]) == 0
    assert cli_json("anomalies", path)["anomalies"] == []
    table = run("forecast", path, "--no-progress")
    no_traceback(table)
    assert table.exit_code == 0


def test_forecast_budgets_exactly_at_and_just_above_the_limit(tmp_path):
    path = hourly(tmp_path, "flat.jsonl", "0.5", "0.5")
    config = budgets_toml(
        tmp_path,
        '[[budgets]]\nname = "month-at"\nlimit = 336\nperiod = "month"\nmatch = { team = "search" }',
        '[[budgets]]\nname = "day-at"\nlimit = 24\nperiod = "day"\nmatch = { team = "search" }',
        '[[budgets]]\nname = "month-far"\nlimit = 100000\nperiod = "month"\nmatch = { team = "search" }',
        '[[budgets]]\nname = "other-team"\nlimit = 1\nperiod = "month"\nmatch = { team = "ads" }',
    )
    budgets = {b["name"]: b for b in cli_json("forecast", path, "--config", config)["budgets"]}
    # spent this month 336 (= the limit) and today 24 (= the limit): both are used up on the last call's day
    assert (Decimal(budgets["month-at"]["spent"]), budgets["month-at"]["exhausted_on"]) == (336, "2026-11-14")
    assert (Decimal(budgets["day-at"]["spent"]), budgets["day-at"]["exhausted_on"]) == (24, "2026-11-14")
    assert budgets["month-far"]["exhausted_on"] is None  # 721 forecast for the month, far below 100,000
    assert Decimal(budgets["other-team"]["spent"]) == 0 and budgets["other-team"]["exhausted_on"] is None


def test_free_calls_that_start_to_cost_are_a_price_change(tmp_path):
    """Two weeks of free calls (a preview at price 0), then the same calls at $100: the cause is the price per
    token (nothing else moved); before, every factor's change from zero counted as 0 and the first listed won."""
    path = hourly(tmp_path, "free.jsonl", "0", "0")
    paid = [typed_call("search", 100, 10, "50", "50", at_ns=NOV_1 + HOURS * HOUR_NS),
            typed_call("search", 100, 10, "0", "0", at_ns=NOV_1 + (HOURS + 24) * HOUR_NS)]  # the hour is over
    with open(path, "ab") as out:
        out.write(traces_line(spans_of(paid, first_index=HOURS)).encode() + b"\n")
    (anomaly,) = cli_json("anomalies", path, "--granularity", "hour")["anomalies"]
    assert (anomaly["start"], anomaly["cause"]) == ("2026-11-15T00:00Z", "price")
    assert anomaly["score"] > 0


def test_forecast_budget_never_sums_two_currencies(tmp_path):
    """Half the calls priced in EUR (the currency setting changed mid-way): a budget's limit is in the config's
    currency (SPEC 7; USD by default), so its spend is the USD calls' alone, never USD + EUR."""
    calls = []
    for h in range(48):  # 2026-11-01 and 02, $1 (or 1 EUR) an hour, alternating
        call = typed_call("search", 100, 10, "0.5", "0.5", at_ns=NOV_1 + h * HOUR_NS)
        call.currency = "EUR" if h % 2 else "USD"
        calls.append(call)
    path = write(tmp_path / "mixed.jsonl", [traces_line(spans_of(calls)).encode()])
    config = budgets_toml(
        tmp_path, '[[budgets]]\nname = "m"\nlimit = 336\nperiod = "month"\nmatch = { team = "search" }'
    )
    (budget,) = cli_json("forecast", path, "--config", config)["budgets"]
    assert (budget["currency"], Decimal(budget["spent"])) == ("USD", 24)


def test_threshold_crossed_exactly_at_its_amount_with_a_decimal_limit():
    """0.8 x 0.3 is 0.24 exactly in Decimal, 0.24000000000000002 in floats: spend of exactly 0.24 must cross."""
    book = BudgetBook([Budget("b", 0.3, thresholds=(0.8, 1.0))], "USD")
    assert book.settle(None, {}, Decimal("0.1")) == []
    (crossing,) = book.settle(None, {}, Decimal("0.14"))
    assert (crossing.threshold, crossing.spent) == (0.8, Decimal("0.24"))
    (crossing,) = book.settle(None, {}, Decimal("0.06"))
    assert (crossing.threshold, crossing.spent) == (1.0, Decimal("0.30"))


def test_block_allows_reaching_the_limit_exactly_and_refuses_one_unit_more():
    book = BudgetBook([Budget("cap", 0.3, action="block")], "USD")
    book.settle(book.reserve({}, Decimal("0.1")), {}, Decimal("0.1"))
    book.settle(book.reserve({}, Decimal("0.1")), {}, Decimal("0.1"))
    with pytest.raises(BudgetExceeded):
        book.reserve({}, Decimal("0.1000000001"))
    book.settle(book.reserve({}, Decimal("0.1")), {}, Decimal("0.1"))  # 0.1 + 0.1 + 0.1 is the limit, exactly
    assert book.spent() == {"cap": Decimal("0.3")}
