"""An endpoint that refuses the ``stream_options`` we add (HTTP 400 naming it): the caller's request goes once more
as written; the caller sees exactly the bare SDK's stream or error; one span; a block budget holds and settles once."""

from __future__ import annotations

import asyncio
import json

import openai
import pytest

from otel_aicost import Budget, estimate_cost
from tests.integration.adversarial.shapes import chat_kwargs, chat_reply, exact
from tests.support.scripted_openai import Reply, client

REFUSAL = {"error": {"message": "Unrecognized request argument supplied: stream_options", "type":
                     "invalid_request_error", "param": None, "code": None}}  # fmt: skip


def _refusing(then=None):
    """400 for any request that carries stream_options; otherwise ``then`` (the chat stream by default)."""
    answer = then or chat_reply()

    def refuse(body):
        if "stream_options" in body:
            return Reply(status=400, body=json.dumps(REFUSAL).encode(), content_type="application/json")
        return answer(body)

    return refuse


def _server_error(body):
    return Reply(status=500, body=b'{"error": {"message": "boom", "type": "server_error"}}',
                 content_type="application/json")


def test_refused_then_sent_as_written(server, oracle, telemetry):
    server.answer = _refusing()
    bodies = []

    def case(run):
        with client(server) as api:
            run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True))]
        bodies.append(list(server.bodies))

    oracle(case)
    bare, ours = bodies
    assert len(ours) == 2 and "stream_options" in ours[0] and ours[1] == bare[0]
    span = telemetry.span()
    assert [event.name for event in span.events] == ["aicost.stream_options.refused"]
    assert span.attributes["aicost.usage.source"] == "estimated"
    assert "error.type" not in span.attributes
    [point] = telemetry.points("gen_ai.client.operation.duration")
    assert point.count == 1


def test_refused_then_the_second_request_fails(server, oracle, telemetry):
    server.answer = _refusing(then=_server_error)

    def case(run):
        with client(server) as api:
            with pytest.raises(openai.InternalServerError) as caught:
                api.chat.completions.create(**chat_kwargs(stream=True))
            run.seen = (caught.value.status_code, caught.value.body, str(caught.value))

    oracle(case)
    span = telemetry.span()
    assert span.attributes["error.type"] == "openai.InternalServerError"


def test_refused_async(server, oracle, telemetry):
    server.answer = _refusing()

    def case(run):
        async def main():
            api = client(server, is_async=True)
            try:
                run.seen = [exact(c) async for c in await api.chat.completions.create(**chat_kwargs(stream=True))]
            finally:
                await api.close()

        asyncio.run(main())

    oracle(case)
    assert telemetry.span().attributes["aicost.usage.source"] == "estimated"


def test_refused_under_a_block_budget_holds_once(server, telemetry, instrument):
    """One call's estimate fits the limit and two do not: a hold left by the refused first request would block."""
    server.answer = _refusing()
    estimate = estimate_cost("gpt-4o-mini", messages=chat_kwargs()["messages"], max_output_tokens=200_000)
    instrument(budgets=[Budget("tight", estimate.total * 3 / 2, action="block")])
    with client(server) as api:
        for _ in range(3):
            list(api.chat.completions.create(**chat_kwargs(stream=True, max_tokens=200_000)))
    assert len(telemetry.spans()) == 3
