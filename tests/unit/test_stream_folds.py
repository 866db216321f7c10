"""What a stream's chunks say, folded as ``facts.merge`` folds it: where a later chunk knows a value (id, model,
service tier, fingerprint: the usage-only chunk's too), it wins over the first chunk's; where it does not, the first
chunk's stays; each choice's finish reason is kept at that choice's index. The stream generators note the first
chunk's values and a choice's last chunk inline and the usage-only chunk is read from its dict
(``StreamState.take_usage_event``), without the Facts the general reader makes, so these pin the rule with typed-in
expectations: the values the test server sent, and list prices (OpenAI pricing page, read 2026-12-06: gpt-4o-mini
$0.15 / $0.60, gpt-4o-2024-08-06 $2.50 / $10.00 per million input / output tokens)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import fields
from decimal import Decimal

import pytest

from otel_aicost import semconv
from otel_aicost.instrumentation.facts import NO_FACTS, Chunk, Facts
from otel_aicost.instrumentation.stream_state import StreamState
from tests.support import mock_openai, payloads

MESSAGES = [{"role": "user", "content": "Hi"}]


def _server(change_usage_chunk: dict, chunks: list[dict] | None = None):
    def respond(request: object) -> object:
        asked = bool((json.loads(request.content).get("stream_options") or {}).get("include_usage"))
        sent = [dict(chunk) for chunk in (chunks or payloads.chat_chunks(include_usage=True))]
        if not asked:  # the caller gets no usage chunk bare: only when we (or it) asked
            sent = [chunk for chunk in sent if chunk.get("choices")]
        elif change_usage_chunk:
            for key, value in change_usage_chunk.items():
                if value is None:
                    sent[-1].pop(key, None)
                else:
                    sent[-1][key] = value
        return mock_openai.sse_response(mock_openai.sse(sent))

    return respond


def _read(how: str, respond) -> None:
    if how == "for, the caller asks for the usage":  # the usage chunk reaches the caller: read by StreamState.take
        stream = mock_openai.client(respond).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
        )
        for _chunk in stream:
            pass
        return
    if how.startswith("async"):
        client = mock_openai.async_client(respond)

        async def read() -> None:
            stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
            async for _chunk in stream:
                pass

        asyncio.run(read())
        return
    stream = mock_openai.client(respond).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    if how == "for":
        for _chunk in stream:
            pass
    else:  # next() calls: every chunk read in full by StreamState.take
        while True:
            try:
                next(stream)
            except StopIteration:
                break


def _cost(input_per_million: str, output_per_million: str, inputs: int = 12, output: int = 3) -> Decimal:
    return (inputs * Decimal(input_per_million) + output * Decimal(output_per_million)) / 1_000_000


HOW = ["for", "next", "async for", "for, the caller asks for the usage"]


# the usage chunk's changes (None: the key left out), then the span's id, model, fingerprint and tier, and the prices
FOLDS = {
    "the usage chunk's own values win": (
        {"id": "chatcmpl-usage", "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_usage",
         "service_tier": "scale"},
        ("chatcmpl-usage", "gpt-4o-2024-08-06", "fp_usage", "scale"), ("2.50", "10.00"),
    ),
    "the first chunk's values stay where the usage chunk has none": (
        {"id": "", "model": "", "system_fingerprint": None, "service_tier": None},
        ("chatcmpl-s1", "gpt-4o-mini-2024-07-18", "fp_abc", "default"), ("0.15", "0.60"),
    ),
}


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize("fold", sorted(FOLDS))
def test_a_later_chunks_known_values_win(instrumented, telemetry, how: str, fold: str) -> None:
    change, (response_id, model, fingerprint, tier), prices = FOLDS[fold]
    _read(how, _server(change))
    [span] = telemetry.exporter.get_finished_spans()
    attributes = span.attributes
    assert attributes[semconv.RESPONSE_ID] == response_id
    assert attributes[semconv.RESPONSE_MODEL] == model
    assert attributes[semconv.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] == fingerprint
    assert attributes[semconv.OPENAI_RESPONSE_SERVICE_TIER] == tier
    assert attributes[semconv.RESPONSE_FINISH_REASONS] == ("stop",)
    assert attributes["aicost.usage.source"] == "reported"
    assert Decimal(str(attributes[semconv.USAGE_COST])) == _cost(*prices)  # priced as the model that won


def _two_choices() -> list[dict]:
    """n=2 as the API streams it: each chunk one choice, the two interleaved, choice 1 finishing first."""
    first, *_rest, usage = payloads.chat_chunks(include_usage=True)

    def chunk(index: int, content: str | None, reason: str | None = None) -> dict:
        delta = {} if content is None else {"content": content}
        return {**first, "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": reason}]}

    return [first, chunk(1, ""), chunk(0, "Hel"), chunk(1, "Bon"), chunk(0, "lo"), chunk(1, None, "length"),
            chunk(0, None, "stop"), usage]  # fmt: skip


@pytest.mark.parametrize("how", HOW)
def test_each_choices_finish_reason_is_kept_at_its_index(instrumented, telemetry, how: str) -> None:
    _read(how, _server({}, _two_choices()))
    [span] = telemetry.exporter.get_finished_spans()
    assert span.attributes[semconv.RESPONSE_FINISH_REASONS] == ("stop", "length")


def _no_ids_usage_before_the_last() -> list[dict]:
    """A server that sends no response id (an OpenAI-compatible one) and its usage chunk right after the first chunk:
    the first chunk's values noted, the usage chunk's kept beside them, then the last chunk read in full (no id
    known), all of it folded together."""
    first, text, *_rest, finish, usage = payloads.chat_chunks(include_usage=True)
    return [{**chunk, "id": ""} for chunk in (first, usage, text, finish)]


@pytest.mark.parametrize("how", ["for", "async for", "for, the caller asks for the usage"])
def test_a_usage_chunk_before_the_last_chunk_is_kept(instrumented, telemetry, how: str) -> None:
    _read(how, _server({}, _no_ids_usage_before_the_last()))
    [span] = telemetry.exporter.get_finished_spans()
    assert span.attributes["aicost.usage.source"] == "reported"
    assert span.attributes[semconv.RESPONSE_FINISH_REASONS] == ("stop",)
    assert Decimal(str(span.attributes[semconv.USAGE_COST])) == _cost("0.15", "0.60")


def _one_chunk() -> list[dict]:
    """The whole reply in its first chunk, finish reason and all (a short reply from an OpenAI-compatible server)."""
    first, *_rest, usage = payloads.chat_chunks(include_usage=True)
    choice = {"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "logprobs": None, "finish_reason": "length"}
    return [{**first, "choices": [choice]}, usage]


@pytest.mark.parametrize("how", HOW)
def test_a_reply_in_its_first_chunk_keeps_its_values_and_reason(instrumented, telemetry, how: str) -> None:
    _read(how, _server({}, _one_chunk()))
    [span] = telemetry.exporter.get_finished_spans()
    attributes = span.attributes
    assert attributes[semconv.RESPONSE_ID] == "chatcmpl-s1"
    assert attributes[semconv.RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    assert attributes[semconv.RESPONSE_FINISH_REASONS] == ("length",)
    assert attributes["aicost.usage.source"] == "reported"


_FOLDED = {"response_id", "response_model", "service_tier", "system_fingerprint", "usage"}  # what the fold keeps


@pytest.mark.parametrize("name", sorted({field.name for field in fields(Facts)} - _FOLDED))
def test_a_later_chunk_with_more_than_the_four_values_and_a_usage_is_merged_not_folded(name: str) -> None:
    """``StreamState.add`` keeps a later chunk beside the first chunk's values only when its facts hold nothing but
    those four values and a usage; a chunk with anything else (each other field of ``Facts``, a field added later
    included) is merged, so that value reaches the call's facts."""
    value = ("a value",) if getattr(NO_FACTS, name) == () else object()
    state = StreamState.__new__(StreamState)  # the fold's own slots; no call
    state.first, state.usage, state.facts = ("chatcmpl-s1", "gpt-4o-mini", None, None), None, NO_FACTS
    state.parts, state.reasons = [], None
    state.add(Chunk(facts=Facts(response_id="chatcmpl-s1", **{name: value})))
    assert state.first is None, "folded beside the first chunk's values: the value is lost"
    assert getattr(state.facts, name) is value or getattr(state.facts, name) == value
    assert state.facts.response_id == "chatcmpl-s1" and state.facts.response_model == "gpt-4o-mini"
