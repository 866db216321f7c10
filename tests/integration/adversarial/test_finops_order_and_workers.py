"""The same telemetry gives the same output, byte for byte, whatever the number of reader processes, the order the
paths are named in or the order of the lines in the files (corrupt lines included)."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from tests.integration.adversarial.finops_files import no_traceback, run, spans_of, typed_call, write
from tests.support.otlp_lines import BASE_NS, random_calls, span, traces_line

CORRUPT = b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "torn'


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Three files of one set of calls (with a corrupt line each), and the same lines shuffled in another folder."""
    calls = random_calls(450, seed=91, spread_s=20 * 86_400)
    lines = [
        traces_line([span(call, first + i) for i, call in enumerate(calls[first : first + 15])]).encode()
        for first in range(0, len(calls), 15)
    ]
    plain = tmp_path_factory.mktemp("plain")
    for part in range(3):
        chunk = lines[part * 10 : (part + 1) * 10]
        (plain / f"part-{part}.jsonl").write_bytes(b"\n".join(chunk[:5] + [CORRUPT] + chunk[5:]) + b"\n")
    shuffled = tmp_path_factory.mktemp("shuffled")
    mixed = lines[:]
    random.Random(5).shuffle(mixed)
    (shuffled / "all.jsonl").write_bytes(b"\n".join(mixed[:20] + [CORRUPT, CORRUPT] + mixed[20:] + [CORRUPT]) + b"\n")
    return plain, shuffled


def output_of(*args) -> str:
    result = run(*args, "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    return result.stdout


COMMANDS = {
    "report": ["report", "--by", "team,model", "--format", "json"],
    "report-days": ["report", "--by", "day,provider", "--format", "json"],
    "forecast": ["forecast", "--by", "team", "--format", "json"],
    "anomalies": ["anomalies", "--by", "model", "--granularity", "day", "--format", "json"],
}


# Figures from float sums of span durations, whose last digits depended on the order of the calls (F11, fixed:
# durations summed with math.fsum, tested exactly below; the correlation is statistics' own): compared here to 9
# significant digits, so that these tests hold everything else to the byte.
FLOAT_SUMS = {"output_tokens_per_s", "latency_output_tokens_correlation", "cost_per_latency_s"}


def comparable(text: str, *, keep_input: bool = True) -> str:
    """The JSON output with F11's figures to 9 digits (and without the reading notes that name files and lines,
    which differ by design when the files differ)."""

    def settle(node):
        if isinstance(node, dict):
            return {
                k: (f"{float(v):.9g}" if k in FLOAT_SUMS and v is not None else settle(v))
                for k, v in node.items()
                if keep_input or k != "input"
            }
        if isinstance(node, list):
            return [settle(v) for v in node]
        return node

    return json.dumps(settle(json.loads(text)), indent=1)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_same_output_with_one_or_two_reader_processes(folders, name):
    plain, _ = folders
    one = output_of(*COMMANDS[name], plain, "--workers", "1")
    two = output_of(*COMMANDS[name], plain, "--workers", "2")
    assert comparable(one) == comparable(two)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_same_figures_whatever_the_order_of_paths_and_lines(folders, name):
    plain, shuffled = folders
    parts = sorted(plain.iterdir())
    named = output_of(*COMMANDS[name], *parts, "--workers", "1")
    backwards = output_of(*COMMANDS[name], *reversed(parts), "--workers", "2")
    mixed = output_of(*COMMANDS[name], shuffled / "all.jsonl", "--workers", "1")
    settled = [comparable(text, keep_input=False) for text in (named, backwards, mixed)]
    assert settled[0] == settled[1] == settled[2]


@pytest.mark.parametrize("workers", ["1", "2"])
def test_focus_file_identical_whatever_the_order_and_workers(folders, tmp_path, workers):
    plain, shuffled = folders
    outputs = []
    for n, source in enumerate([[plain], list(reversed(sorted(plain.iterdir()))), [shuffled]]):
        out = tmp_path / f"f{n}.csv"
        result = run("focus", *source, "-o", out, "--workers", workers, "--granularity", "hour", "--no-progress")
        no_traceback(result)
        assert result.exit_code == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_corrupt_lines_reported_the_same_with_any_worker_count(folders):
    plain, _ = folders
    one = json.loads(output_of(*COMMANDS["report"], plain, "--workers", "1"))["input"]
    two = json.loads(output_of(*COMMANDS["report"], plain, "--workers", "2"))["input"]
    assert one == two
    assert one["corrupt_lines"] == 3
    assert [p.split(": ")[0] for p in one["problems"]] == [f"{plain / f'part-{n}.jsonl'}:6" for n in range(3)]


def test_output_tokens_per_second_does_not_depend_on_the_order_of_calls(tmp_path):
    """Three calls of 0.1, 0.2 and 0.3 s and 60 output tokens: 100 tokens per second exactly (60 / 0.6). In
    floats, 0.1 + 0.2 + 0.3 is 0.6000000000000001 and 0.3 + 0.2 + 0.1 is 0.6. (CSV prints the figure in full;
    JSON rounds it to 6 places, which hides most such differences but not those that straddle a rounding step.)"""
    figures = []
    for order in ([0.1, 0.2, 0.3], [0.3, 0.2, 0.1]):
        calls = []
        for n, seconds in enumerate(order):
            call = typed_call("t", 10, 20, "0.001", "0.002", at_ns=BASE_NS + n * 10**9)
            call.duration_s = seconds
            calls.append(call)
        path = write(tmp_path / f"{order[0]}.jsonl", [traces_line(spans_of(calls)).encode()])
        (group, _total) = csv.DictReader(io.StringIO(output_of("report", path, "--by", "team", "--format", "csv")))
        figures.append(group["output_tokens_per_s"])
    assert [float(f) for f in figures] == [100.0, 100.0], figures
