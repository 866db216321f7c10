"""The fast reading of a span (``span_record``) gives what the checked reading (``checked_record``, every value
through ``otlp_values`` and ``plausible``: the definition) gives: the same record, field for field and digit for
digit (compared by ``repr``: ``Decimal("0.0")`` and ``Decimal("0")`` differ there), or the same ``Implausible``
with the same reason and message; on usual spans and on spans with one hostile value in any place the fast reading
looks at, repeated keys, missing values and every attribute of the semantic conventions it reads."""

from __future__ import annotations

import copy
import json
import random

import msgspec
import pytest

from otel_aicost import semconv
from otel_aicost.finops import otlp_decode
from otel_aicost.finops.plausible import Implausible
from otel_aicost.finops.span_record import _COSTS, _TEXTS, _TOKENS, checked_record, span_record
from tests.support.otlp_lines import random_calls, span

HOSTILE = [
    "x", "", "-1", "0", "00", "0005", "1e3", "2942.0", " 12 ", "1_000", "9" * 40, "0" * 39 + "7", "0" * 41 + "7",
    "9" * 400, "NaN", "Infinity", "-0", "\u0662", -1, 0, 7, 2**63, 10**40, -(10**30), 1.5, 0.0, -0.0, 1e-300, 1e308,
    0.1, 123456789.123456789, True, False, None, [], {}, {"a": 1},
]  # fmt: skip
READ_KEYS = [*_TEXTS, *_TOKENS, *_COSTS, "aicost.tag.team", "aicost.tool_calls.web_search"]


def _outcome(read, item: dict):
    decoded = msgspec.json.decode(json.dumps(item).encode(), type=otlp_decode._Span)
    try:
        return "record", repr(read(decoded, "svc", "region-of-resource"))
    except Implausible as exc:
        return "implausible", exc.reason, str(exc)


def _same(item: dict) -> None:
    try:
        msgspec.json.decode(json.dumps(item).encode(), type=otlp_decode._Span)
    except msgspec.ValidationError:
        return  # a span that does not fit the types never reaches either reading (the line reader skips it)
    assert _outcome(span_record, item) == _outcome(checked_record, item), json.dumps(item)[:2000]


def _spans(count: int = 60) -> list[dict]:
    return [span(call, index) for index, call in enumerate(random_calls(count, seed=15))]


def test_usual_spans_read_alike_and_take_the_fast_path(monkeypatch):
    items = _spans()
    for item in items:
        _same(item)
    calls = []
    monkeypatch.setattr("otel_aicost.finops.span_record.checked_record", lambda *a: calls.append(a))
    for item in items:
        span_record(msgspec.json.decode(json.dumps(item).encode(), type=otlp_decode._Span), "svc", None)
    assert calls == []  # the spans the instrumentation writes never need the checked reading


def test_every_attribute_read_with_every_kind_of_value():
    base = _spans(4)
    for key in READ_KEYS:
        for value in HOSTILE:
            for kind in ("stringValue", "intValue", "doubleValue", "boolValue", None):
                item = copy.deepcopy(base[len(key) % 4])
                attribute = {"key": key, "value": {kind: value} if kind else value}
                item["attributes"] = [a for a in item["attributes"] if a["key"] != key] + [attribute]
                _same(item)


def test_timestamps_status_and_ids_with_hostile_values():
    base = _spans(3)
    for field in ("startTimeUnixNano", "endTimeUnixNano", "status", "traceId", "spanId"):
        for value in [*HOSTILE, {"code": 2}, {"code": "STATUS_CODE_ERROR"}, {"code": 1}, "1700000000000000000"]:
            item = copy.deepcopy(base[0])
            item[field] = value
            _same(item)


def test_repeated_keys_missing_values_and_reordered_attributes():
    rng = random.Random(15)
    for item in _spans(40):
        attributes = item["attributes"]
        for _ in range(3):
            mutated = copy.deepcopy(item)
            chosen = copy.deepcopy(rng.choice(attributes))
            how = rng.randrange(4)
            if how == 0:  # a key twice: the last value counts
                chosen["value"] = copy.deepcopy(rng.choice(attributes)["value"])
                mutated["attributes"].insert(rng.randrange(len(attributes)), chosen)
                mutated["attributes"].append(copy.deepcopy(chosen) | {"value": {"stringValue": "later"}})
            elif how == 1:  # an attribute without a value
                mutated["attributes"].append({"key": chosen["key"]})
            elif how == 2:  # another order
                rng.shuffle(mutated["attributes"])
            else:  # tags in another order, one of them twice
                mutated["attributes"] += [
                    {"key": "aicost.tag.b", "value": {"stringValue": "1"}},
                    {"key": "aicost.tag.a", "value": {"stringValue": "2"}},
                    {"key": "aicost.tag.b", "value": {"stringValue": "3"}},
                ]
            _same(mutated)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({semconv.USAGE_COST: {"doubleValue": 0.001}, semconv.COST_OUTPUT: {"doubleValue": 0.002}}, "implausible"),
        ({semconv.USAGE_COST: {"doubleValue": 0.3}, semconv.COST_INPUT: {"doubleValue": 0.1},
          semconv.COST_OUTPUT: {"doubleValue": 0.2000000000000001}}, "record"),  # within rounding
        ({semconv.COST_CACHE_READ: {"doubleValue": -0.0}}, "record"),  # read as 0
        ({semconv.USAGE_INPUT_TOKENS: {"intValue": "0" * 41 + "7"}}, "implausible"),  # no int64 has 42 digits
        ({"aicost.tool_calls.web_search": {"intValue": "2"}, semconv.COST_TOOLS: {"doubleValue": 0.02},
          semconv.USAGE_COST: {"doubleValue": 1.5}}, "record"),
    ],
)  # fmt: skip
def test_the_cases_the_fast_reading_leaves_to_the_checked_one(changes, expected):
    item = _spans(1)[0]
    keep = [a for a in item["attributes"] if a["key"] not in changes]
    item["attributes"] = keep + [{"key": k, "value": v} for k, v in changes.items()]
    _same(item)
    assert _outcome(span_record, item)[0] == expected
