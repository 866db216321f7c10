"""Fuzzing the telemetry reader (issue 16): a fixed-seed mutation loop over valid OTLP JSON lines files.

Each case mutates one place of a valid file: a span value (hostile numbers, types, strings), the structure
(lists that are not lists), or the raw bytes of one line (truncated, flipped, spliced, not UTF-8). The oracle:

- no exception ever leaves the reader (nor the ``report``/``focus`` commands, run on a sample of the cases);
- every span of the untouched lines comes through once, with its exact cost: totals unchanged;
- every GenAI span of the mutated line that does not come through is reported: its line counted as corrupt, or
  the span counted as skipped with a reason. What "a GenAI span" is comes from an independent walk of the line
  with the stdlib parser (``genai_spans``): a mutation that renames a key (``"s:pans"``) leaves a valid line
  whose spans OTLP says to ignore, as unknown fields are; a line the stdlib cannot parse must be reported.

There is one decoder (msgspec); the reader does not touch orjson or the stdlib json (checked below), so the result
cannot depend on which JSON libraries are installed. ``AICOST_FUZZ_CASES`` sets the number of cases (default
3,000); the figures are printed (``pytest -s``).
"""

from __future__ import annotations

import copy
import json
import os
import random
from collections import Counter
from decimal import Decimal

from click.testing import CliRunner

from otel_aicost.finops import otlp_decode, records
from otel_aicost.finops.records import ReadStats, iter_records
from otel_aicost.finops.scan import scan
from tests.support.otlp_lines import metrics_line, random_calls, span, traces_line

CASES = int(os.environ.get("AICOST_FUZZ_CASES", "3000"))
CLI_EVERY = 60  # one case in this many also goes through `report` and `focus`
SPANS_PER_LINE = 3
LINES = 4

HOSTILE = [
    "x", "", "-1", "1e400", "9" * 40, "9" * 400, "NaN", "Infinity", "0x10", " 12 ", "\u202e\u0000", "é" * 3000,
    -1, 0, 2**63, 10**400, -(10**30), 1.5, -0.0, 1e308, 1e-300, True, False, None, [], {}, [1, 2], {"a": 1},
    {"stringValue": None}, {"intValue": "9" * 400}, {"doubleValue": "NaN"}, {"doubleValue": 1e300},
]  # fmt: skip


