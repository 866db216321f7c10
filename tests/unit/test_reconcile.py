"""Reconciliation with the Azure bill: every gap class on the scenario's export, exact showback, clear errors."""

from __future__ import annotations

import gzip
import importlib.util
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from otel_aicost.finops.reconcile import ExportError, reconcile
from otel_aicost.finops.reconcile.allocate import UNALLOCATED, allocate, split_exact
from otel_aicost.finops.reconcile.export_reader import read_export
from tests.support import cost_exports
from tests.support.otlp_lines import write_lines
from tests.support.reconcile_scenario import ACCOUNT, CALLS, CHARGES, D1, D2, D3, EXPECTED, SKIPPED, billed_total

HAS_PYARROW = importlib.util.find_spec("pyarrow") is not None


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("telemetry")
    write_lines(folder / "spans.jsonl", CALLS, per_line=3)
    return folder


def export_file(folder, version="1.2", kind="csv"):
    rows = [cost_exports.row(c, version) for c in CHARGES + SKIPPED]
    if kind == "parquet":
        return cost_exports.write_parquet(folder / "part_0_0001.parquet", rows)
    return cost_exports.write_csv(folder / f"part_0_0001.{kind}", rows, gz=kind == "csv.gz")


def classes(result):
    return {(g.day, g.model, g.deployment_type, g.direction): g.gap_class for g in result.groups}


@pytest.mark.parametrize(
    "version, kind", [("1.2", "csv"), ("1.0", "csv"), ("1.2", "csv.gz")] + ([("1.2", "parquet")] * HAS_PYARROW)
)
def test_every_gap_class_on_the_scenario(tmp_path, telemetry, version, kind):
    result = reconcile([str(export_file(tmp_path, version, kind))], [str(telemetry)])
    assert classes(result) == EXPECTED
    assert {g.account for g in result.groups} == {ACCOUNT}
    billed = sum((g.billed_cost for g in result.groups), Decimal(0))
    expected = billed_total()
    assert billed == expected if kind != "parquet" else abs(billed - expected) < Decimal("1e-12")
    skipped = result.export.skipped
    assert skipped["ChargeCategory Purchase"][0] == 1
    assert skipped["telemetry rows (written by otel-aicost, not billed)"][0] == 1
    assert sum(n for n, _ in skipped.values()) == len(SKIPPED)  # nothing dropped without a count
    assert result.telemetry.other_endpoints == {"api.openai.com": 2}  # its input and output rows


def test_storage_rows_are_counted_not_matched(tmp_path, telemetry):
    result = reconcile([str(export_file(tmp_path))], [str(telemetry)])
    assert not any("Hot LRS" in g.model for g in result.groups)
    assert result.export.skipped["not Azure OpenAI"][0] == 1


def test_showback_splits_every_billed_row_exactly(tmp_path, telemetry):
    result = reconcile([str(export_file(tmp_path))], [str(telemetry)])
    per_row: dict[str, Decimal] = defaultdict(Decimal)
    per_tag: dict[tuple, Decimal] = defaultdict(Decimal)
    shares = list(allocate(result.groups))
    for share in shares:
        per_row[share.row.where] += share.cost
        per_tag[(share.group.day, share.group.model, share.group.direction, share.tags)] += share.cost
    rows = [row for g in result.groups for row in g.billed]
    assert {row.where: row.cost for row in rows} == dict(per_row)
    assert sum(per_row.values()) == billed_total()

    def cost(day, meter):
        return next(c.cost for c in CHARGES if c.day == day and c.meter == meter)

    # 09-21 gpt-4o input: search 1976 tokens, support 1500
    search = per_tag[(D1, "gpt-4o-2024-08-06", "input", '{"team": "search"}')]
    support = per_tag[(D1, "gpt-4o-2024-08-06", "input", '{"team": "support"}')]
    assert search + support == cost(D1, "gpt-4o-0806-Inp-glbl Tokens")
    assert abs(search / (search + support) - Decimal(1976) / Decimal(3476)) < Decimal("1e-9")
    # 09-22 gpt-4o input: a third of the bill is not explained by telemetry
    unallocated = per_tag[(D2, "gpt-4o-2024-08-06", "input", UNALLOCATED)]
    assert abs(unallocated - cost(D2, "gpt-4o-0806-Inp-glbl Tokens") / 3) < Decimal("1e-9")
    # 09-23 o3-mini, billed late: its share goes to the team whose 09-22 calls made it
    assert per_tag[(D3, "o3-mini-2025-01-31", "output", '{"team": "research"}')] == cost(
        D3, "o3 mini 0131 output glbl Tokens"
    )
    # never-instrumented deployment and unknown meter: all unallocated
    assert per_tag[(D2, "gpt-4.1-2025-04-14", "input", UNALLOCATED)] == cost(D2, "gpt 4.1 Inp regnl Tokens")
    assert per_tag[(D2, "gpt-9 preview Inp glbl Tokens", "", UNALLOCATED)] == cost(D2, "gpt-9 preview Inp glbl Tokens")


