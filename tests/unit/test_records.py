"""The telemetry reader: formats, folders, gzip, corrupt input reported (never silently lost), exact money."""

from __future__ import annotations

import gzip
from decimal import Decimal

import pytest

from otel_aicost.finops.records import ReadError, ReadStats, find_files, iter_records
from otel_aicost.finops.scan import scan
from tests.support.otlp_lines import (
    BASE_NS,
    SyntheticCall,
    logs_line,
    metrics_line,
    plain_span,
    random_calls,
    span,
    traces_line,
    write_lines,
)

def _read(paths):
    stats = ReadStats()
    return list(iter_records([str(p) for p in paths], stats)), stats


def test_every_field_of_a_span_comes_through(tmp_path):
    call = SyntheticCall(
        operation="chat",
        provider="azure.ai.openai",
        request_model="gpt-4o",
        response_model="gpt-4o-2024-08-06",
        input_tokens=1500,
        output_tokens=300,
        cache_read_tokens=1024,
        cache_write_tokens=0,
        reasoning_tokens=0,
        deployment_name="chat-prod",
        deployment_type="data_zone_standard",
        server_address="contoso.openai.azure.com",
        region="swedencentral",
        duration_s=1.25,
        usage_source="estimated",
        tags={"team": "search", "cost_center": "cc-42"},
    ).priced()
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([span(call, 4)], service="search-api") + "\n")
    (record,), stats = _read([path])
    assert stats.records == 1 and stats.corrupt_lines == 0
    assert record.service == "search-api"
    assert record.provider == "azure.ai.openai"
    assert (record.request_model, record.response_model, record.model) == (
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "gpt-4o-2024-08-06",
    )
    assert (record.deployment_name, record.deployment_type, record.region) == (
        "chat-prod",
        "data_zone_standard",
        "swedencentral",
    )
    assert (record.input_tokens, record.output_tokens, record.cache_read_tokens) == (1500, 300, 1024)
    assert record.cost == call.cost == Decimal("0.00547")  # 476 x 2.5 + 1024 x 1.25 + 300 x 10, per 1M
    assert record.cost_input == call.cost_input and record.cost_cache_read == call.cost_cache_read
    assert record.cost_output == call.cost_output
    assert record.usage_source == "estimated" and record.pricing_status == "priced" and record.currency == "USD"
    assert record.tags == {"team": "search", "cost_center": "cc-42"}
    assert record.duration_s == pytest.approx(1.25)
    assert record.start_ns == call.start_ns
    assert record.span_id == f"{5:016x}" and not record.is_error


def test_records_match_the_synthetic_truth(tmp_path):
    calls = random_calls(300, seed=3)
    write_lines(tmp_path / "t.jsonl", calls, per_line=37)
    records, stats = _read([tmp_path])
    assert [r.cost for r in records] == [c.cost for c in calls]  # exact Decimal, in order
    assert [r.input_tokens for r in records] == [c.input_tokens or 0 for c in calls]
    assert [r.start_ns for r in records] == [c.start_ns for c in calls]
    assert (stats.spans, stats.records, stats.bad_spans) == (300, 300, 0)


def test_a_span_that_does_not_fit_the_types_is_skipped_and_its_line_neighbours_survive(tmp_path):
    good = span(SyntheticCall().priced(), 1)
    odd = span(SyntheticCall().priced(), 2)
    odd["attributes"].append({"key": "gen_ai.request.model", "value": {"stringValue": 5}})  # int as a string
    bad = span(SyntheticCall().priced(), 3)
    bad["attributes"] = [{"no_key": 1}]
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([good, odd, bad]) + "\n")
    records, stats = _read([path])
    assert [r.span_id for r in records] == [good["spanId"]]
    assert records[0].cost == SyntheticCall().priced().cost  # decoded again from its own text: still exact
    assert stats.bad_spans == 2 and stats.skipped == {"malformed": 2} and stats.spans == 3
    assert "stringValue" in stats.corrupt_examples[0] and f"{path}:1" in stats.corrupt_examples[0]


def test_metrics_logs_and_non_genai_spans_are_skipped_not_counted_as_corrupt(tmp_path):
    genai = span(SyntheticCall().priced(), 0)
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                metrics_line(),
                traces_line([plain_span(index=1)]),
                traces_line([plain_span(index=2), genai]),
                logs_line(),
                "",
            ]
        )
        + "\n"
    )
    records, stats = _read([path])
    assert len(records) == 1
    assert stats.corrupt_lines == 0 and stats.corrupt_examples == []
    assert stats.other_lines == 4  # metrics, non-GenAI traces, logs and one blank line
    assert stats.spans == 2  # spans of the parsed line: the plain one and the GenAI one


