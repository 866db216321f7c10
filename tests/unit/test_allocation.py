"""Allocation tags: on spans always, on metrics only from the allow-list and under the cap; baggage in and out."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest
from opentelemetry import baggage, context

from otel_aicost import allocate
from otel_aicost.instrumentation import metrics
from otel_aicost.instrumentation.allocation import current_tags
from otel_aicost.instrumentation.metrics import MetricTags
from tests.support import payloads
from tests.support.mock_openai import Recorder, async_client, client, json_response

MESSAGES = [{"role": "user", "content": "hi"}]


def _chat_api():
    return client(lambda request: json_response(payloads.chat_completion()))


def test_nesting_inner_wins_and_restores():
    with allocate(team="a", feature="x"):
        with allocate(team="b"):
            assert current_tags() == {"team": "b", "feature": "x"}
        assert current_tags() == {"team": "a", "feature": "x"}
    assert current_tags() == {}


def test_decorator_sync_async_and_threads():
    @allocate(team="sync")
    def sync_tags():
        return dict(current_tags())

    @allocate(team="async")
    async def async_tags():
        return dict(current_tags())

    assert sync_tags() == {"team": "sync"}
    assert asyncio.run(async_tags()) == {"team": "async"}
    seen = {}
    with allocate(team="threaded"):
        ctx = contextvars.copy_context()
        thread = threading.Thread(target=lambda: ctx.run(lambda: seen.update(current_tags())))
        thread.start()
        thread.join()
    assert seen == {"team": "threaded"}


def test_tags_on_spans_and_allow_listed_tags_on_metrics(telemetry, instrumented):
    with allocate(team="search", feature="qa", user="alice@example.com"):
        _chat_api().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    span = telemetry.span()
    assert span.attributes["aicost.tag.team"] == "search"
    assert span.attributes["aicost.tag.user"] == "alice@example.com"
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["aicost.tag.team"] == "search"
    assert duration.attributes["aicost.tag.feature"] == "qa"
    assert "aicost.tag.user" not in duration.attributes, "never a user id on metrics by default"


def test_async_calls_carry_tags(telemetry, instrumented):
    api = async_client(lambda request: json_response(payloads.chat_completion()))

    @allocate(team="async-team")
    async def work():
        await asyncio.gather(*(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
                               for _ in range(3)))  # fmt: skip

    asyncio.run(work())
    assert [s.attributes["aicost.tag.team"] for s in telemetry.spans()] == ["async-team"] * 3


def test_metric_tag_cap(telemetry, instrument):
    instrument(metric_tag_cap=3)
    api = _chat_api()
    for i in range(6):
        with allocate(team=f"team-{i}"):
            api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    teams = {p.attributes["aicost.tag.team"] for p in telemetry.points("gen_ai.client.operation.duration")}
    assert teams == {"team-0", "team-1", "team-2", "_other"}
    assert {s.attributes["aicost.tag.team"] for s in telemetry.spans()} == {f"team-{i}" for i in range(6)}


@pytest.mark.parametrize("remembered", [1024, 2])  # the memo's size, and a memo that starts again every two tag sets
def test_metric_tags_answer_the_same_each_time_they_are_asked(monkeypatch, remembered):
    """allocate() makes a new dict for every block, so MetricTags remembers its answers by the tags' items: a value
    admitted stays admitted, one refused over the cap stays refused, whichever dict asks and in whichever order the
    values first came."""
    monkeypatch.setattr(metrics, "_MAX_KNOWN_TAGS", remembered)
    tags = MetricTags(("team", "feature"), cap=2)
    team_a, team_b, team_c = ("aicost.tag.team", "a"), ("aicost.tag.team", "b"), ("aicost.tag.team", "_other")
    feature_x = ("aicost.tag.feature", "x")
    assert tags.admitted({"team": "a"}) == (team_a,)
    assert tags.admitted({"team": "b", "feature": "x", "user": "u1"}) == (team_b, feature_x)  # not allow-listed: out
    assert tags.admitted({"team": "c"}) == (team_c,)  # the third team value: over the cap
    for _ in range(3):  # new dicts with the same items, as every allocate() block makes: the same answers
        assert tags.admitted(dict(team="c")) == (team_c,)
        assert tags.admitted(dict(team="a")) == (team_a,)
        assert tags.admitted(dict(feature="x", team="b")) == (feature_x, team_b)  # in the tags' own order
        assert tags.admitted(dict(team="b", feature="y")) == (team_b, ("aicost.tag.feature", "y"))
        assert tags.admitted(dict(team="d", feature="z")) == (team_c, ("aicost.tag.feature", "_other"))


def test_default_tags_from_config_and_resource(telemetry, instrument):
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "billing-api",
                                                        "deployment.environment.name": "prod"}))  # fmt: skip
    provider.add_span_processor(SimpleSpanProcessor(telemetry.exporter))
    telemetry.tracer_provider = provider
    instrument(tags={"cost_center": "cc-42", "application": "overridden-by-config"})
    _chat_api().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    attributes = telemetry.span().attributes
    assert attributes["aicost.tag.cost_center"] == "cc-42"
    assert attributes["aicost.tag.environment"] == "prod"
    assert attributes["aicost.tag.application"] == "overridden-by-config"


def test_inbound_baggage_only_for_allowed_keys_and_plain_values(telemetry, instrument):
    instrument(baggage_keys=["team", "cost_center"])
    api = _chat_api()
    ctx = baggage.set_baggage("team", "from-upstream")
    ctx = baggage.set_baggage("cost_center", "x" * 500, ctx)  # too long: ignored
    ctx = baggage.set_baggage("feature", "not-allowed", ctx)
    token = context.attach(ctx)
    try:
        api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        with allocate(team="local-wins"):
            api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    finally:
        context.detach(token)
    first, second = telemetry.spans()
    assert first.attributes["aicost.tag.team"] == "from-upstream"
    assert "aicost.tag.cost_center" not in first.attributes
    assert "aicost.tag.feature" not in first.attributes
    assert second.attributes["aicost.tag.team"] == "local-wins"


def test_outbound_baggage_when_opted_in(telemetry, instrument):
    instrument(propagate_baggage=True)
    with allocate(team="search"):
        assert baggage.get_baggage("team") == "search"
    assert baggage.get_baggage("team") is None


def test_no_outbound_baggage_by_default(telemetry, instrumented):
    with allocate(team="search"):
        assert baggage.get_baggage("team") is None
    recorder = Recorder(lambda request: json_response(payloads.chat_completion()))
    with allocate(team="search"):
        client(recorder).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert "baggage" not in recorder.requests[0].headers
