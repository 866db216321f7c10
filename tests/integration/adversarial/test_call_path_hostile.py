"""The call path under hostile use: ``parse()`` refusing a reply the API billed, block budgets with streams in flight
and left every way, allocation tags set while a stream is open. Money is checked against typed-in prices."""

from __future__ import annotations

import gc
import json
import threading

import openai
import pytest

from otel_aicost import Budget, BudgetExceeded, allocate, estimate_cost
from tests.integration.adversarial.shapes import CHAT_COST, chat_helpers, chat_kwargs, chat_reply, money
from tests.integration.conformance.recordings import PLAIN, expected_cost
from tests.support.scripted_openai import Reply, client


def _plain(finish_reason):
    body = json.loads(json.dumps(PLAIN["chat_json"].body))
    body["choices"][0]["finish_reason"] = finish_reason
    return lambda request_body: Reply(body=json.dumps(body).encode(), content_type="application/json")


@pytest.mark.parametrize("finish_reason", ["length", "content_filter"])
def test_parse_refusing_a_billed_reply_still_costs(server, oracle, telemetry, finish_reason):
    """``chat.completions.parse()`` raises ``LengthFinishReasonError`` / ``ContentFilterFinishReasonError`` for a
    reply cut short; the API billed it (the exception carries the completion and its usage). The span is an error,
    and its cost is the billed one, not absent."""
    from pydantic import BaseModel

    class City(BaseModel):
        city: str
        celsius: int

    server.answer = _plain(finish_reason)

    def case(run):
        with client(server) as api:
            with pytest.raises(openai.OpenAIError) as caught:
                chat_helpers(api).parse(**chat_kwargs(response_format=City))
            run.seen = (type(caught.value).__name__, str(caught.value))
            if getattr(caught.value, "completion", None) is None:
                pytest.skip("this openai version's error carries no completion")

    oracle(case)
    span = telemetry.span()
    assert span.attributes["error.type"].endswith("FinishReasonError")
    assert span.attributes.get("aicost.pricing.status") == "priced", dict(span.attributes)
    assert money(span.attributes["gen_ai.usage.cost"]) == expected_cost("gpt-4o-mini", 19, 9)


def test_raw_parse_refusing_a_billed_reply_still_costs(server, oracle, telemetry):
    """``with_raw_response.parse(...)`` then ``.parse()``: the same refusal, raised by the caller's own ``parse()``
    of the raw response (and by ours, which reads it first); the call is still priced from the reply."""
    from pydantic import BaseModel

    class City(BaseModel):
        city: str
        celsius: int

    server.answer = _plain("length")

    def case(run):
        with client(server) as api:
            raw = getattr(chat_helpers(api), "with_raw_response", None)
            if raw is None:
                pytest.skip("this openai version has no with_raw_response on the chat helpers (openai 1.40)")
            response = raw.parse(**chat_kwargs(response_format=City))
            with pytest.raises(openai.OpenAIError) as caught:
                response.parse()
            run.seen = (type(caught.value).__name__, str(caught.value))

    oracle(case)
    span = telemetry.span()
    assert span.attributes["error.type"].endswith("LengthFinishReasonError")
    assert money(span.attributes["gen_ai.usage.cost"]) == expected_cost("gpt-4o-mini", 19, 9)


def test_parse_refusing_a_billed_reply_settles_budgets_async(server, telemetry, instrument):
    """The same refusal on the async client: the budget's spend is the billed cost (typed-in prices)."""
    import asyncio

    from pydantic import BaseModel

    class City(BaseModel):
        city: str
        celsius: int

    server.answer = _plain("length")
    instrument(budgets=[Budget("all", 1, period="day")])

    async def case():
        async with client(server, is_async=True) as api:
            with pytest.raises(openai.LengthFinishReasonError) as caught:
                await chat_helpers(api).parse(**chat_kwargs(response_format=City))
            return caught.value

    if getattr(asyncio.run(case()), "completion", None) is None:
        pytest.skip("this openai version's LengthFinishReasonError carries no completion (openai 1.40 has none)")
    span = telemetry.span()
    assert span.attributes["error.type"].endswith("LengthFinishReasonError")
    assert money(span.attributes["gen_ai.usage.cost"]) == expected_cost("gpt-4o-mini", 19, 9)
    [point] = telemetry.points("aicost.budget.utilization")
    assert point.value == pytest.approx(float(expected_cost("gpt-4o-mini", 19, 9)), rel=1e-12)


# --- block budgets with streams in flight ---------------------------------------------------------------------------

MAX_TOKENS = 200_000


def _budget_instrumented(instrument):
    """A block budget that holds one call's estimate and not two: a hold left behind blocks the next call."""
    estimate = estimate_cost("gpt-4o-mini", messages=chat_kwargs()["messages"], max_output_tokens=MAX_TOKENS)
    limit = estimate.total * 3 / 2
    instrument(budgets=[Budget("tight", limit, period="day", action="block")])
    return limit


