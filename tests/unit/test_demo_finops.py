"""The demo's FinOps step (``cli/demo.finops_outputs``): report, FOCUS file and HTML page of this run only, from one
read, even when the data folder still holds an earlier run's telemetry."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timezone
from decimal import Decimal

from otel_aicost.cli.demo import finops_outputs
from tests.support.otlp_lines import BASE_NS, SyntheticCall, write_lines

RUN = datetime.fromtimestamp(BASE_NS // 10**9 + 3600, timezone.utc)  # this run starts an hour after the last one


def _call(seconds: int, team: str, cost: str) -> SyntheticCall:
    return SyntheticCall(start_ns=BASE_NS + seconds * 10**9, cost=Decimal(cost), tags={"team": team})


def test_every_output_counts_this_run_only(tmp_path, capsys):
    earlier = [_call(60, "search", "1.5"), _call(120, "ads", "4")]  # the previous demo run, same folder
    this_run = [_call(3700, "search", "0.25"), _call(3760, "search", "0.5"), _call(3800, "support", "2")]
    write_lines(tmp_path / "traces.jsonl", earlier + this_run)
    finops_outputs(str(tmp_path), RUN)
    out = capsys.readouterr().out
    assert "5 GenAI calls" in out and "2 outside the time window" in out
    with open(tmp_path / "focus-costs.csv", encoding="utf-8", newline="") as focus:
        rows = list(csv.DictReader(focus))
    assert sum(Decimal(r["BilledCost"]) for r in rows) == Decimal("2.75")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<div class="value">2.75 USD</div>' in page  # the spend card
    by_team = page.split("<h2>Cost by team</h2>", 1)[1].split("</section>", 1)[0]
    # was search 1.75 and ads 4: the cost by tag read the whole folder while every other figure read this run
    assert dict(re.findall(r"<title>([^:<]+): ([0-9.]+) USD</title>", by_team)) == {
        "support": "2.00",
        "search": "0.75",
    }