def test_corrupt_lines_are_reported_with_file_and_line_and_the_rest_is_read(tmp_path):
    calls = random_calls(30, seed=5)
    lines = [traces_line([span(c, i)]) for i, c in enumerate(calls)]
    lines.insert(10, '{"resourceSpans": [ {"oops"')  # garbage in the middle
    lines.insert(20, "not json at all")
    torn = traces_line([span(SyntheticCall().priced(), 99)])[:57]  # a crashed writer's last line
    path = tmp_path / "crashed.jsonl"
    path.write_text("\n".join(lines) + "\n" + torn)
    records, stats = _read([path])
    assert len(records) == 30  # every intact line came through
    assert [r.span_id for r in records] == [f"{i + 1:016x}" for i in range(30)]
    assert stats.corrupt_lines == 3
    assert [e.split(": ")[0] for e in stats.corrupt_examples] == [f"{path}:11", f"{path}:21", f"{path}:33"]
    assert stats.unreadable_files == []


def test_a_file_with_no_good_line_is_flagged_unreadable(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text("hello\nworld\n")
    records, stats = _read([path])
    assert records == [] and stats.corrupt_lines == 2
    assert stats.unreadable_files == [str(path)]


def test_gzip_files_are_read_whatever_their_name_and_a_torn_stream_is_reported(tmp_path):
    calls = random_calls(50, seed=9)
    text = "".join(traces_line([span(c, i)]) + "\n" for i, c in enumerate(calls))
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    other = "".join(traces_line([span(c, 50 + i)]) + "\n" for i, c in enumerate(calls))  # other spans: not repeats
    (tmp_path / "b.json").write_bytes(gzip.compress(other.encode()))  # gzip without the suffix
    records, stats = _read([tmp_path])
    assert len(records) == 100 and stats.corrupt_lines == 0
    torn = tmp_path / "torn" / "c.jsonl.gz"
    torn.parent.mkdir()
    whole = gzip.compress(text.encode())
    torn.write_bytes(whole[: len(whole) * 2 // 3])
    records, stats = _read([torn])
    assert 0 < len(records) < 50
    assert stats.corrupt_lines == 1 and "unreadable compressed data" in stats.corrupt_examples[0]


def test_folders_are_walked_recursively_in_a_stable_order(tmp_path):
    (tmp_path / "b" / "deep").mkdir(parents=True)
    for name, index in (("b/deep/z.jsonl", 3), ("a.jsonl", 1), ("b/c.json", 2)):
        (tmp_path / name).write_text(traces_line([span(SyntheticCall().priced(), index)]) + "\n")
    (tmp_path / "README.md").write_text("not telemetry")
    (tmp_path / "b" / "image.png").write_bytes(b"\x89PNG")
    files = find_files([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.jsonl", "b/c.json", "b/deep/z.jsonl"]
    records, _ = _read([tmp_path])
    assert [r.span_id for r in records] == [f"{i + 1:016x}" for i in (1, 2, 3)]


def test_missing_path_and_zstd_raise_read_error(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        _read([tmp_path / "missing.jsonl"])
    zstd = tmp_path / "x.jsonl"
    zstd.write_bytes(b"\x28\xb5\x2f\xfd" + b"\0" * 20)
    with pytest.raises(ReadError, match="zstd"):
        _read([zstd])


def test_malformed_span_is_counted_and_its_neighbours_survive(tmp_path):
    good = span(SyntheticCall().priced(), 1)
    bad = span(SyntheticCall().priced(), 2)
    bad["attributes"] = [{"no_key": 1}]
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([bad, good]) + "\n")
    records, stats = _read([path])
    assert [r.span_id for r in records] == [good["spanId"]]
    assert stats.bad_spans == 1 and stats.skipped == {"malformed": 1} and "malformed span" in stats.corrupt_examples[0]


def test_error_spans_and_unpriced_calls(tmp_path):
    failed = SyntheticCall(
        input_tokens=None, output_tokens=None, pricing_status="no_usage", error_type="RateLimitError"
    )
    unknown = SyntheticCall(request_model="mystery", response_model=None, pricing_status="unknown_model")
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([span(failed, 0), span(unknown, 1)]) + "\n")
    (a, b), _ = _read([path])
    assert a.is_error and a.error_type == "RateLimitError" and a.cost is None and a.input_tokens == 0
    assert not b.is_error and b.cost is None and b.pricing_status == "unknown_model" and b.model == "mystery"


class Collect:
    """A sink that keeps what it saw (module level: worker processes must be able to import it)."""

    def __init__(self):
        self.ids = []

    def add(self, record):
        self.ids.append((record.span_id, record.cost))

    def merge(self, other):
        self.ids.extend(other.ids)


def test_parallel_scan_matches_a_sequential_read(tmp_path):
    calls = random_calls(400, seed=11)
    write_lines(tmp_path / "a.jsonl", calls[:250], per_line=10)
    write_lines(tmp_path / "b.jsonl", calls[250:], per_line=10)
    with open(tmp_path / "a.jsonl", "a") as out:
        out.write("{torn\n")

    here, stats_here = scan([tmp_path], Collect, workers=1)
    there, stats_there = scan([tmp_path], Collect, workers=2)
    assert sorted(here.ids, key=str) == sorted(there.ids, key=str) and len(here.ids) == 400
    for name in ("files", "lines", "spans", "records", "corrupt_lines"):
        assert getattr(stats_here, name) == getattr(stats_there, name), name
    assert stats_there.corrupt_examples == [
        f"{tmp_path / 'a.jsonl'}:26: " + stats_here.corrupt_examples[0].split(": ", 1)[1]
    ]


def test_attributes_without_a_value_do_not_lose_the_span(tmp_path):
    item = span(SyntheticCall(tags={"team": "a"}).priced(), 0)
    item["attributes"] += [{"key": "aicost.tag.empty"}, {"key": "gen_ai.request.seed", "value": {}}]
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line([item]) + "\n")
    (record,), stats = _read([path])
    assert stats.bad_spans == 0
    assert record.tags == {"team": "a", "empty": None} and record.cost is not None


def _with(call_index: int, change) -> dict:
    item = span(SyntheticCall(start_ns=BASE_NS + call_index).priced(), call_index)
    change(item)
    return item


def _set(key, value):
    def change(item):
        for attribute in item["attributes"]:
            if attribute["key"] == key:
                attribute["value"] = value
    return change


def test_values_no_call_can_have_are_skipped_and_counted_by_reason(tmp_path):
    """The crashes and silent absurdities of issue 16: each span is skipped, located and counted by reason."""
    spans = [
        _with(0, lambda s: s.update(startTimeUnixNano="x")),
        _with(1, _set("gen_ai.usage.input_tokens", {"intValue": "9" * 400})),
        _with(2, _set("gen_ai.usage.input_tokens", {"intValue": int("9" * 400)})),
        _with(3, lambda s: s.update(startTimeUnixNano="9" * 40)),
        _with(4, lambda s: s.update(startTimeUnixNano=str(10**19 * 9))),  # year 2255
        _with(5, _set("gen_ai.usage.cost", {"doubleValue": 1e300})),
        _with(6, _set("gen_ai.usage.cost", {"doubleValue": -0.5})),
        _with(7, _set("gen_ai.usage.cost", {"doubleValue": "NaN"})),
        _with(8, _set("gen_ai.usage.output_tokens", {"intValue": "-3"})),
        _with(9, lambda s: None),  # untouched
    ]
    path = tmp_path / "t.jsonl"
    path.write_text(traces_line(spans) + "\n" + '{"resourceSpans":"notalist"}\n')
    records, stats = _read([path])
    assert [r.span_id for r in records] == [spans[9]["spanId"]]
    assert records[0].cost == SyntheticCall().priced().cost
    assert stats.skipped == {"timestamp": 3, "tokens": 3, "cost": 3}
    assert stats.bad_spans == 9 and stats.corrupt_lines == 1
    assert stats.skipped_summary() == (
        "1 corrupt line; 9 spans (3 cost out of range, 3 timestamp out of range, 3 token count out of range)"
    )
    assert all(example.startswith(f"{path}:") for example in stats.corrupt_examples)
    assert f"{path}:2: resourceSpans is not a list" in stats.corrupt_examples
    assert not any("9" * 30 in example for example in stats.corrupt_examples)  # described, not echoed


def test_a_renamed_text_file_is_unreadable_whatever_its_blank_lines(tmp_path):
    path = tmp_path / "README.jsonl"
    path.write_text("# Title\n\nSome text.\n\n- item\n")
    records, stats = _read([path])
    assert records == [] and stats.unreadable_files == [str(path)]


def test_span_marks_read_from_the_packed_keys_are_each_keys_mark():
    """The parent compares workers by the marks read in bulk from their packed keys; each must be the mark of
    its key (random, counted and all-zero span ids, and text keys)."""
    from otel_aicost.finops.span_dedupe import mark, marks

    keys = [bytes(range(i, i + 24)) for i in range(5)] + [bytes(16) + n.to_bytes(8, "big") for n in (0, 1, 2, 2**63)]
    packed = bytearray(b"".join(keys))
    assert marks(packed, ["a/b"]) == {mark(k) for k in keys} | {"a/b"}
    assert mark(bytes(16) + (2).to_bytes(8, "big")) == 2  # counted ids stay small ints, apart in a set
