"""``otel-aicost reconcile``: formats, showback file that adds up, gateway comparison, exit 2 on bad input."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner

from otel_aicost.cli.reconcile import command
from tests.support import cost_exports
from tests.support.otlp_lines import write_lines
from tests.support.reconcile_scenario import CALLS, CHARGES, EXPECTED, SKIPPED, billed_total


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-reconcile")
    write_lines(folder / "spans.jsonl", CALLS)
    cost_exports.write_csv(folder / "export.csv", [cost_exports.row(c) for c in CHARGES + SKIPPED])
    return folder


def run(args):
    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


def test_json_lists_every_group_with_its_class(files):
    result = run([files / "spans.jsonl", "--export", files / "export.csv", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    got = {(g["day"], g["model"], g["deployment_type"], g["direction"]): g["gap_class"] for g in document["groups"]}
    assert got == {(d.isoformat(), m, t, r): c for (d, m, t, r), c in EXPECTED.items()}
    assert Decimal(sum(Decimal(g["billed_cost"]) for g in document["groups"])) == billed_total()
    assert document["skipped_billed_rows"]["ChargeCategory Purchase"]["rows"] == 1


def test_csv_and_table(files):
    as_csv = run([files / "spans.jsonl", "--export", files / "export.csv", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert len(rows) == len(EXPECTED) and {r["gap_class"] for r in rows} == set(EXPECTED.values())
    table = run([files / "spans.jsonl", "--export", files / "export.csv"])
    assert table.exit_code == 0 and "not_instrumented" in table.output and "unmatched_meter" in table.output


def test_allocate_writes_showback_that_adds_up_to_the_bill(files, tmp_path):
    out = tmp_path / "showback.csv"
    result = run([files / "spans.jsonl", "--export", files / "export.csv", "--allocate", "-o", out])
    assert result.exit_code == 0, result.output
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sum(Decimal(r["BilledCost"]) for r in rows) == billed_total()
    per_source = defaultdict(Decimal)
    for r in rows:
        per_source[r["x_SourceRow"]] += Decimal(r["BilledCost"])
    assert all(per_source[r["x_SourceRow"]] == Decimal(r["x_RowBilledCost"]) for r in rows)
    assert {r["x_AllocationTags"] for r in rows} >= {"team=search", "team=support", "team=research", "unallocated"}
    assert {r["x_AllocationBasis"] for r in rows} == {"tokens"}


def test_gateway_only(files, tmp_path):
    lines = ["timestamp,name,valueSum,customDimensions"]
    for c in CALLS:
        if c.server_address.endswith("azure.com"):
            day = datetime.fromtimestamp(c.start_ns // 10**9, timezone.utc).date().isoformat()
            dims = json.dumps({"team": c.tags["team"]}).replace('"', '""')
            lines.append(f'{day}T01:00:00Z,Prompt Tokens,{c.input_tokens},"{dims}"')
            lines.append(f'{day}T01:00:00Z,Completion Tokens,{c.output_tokens},"{dims}"')
    (tmp_path / "gw.csv").write_text("\n".join(lines) + "\n")
    result = run([files / "spans.jsonl", "--gateway", tmp_path / "gw.csv", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["gateway_dimensions"] == ["team"]
    flags = {(g["day"], g["dimensions"]): g["flag"] for g in document["gateway"]}
    # the api.openai.com call of 09-21 (team=search) never went through the gateway
    assert flags.pop(("2026-09-21", "team=search")) == "bypassed_gateway"
    assert set(flags.values()) == {"ok"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--export", "{f}/nope.csv"], "nope.csv: no such file or folder"),
        (["--export", "{f}/spans.jsonl"], "spans.jsonl: missing column"),
        ([], "give --export PATH"),
        (["--export", "{f}/export.csv", "--allocate"], "give -o FILE"),
        (["--export", "{f}/export.csv", "--account", "nonsense"], "expected HOST=ACCOUNT"),
        (["--export", "{f}/export.csv", "--tolerance", "lots"], "not a percentage"),
        (["--export", "{f}/export.csv", "--gateway", "{f}/export.csv", "--format", "csv"], "writes one table"),
    ],
)
def test_bad_input_exits_2_without_traceback(files, args, message):
    result = run([files / "spans.jsonl"] + [a.format(f=files) for a in args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_malformed_export_names_file_line_and_column(files, tmp_path):
    rows = [cost_exports.row(c) for c in CHARGES]
    rows[4]["BilledCost"] = "n/a"
    cost_exports.write_csv(tmp_path / "bad.csv", rows)
    result = run([files / "spans.jsonl", "--export", tmp_path / "bad.csv"])
    assert result.exit_code == 2
    assert f"{tmp_path / 'bad.csv'}:6: column BilledCost: 'n/a' is not a number" in result.output


def test_export_and_gateway_together_make_one_json_document(files, tmp_path):
    (tmp_path / "gw.csv").write_text(
        'timestamp,name,valueSum,customDimensions\n2026-09-21T01:00:00Z,Total Tokens,5,"{}"\n'
    )
    result = run([files / "spans.jsonl", "--export", files / "export.csv", "--gateway", tmp_path / "gw.csv",
                  "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["groups"] and document["gateway"] and document["gateway_dimensions"] == []


def test_effective_cost_column(files, tmp_path):
    rows = [cost_exports.row(c) for c in CHARGES]
    for row in rows:  # amortized: a commitment covers half of every charge
        row["EffectiveCost"] = row["BilledCost"] / 2
    cost_exports.write_csv(tmp_path / "amortized.csv", rows)
    result = run([files / "spans.jsonl", "--export", tmp_path / "amortized.csv", "--cost-column", "EffectiveCost",
                  "--format", "json"])  # fmt: skip
    document = json.loads(result.output)
    assert sum(Decimal(g["billed_cost"]) for g in document["groups"]) == billed_total() / 2
    assert {g["gap_class"] for g in document["groups"] if g["model"] == "gpt-4o-2024-08-06"} >= {"price_difference"}
