"""Hostile telemetry files for the FinOps adversarial tests, and the CLI run the way a user runs it.

The truth of each call is typed in here (tokens, Decimal cost strings); nothing is computed the way the code
under test computes it. ``run`` invokes the real ``otel-aicost`` group (its error handling included), so a
traceback, a wrong exit code or a missing ``file:line`` shows exactly as a user would see it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from otel_aicost.cli import main
from tests.support.otlp_lines import BASE_NS, SyntheticCall, span, traces_line

HOUR_NS = 3600 * 10**9

# (team, input tokens, output tokens, input cost, output cost): typed in, so that the sums below are known by hand.
TYPED = [
    ("search", 100, 10, "0.1", "0.2"),
    ("search", 200, 20, "0.2", "0.1"),
    ("ads", 300, 30, "0.3", "0.000000007"),
    ("ads", 400, 40, "1234567.891", "0.009"),
    ("search", 500, 50, "0.0000001", "0.33"),
    ("platform", 600, 60, "0.7", "0.07"),
]
# By hand: 0.1+0.2+0.2+0.1+0.3+0.000000007+1234567.891+0.009+0.0000001+0.33+0.7+0.07
TYPED_TOTAL = Decimal("1234569.900000107")
TYPED_BY_TEAM = {
    "search": Decimal("0.9300001"),  # 0.3 + 0.3 + 0.3300001
    "ads": Decimal("1234568.200000007"),  # 0.300000007 + 1234567.9
    "platform": Decimal("0.77"),
}


def typed_call(team: str, tokens_in: int, tokens_out: int, cost_in: str, cost_out: str, at_ns: int) -> SyntheticCall:
    return SyntheticCall(
        start_ns=at_ns,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cost_input=Decimal(cost_in),
        cost_output=Decimal(cost_out),
        cost=Decimal(cost_in) + Decimal(cost_out),
        tags={"team": team},
    )


def typed_calls(start_ns: int = BASE_NS) -> list[SyntheticCall]:
    return [typed_call(*row, at_ns=start_ns + i * HOUR_NS) for i, row in enumerate(TYPED)]


def spans_of(calls: list[SyntheticCall], first_index: int = 0) -> list[dict]:
    return [span(call, first_index + i) for i, call in enumerate(calls)]


def lines_of(calls: list[SyntheticCall], per_line: int = 2) -> list[bytes]:
    """OTLP JSON lines (no newline) with ``per_line`` spans each; span ids unique across the lines."""
    return [
        traces_line(spans_of(calls[i : i + per_line], first_index=i)).encode()
        for i in range(0, len(calls), per_line)
    ]


def write(path: Path, lines: list[bytes], newline: bytes = b"\n", prefix: bytes = b"") -> Path:
    path.write_bytes(prefix + b"".join(line + newline for line in lines))
    return path


def run(*args: str, color: bool = False):
    """``otel-aicost ARGS``, as the console script runs it (exceptions caught as the real entry point would);
    ``color``: as on a terminal, where click leaves escape sequences in what it prints."""
    return CliRunner().invoke(main, [str(a) for a in args], color=color)


def no_traceback(result) -> None:
    assert "Traceback" not in result.output + result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def report_json(*args: str) -> dict:
    result = run("report", *args, "--format", "json", "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def costs_by_team(document: dict) -> dict[str, Decimal]:
    return {g["key"]["tag.team"]: Decimal(g["cost"]) for g in document["groups"]}


def total(document: dict, currency: str = "USD") -> Decimal:
    (row,) = [t for t in document["totals"] if t["currency"] == currency]
    return Decimal(row["cost"])