EXITS = {
    "exhausted": lambda api: list(api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=MAX_TOKENS))),
    "break_then_release": lambda api: next(iter(api.chat.completions.create(**chat_kwargs(stream=True,
                                                                                       max_tokens=MAX_TOKENS)))),
    "closed": lambda api: api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=MAX_TOKENS)).close(),
    "helper_left_early": lambda api: _helper_first(api),
    "raw_lines": lambda api: _raw_lines(api),
}


def _helper_first(api):
    with chat_helpers(api).stream(**chat_kwargs(max_tokens=MAX_TOKENS)) as stream:
        for event in stream:
            return event


def _raw_lines(api):
    with api.chat.completions.with_streaming_response.create(**chat_kwargs(
            stream=True, max_tokens=MAX_TOKENS, stream_options={"include_usage": True})) as response:  # fmt: skip
        return list(response.iter_lines())


def test_budget_holds_are_released_on_every_exit(server, telemetry, instrument):
    server.answer = chat_reply()
    _budget_instrumented(instrument)
    with client(server) as api:
        for _ in range(2):
            for name, leave in EXITS.items():
                leave(api)
                gc.collect()
                # would raise BudgetExceeded if the hold of the call before had not been released
                list(api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=MAX_TOKENS)))
    spans = telemetry.spans()
    assert len(spans) == 4 * len(EXITS)
    assert not [s for s in spans if s.attributes.get("error.type")]


def test_second_stream_blocked_while_the_first_is_in_flight(server, telemetry, instrument):
    server.answer = chat_reply()
    _budget_instrumented(instrument)
    with client(server) as api:
        first = api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=MAX_TOKENS))
        sent = len(server.bodies)
        with pytest.raises(BudgetExceeded):
            api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=MAX_TOKENS))
        assert len(server.bodies) == sent, "a blocked call must not be sent"
        chunks = list(first)
        assert chunks
        list(api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=MAX_TOKENS)))  # room again
    spans = sorted(telemetry.spans(), key=lambda s: s.start_time)
    kinds = [s.attributes.get("error.type") for s in spans]
    assert len(kinds) == 3 and kinds[0] is None and kinds[2] is None and kinds[1].endswith("BudgetExceeded"), kinds
    priced = [money(s.attributes["gen_ai.usage.cost"]) for s in spans if "gen_ai.usage.cost" in s.attributes]
    assert priced == [CHAT_COST, CHAT_COST]


def test_spend_is_the_sum_of_exact_costs(server, telemetry, instrument):
    """Warn budget: after 20 streams in 4 threads, spend/limit is 20 x the typed-in cost over the limit."""
    server.answer = chat_reply()
    instrument(budgets=[Budget("all", 1, period="day")])
    with client(server) as api:
        def work():
            for _ in range(5):
                list(api.chat.completions.create(**chat_kwargs(stream=True)))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    [point] = telemetry.points("aicost.budget.utilization")
    assert point.value == pytest.approx(float(20 * CHAT_COST), rel=1e-12)
    assert sum(money(s.attributes["gen_ai.usage.cost"]) for s in telemetry.spans()) == 20 * CHAT_COST


# --- tags -----------------------------------------------------------------------------------------------------------


def test_tags_are_those_in_effect_when_the_stream_was_created(server, telemetry, instrument):
    server.answer = chat_reply()
    instrument()
    with client(server) as api:
        with allocate(team="search", feature="a"):
            stream = api.chat.completions.create(**chat_kwargs(stream=True))
        with allocate(team="ads", feature="b"):
            list(stream)
    span = telemetry.span()
    assert span.attributes["aicost.tag.team"] == "search"
    assert span.attributes["aicost.tag.feature"] == "a"
    points = telemetry.points("gen_ai.client.operation.duration")
    assert [p.attributes.get("aicost.tag.team") for p in points] == ["search"]


def test_tag_cap_on_metrics_keeps_spans_real(server, telemetry, instrument):
    server.answer = chat_reply()
    instrument(metric_tag_cap=2)
    with client(server) as api:
        for team in ("a", "b", "c", "d"):
            with allocate(team=team):
                list(api.chat.completions.create(**chat_kwargs(stream=True)))
    assert sorted(s.attributes["aicost.tag.team"] for s in telemetry.spans()) == ["a", "b", "c", "d"]
    teams = sorted(p.attributes.get("aicost.tag.team") for p in telemetry.points("gen_ai.client.operation.duration"))
    assert teams == ["_other", "a", "b"]
    assert sum(p.count for p in telemetry.points("gen_ai.client.operation.duration")) == 4