def test_showback_by_cost_basis_adds_up_too(tmp_path, telemetry):
    result = reconcile([str(export_file(tmp_path))], [str(telemetry)])
    assert sum((s.cost for s in allocate(result.groups, "cost")), Decimal(0)) == billed_total()


@pytest.mark.parametrize(
    "total, weights",
    [
        (Decimal("0.01"), [Fraction(1, 3)] * 3),
        (Decimal("-12.3456789012345"), [Fraction(1, 7), Fraction(2, 7), Fraction(4, 7)]),
        (Decimal("1E+3"), [Fraction(1, 2), Fraction(1, 2)]),
        (Decimal(0), [Fraction(1)]),
    ],
)
def test_split_exact_adds_up(total, weights):
    parts = split_exact(total, weights)
    assert sum(parts, Decimal(0)) == total
    assert all(
        abs(p - total * Decimal(w.numerator) / Decimal(w.denominator)) < Decimal("1e-9") for p, w in zip(parts, weights)
    )


def test_late_billing_beyond_the_lag_is_not_billed_then_not_instrumented(tmp_path, telemetry):
    result = reconcile([str(export_file(tmp_path))], [str(telemetry)], lag_days=0)
    got = classes(result)
    assert got[(D2, "o3-mini-2025-01-31", "global_standard", "input")] == "not_billed"
    assert got[(D3, "o3-mini-2025-01-31", "global_standard", "output")] == "not_instrumented"


def test_custom_subdomain_alias(tmp_path):
    host = "my-custom-name.openai.azure.com"  # copies: CALLS is shared with the other reconcile tests
    calls = [replace(c, server_address=host) for c in CALLS if c.server_address.endswith("azure.com")]
    write_lines(tmp_path / "t.jsonl", calls)
    export = export_file(tmp_path)
    plain = reconcile([str(export)], [str(tmp_path / "t.jsonl")])
    assert "my-custom-name" in {g.account for g in plain.groups}
    aliased = reconcile([str(export)], [str(tmp_path / "t.jsonl")], aliases={"my-custom-name": ACCOUNT})
    assert classes(aliased) == EXPECTED


def test_folder_keeps_only_the_newest_run_of_an_export(tmp_path, telemetry):
    root = tmp_path / "msexports" / "daily-focus" / "20260901-20260930"
    rows = [cost_exports.row(c) for c in CHARGES]
    old, new = root / "run-old", root / "run-new"
    cost_exports.write_csv(old / "part_0_0001.csv", rows[:3])
    cost_exports.write_manifest(old, "daily-focus", "2026-09-01", "2026-09-30", "2026-09-22T04:00:00Z",
                                {"run-old/part_0_0001.csv": 3})  # fmt: skip
    cost_exports.write_csv(new / "part_0_0001.csv", rows)
    cost_exports.write_manifest(new, "daily-focus", "2026-09-01", "2026-09-30", "2026-09-26T04:00:00Z",
                                {"run-new/part_0_0001.csv": len(rows)})  # fmt: skip
    export = read_export([str(tmp_path)])
    assert export.ignored_runs == [str(old)]
    assert sum((r.cost for r in export.rows), Decimal(0)) == billed_total()


def test_truncated_file_against_its_manifest_is_an_error(tmp_path):
    rows = [cost_exports.row(c) for c in CHARGES]
    cost_exports.write_csv(tmp_path / "part_0_0001.csv", rows[:5])
    cost_exports.write_manifest(tmp_path, "x", "2026-09-01", "2026-09-30", "2026-09-26T04:00:00Z",
                                {"part_0_0001.csv": len(rows)})  # fmt: skip
    with pytest.raises(ExportError, match=r"part_0_0001.csv: 5 data rows, but its manifest.json says 14"):
        read_export([str(tmp_path)])


def test_hub_folder_reads_ingestion_costs_only(tmp_path):
    rows = [cost_exports.row(c) for c in CHARGES]
    cost_exports.write_csv(tmp_path / "msexports" / "x" / "part_0_0001.csv", rows)  # same data, before conversion
    writer = cost_exports.write_parquet if HAS_PYARROW else cost_exports.write_csv
    name = "ingest__part_0_0001." + ("parquet" if HAS_PYARROW else "csv")
    writer(tmp_path / "ingestion" / "Costs" / "2026" / "09" / "subscriptions" / "a1" / name, rows)
    export = read_export([str(tmp_path)])
    assert len(export.files) == 1 and "ingestion" in export.files[0]
    assert len(export.rows) == len(CHARGES)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.update(BilledCost="12,5"), r"part.csv:3: column BilledCost: '12,5' is not a number"),
        (lambda r: r.update(ChargePeriodStart="yesterday"), r"part.csv:3: column ChargePeriodStart: 'yesterday'"),
        (lambda r: r.update(ConsumedQuantity="lots"), r"part.csv:3: column ConsumedQuantity"),
        (lambda r: r.update(BillingCurrency=""), r"part.csv:3: column BillingCurrency: empty"),
    ],
)
def test_malformed_values_name_file_line_and_column(tmp_path, mutate, message):
    rows = [cost_exports.row(c) for c in CHARGES[:3]]
    mutate(rows[1])
    cost_exports.write_csv(tmp_path / "part.csv", rows)
    with pytest.raises(ExportError, match=message):
        read_export([str(tmp_path / "part.csv")])


