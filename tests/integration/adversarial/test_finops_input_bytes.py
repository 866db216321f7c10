"""Hostile bytes in the telemetry files the FinOps commands read: every good call counted once, every bad line or
span reported as ``file:line`` and skipped, never a traceback; money summed exactly (oracle: typed-in costs)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal

import pytest

from tests.integration.adversarial.finops_files import (
    TYPED_BY_TEAM,
    TYPED_TOTAL,
    costs_by_team,
    lines_of,
    no_traceback,
    report_json,
    run,
    spans_of,
    total,
    typed_calls,
    write,
)
from tests.support.otlp_lines import SyntheticCall, metrics_line, span, traces_line


def test_typed_costs_sum_exactly_with_no_float_drift(tmp_path):
    path = write(tmp_path / "t.jsonl", lines_of(typed_calls()))
    document = report_json(path, "--by", "team")
    assert total(document) == TYPED_TOTAL
    assert costs_by_team(document) == TYPED_BY_TEAM
    assert document["input"]["genai_calls"] == 6


@pytest.mark.parametrize(
    ("newline", "prefix"),
    [(b"\r\n", b""), (b"\n", b"\xef\xbb\xbf"), (b"\r\n", b"\xef\xbb\xbf")],
    ids=["crlf", "bom", "bom-crlf"],
)
def test_windows_line_ends_and_bom_read_like_plain_lines(tmp_path, newline, prefix):
    path = write(tmp_path / "t.jsonl", lines_of(typed_calls()), newline=newline, prefix=prefix)
    document = report_json(path, "--by", "team")
    assert costs_by_team(document) == TYPED_BY_TEAM
    assert document["input"]["corrupt_lines"] == 0, document["input"]["problems"]


def test_torn_last_line_is_reported_with_its_line_and_the_rest_counted(tmp_path):
    lines = lines_of(typed_calls())  # three lines of two calls
    path = tmp_path / "t.jsonl"
    path.write_bytes(lines[0] + b"\n" + lines[1] + b"\n" + lines[2][: len(lines[2]) // 2])  # a crash mid-write
    result = run("report", path, "--format", "json", "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["input"]["genai_calls"] == 4
    assert total(document) == Decimal("0.3") + Decimal("0.3") + Decimal("0.300000007") + Decimal("1234567.9")
    assert document["input"]["corrupt_lines"] == 1
    assert f"{path}:3" in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        b"\x00\x01\x02\xff\xfe binary",
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "caf\xe9"}]}]}], "gen_ai.operation.name": 1}',
        b"[1, 2, 3]",
        b'{"resourceSpans": 5}',
        b'{"resourceSpans": [' + b"[" * 5000 + b"]" * 5000 + b'], "k": "gen_ai.operation.name"}',
        b"\xef\xbb\xbf" + b'{"resourceSpans": []}',  # a BOM in the middle of a file is damage, not an encoding
        traces_line([{"events": [], "attributes": []}]).replace('"events": []', '"events": ' + "[" * 5000 + "]" * 5000)
        .replace('"attributes": []', '"attributes": [{"key": "gen_ai.operation.name", "value": {}}]').encode(),
    ],
    ids=["binary", "latin1", "array", "not-a-list", "deep-nesting", "inner-bom", "deep-skipped-field"],
)
def test_corrupt_middle_line_is_reported_as_file_and_line(tmp_path, bad):
    lines = lines_of(typed_calls())
    path = write(tmp_path / "t.jsonl", [lines[0], bad, lines[1], lines[2]])
    result = run("report", path, "--by", "team", "--format", "json", "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert costs_by_team(document) == TYPED_BY_TEAM
    assert document["input"]["corrupt_lines"] + document["input"]["malformed_spans"] == 1
    assert f"{path}:2" in result.stderr


def test_utf16_file_is_refused_in_one_line_naming_it(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"\n".join(lines_of(typed_calls())).decode().encode("utf-16"))
    result = run("report", path, "--no-progress")
    no_traceback(result)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _span_with(index: int, key: str, value: dict) -> dict:
    (document,) = spans_of([SyntheticCall(tags={"team": "bad"}).priced()], first_index=index)
    document["attributes"] = [a for a in document["attributes"] if a["key"] != key] + [{"key": key, "value": value}]
    return document


HOSTILE = [  # (attribute, value as protojson writes it, reason the span is skipped)
    ("gen_ai.usage.cost", {"doubleValue": "NaN"}, "cost"),
    ("gen_ai.usage.cost", {"doubleValue": "Infinity"}, "cost"),
    ("gen_ai.usage.cost", {"doubleValue": "-Infinity"}, "cost"),
    ("gen_ai.usage.cost", {"doubleValue": -0.01}, "cost"),
    ("gen_ai.usage.cost", {"doubleValue": 1e308}, "cost"),
    ("aicost.cost.output", {"doubleValue": 20_000_000.0}, "cost"),
    ("gen_ai.usage.input_tokens", {"intValue": "-5"}, "tokens"),
    ("gen_ai.usage.input_tokens", {"intValue": "123456789012345678901234567890"}, "tokens"),
    ("gen_ai.usage.output_tokens", {"doubleValue": 1.5}, "tokens"),
    ("gen_ai.usage.output_tokens", {"doubleValue": 1e300}, "tokens"),
    ("gen_ai.usage.cost", {"stringValue": "0.5"}, "malformed"),
    ("gen_ai.usage.input_tokens", {"boolValue": True}, "malformed"),
]


def test_hostile_numbers_skip_their_span_by_reason(tmp_path):
    good = spans_of(typed_calls(), first_index=100)
    bad = [_span_with(i, key, value) for i, (key, value, _reason) in enumerate(HOSTILE)]
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line(bad[:6] + good[:3]) + "\n" + traces_line(bad[6:] + good[3:]) + "\n")
    document = report_json(path, "--by", "team")
    assert costs_by_team(document) == TYPED_BY_TEAM  # nothing of the hostile spans is summed
    reasons: dict[str, int] = {}
    for _key, _value, reason in HOSTILE:
        reasons[reason] = reasons.get(reason, 0) + 1
    assert document["input"]["skipped_spans_by_reason"] == reasons
    assert document["input"]["genai_calls"] == 6


def test_negative_zero_cost_is_zero_not_minus_zero(tmp_path):
    call = SyntheticCall(cost=Decimal("-0.0"), cost_input=Decimal("-0.0"), cost_output=Decimal("-0.0"))
    path = write(tmp_path / "t.jsonl", [traces_line(spans_of([call])).encode()])
    result = run("report", path, "--format", "csv", "--no-progress")
    assert result.exit_code == 0
    assert ",-0" not in result.stdout, result.stdout


def test_same_file_named_twice_is_read_once(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = write(folder / "traces.jsonl", lines_of(typed_calls()))
    (tmp_path / "hard.jsonl").hardlink_to(path)
    (tmp_path / "soft.jsonl").symlink_to(path)
    document = report_json(path, folder, folder / ".." / "data" / "traces.jsonl", path, tmp_path)
    assert document["input"]["files"] == 1
    assert document["input"]["genai_calls"] == 6
    assert total(document) == TYPED_TOTAL


def test_a_span_written_twice_is_one_call(tmp_path):
    """At-least-once delivery (an OTLP retry after a timeout) or a copied file repeats spans: same trace and span
    id, same call. It must be billed once."""
    lines = lines_of(typed_calls())
    write(tmp_path / "a.jsonl", lines)
    write(tmp_path / "b.jsonl", [lines[1]])  # the second batch delivered twice
    document = report_json(tmp_path)
    assert document["input"]["genai_calls"] == 6
    assert total(document) == TYPED_TOTAL
    assert document["input"]["duplicate_spans"] == 2
    assert [p.split(": ")[0] for p in document["input"]["problems"]] == [f"{tmp_path / 'b.jsonl'}:1"] * 2


@pytest.mark.parametrize("workers", ["1", "2"])
def test_duplicates_across_files_and_reader_processes_count_once(tmp_path, monkeypatch, workers):
    """A whole file copied back, and one batch retried inside a file: with every line its own batch (so two
    reader processes each count some copies), the report is the typed one and names every repeat, in read order."""
    monkeypatch.setattr("otel_aicost.finops.scan.BATCH_BYTES", 1)
    lines = lines_of(typed_calls())
    write(tmp_path / "a.jsonl", [*lines, lines[0]])  # 6 calls, then the first two again
    write(tmp_path / "b.jsonl", lines)  # the file copied back: 6 more repeats
    document = report_json(tmp_path, "--by", "team", "--workers", workers)
    assert document["input"]["genai_calls"] == 6
    assert total(document) == TYPED_TOTAL
    assert costs_by_team(document) == TYPED_BY_TEAM
    assert document["input"]["duplicate_spans"] == 8
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    expected = [f"{a}:4"] * 2 + [f"{b}:1"] * 2 + [f"{b}:2"] * 2 + [f"{b}:3"] * 2
    assert [p.split(": ")[0] for p in document["input"]["problems"]] == expected


@pytest.mark.parametrize("workers", ["1", "2"])
def test_same_span_ids_in_other_traces_are_other_calls(tmp_path, monkeypatch, workers):
    """Reader processes compare what they counted by span id alone (``span_dedupe.mark``): the same span ids
    under other trace ids are other calls, and all count (a second read decides by the full key)."""
    monkeypatch.setattr("otel_aicost.finops.scan.BATCH_BYTES", 1)
    calls = typed_calls()
    for trace, name in ((1, "a.jsonl"), (2, "b.jsonl")):
        write(tmp_path / name, [traces_line([span(c, i, trace=trace) for i, c in enumerate(calls)]).encode()])
    document = report_json(tmp_path, "--by", "team", "--workers", workers)
    assert document["input"]["genai_calls"] == 2 * len(calls)
    assert document["input"]["duplicate_spans"] == 0
    assert total(document) == 2 * TYPED_TOTAL


def test_gzip_inputs_whatever_their_name_and_a_torn_gzip(tmp_path):
    lines = lines_of(typed_calls())
    body = b"".join(line + b"\n" for line in lines)
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(b"".join(line + b"\n" for line in lines[:2])))
    (tmp_path / "b.jsonl").write_bytes(gzip.compress(lines[2] + b"\n"))  # gzip under a plain name
    document = report_json(tmp_path, "--by", "team")
    assert costs_by_team(document) == TYPED_BY_TEAM

    torn = tmp_path / "torn" / "c.jsonl.gz"
    torn.parent.mkdir()
    whole = gzip.compress(body)
    torn.write_bytes(whole[: len(whole) - 12])  # the trailer and the last bytes lost
    result = run("report", torn, "--format", "json", "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["input"]["genai_calls"] in (4, 6)  # every whole line before the tear
    assert document["input"]["corrupt_lines"] == 1
    assert f"{torn}:" in result.stderr


def test_empty_and_signal_only_inputs(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    document = report_json(empty)
    assert document["input"]["genai_calls"] == 0 and document["totals"] == []

    metrics = write(tmp_path / "metrics.jsonl", [metrics_line().encode(), b"", b"   "])
    document = report_json(metrics)
    assert document["input"]["genai_calls"] == 0 and document["input"]["corrupt_lines"] == 0

    folder = tmp_path / "nothing"
    folder.mkdir()
    (folder / "notes.txt").write_text("not telemetry")
    result = run("report", folder, "--no-progress")
    no_traceback(result)
    assert result.exit_code == 2 and str(folder) in result.stderr

    result = run("focus", empty, "-o", tmp_path / "f.csv", "--no-progress")
    no_traceback(result)
    assert result.exit_code == 0
    header = (tmp_path / "f.csv").read_text().splitlines()
    assert len(header) == 1 and header[0].startswith("BilledCost,")
