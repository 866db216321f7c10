"""Report figures checked against values computed here, independently, from the generated calls."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from otel_aicost.finops.report.build import build_report
from otel_aicost.finops.report.groups import parse_by
from tests.support.otlp_lines import BASE_NS, SyntheticCall, random_calls, write_lines


def nearest_rank(values, pct):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


@pytest.fixture(scope="module")
def calls(synthetic_telemetry):
    return synthetic_telemetry(2000, seed=21, per_line=50, files=2)[0]


@pytest.fixture(scope="module")
def telemetry(synthetic_telemetry):
    return synthetic_telemetry(2000, seed=21, per_line=50, files=2)[1]


def correlation(xs, ys):
    try:
        return statistics.correlation(xs, ys)
    except statistics.StatisticsError:  # fewer than two points, or a constant series (embeddings: no output)
        return None


def expected_group(calls):
    priced = [c for c in calls if c.pricing_status == "priced"]
    ok = [c for c in calls if not c.error_type]
    savings = Decimal(0)
    for c in priced:
        if c.cache_read_tokens:
            uncached = c.input_tokens - c.cache_read_tokens - c.cache_write_tokens
            # The price the generator used, not the one implied by the span: an independent check.
            price_in, price_cached, _ = __import__("tests.support.otlp_lines", fromlist=["PRICES"]).PRICES[
                c.response_model
            ]
            assert uncached > 0
            savings += c.cache_read_tokens * (price_in - price_cached) / Decimal(1_000_000)
    out_timed = [c for c in ok if c.output_tokens]
    return {
        "requests": len(calls),
        "errors": sum(1 for c in calls if c.error_type),
        "input_tokens": sum(c.input_tokens or 0 for c in calls),
        "cached_input_tokens": sum(c.cache_read_tokens for c in calls),
        "output_tokens": sum(c.output_tokens or 0 for c in calls),
        "reasoning_tokens": sum(c.reasoning_tokens for c in calls),
        "cost": sum((c.cost for c in priced), Decimal(0)),
        "priced": len(priced),
        "p50": nearest_rank([c.cost for c in priced], 50) if priced else None,
        "p95": nearest_rank([c.cost for c in priced], 95) if priced else None,
        "tokens": sum((c.input_tokens or 0) + (c.output_tokens or 0) for c in priced),
        "savings": savings,
        # failed calls are errors, not unpriced (issue 15): the share is over successful calls
        "unpriced_share": sum(1 for c in ok if c.pricing_status != "priced") / len(ok) if ok else 0.0,
        "estimated_cost": sum((c.cost for c in priced if c.usage_source == "estimated"), Decimal(0)),
        "lat_p50": nearest_rank([c.duration_s for c in ok], 50),
        "lat_p95": nearest_rank([c.duration_s for c in ok], 95),
        "tps": sum(c.output_tokens for c in out_timed) / sum(c.duration_s for c in out_timed) if out_timed else None,
        "corr": correlation([c.duration_s for c in ok], [float(c.output_tokens or 0) for c in ok]),
        "cost_per_s": sum((c.cost for c in priced), Decimal(0)) / Decimal(repr(sum(c.duration_s for c in priced)))
        if priced
        else None,
    }


def check(summary, want):
    assert summary.requests == want["requests"]
    assert summary.errors == want["errors"]
    assert summary.input_tokens == want["input_tokens"]
    assert summary.cached_input_tokens == want["cached_input_tokens"]
    assert summary.output_tokens == want["output_tokens"]
    assert summary.reasoning_tokens == want["reasoning_tokens"]
    assert summary.cost == want["cost"]  # exact
    assert summary.priced_requests == want["priced"]
    assert summary.cost_per_request_p50 == want["p50"]
    assert summary.cost_per_request_p95 == want["p95"]
    if want["priced"]:
        assert abs(summary.cost_per_request_mean - want["cost"] / want["priced"]) < Decimal("1e-12")
        assert abs(summary.cost_per_1k_tokens - want["cost"] * 1000 / want["tokens"]) < Decimal("1e-12")
    assert abs(summary.cached_savings - want["savings"]) < Decimal("1e-9")
    assert summary.unpriced_share == pytest.approx(want["unpriced_share"])
    assert summary.estimated_share == pytest.approx(float(want["estimated_cost"] / want["cost"]) if want["cost"] else 0)
    assert summary.latency_p50_s == pytest.approx(want["lat_p50"], abs=1e-6)
    assert summary.latency_p95_s == pytest.approx(want["lat_p95"], abs=1e-6)
    if want["tps"] is not None:
        assert summary.output_tokens_per_s == pytest.approx(want["tps"], rel=1e-6)
    if want["corr"] is None:
        assert summary.latency_output_tokens_correlation is None
    else:
        assert summary.latency_output_tokens_correlation == pytest.approx(want["corr"], abs=1e-6)
    if want["cost_per_s"] is not None:
        assert abs(summary.cost_per_latency_s - want["cost_per_s"]) < Decimal("1e-9")


def test_totals_match_independent_computation(telemetry, calls):
    report = build_report([str(telemetry)], workers=1)
    (total,) = report.totals
    check(total, expected_group(calls))
    assert report.stats.records == len(calls)


@pytest.mark.parametrize("workers", [1, 2])
def test_groups_by_tag_and_model_match(telemetry, calls, workers):
    report = build_report([str(telemetry)], "team,model", workers=workers)
    assert report.by == ["tag.team", "model"]
    expected = defaultdict(list)
    for c in calls:
        expected[(c.tags["team"], c.response_model or c.request_model)].append(c)
    assert {(g.key["tag.team"], g.key["model"]) for g in report.groups} == set(expected)
    for summary in report.groups:
        check(summary, expected_group(expected[(summary.key["tag.team"], summary.key["model"])]))
    costs = [g.cost for g in report.groups]
    assert costs == sorted(costs, reverse=True)
    assert sum(costs) == report.totals[0].cost


def test_group_by_day_and_provider_and_window(tmp_path):
    day = 86_400 * 10**9
    calls = [
        SyntheticCall(start_ns=BASE_NS + offset, provider=provider, tags={"team": "a"}).priced()
        for offset, provider in [(0, "openai"), (day, "openai"), (day + 5, "azure.ai.openai"), (2 * day, "openai")]
    ]
    write_lines(tmp_path / "t.jsonl", calls)
    first_day = datetime.fromtimestamp(BASE_NS / 1e9, timezone.utc).date()
    report = build_report([str(tmp_path)], ["day", "provider"], workers=1)
    keys = [(g.key["day"], g.key["provider"], g.requests) for g in report.groups]
    assert len(keys) == 4 and {k[0] for k in keys} == {str(first_day), "2026-09-22", "2026-09-23"}
    since = datetime.fromtimestamp((BASE_NS + day) / 1e9, timezone.utc)
    until = datetime.fromtimestamp((BASE_NS + 2 * day) / 1e9, timezone.utc)
    windowed = build_report([str(tmp_path)], "provider", since=since, until=until, workers=1)
    assert sorted((g.key["provider"], g.requests) for g in windowed.groups) == [("azure.ai.openai", 1), ("openai", 1)]
    assert windowed.filtered_out == 2
    assert windowed.totals[0].cost == calls[1].cost + calls[2].cost


def test_missing_dimension_value_and_currencies_stay_apart(tmp_path):
    calls = [
        SyntheticCall(tags={"team": "a"}).priced(),
        SyntheticCall(tags={}).priced(),
        SyntheticCall(tags={"team": "a"}, currency="EUR").priced(),
    ]
    write_lines(tmp_path / "t.jsonl", calls)
    report = build_report([str(tmp_path)], "team", workers=1)
    assert sorted((g.key["tag.team"], g.currency, g.requests) for g in report.groups) == [
        ("(none)", "USD", 1),
        ("a", "EUR", 1),
        ("a", "USD", 1),
    ]
    assert [(t.currency, t.requests) for t in report.totals] == [("EUR", 1), ("USD", 2)]


def test_all_cached_input_has_no_implied_price_and_is_counted(tmp_path):
    call = SyntheticCall(input_tokens=2048, cache_read_tokens=2048, output_tokens=10).priced()
    write_lines(tmp_path / "t.jsonl", [call])
    (total,) = build_report([str(tmp_path)], workers=1).totals
    assert total.cached_savings == 0 and total.savings_unknown_requests == 1


def test_parse_by():
    assert parse_by("team, model,tag.feature,aicost.tag.cost_center,day") == [
        "tag.team",
        "model",
        "tag.feature",
        "tag.cost_center",
        "day",
    ]
    assert parse_by(None) == [] and parse_by("") == []


def test_scatter_sample_is_bounded_and_drawn_from_the_calls(tmp_path, monkeypatch):
    import otel_aicost.finops.report.figures as report_module

    monkeypatch.setattr(report_module, "SAMPLE_SIZE", 50)
    calls = random_calls(400, seed=4)
    write_lines(tmp_path / "t.jsonl", calls, per_line=20)
    report = build_report([str(tmp_path)], "team", workers=1)  # workers would not see the monkeypatch
    assert len(report.samples) == 50
    known = {(round(c.duration_s, 6), c.output_tokens or 0) for c in calls if not c.error_type}
    assert all((round(latency, 6), tokens) in known for latency, tokens, _, _ in report.samples)


def test_a_free_call_has_a_known_cost_of_zero_not_an_unknown_one(tmp_path):
    free = SyntheticCall(operation="moderations", request_model="omni-moderation-latest",
                         response_model="omni-moderation-latest", input_tokens=None, output_tokens=None,
                         cost=Decimal(0), pricing_status="free")  # fmt: skip
    unknown = SyntheticCall(response_model="gpt-9-unknown", cost=None, pricing_status="unknown_model")
    write_lines(tmp_path / "t.jsonl", [free, unknown])
    report = build_report([str(tmp_path / "t.jsonl")], by=["model"])
    shares = {g.key["model"]: g.unpriced_share for g in report.groups}
    assert shares == {"omni-moderation-latest": 0.0, "gpt-9-unknown": 1.0}
