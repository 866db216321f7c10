"""The benchmark report's target lines (bench/report.py), which the README's performance claims quote: a peer that
ends no span on a case is not compared (it skipped the work measured), and the issue's 0.75x aim is judged against
the best peer that did the work."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bench_report", Path(__file__).parents[2] / "bench" / "report.py")
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)


def _cell(overhead_us: float, calls: int, spans: float = 1.0) -> dict:
    return {"overhead_us": overhead_us, "extra_python_calls": calls, "min_spans_per_call": spans}


def _lines(row: dict) -> dict[str, dict]:
    return {target["target"]: target for target in report._targets({"stream_broken": row}, {})}


def test_a_peer_that_ends_no_span_is_left_out_and_named() -> None:
    lines = _lines({
        "aicost": _cell(128, 196),
        "openai-v2": _cell(177, 632),
        "openlit": _cell(115, 365, spans=0.0),  # cheaper, but its span never ends
    })  # fmt: skip
    lowest = lines["stream_broken: ours has the lowest overhead"]
    assert lowest["ok"]
    assert "lowest peer openai-v2 +177" in lowest["detail"]
    assert lowest["detail"].endswith("left out, no span ends: openlit")
    assert lines["stream_broken: ours makes the fewest extra Python calls"]["detail"].startswith(
        "ours +196; fewest of the peers openai-v2 +632"
    )


def test_a_peer_that_ends_its_span_still_beats_ours_when_cheaper() -> None:
    lines = _lines({"aicost": _cell(128, 196), "openai-v2": _cell(177, 632), "openlit": _cell(115, 365)})
    lowest = lines["stream_broken: ours has the lowest overhead"]
    assert not lowest["ok"]
    assert "not beaten: openlit" in lowest["detail"]


def test_the_three_quarters_aim_against_the_best_peer() -> None:
    aim = "stream_broken: ours ≤ 0.75× the best peer's overhead"
    at_the_line = _lines({"aicost": _cell(75, 1), "openai-v2": _cell(100, 2), "openllmetry": _cell(400, 3)})[aim]
    assert at_the_line["ok"]
    assert at_the_line["detail"] == "ours +75 µs ÷ openai-v2 +100 µs = 0.75"
    over = _lines({"aicost": _cell(76, 1), "openai-v2": _cell(100, 2), "openllmetry": _cell(400, 3)})[aim]
    assert not over["ok"]
    assert over["detail"] == "ours +76 µs ÷ openai-v2 +100 µs = 0.76"


def test_the_ratio_table_says_no_span_for_a_peer_that_ends_none() -> None:
    """A peer that ends no span (openai-v2 on the Responses API, which it does not wrap) has no comparable overhead:
    its ratio cell says so, where a number (ours ÷ its noise) would read as a comparison."""
    cells = {"responses_stream": {"aicost": _cell(251, -32), "openai-v2": _cell(36, 0, spans=0.0),
                                  "openllmetry": _cell(599, 1064)}}  # fmt: skip
    ratios = report._ratios(cells)
    assert ratios["responses_stream"]["openai-v2"] is None
    assert abs(ratios["responses_stream"]["openllmetry"] - 251 / 599) < 1e-12
    assert report._fmt_ratio(ratios["responses_stream"], "openai-v2") == "no span"
    assert report._fmt_ratio(ratios["responses_stream"], "openlit") == "–"
