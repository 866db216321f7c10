"""Time edges (year and month ends, DST days, offsets in --since/--until) and FOCUS 1.2 rows from hostile tags and
mixed currencies, read back by independent readers (csv, pyarrow) and checked against the FOCUS column rules
(tests/support/focus_rules.py, from the spec) and hand sums of typed-in costs."""

from __future__ import annotations

import csv
import importlib.util
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from tests.integration.adversarial.finops_files import (
    HOUR_NS,
    no_traceback,
    report_json,
    run,
    spans_of,
    typed_call,
    write,
)
from tests.support.focus_rules import violations
from tests.support.otlp_lines import SyntheticCall, traces_line


def ns(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


LAST_NS_OF_2026 = ns("2026-12-31T23:59:59Z") + 999_999_999
YEAR_END = [  # (team, tokens in, out, cost in, cost out) at the last nanosecond of 2026 and the first of 2027
    typed_call("old", 10, 1, "0.5", "0.25", at_ns=LAST_NS_OF_2026),
    typed_call("new", 20, 2, "0.125", "0.0625", at_ns=LAST_NS_OF_2026 + 1),
]


def focus_csv(tmp_path, source, *args) -> list[dict[str, str]]:
    out = tmp_path / "focus.csv"
    result = run("focus", source, "-o", out, "--no-progress", *args)
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert violations(list(reader.fieldnames), rows) == []
    return rows


@pytest.mark.parametrize("granularity", ["hour", "day"])
def test_year_end_call_stays_in_its_year_and_month(tmp_path, granularity):
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of(YEAR_END)).encode()])
    rows = focus_csv(tmp_path, path, "--granularity", granularity)
    periods = {
        json.loads(r["Tags"])["team"]: (r["ChargePeriodStart"], r["ChargePeriodEnd"], r["BillingPeriodStart"],
                                        r["BillingPeriodEnd"])
        for r in rows
    }  # fmt: skip
    first_hour = "2026-12-31T23:00:00Z" if granularity == "hour" else "2026-12-31T00:00:00Z"
    assert periods["old"] == (first_hour, "2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
    end = "2027-01-01T01:00:00Z" if granularity == "hour" else "2027-01-02T00:00:00Z"
    assert periods["new"] == ("2027-01-01T00:00:00Z", end, "2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z")
    costs = {}
    for r in rows:
        team = json.loads(r["Tags"])["team"]
        costs[team] = costs.get(team, Decimal(0)) + Decimal(r["BilledCost"])
    assert costs == {"old": Decimal("0.75"), "new": Decimal("0.1875")}

    document = report_json(path, "--by", "month,team")
    assert {(g["key"]["month"], g["key"]["tag.team"]) for g in document["groups"]} == {
        ("2026-12", "old"),
        ("2027-01", "new"),
    }


@pytest.mark.parametrize(
    ("since", "until", "teams"),
    [
        ("2027-01-01T01:00:00+01:00", None, {"new"}),  # the same instant as 2027-01-01T00:00:00Z
        ("2027-01-01T00:59:59+01:00", None, {"old", "new"}),
        (None, "2026-12-31", {"old"}),  # a bare --until date includes that whole day
        (None, "2027-01-01T00:00:00Z", {"old"}),  # exclusive
        ("2026-12-31T18:59:59-05:00", "2026-12-31T19:00:00.000001-05:00", {"old", "new"}),
    ],
)
def test_window_bounds_with_offsets_and_bare_dates(tmp_path, since, until, teams):
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of(YEAR_END)).encode()])
    window = (["--since", since] if since else []) + (["--until", until] if until else [])
    document = report_json(path, "--by", "team", *window)
    assert {g["key"]["tag.team"] for g in document["groups"]} == teams


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"])  # Europe's DST switches: 24 UTC hours still
def test_dst_days_have_24_utc_hours(tmp_path, day):
    start = ns(f"{day}T00:30:00Z")
    calls = [typed_call("t", 10, 1, "0.01", "0.001", at_ns=start + h * HOUR_NS) for h in range(24)]
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of(calls)).encode()])
    assert len(report_json(path, "--by", "hour")["groups"]) == 24
    (group,) = report_json(path, "--by", "day")["groups"]
    assert group["requests"] == 24 and Decimal(group["cost"]) == Decimal("0.264")


