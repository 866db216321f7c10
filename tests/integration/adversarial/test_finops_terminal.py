"""Values from telemetry (tags, model names) printed in the tables of report, forecast and anomalies: escape
sequences and line breaks in them must reach the terminal as visible text, never as control characters (a
tag can come from a request's baggage or from anyone who can write to the Collector's files)."""

from __future__ import annotations

import re

import pytest

from tests.integration.adversarial.finops_files import HOUR_NS, no_traceback, run, spans_of, typed_call, write
from tests.support.otlp_lines import BASE_NS, traces_line

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # any control character but the line feed between lines
HOSTILE = ["\x1b[2J\x1b]0;owned\x07", "two\nlines\rback", "\x9b31m\x00"]


def telemetry(tmp_path, teams, name):
    """A steady team for 14 days, then ``teams`` appear on the last day (new groups: anomalies that name them)."""
    day = 86_400 * 10**9
    calls = [typed_call("steady", 10, 1, "0.1", "0.1", at_ns=BASE_NS + d * day) for d in range(14)]
    calls += [typed_call(team, 1000, 100, "5", "5", at_ns=BASE_NS + 13 * day + HOUR_NS) for team in teams]
    return write(tmp_path / name, [traces_line(spans_of(calls)).encode()])


@pytest.mark.parametrize(
    "command",
    [["report", "--by", "team"], ["forecast", "--by", "team"], ["anomalies", "--by", "team", "--granularity", "day"]],
    ids=lambda c: c[0],
)
def test_hostile_tag_values_print_as_text(tmp_path, command):
    hostile = telemetry(tmp_path, HOSTILE, "hostile.jsonl")
    plain = telemetry(tmp_path, ["a", "b", "c"], "plain.jsonl")
    shown = run(*command, hostile, "--no-progress", color=True)
    no_traceback(shown)
    assert shown.exit_code == 0, shown.stderr
    assert not CONTROL.search(shown.stdout), repr(shown.stdout)
    baseline = run(*command, plain, "--no-progress", color=True)
    assert len(shown.stdout.splitlines()) == len(baseline.stdout.splitlines())  # no value broke a line
    assert "\\x1b" in shown.stdout and "\\n" in shown.stdout  # the values are there, as text
