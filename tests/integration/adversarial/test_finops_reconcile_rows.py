"""Odd rows in an Azure Cost Management export read by ``otel-aicost reconcile``: a bill is read whole or refused
with ``file:line`` and column (exit 2, no traceback); currencies are never summed together; corrections count.
Oracle: the typed-in charges of tests/support/reconcile_scenario.py and hand sums here."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from tests.integration.adversarial.finops_files import no_traceback, run
from tests.support import cost_exports
from tests.support.otlp_lines import write_lines
from tests.support.reconcile_scenario import CALLS, CHARGES, D1, GPT4O

INPUT_4O = CHARGES[0]  # 09-21 gpt-4o global input, 3476 tokens at list price


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("telemetry")
    write_lines(folder / "spans.jsonl", CALLS, per_line=3)
    return folder


def reconcile_json(export, telemetry, *extra):
    result = run("reconcile", "--export", export, telemetry, "--format", "json", *extra)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def groups_of(document, day, model, direction):
    return [
        g
        for g in document["groups"]
        if g["day"] == day.isoformat() and g["model"] == model and g["direction"] == direction
        and g["deployment_type"] == "global_standard"
    ]


def test_written_with_crlf_and_a_quoted_newline_in_a_cell(tmp_path, telemetry):
    rows = [cost_exports.row(c) for c in CHARGES]
    rows[0]["Tags"] = json.dumps({"env": "prod", "note": "line one\r\nline two, with a comma"})
    path = cost_exports.write_csv(tmp_path / "part.csv", rows)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    document = reconcile_json(path, telemetry)
    billed = sum(Decimal(g["billed_cost"]) for g in document["groups"])
    assert billed == sum((c.cost for c in CHARGES), Decimal(0))


@pytest.mark.parametrize(
    ("cell", "column"),
    [("NaN", "BilledCost"), ("Infinity", "BilledCost"), ("1,234.5", "BilledCost"), ("$12.50", "BilledCost"),
     ("2026-13-45T00:00:00Z", "ChargePeriodStart")],
)  # fmt: skip
def test_a_malformed_cell_stops_with_file_line_and_column(tmp_path, telemetry, cell, column):
    rows = [cost_exports.row(c) for c in CHARGES[:4]]
    rows[2][column] = cell
    path = cost_exports.write_csv(tmp_path / "part.csv", rows)
    result = run("reconcile", "--export", path, telemetry)
    no_traceback(result)
    assert result.exit_code == 2
    assert f"{path}:4" in result.stderr and column in result.stderr, result.stderr


def test_a_torn_last_row_stops_with_its_line(tmp_path, telemetry):
    rows = [cost_exports.row(c) for c in CHARGES[:4]]
    path = cost_exports.write_csv(tmp_path / "part.csv", rows)
    data = path.read_bytes().rstrip(b"\r\n")
    path.write_bytes(data[: data.rfind(b",", 0, len(data) // 2 + len(data) // 3)])  # the last row cut mid-way
    result = run("reconcile", "--export", path, telemetry)
    no_traceback(result)
    assert result.exit_code == 2
    assert f"{path}:5" in result.stderr, result.stderr


def test_a_negative_correction_row_reduces_the_billed_cost(tmp_path, telemetry):
    refund = cost_exports.row(INPUT_4O)
    refund.update(BilledCost=Decimal("-0.001"), EffectiveCost=Decimal("-0.001"), ChargeClass="Correction",
                  ConsumedQuantity=Decimal(0), PricingQuantity=Decimal(0))  # fmt: skip
    path = cost_exports.write_csv(tmp_path / "part.csv", [cost_exports.row(c) for c in CHARGES] + [refund])
    document = reconcile_json(path, telemetry)
    (group,) = groups_of(document, D1, GPT4O, "input")
    assert Decimal(group["billed_cost"]) == INPUT_4O.cost - Decimal("0.001")


def test_rows_in_two_currencies_are_never_summed_together(tmp_path, telemetry):
    """Two billing accounts (one in USD, one in EUR) both hold a Cognitive Services account of the same name:
    their rows share day, account, model, deployment type and direction, but not the currency. (With a USD amount
    on every row the bill is compared in USD, rightly; this export has none on the EUR row.)"""
    eur = cost_exports.row(INPUT_4O)
    eur.update(BilledCost=Decimal("5"), BillingCurrency="EUR", PricingCurrency="EUR", x_BilledCostInUsd="",
               BillingAccountId="/providers/Microsoft.Billing/billingAccounts/7654321")  # fmt: skip
    path = cost_exports.write_csv(tmp_path / "part.csv", [cost_exports.row(c) for c in CHARGES] + [eur])
    result = run("reconcile", "--export", path, telemetry, "--format", "json")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    groups = groups_of(document, D1, GPT4O, "input")
    by_currency = {g["currency"]: Decimal(g["billed_cost"]) for g in groups}
    assert by_currency.get("USD") == INPUT_4O.cost, groups
    assert by_currency.get("EUR") == Decimal(5), groups


def test_the_text_table_names_the_currency_of_every_amount(tmp_path, telemetry):
    """The default table shows the same groups as the JSON: each row says its currency, and each total line says
    the currency of its amounts (a 5 EUR row beside USD rows must not read as 5 of the same money)."""
    eur = cost_exports.row(INPUT_4O)
    eur.update(BilledCost=Decimal("5"), BillingCurrency="EUR", PricingCurrency="EUR", x_BilledCostInUsd="",
               BillingAccountId="/providers/Microsoft.Billing/billingAccounts/7654321")  # fmt: skip
    path = cost_exports.write_csv(tmp_path / "part.csv", [cost_exports.row(c) for c in CHARGES] + [eur])
    result = run("reconcile", "--export", path, telemetry)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines[0]

    starts = [0] + [m.end() for m in re.finditer(r"  +(?=\S)", header)]  # columns are two spaces apart

    def column(line, name):  # a fixed-width table: a cell runs from its header's start to the next header's
        start = header.index(f"  {name} ") + 2
        end = next((s for s in starts if s > start), len(line))
        return line[start:end].strip()

    rows = [line for line in lines[1:] if line[:4].isdigit()]
    eur_rows = [r for r in rows if column(r, "cur") == "EUR"]
    assert len(eur_rows) == 1 and column(eur_rows[0], "billed") == "5", rows
    assert {column(r, "cur") for r in rows} == {"USD", "EUR"}
    totals = [line for line in lines if "group(s)" in line]
    assert any(" EUR " in t or t.endswith(" EUR") for t in totals), totals
    for total in totals:  # every amount of a total line is followed by its one currency
        words = total.split()
        currencies = {words[i + 2] for i, w in enumerate(words) if w in ("billed", "telemetry", "gap")}
        assert len(currencies) == 1 and currencies <= {"USD", "EUR"}, total


def test_one_currency_totals_still_name_it(tmp_path, telemetry):
    path = cost_exports.write_csv(tmp_path / "part.csv", [cost_exports.row(c) for c in CHARGES])
    result = run("reconcile", "--export", path, telemetry)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    totals = [line for line in result.stdout.splitlines() if "group(s)" in line]
    assert totals and all(line.rstrip().endswith(" USD") and " USD  telemetry " in line for line in totals), totals


def test_a_showback_path_that_cannot_be_made_stops_before_the_reads(tmp_path, telemetry):
    path = cost_exports.write_csv(tmp_path / "part.csv", [cost_exports.row(c) for c in CHARGES])
    result = run("reconcile", "--export", path, telemetry, "--allocate", "-o", path / "showback.csv")
    no_traceback(result)
    assert result.exit_code == 2
    assert f"{path} is a file, not a folder" in result.stderr and result.stdout == "", result.stderr