def test_missing_columns_and_non_exports(tmp_path):
    rows = [{k: v for k, v in cost_exports.row(c).items() if k != "SkuMeter"} for c in CHARGES[:2]]
    cost_exports.write_csv(tmp_path / "nometer.csv", rows)
    with pytest.raises(ExportError, match=r"nometer.csv: missing column SkuMeter .* or x_SkuMeterName"):
        read_export([str(tmp_path / "nometer.csv")])
    (tmp_path / "spans.csv.gz").write_bytes(gzip.compress(b"\xff\xfe not text"))
    with pytest.raises(ExportError, match="spans.csv.gz: cannot read as CSV"):
        read_export([str(tmp_path / "spans.csv.gz")])
    with pytest.raises(ExportError, match="no such file or folder"):
        read_export([str(tmp_path / "nope")])


@pytest.mark.skipif(not HAS_PYARROW, reason="pyarrow (extra 'parquet') not installed")
def test_a_hub_holding_our_focus_rows_beside_the_bill_never_double_counts(tmp_path, telemetry):
    from otel_aicost.finops.focus.build import build_focus
    from otel_aicost.finops.focus.write import write_finops_hub

    hub = tmp_path / "hub"
    rows = [cost_exports.row(c) for c in CHARGES + SKIPPED]
    cost_exports.write_parquet(hub / "ingestion" / "Costs" / "2026" / "09" / "subscriptions" / "a1" / "x.parquet", rows)
    ours = build_focus([str(telemetry)], workers=1)
    write_finops_hub(ours.rows, hub, "otel-aicost/telemetry", ingestion_id="run1")
    result = reconcile([str(hub)], [str(telemetry)])
    assert classes(result) == EXPECTED
    skipped = result.export.skipped["telemetry rows (written by otel-aicost, not billed)"][0]
    assert skipped == len(ours.rows) + 1  # ours, and the scenario's one row marked the same way


def test_tokens_from_pricing_quantity_and_block_size_when_consumed_quantity_is_absent(tmp_path):
    """Newer meters bill per 1M tokens: PricingQuantity x x_PricingBlockSize (or x_PricingUnitDescription)."""
    charge = cost_exports.Charge(D1, ACCOUNT, "GPT 5 Mini Inpt Glbl 1M Tokens", 2500, Decimal("0.25"), unit="1M")
    with_block = cost_exports.row(charge) | {"ConsumedQuantity": ""}
    description_only = cost_exports.row(charge) | {"ConsumedQuantity": "", "x_PricingBlockSize": ""}
    cost_exports.write_csv(tmp_path / "m.csv", [with_block, description_only])
    export = read_export([str(tmp_path / "m.csv")])
    assert [r.tokens for r in export.rows] == [Decimal(2500), Decimal(2500)]
    assert export.rows[0].cost == Decimal("0.000625")


def test_usage_before_the_exports_first_day_billed_on_it_is_billed_later(tmp_path, telemetry):
    """An export starting 09-23 bills o3-mini used on 09-22: the telemetry window reaches back --lag-days."""
    rows = [cost_exports.row(c) for c in CHARGES if c.day >= D3]
    cost_exports.write_csv(tmp_path / "from-0923.csv", rows)
    result = reconcile([str(tmp_path / "from-0923.csv")], [str(telemetry)])
    got = classes(result)
    assert got[(D3, "o3-mini-2025-01-31", "global_standard", "output")] == "billed_later"
    assert got[(D3, "o3-mini-2025-01-31", "global_standard", "input")] == "billed_later"
    assert min(day for day, *_ in got) == D3  # days before the bill are read, not shown


def test_a_bill_in_euros_is_compared_in_usd_and_shown_back_in_euros(tmp_path, telemetry):
    rate = Decimal("0.92")
    rows = []
    for c in CHARGES:
        row = cost_exports.row(c)
        row.update(BillingCurrency="EUR", BilledCost=c.cost * rate, x_BillingExchangeRate=rate)  # x_*InUsd stay USD
        rows.append(row)
    cost_exports.write_csv(tmp_path / "eur.csv", rows)
    result = reconcile([str(tmp_path / "eur.csv")], [str(telemetry)])
    assert classes(result) == EXPECTED
    assert "x_BilledCostInUsd" in result.warnings[0]
    shares = list(allocate(result.groups))
    assert {s.row.currency for s in shares} == {"EUR"}
    assert sum((s.cost for s in shares), Decimal(0)) == billed_total() * rate


@pytest.mark.parametrize(
    "text",
    ["2026-09-21T00:00:00.0000000Z", "2026-09-21 00:00:00", "2026-09-21", "09/21/2026", "2026-09-21T02:00:00+02:00"],
)
def test_dates_as_exports_write_them(tmp_path, text):
    row = cost_exports.row(CHARGES[0]) | {"ChargePeriodStart": text}
    cost_exports.write_csv(tmp_path / "d.csv", [row])
    assert read_export([str(tmp_path / "d.csv")]).rows[0].day == D1