class Sum:
    """A report-like sink: records by span id (module level: picklable)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, Decimal | None]] = []

    def add(self, record) -> None:
        self.seen.append((record.span_id, record.cost))

    def merge(self, other) -> None:
        self.seen.extend(other.seen)


def _base() -> tuple[list[dict], dict[str, Decimal | None]]:
    calls = random_calls(LINES * SPANS_PER_LINE, seed=16)
    documents, truth = [], {}
    for line in range(LINES):
        spans = []
        for offset in range(SPANS_PER_LINE):
            index = line * SPANS_PER_LINE + offset
            item = span(calls[index], index)
            spans.append(item)
            truth[item["spanId"]] = calls[index].cost
        documents.append(json.loads(traces_line(spans)))
    return documents, truth


def _mutate_value(document: dict, rng: random.Random) -> None:
    item = rng.choice(document["resourceSpans"][0]["scopeSpans"][0]["spans"])
    value = copy.deepcopy(rng.choice(HOSTILE))
    where = rng.random()
    if where < 0.25:
        item[rng.choice(["startTimeUnixNano", "endTimeUnixNano", "status", "traceId", "spanId"])] = value
    elif where < 0.85:
        attribute = rng.choice(item["attributes"])
        kind = rng.choice(["intValue", "doubleValue", "stringValue", "boolValue", None, "key"])
        if kind == "key":
            attribute["key"] = value
        elif kind is None:
            attribute["value"] = value
        else:
            attribute["value"] = {kind: value}
    else:
        item[rng.choice(["attributes", "status"])] = value


def _mutate_structure(document: dict, rng: random.Random) -> None:
    value = copy.deepcopy(rng.choice(HOSTILE))
    resource_spans = document["resourceSpans"][0]
    target = rng.choice(["resourceSpans", "resource", "scopeSpans", "spans", "attributes", "resource.attributes"])
    if target == "resourceSpans":
        document["resourceSpans"] = value
    elif target == "resource":
        resource_spans["resource"] = value
    elif target == "scopeSpans":
        resource_spans["scopeSpans"] = value
    elif target == "spans":
        resource_spans["scopeSpans"][0]["spans"] = value
    elif target == "attributes":
        resource_spans["scopeSpans"][0]["spans"][0]["attributes"] = value
    else:
        resource_spans["resource"]["attributes"] = value


def _mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(raw))
    how = rng.randrange(6)
    if how == 0:
        return raw[:at]  # a torn line
    if how == 1:
        return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1 :]  # a flipped byte
    if how == 2:
        return raw[:at] + rng.randbytes(rng.randrange(1, 8)) + raw[at:]  # inserted garbage
    if how == 3:
        return raw[:at] + raw[at + rng.randrange(1, 40) :]  # a hole
    if how == 4:
        return raw[:at] + b"\xff\xfe" + raw[at:]  # not UTF-8
    return rng.choice([b'{"resourceSpans":"notalist"}', b"[]", b"null", b'{"name": "package.json"}', b"\x89PNG"])


def genai_spans(raw: bytes) -> int | None:
    """GenAI spans in a line by the OTLP JSON structure, walked with the stdlib; None when it is not JSON."""
    try:
        document = json.loads(raw)
    except ValueError:
        return None

    def items(value, key):
        found = value.get(key) if isinstance(value, dict) else None
        return found if isinstance(found, list) else []

    return sum(
        any(isinstance(a, dict) and a.get("key") == "gen_ai.operation.name" for a in items(item, "attributes"))
        for resource_spans in items(document, "resourceSpans")
        for scope_spans in items(resource_spans, "scopeSpans")
        for item in items(scope_spans, "spans")
    )


def _case(seed: int, documents: list[dict]) -> tuple[int, list[bytes]]:
    """(index of the mutated line, the file's lines) for one case."""
    rng = random.Random(seed)
    mutated = rng.randrange(LINES)
    lines = [json.dumps(d).encode() for d in documents]
    kind = rng.random()
    if kind < 0.5:
        document = copy.deepcopy(documents[mutated])
        _mutate_value(document, rng)
        lines[mutated] = json.dumps(document).encode()
    elif kind < 0.7:
        document = copy.deepcopy(documents[mutated])
        _mutate_structure(document, rng)
        lines[mutated] = json.dumps(document).encode()
    else:
        lines[mutated] = _mutate_bytes(lines[mutated], rng)
    return mutated, lines


def test_the_reader_uses_no_optional_json_library():
    for module in (otlp_decode, records):
        assert not {"json", "orjson", "ujson", "simplejson"} & set(vars(module)), module.__name__


def test_mutated_files_never_crash_and_every_skip_is_reported(tmp_path):
    from otel_aicost.cli.focus import command as focus_command
    from otel_aicost.cli.report import command as report_command

    documents, truth = _base()
    ids_by_line = [[s["spanId"] for s in d["resourceSpans"][0]["scopeSpans"][0]["spans"]] for d in documents]
    reasons: Counter[str] = Counter()
    corrupt = cli_runs = 0
    path = tmp_path / "t.jsonl"
    for seed in range(CASES):
        mutated, lines = _case(seed, documents)
        path.write_bytes(b"\n".join([metrics_line().encode(), *lines, b""]))
        stats = ReadStats()
        got = [(r.span_id, r.cost) for r in iter_records([path], stats)]
        sink, scan_stats = scan([path], Sum, workers=1)
        assert sink.seen == got, seed  # both reader paths agree
        assert (scan_stats.skipped, scan_stats.corrupt_lines) == (stats.skipped, stats.corrupt_lines), seed

        untouched = {i for n, ids in enumerate(ids_by_line) if n != mutated for i in ids}
        kept = [(i, cost) for i, cost in got if i in untouched]
        assert sorted(kept, key=str) == sorted(((i, truth[i]) for i in untouched), key=str), seed  # totals unchanged
        from_mutated = len(got) - len(kept)
        expected = genai_spans(lines[mutated])
        if expected is None:
            assert stats.corrupt_lines >= 1, (seed, lines[mutated][:300], stats)  # >1: a mutation added a newline
        else:
            assert stats.corrupt_lines or expected - from_mutated <= stats.bad_spans, (seed, lines[mutated], stats)
        if stats.corrupt_lines:
            assert stats.corrupt_examples and stats.corrupt_examples[0].startswith(f"{path}:"), seed
        assert sum(stats.skipped.values()) == stats.bad_spans
        reasons.update(stats.skipped)
        corrupt += stats.corrupt_lines

        if seed % CLI_EVERY == 0:
            cli_runs += 1
            for command, extra in ((report_command, []), (focus_command, ["-o", str(tmp_path / "f.csv")])):
                result = CliRunner().invoke(command, [str(path), "--no-progress", *extra])
                assert result.exception is None or isinstance(result.exception, SystemExit), (seed, result.output)
                assert result.exit_code in (0, 2) and "Traceback" not in result.output, (seed, result.output)
                if stats.corrupt_lines or stats.bad_spans:
                    assert "skipped" in result.output, (seed, result.output)
    print(
        f"\nfuzz: {CASES:,} cases ({cli_runs} also through report and focus), 0 tracebacks; "
        f"{corrupt:,} corrupt lines; skipped spans by reason: {dict(sorted(reasons.items()))}"
    )
    assert reasons.keys() == {"malformed", "timestamp", "tokens", "cost"}  # the loop reaches every reason
