"""Per-call cost of filling the call table, deterministic under load: run it under valgrind.

    valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file=/tmp/cg.%p \\
        python bench/fill_cost.py SPANS.jsonl PLAN PASSES

decodes SPANS once, then adds every call PASSES times to a ``CallTable`` of PLAN (``plain``: the report by
team and model; ``all``: with the sample, series and FOCUS rows, as ``report --forecast --anomalies --html
--focus`` asks; ``sample``, ``series``, ``focus``: the plain report and that one output; ``none``: no table, the
decode alone). Run it with PASSES 1 and 2 and subtract: the difference
over the calls is the per-call cost of ``CallTable.add`` (instructions ``Ir``, simulated cache misses ``D1mr``,
``DLmr``...), without the decode or the start-up. ``--decode`` times the decode instead (PASSES decodes).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.otlp_decode import decode_line
from otel_aicost.finops.records import ReadStats

DIMS = ("tag.team", "model")
PLANS = {
    "plain": Plan(by=DIMS),
    "all": Plan(by=DIMS, sample=True, series_by=DIMS, focus="day"),
    "sample": Plan(by=DIMS, sample=True),  # each output's share of "all" on its own
    "series": Plan(by=DIMS, series_by=DIMS),
    "focus": Plan(by=DIMS, focus="day"),
    "none": None,
}


def main() -> None:
    path, plan_name, passes = sys.argv[1], sys.argv[2], int(sys.argv[3])
    decode_only = "--decode" in sys.argv
    gc.disable()  # as the reader does
    lines = Path(path).read_bytes().splitlines()
    stats = ReadStats()
    records = [r for number, raw in enumerate(lines, 1) for r in decode_line(raw, path, number, stats)]
    if decode_only:
        for _ in range(passes - 1):
            for number, raw in enumerate(lines, 1):
                decode_line(raw, path, number, stats)
        print(f"{len(records)} calls decoded {passes} times")
        return
    plan = PLANS[plan_name]
    if plan is None:
        return
    table = CallTable(plan)
    add = table.add
    for _ in range(passes):
        for record in records:
            add(record)
    print(f"{len(records)} calls added {passes} times, {len(table.cells)} cells")


if __name__ == "__main__":
    main()
