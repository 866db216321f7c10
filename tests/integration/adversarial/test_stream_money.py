"""Money on streams: audio and cached tokens in the usage chunk priced at typed-in dated rates, on the parsed path
(the chunk proxy) and the raw path (the byte tap's JSON view), each component and the total exact."""

from __future__ import annotations

import inspect
from decimal import Decimal as D

import openai
import pytest

from tests.integration.adversarial.shapes import chat_kwargs, money
from tests.support.scripted_openai import Reply, asked_usage, client, sse

# genai-prices 0.2.3 (the OpenAI pricing page, read 2025-09): gpt-audio text 2.5 / 10, audio 32 / 64 USD per 1M tokens
MILLION = D(1_000_000)
AUDIO_IN, AUDIO_OUT = 1_000, 500
PROMPT, COMPLETION = 1_200, 600
EXPECTED = {
    "aicost.cost.input": (PROMPT - AUDIO_IN) * D("2.5") / MILLION,
    "aicost.cost.audio_input": AUDIO_IN * D("32") / MILLION,
    "aicost.cost.output": (COMPLETION - AUDIO_OUT) * D("10") / MILLION,
    "aicost.cost.audio_output": AUDIO_OUT * D("64") / MILLION,
}
TOTAL = sum(EXPECTED.values())  # 0.0655


def _answer(body):
    asked = asked_usage(body)
    base = {"id": "chatcmpl-a", "object": "chat.completion.chunk", "created": 1733140800,
            "model": "gpt-audio-2025-08-28", "system_fingerprint": "fp_a"}  # fmt: skip
    extra = {"usage": None} if asked else {}
    events = [
        {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "audio": {"id": "audio_1", "data": "UklG",
                                                                                   "transcript": "Hi"}},
                              "logprobs": None, "finish_reason": None}], **extra},
        {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}], **extra},
    ]  # fmt: skip
    if asked:
        events.append({**base, "choices": [], "usage": {
            "prompt_tokens": PROMPT, "completion_tokens": COMPLETION, "total_tokens": PROMPT + COMPLETION,
            "prompt_tokens_details": {"audio_tokens": AUDIO_IN, "cached_tokens": 0},
            "completion_tokens_details": {"audio_tokens": AUDIO_OUT, "reasoning_tokens": 0}}})  # fmt: skip
    return Reply(body=sse([(None, event) for event in events]))


def _parsed(api):
    return [chunk.model_dump() for chunk in api.chat.completions.create(**_kwargs(stream=True))]


def _raw(api):
    with api.chat.completions.with_streaming_response.create(**_kwargs(
            stream=True, stream_options={"include_usage": True})) as response:  # fmt: skip
        return list(response.iter_lines())


def _kwargs(**extra):
    audio = {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}}
    if "modalities" not in inspect.signature(openai.resources.chat.Completions.create).parameters:
        audio = {"extra_body": audio}  # an SDK older than audio output (1.52) sends the same body this way
    return chat_kwargs(model="gpt-audio", **audio, **extra)


@pytest.mark.parametrize("path", [_parsed, _raw], ids=["parsed", "raw"])
def test_audio_stream_priced_at_audio_rates(server, oracle, telemetry, path):
    server.answer = _answer

    def case(run):
        with client(server) as api:
            run.seen = path(api)

    oracle(case)
    attributes = telemetry.span().attributes
    for key, value in EXPECTED.items():
        assert money(attributes[key]) == value, key
    assert money(attributes["gen_ai.usage.cost"]) == TOTAL
    assert attributes["aicost.pricing.status"] == "priced"