HOSTILE_TAGS = [
    {"team": 'q"uote\\back', "note": "line\nbreak\r\nand\ttab"},
    {"team": "naïve ☃ 日本", "x_team": "custom-looking key", "=": "="},
    {"team": "", "empty": ""},
    {"team": "a,b;c", "formula": "=HYPERLINK(\"x\")"},
]


def canonical(tags: dict) -> str:
    return json.dumps(tags, sort_keys=True)


def test_focus_rows_from_hostile_tags_and_two_currencies(tmp_path):
    calls = []
    for i, tags in enumerate(HOSTILE_TAGS):
        call = typed_call("x", 100 + i, 10 + i, "0.1", "0.2", at_ns=ns("2026-11-30T23:00:00Z") + i * HOUR_NS)
        call.tags = tags
        call.currency = "EUR" if i % 2 else "USD"
        calls.append(call)
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of(calls)).encode()])
    rows = focus_csv(tmp_path, path)
    seen_tags = []
    by_currency: dict[str, Decimal] = {}
    for r in rows:
        tags = json.loads(r["Tags"])  # FOCUS key-value format: a flat JSON object of strings
        assert isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())
        if tags not in seen_tags:
            seen_tags.append(tags)
        by_currency[r["BillingCurrency"]] = by_currency.get(r["BillingCurrency"], Decimal(0)) + Decimal(r["BilledCost"])
        assert r["PricingCurrency"] in ("", r["BillingCurrency"])
    assert sorted(map(canonical, seen_tags)) == sorted(map(canonical, HOSTILE_TAGS))
    assert by_currency == {"USD": Decimal("0.6"), "EUR": Decimal("0.6")}


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="the parquet extra is not installed")
def test_parquet_and_csv_hold_the_same_rows(tmp_path):
    import pyarrow.parquet as pq

    calls = [typed_call(team, i, o, ci, co, at_ns=ns("2026-12-31T22:00:00Z") + n * HOUR_NS // 3)
             for n, (team, i, o, ci, co) in enumerate([("a", 10, 1, "0.1", "0.2"), ("b", 20, 2, "1234567.891", "0.009"),
                                                       ("a", 30, 3, "0.0000001", "0.33")])]  # fmt: skip
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of(calls)).encode()])
    rows = focus_csv(tmp_path, path, "--granularity", "hour")
    result = run("focus", path, "-o", tmp_path / "f.parquet", "--format", "parquet", "--granularity", "hour",
                 "--no-progress")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    table = pq.read_table(tmp_path / "f.parquet")
    assert table.column_names == list(rows[0])
    assert sum(table.column("BilledCost").to_pylist()) == sum(Decimal(r["BilledCost"]) for r in rows)
    assert sum(table.column("BilledCost").to_pylist()) == Decimal("1234568.5300001")
    starts = table.column("ChargePeriodStart").to_pylist()
    assert all(s.tzinfo is not None and s.utcoffset().total_seconds() == 0 for s in starts)
    assert sorted(s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in starts) == sorted(r["ChargePeriodStart"] for r in rows)
    assert {datetime(2027, 1, 1, tzinfo=timezone.utc)} == {
        e for e, s in zip(table.column("BillingPeriodEnd").to_pylist(), starts, strict=True) if s.year == 2026
    }


def test_components_above_the_cost_never_make_a_negative_unit_price(tmp_path):
    """A damaged span: input 1.5 + output 0.1 against a cost of 1.0. Whatever the reader does with it (skip it as
    implausible, or trust one side), FOCUS 1.2 unit prices are non-negative, and the file adds up to the report."""
    damaged = SyntheticCall(cost=Decimal("1.0"), cost_input=Decimal("1.5"), cost_output=Decimal("0.1"))
    fine = SyntheticCall(cost=Decimal("0.5"), cost_input=Decimal("0.2"), cost_output=Decimal("0.3"))
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of([damaged, fine])).encode()])
    rows = focus_csv(tmp_path, path)
    for column in ("ListUnitPrice", "ContractedUnitPrice", "PricingCurrencyListUnitPrice"):
        assert all(Decimal(r[column]) >= 0 for r in rows if r[column]), [r[column] for r in rows]
    assert sum(Decimal(r["BilledCost"]) for r in rows) == total_of(report_json(path))


def total_of(document: dict) -> Decimal:
    return sum((Decimal(t["cost"]) for t in document["totals"]), Decimal(0))
