"""The one table every output of a read is derived from (``finops/call_table.py``): the calls whose FOCUS rows the
plain sums do not describe, and worker tables merged."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.focus.build import build_focus
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.report.build import report_from
from otel_aicost.finops.scan import scan
from tests.support.otlp_lines import SyntheticCall, random_calls, span, traces_line, write_lines


def test_focus_rows_of_calls_whose_parts_do_not_add_up(tmp_path):
    # gpt-4o at the synthetic 2.5 / 10 USD per 1M tokens: 100 input tokens 0.00025, 10 output tokens 0.0001.
    plain = SyntheticCall(input_tokens=100, output_tokens=10).priced()  # 0.00035, parts add up
    off = SyntheticCall(input_tokens=100, output_tokens=10).priced()
    off.cost += Decimal("0.0000001")  # one digit more than its parts: the difference goes on its output row
    no_output = SyntheticCall(input_tokens=100, output_tokens=0).priced()
    no_output.cost, no_output.cost_output = Decimal("0.3"), None  # 0.29975 unexplained, no output: on input
    no_tokens = SyntheticCall(input_tokens=None, output_tokens=None, cost=Decimal("0.04"))  # an unspecified row
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([span(c, i) for i, c in enumerate([plain, off, no_output, no_tokens])]) + "\n")
    rows = {r["x_TokenType"]: r for r in build_focus([str(path)], workers=1).rows}
    got = {kind: (r["ConsumedQuantity"], r["BilledCost"], r["x_RequestCount"]) for kind, r in rows.items()}
    assert got == {
        "input": (Decimal(300), Decimal("0.00025") * 2 + Decimal("0.3"), 3),
        "output": (Decimal(20), Decimal("0.0001") + Decimal("0.0001001"), 2),  # no_output has no output row
        "unspecified": (Decimal(0), Decimal("0.04"), 1),
    }
    assert sum(r["BilledCost"] for r in rows.values()) == Decimal("0.3407001")  # the four calls' costs


def test_worker_tables_merge_into_what_one_table_holds(tmp_path):
    write_lines(tmp_path / "t.jsonl", random_calls(400, seed=9), per_line=20)
    plan = Plan(by=("tag.team", "model"), series_by=("tag.team", "model"), focus="hour")
    whole, _ = scan([str(tmp_path)], lambda: CallTable(plan), workers=1)
    records, _ = scan([str(tmp_path)], _Keep, workers=1)
    first, second = CallTable(plan), CallTable(plan)
    for i, record in enumerate(records.records):
        (first if i % 3 else second).add(record)
    first.merge(second)
    assert (
        report_from(first.report_groups(), ReadStats(), None, None).totals
        == report_from(whole.report_groups(), ReadStats(), None, None).totals
    )
    assert first.series().cells == whole.series().cells
    assert first.series([]).cells == whole.series([]).cells
    assert list(first.focus_sums().items()) == list(whole.focus_sums().items())
    assert first.tag_costs().costs == whole.tag_costs().costs


def test_pickled_worker_tables_by_day_merge_into_what_one_table_holds(tmp_path):
    # A report group with a time dimension depends on the call's day: each day's cells have their own dimensions.
    # The worker tables go through pickle, as they do from the reader's processes.
    write_lines(tmp_path / "t.jsonl", random_calls(300, seed=4), per_line=20)
    plan = Plan(by=("day", "model"), sample=True, series_by=("day", "model"), focus="day")
    whole, _ = scan([str(tmp_path)], lambda: CallTable(plan), workers=1)
    records, _ = scan([str(tmp_path)], _Keep, workers=1)
    first, second = CallTable(plan), CallTable(plan)
    for i, record in enumerate(records.records):
        (second if i % 2 else first).add(record)
    first, second = pickle.loads(pickle.dumps(first)), pickle.loads(pickle.dumps(second))
    first.merge(second)
    merged = report_from(first.report_groups(), ReadStats(), None, None)
    alone = report_from(whole.report_groups(), ReadStats(), None, None)
    assert len(alone.groups) > 10  # days x models
    # the same calls, summed in another order: floats (seconds) may differ in their last bit, nothing else
    assert [_rounded(g) for g in merged.groups] == [_rounded(g) for g in alone.groups]
    assert [_rounded(g) for g in merged.totals] == [_rounded(g) for g in alone.totals]
    assert first.series().cells == whole.series().cells
    assert list(first.focus_sums().items()) == list(whole.focus_sums().items())
    assert first.tag_keys() == whole.tag_keys()


def _rounded(group):
    speed = group.output_tokens_per_s
    return dataclasses.replace(group, output_tokens_per_s=None if speed is None else round(speed, 9))


class _Keep:
    def __init__(self) -> None:
        self.records = []

    def add(self, record) -> None:
        self.records.append(record)

    def merge(self, other) -> None:
        self.records += other.records
