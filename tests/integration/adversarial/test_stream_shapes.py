"""Chat streams of unusual shape (n>1, parallel tool calls, empty-choice chunks, a usage chunk that is not last or
comes twice) and every form of the caller's own ``stream_options``: what the caller sees and what the server
receives are the bare SDK's; the usage the server sent prices the call exactly (typed-in prices)."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.integration.adversarial.shapes import CHAT, chat_helpers, chat_kwargs, exact, money
from tests.integration.adversarial.test_stream_exits import one_call
from tests.integration.conformance.recordings import _chat_usage, expected_cost
from tests.support.scripted_openai import Reply, asked_usage, client, sse

BASE = {k: v for k, v in CHAT.usage_event.items() if k not in ("choices", "usage")}


def _chunk(*choices: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**BASE, "choices": list(choices), **extra}


def _choice(index: int, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}


def _usage_chunk(prompt: int, completion: int, cached: int = 0) -> dict[str, Any]:
    return _chunk(usage=_chat_usage(prompt, completion, cached))


def _answer(events: list[dict[str, Any]], usage: list[tuple[int, dict[str, Any]]]):
    """Answer with ``events``; when usage is asked, ``"usage": null`` on each and every (position, usage chunk) of
    ``usage`` inserted."""

    def answer(body: dict[str, Any]) -> Reply:
        asked = asked_usage(body)
        sent = [{**event, "usage": None} if asked else event for event in events]
        if asked:
            for position, chunk in usage:
                sent.insert(position if position >= 0 else len(sent) + 1 + position, chunk)
        return Reply(body=sse([(None, event) for event in sent]))

    return answer


TWO_CHOICES = [
    _chunk(_choice(0, {"role": "assistant", "content": ""}), _choice(1, {"role": "assistant", "content": ""})),
    _chunk(_choice(0, {"content": "Hi"})), _chunk(_choice(1, {"content": "Hello"})),
    _chunk(_choice(1, {"content": " there"})), _chunk(_choice(0, {"content": "!"})),
    _chunk(_choice(1, {}, "length")), _chunk(_choice(0, {}, "stop")),
]  # fmt: skip
PARALLEL_TOOLS = [
    _chunk(_choice(0, {"role": "assistant", "content": None, "refusal": None})),
    _chunk(_choice(0, {"tool_calls": [{"index": 0, "id": "call_a", "type": "function",
                                       "function": {"name": "get_weather", "arguments": ""}}]})),
    _chunk(_choice(0, {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":\"Paris\"}"}}]})),
    _chunk(_choice(0, {"tool_calls": [{"index": 1, "id": "call_b", "type": "function",
                                       "function": {"name": "get_weather", "arguments": ""}}]})),
    _chunk(_choice(0, {"tool_calls": [{"index": 1, "function": {"arguments": "{\"city\":\"Rome\"}"}}]})),
    _chunk(_choice(0, {}, "tool_calls")),
]  # fmt: skip
WITH_EMPTY_CHOICES = [
    _chunk(), _chunk(_choice(0, {"role": "assistant", "content": ""})), _chunk(),
    _chunk(_choice(0, {"content": "Hi"})), _chunk(), _chunk(_choice(0, {}, "stop")), _chunk(),
]  # fmt: skip
REFUSAL = [
    _chunk(_choice(0, {"role": "assistant", "content": None, "refusal": ""})),
    _chunk(_choice(0, {"refusal": "I can't help with that."})), _chunk(_choice(0, {}, "stop")),
]  # fmt: skip
WITH_LOGPROBS = [
    _chunk({"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None,
            "logprobs": {"content": [{"token": "Hi", "logprob": -0.1, "bytes": [72, 105], "top_logprobs": []}]}}),
    _chunk(_choice(0, {}, "stop")),
]  # fmt: skip

SHAPES = {
    "two_choices": (TWO_CHOICES, [(-1, _usage_chunk(21, 5))], (21, 5, 0), {"n": 2}),
    "parallel_tools": (PARALLEL_TOOLS, [(-1, _usage_chunk(80, 30))], (80, 30, 0), {}),
    "empty_choice_chunks": (WITH_EMPTY_CHOICES, [(-1, _usage_chunk(12, 2, cached=8))], (12, 2, 8), {}),
    "refusal": (REFUSAL, [(-1, _usage_chunk(15, 8))], (15, 8, 0), {}),
    "logprobs": (WITH_LOGPROBS, [(-1, _usage_chunk(9, 1))], (9, 1, 0), {"logprobs": True}),
    "usage_not_last": (TWO_CHOICES, [(3, _usage_chunk(21, 5))], (21, 5, 0), {"n": 2}),
    "usage_first": (TWO_CHOICES, [(0, _usage_chunk(21, 5))], (21, 5, 0), {"n": 2}),
    "usage_twice_last_wins": (TWO_CHOICES, [(-1, _usage_chunk(1, 1)), (-1, _usage_chunk(21, 5))], (21, 5, 0),
                              {"n": 2}),
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_shape(server, oracle, telemetry, shape):
    events, usage, (prompt, completion, cached), extra = SHAPES[shape]
    server.answer = _answer(events, usage)

    def case(run):
        with client(server) as api:
            run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True, **extra))]
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    span = one_call(telemetry, priced=False)
    attributes = span.attributes
    assert attributes["aicost.usage.source"] == "reported"
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (prompt, completion)
    assert money(attributes["gen_ai.usage.cost"]) == expected_cost("gpt-4o-mini", prompt, completion, cached)
    if shape == "two_choices":
        assert tuple(attributes["gen_ai.response.finish_reasons"]) == ("stop", "length")


@pytest.mark.parametrize("shape", ["two_choices", "parallel_tools"])
def test_shape_through_the_helper(server, oracle, telemetry, shape):
    """``chat.completions.stream()``: the same events and final completion as the bare SDK."""
    events, usage, (prompt, completion, cached), extra = SHAPES[shape]
    server.answer = _answer(events, usage)

    def case(run):
        seen = []
        with client(server) as api:
            try:
                with chat_helpers(api).stream(**chat_kwargs(**extra)) as stream:
                    for event in stream:
                        seen.append((event.type, exact(event.chunk) if event.type == "chunk" else repr(event)))
                    seen.append(exact(stream.get_final_completion()))
            except openai.LengthFinishReasonError as error:  # a choice cut by max_tokens: the helper raises
                seen.append((type(error).__name__, str(error)))
            run.seen = seen
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    # The helper raises LengthFinishReasonError after the stream ended well (the HTTP call succeeded): either status
    # is defensible; one span, counted once, with the exact cost is not negotiable.
    span = telemetry.span()
    [point] = telemetry.points("gen_ai.client.operation.duration")
    assert point.count == 1
    assert money(span.attributes["gen_ai.usage.cost"]) == expected_cost("gpt-4o-mini", prompt, completion, cached)


# --- the caller's own stream_options -------------------------------------------------------------------------------

OPTIONS = {
    "include_usage_true": ({"include_usage": True}, True),
    "include_usage_false": ({"include_usage": False}, False),
    "include_usage_none": ({"include_usage": None}, False),
    "empty": ({}, False),
    "other_key_only": ({"include_obfuscation": False}, False),
    "usage_and_other_key": ({"include_usage": True, "include_obfuscation": False}, True),
}


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_callers_stream_options_are_sent_as_given(server, oracle, telemetry, name):
    options, reported = OPTIONS[name]
    events, usage, (prompt, completion, cached), extra = SHAPES["two_choices"]
    server.answer = _answer(events, usage)
    sent = []

    def case(run):
        with client(server) as api:
            run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True, n=2,
                                                                                     stream_options=options))]
        sent.append(server.bodies[-1])

    oracle(case)
    assert sent[0] == sent[1], "the request body must be the bare SDK's"
    span = one_call(telemetry, priced=False)
    assert span.attributes["aicost.usage.source"] == ("reported" if reported else "estimated")
    if reported:
        assert money(span.attributes["gen_ai.usage.cost"]) == expected_cost("gpt-4o-mini", prompt, completion)


def test_stream_options_none_means_not_given(server, oracle, telemetry):
    """``stream_options=None``: the caller did not ask; we ask and hide the usage chunk (SPEC 5)."""
    events, usage, (prompt, completion, cached), extra = SHAPES["two_choices"]
    server.answer = _answer(events, usage)

    def case(run):
        with client(server) as api:
            run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True, n=2,
                                                                                     stream_options=None))]

    oracle(case)
    span = one_call(telemetry, priced=False)
    assert span.attributes["aicost.usage.source"] == "reported"
