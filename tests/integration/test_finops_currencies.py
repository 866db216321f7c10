"""Money in two currencies is never added: a forecast budget counts the calls priced in the config's currency and
lists the others apart; reconcile keeps a group (and a total) per currency. Oracle: typed-in amounts ($1 or
1 EUR an hour; a typed EUR bill row)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from tests.integration.adversarial.finops_files import HOUR_NS, no_traceback, run, spans_of, typed_call, write
from tests.support import cost_exports
from tests.support.otlp_lines import traces_line, write_lines
from tests.support.reconcile_scenario import CALLS, CHARGES

NOV_1 = int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp()) * 10**9
BUDGET = '[[budgets]]\nname = "m"\nlimit = 336\nperiod = "month"\nmatch = { team = "search" }\n'


def mixed_calls(tmp_path):
    calls = []
    for h in range(48):  # 24 calls at $1, 24 at 1 EUR, alternating
        call = typed_call("search", 100, 10, "0.5", "0.5", at_ns=NOV_1 + h * HOUR_NS)
        call.currency = "EUR" if h % 2 else "USD"
        calls.append(call)
    return write(tmp_path / "mixed.jsonl", [traces_line(spans_of(calls)).encode()])


def forecast(path, config, *extra):
    result = run("forecast", path, "--config", config, "--no-progress", *extra)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_budget_in_the_config_currency_counts_only_its_calls_and_lists_the_others(tmp_path):
    path = mixed_calls(tmp_path)
    usd = tmp_path / "usd.toml"
    usd.write_text(BUDGET)
    eur = tmp_path / "eur.toml"
    eur.write_text('currency = "EUR"\nusd_rate = 0.9\n' + BUDGET)
    (budget,) = json.loads(forecast(path, usd, "--format", "json"))["budgets"]
    assert (budget["currency"], budget["spent"], budget["other_currencies"]) == ("USD", "24", {"EUR": "24"})
    (budget,) = json.loads(forecast(path, eur, "--format", "json"))["budgets"]
    assert (budget["currency"], budget["spent"], budget["other_currencies"]) == ("EUR", "24", {"USD": "24"})
    text = forecast(path, usd)
    assert "budget m: matching calls priced in other currencies (24 EUR) this period are not counted" in text


def test_reconcile_totals_are_per_currency_when_groups_are_in_two(tmp_path):
    telemetry = tmp_path / "telemetry"
    telemetry.mkdir()
    write_lines(telemetry / "spans.jsonl", CALLS, per_line=3)
    eur = cost_exports.row(CHARGES[0])
    eur.update(BilledCost=Decimal(5), BillingCurrency="EUR", PricingCurrency="EUR", x_BilledCostInUsd="")
    export = cost_exports.write_csv(tmp_path / "part.csv", [cost_exports.row(c) for c in CHARGES] + [eur])
    result = run("reconcile", "--export", export, telemetry, "--format", "json")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    eur_groups = [g for g in document["groups"] if g["currency"] == "EUR"]
    assert [(g["billed_cost"], g["telemetry_cost"], g["gap_class"]) for g in eur_groups] == [
        ("5", "0", "not_instrumented")
    ]
    assert document["totals"]["not_instrumented EUR"]["billed"] == "5"
    usd_billed = sum((Decimal(t["billed"]) for k, t in document["totals"].items() if k.endswith(" USD")), Decimal(0))
    assert usd_billed == sum((c.cost for c in CHARGES), Decimal(0))
