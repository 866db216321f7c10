"""The usual call's end (``instrumentation/usual_end.py``) exports exactly what the general end exports.

Oracles: the surface's own reader (``facts_of`` of a usual reply is the reader's ``Facts``), the pricer's ``Decimal``
arithmetic (every shipped price entry: the scaled integers give the same floats), and the general end itself (the same
calls made with the usual end switched off: every span attribute, in order, and every metric point but the
durations' timings). Each scenario also says whether the usual end must really be taken."""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from openai.types import CreateEmbeddingResponse
from openai.types.chat import ChatCompletion
from opentelemetry import trace

from otel_aicost import allocate, semconv
from otel_aicost.config.settings import Settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.pricing import genai_data
from otel_aicost.cost.token_costs import EXACT
from otel_aicost.instrumentation import results, usual_end
from otel_aicost.instrumentation.surfaces import embeddings, responses, shared
from otel_aicost.instrumentation.surfaces.usual_reply import choices_reply, facts_of
from tests.support import mock_openai, payloads
from tests.support.load import HAS_RESPONSES
from tests.support.sdk_usage_fields import details_declared
from tests.unit.test_histogram_records import exported

MESSAGES = [{"role": "user", "content": "Hi"}]

# openai's usage models grew their detail fields release by release (none on 1.40): a detail the installed SDK does
# not declare is not of the usual shape, and such a reply takes the general end (correctly: the same telemetry, just
# not the fast path; tests/support/sdk_usage_fields.py)


# --- the reply: the reader's facts ------------------------------------------------------------------------------

def _chat_bodies() -> dict[str, dict]:
    bodies = {
        "plain": payloads.chat_completion(),
        "cached": payloads.chat_completion(cached_tokens=4),
        "cached zero": payloads.chat_completion(cached_tokens=0),
        "reasoning": payloads.chat_completion(reasoning_tokens=3),
        "reasoning over the output": payloads.chat_completion(reasoning_tokens=30),
        "no tier": payloads.chat_completion(service_tier=None),
        "three choices": payloads.chat_completion(choices=3),
        "length": payloads.chat_completion(finish_reason="length"),
    }
    odd = copy.deepcopy(bodies["plain"])
    odd["id"], odd["model"], odd["system_fingerprint"] = "", 7, None
    bodies["odd fields"] = odd
    no_usage = copy.deepcopy(bodies["plain"])
    del no_usage["usage"]
    bodies["no usage"] = no_usage
    audio = copy.deepcopy(bodies["plain"])
    audio["usage"]["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 3}
    bodies["audio tokens"] = audio
    no_choices = copy.deepcopy(bodies["plain"])
    no_choices["choices"] = []
    bodies["no choices"] = no_choices
    for name, details in {  # cache writes (GPT-5.6 on): read, at most the input tokens
        "cache writes": {"cached_tokens": 0, "cache_write_tokens": 9, "audio_tokens": 0},
        "cache writes and reads": {"cached_tokens": 4, "cache_write_tokens": 6},
        "cache writes over the input": {"cached_tokens": 4, "cache_write_tokens": 40},
        "cache writes zero": {"cached_tokens": 4, "cache_write_tokens": 0},
        "cache writes with their 12-hour share": {"cached_tokens": 0, "cache_write_tokens": 9,
                                                  "cache_write_tokens_details": {"ttl_12h_tokens": 3}},
        "cache writes as a string": {"cached_tokens": 0, "cache_write_tokens": "nine"},  # (junk validation refuses)
        "cache writes negative": {"cached_tokens": 0, "cache_write_tokens": -9},
    }.items():  # fmt: skip
        body = copy.deepcopy(bodies["plain"])
        body["usage"]["prompt_tokens_details"] = details
        bodies[name] = body
    return bodies


_NOT_USUAL_CHAT = ("no usage", "audio tokens", "cache writes with their 12-hour share", "cache writes as a string",
                   "cache writes negative")


@pytest.mark.parametrize("name", sorted(_chat_bodies()))
def test_a_usual_reply_gives_the_readers_facts(name: str) -> None:
    body = _chat_bodies()[name]
    for response in (ChatCompletion.construct(**copy.deepcopy(body)), _validated(ChatCompletion, body)):
        if response is None:
            continue
        reply = choices_reply(response)
        if name in _NOT_USUAL_CHAT or not details_declared(body.get("usage")):
            assert reply is None
        else:
            assert reply is not None
            assert facts_of(reply) == shared.read_choices_response(response)


class _OwnChatCompletion(ChatCompletion):
    """Not openai's own class: its fields read from its ``__dict__`` (the other path of ``choices_reply``)."""


@pytest.mark.parametrize("name", sorted(_chat_bodies()))
def test_a_reply_read_by_attribute_is_the_reply_read_from_its_dict(name: str) -> None:
    body = _chat_bodies()[name]
    for drop in (None, "id", "service_tier"):
        changed = copy.deepcopy(body)
        if drop is not None:
            changed.pop(drop, None)
        own = ChatCompletion.construct(**copy.deepcopy(changed))  # openai's construct: a missing field None
        other = _OwnChatCompletion.construct(**copy.deepcopy(changed))
        assert choices_reply(own) == choices_reply(other)
        if drop is not None:  # no such field at all (absent from the model's __dict__): declined by attribute
            own.__dict__.pop(drop)  # (the general read reads it: test_a_usual_reply_gives_the_readers_facts)
            other.__dict__.pop(drop)
            assert choices_reply(own) is None
            assert (choices_reply(other) is None) is (drop == "id" or choices_reply(_OwnChatCompletion.construct(
                **copy.deepcopy(body))) is None)  # a legacy completion has no service_tier: read without it


def _embeddings_bodies() -> dict[str, tuple[dict, bool]]:
    """name: (body, whether a usual reply is read from it)."""
    plain = payloads.embeddings(dimensions=5, prompt_tokens=9)
    bodies = {"plain": (plain, True)}

    def changed(name: str, usual: bool, change) -> None:
        body = copy.deepcopy(plain)
        change(body)
        bodies[name] = (body, usual)

    changed("no data", True, lambda body: body.update(data=[]))
    changed("base64", True, lambda body: body["data"][0].update(embedding="AAAA"))
    changed("odd model", True, lambda body: body.update(model=""))
    changed("no usage", False, lambda body: body.pop("usage"))
    changed("usage extra field", False, lambda body: body["usage"].update(audio_tokens=3))
    changed("reply extra field", False, lambda body: body.update(region="eu"))
    changed("negative prompt", False, lambda body: body["usage"].update(prompt_tokens=-1))
    changed("huge prompt", False, lambda body: body["usage"].update(prompt_tokens=2**60))
    changed("no embedding", True, lambda body: body["data"][0].pop("embedding"))  # constructed: None
    return bodies


@pytest.mark.parametrize("name", sorted(_embeddings_bodies()))
def test_an_embeddings_reply_gives_the_readers_facts(name: str) -> None:
    body, usual = _embeddings_bodies()[name]
    for response in (CreateEmbeddingResponse.construct(**copy.deepcopy(body)),
                     _validated(CreateEmbeddingResponse, body)):  # fmt: skip
        if response is None:
            continue
        reply = embeddings.read_usual(response)
        assert (reply is not None) is usual
        if reply is not None:
            assert facts_of(reply) == embeddings.read(response)


class _OwnEmbeddingsResponse(CreateEmbeddingResponse):
    """Not openai's own class: its fields read from its ``__dict__`` (the other path of ``read_usual``)."""


@pytest.mark.parametrize("name", sorted(_embeddings_bodies()))
def test_an_embeddings_reply_read_by_attribute_is_the_reply_read_from_its_dict(name: str) -> None:
    body, _ = _embeddings_bodies()[name]
    own = CreateEmbeddingResponse.construct(**copy.deepcopy(body))
    other = _OwnEmbeddingsResponse.construct(**copy.deepcopy(body))
    assert embeddings.read_usual(own) == embeddings.read_usual(other)
    for field in ("model", "usage", "data"):  # absent from the model's __dict__: the general read
        own = CreateEmbeddingResponse.construct(**copy.deepcopy(body))
        other = _OwnEmbeddingsResponse.construct(**copy.deepcopy(body))
        for response in (own, other):
            response.__dict__.pop(field, None)
        assert embeddings.read_usual(own) is embeddings.read_usual(other) is None


def _responses_bodies() -> dict[str, tuple[dict, bool]]:
    """name: (Responses API body, whether a usual reply is read from it)."""
    plain = payloads.response(model="gpt-4o-mini", input_tokens=20, output_tokens=6)
    bodies = {
        "plain": (plain, True),
        "cached": (payloads.response(cached_tokens=4), True),  # read; end_usual hands it to the general end
        "reasoning": (payloads.response(reasoning_tokens=3), True),
        "reasoning over the output": (payloads.response(reasoning_tokens=30), True),
        "incomplete": (payloads.response(status="incomplete"), True),
        "failed": (payloads.response(status="failed"), True),
        "queued": (payloads.response(status="queued"), True),
        "web search": (payloads.response(tools=[{"type": "web_search_preview"}]), False),  # its fee: the general end
        "image generation": (payloads.response(tools=[{"type": "image_generation"}]), False),
    }

    def changed(name: str, usual: bool, change) -> None:
        body = copy.deepcopy(plain)
        change(body)
        bodies[name] = (body, usual)

    changed("function call", True, lambda body: body["output"].append(
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f", "arguments": "{}",
         "status": "completed"}))  # fmt: skip
    changed("incomplete for the content filter", True, lambda body: body.update(
        status="incomplete", incomplete_details={"reason": "content_filter"}))  # fmt: skip
    changed("no tier", True, lambda body: body.update(service_tier=None))
    changed("odd fields", True, lambda body: body.update(id="", model=7, service_tier=""))
    changed("no usage", False, lambda body: body.update(usage=None))
    changed("audio tokens", False, lambda body: body["usage"]["input_tokens_details"].update(audio_tokens=3))
    changed("cache writes", True, lambda body: body["usage"]["input_tokens_details"].update(cache_write_tokens=3))
    changed("cache writes and reads", True, lambda body: body["usage"]["input_tokens_details"].update(
        cached_tokens=4, cache_write_tokens=30))  # fmt: skip  (over the input: clamped)
    changed("cache writes with their 12-hour share", False, lambda body: body["usage"]["input_tokens_details"].update(
        cache_write_tokens=3, cache_write_tokens_details={"ttl_12h_tokens": 2}))  # fmt: skip
    changed("cache writes as a string", False, lambda body: body["usage"]["input_tokens_details"].update(
        cache_write_tokens="three"))  # fmt: skip  (junk validation refuses)
    changed("negative input", False, lambda body: body["usage"].update(input_tokens=-1))
    changed("string output count", False, lambda body: body["usage"].update(output_tokens="6"))
    changed("reply extra field read", False, lambda body: body.update(system_fingerprint="fp_1"))
    changed("reply extra field not read", True, lambda body: body.update(billing={"payer": "developer"},
                                                                          prompt_cache_key="k"))  # fmt: skip
    changed("no output", True, lambda body: body.update(output=None))
    return bodies


needs_responses = pytest.mark.skipif(not HAS_RESPONSES, reason="this openai version has no Responses API")


@needs_responses
@pytest.mark.parametrize("name", sorted(_responses_bodies()))
def test_a_responses_reply_gives_the_readers_facts(name: str) -> None:
    from openai.types.responses import Response

    body, usual = _responses_bodies()[name]
    for response in (Response.construct(**copy.deepcopy(body)), _validated(Response, body)):
        if response is None:
            continue
        reply = responses.read_usual(response)
        assert (reply is not None) is (usual and details_declared_in(response))
        if reply is not None:
            assert facts_of(reply) == responses.read(response)
    constructed = Response.construct(**copy.deepcopy(body))
    constructed.__dict__.pop("usage")  # a field absent from the model's __dict__: the general read
    assert responses.read_usual(constructed) is None


def details_declared_in(response: Any) -> bool:
    """Does the installed openai declare every usage detail of this reply (else they are extras: the general read)?"""
    usage = response.usage
    return all(
        not getattr(details, "__pydantic_extra__", None)
        for details in (usage, getattr(usage, "input_tokens_details", None), getattr(usage, "output_tokens_details",
                                                                                        None))  # fmt: skip
    )


def _validated(kind: type, body: dict) -> object:
    try:
        return kind.model_validate(copy.deepcopy(body))
    except Exception:  # noqa: BLE001 - junk the SDK's validation refuses: only the constructed one
        return None


# --- the cost: the pricer's Decimal arithmetic ------------------------------------------------------------------

def test_scaled_rates_give_the_floats_of_the_decimal_costs_for_every_shipped_price() -> None:
    pricer = Pricer(Settings())
    pricer.preload()
    models = genai_data.model_ids() + ["gpt-4o-mini", "text-embedding-3-small", "gpt-3.5-turbo-instruct"]
    counts = (0, 1, 7, 12, 999, 123_457, 2**31 + 5, 2**53)
    checked = 0
    for model in models:
        for tier in (None, "flex", "priority"):
            resolved = pricer.resolved(PricingRequest(semconv.OP_CHAT, None, model, model, service_tier=tier))
            if resolved.rates is None:
                continue
            rates = resolved.rates
            scaled = usual_end._common_scale(rates.input, rates.output, rates.cache_read, rates.cache_write)
            assert scaled is not None
            input_rate, output_rate, read_rate, write_rate, divisor = scaled
            for inputs in counts:
                for output in counts[:6]:
                    input_cost = EXACT.multiply(rates.input, inputs) if inputs else Decimal(0)
                    output_cost = EXACT.multiply(rates.output, output) if output else Decimal(0)
                    total = EXACT.add(input_cost, output_cost)
                    assert float(input_cost) == input_rate * inputs / divisor
                    assert float(output_cost) == output_rate * output / divisor
                    assert float(total) == (input_rate * inputs + output_rate * output) / divisor
                    for cached in {inputs // 2, inputs}:  # cache reads (Pricer._tokens_cost's arithmetic)
                        read_cost = EXACT.multiply(rates.cache_read, cached) if cached else Decimal(0)
                        rest = EXACT.multiply(rates.input, inputs - cached) if inputs - cached else Decimal(0)
                        total = EXACT.add(EXACT.add(rest, read_cost), output_cost)
                        assert float(read_cost) == read_rate * cached / divisor
                        assert float(total) == (
                            input_rate * (inputs - cached) + read_rate * cached + output_rate * output) / divisor
                        written = (inputs - cached) // 3  # cache writes beside them
                        write_cost = EXACT.multiply(rates.cache_write, written) if written else Decimal(0)
                        rest = EXACT.multiply(rates.input, inputs - cached - written) if inputs - cached - written \
                            else Decimal(0)
                        total = EXACT.add(EXACT.add(EXACT.add(rest, read_cost), write_cost), output_cost)
                        assert float(write_cost) == write_rate * written / divisor
                        assert float(total) == (input_rate * (inputs - cached - written) + read_rate * cached
                                                + write_rate * written + output_rate * output) / divisor
            checked += 1
    assert checked >= 50


def test_odd_rates_decline() -> None:
    assert usual_end._common_scale(Decimal("NaN"), Decimal(1)) is None
    assert usual_end._common_scale(Decimal("-1E-7"), Decimal(1)) is None
    assert usual_end._common_scale(Decimal("1E+2"), Decimal("0.25")) == (10000, 25, 100)


# --- the whole call: the general end as the oracle ----------------------------------------------------------------

def _handler(body: dict):
    def respond(request: object) -> object:
        if "embeddings" in str(request.url):
            return mock_openai.json_response(payloads.embeddings())
        if request.url.path.endswith("/completions") and "/chat/" not in request.url.path:
            return mock_openai.json_response(payloads.completion())
        return mock_openai.json_response(body)

    return respond


def _writes(body: dict, **details: Any) -> dict:
    """``body`` with these prompt (input) token details: cache writes, GPT-5.6's and later models'."""
    usage = body["usage"]
    usage.setdefault("prompt_tokens_details" if "prompt_tokens" in usage else "input_tokens_details", {}).update(
        details)  # fmt: skip
    return body


SCENARIOS = {
    # name: (response body, create kwargs, config, azure, usual end taken)
    "chat": (payloads.chat_completion(), {"temperature": 0.2, "max_tokens": 64}, {}, False, True),
    "chat, no tier": (payloads.chat_completion(service_tier=None), {}, {}, False, True),
    "chat, requested flex": (payloads.chat_completion(service_tier=None), {"service_tier": "flex"}, {}, False, True),
    "chat, flex answered": (payloads.chat_completion(service_tier="flex"), {"service_tier": "flex"}, {}, False, True),
    "chat, cached zero": (payloads.chat_completion(cached_tokens=0), {}, {}, False, True),
    "chat, cached": (payloads.chat_completion(cached_tokens=4), {}, {}, False, True),
    "chat, all cached": (payloads.chat_completion(cached_tokens=12), {}, {}, False, True),
    "chat, cached over input": (payloads.chat_completion(cached_tokens=40), {}, {}, False, True),  # clamped
    "chat, cached with no input": (payloads.chat_completion(prompt_tokens=0, cached_tokens=4), {}, {}, False, True),
    "chat, cached and reasoning": (payloads.chat_completion(model="o4-mini", prompt_tokens=2048, cached_tokens=1024,
                                                            reasoning_tokens=3), {"model": "o4-mini"}, {}, False, True),
    "chat, cached, EUR": (payloads.chat_completion(cached_tokens=4), {}, {"currency": "EUR", "usd_rate": "0.9137"},
                          False, True),
    "chat, cache writes": (_writes(payloads.chat_completion(), cache_write_tokens=9), {}, {}, False, True),
    "chat, cache writes and reads": (_writes(payloads.chat_completion(cached_tokens=4), cache_write_tokens=6), {}, {},
                                     False, True),
    "chat, cache writes over the input": (_writes(payloads.chat_completion(cached_tokens=4), cache_write_tokens=40),
                                          {}, {}, False, True),  # the span's count clamped to 12, 8 priced
    "chat, cache writes, all cached": (_writes(payloads.chat_completion(cached_tokens=12), cache_write_tokens=3), {},
                                       {}, False, True),  # none left to price at the write rate
    "chat, cache writes zero": (_writes(payloads.chat_completion(cached_tokens=4), cache_write_tokens=0), {}, {},
                                False, True),
    "chat, cache writes, gpt-6-sol": (_writes(payloads.chat_completion(model="gpt-6-sol", prompt_tokens=9657,
                                                                       completion_tokens=78, cached_tokens=0,
                                                                       reasoning_tokens=37),
                                              cache_write_tokens=9654), {"model": "gpt-6-sol"}, {}, False, True),
    "chat, cache writes, gpt-6-sol, EUR": (_writes(payloads.chat_completion(model="gpt-6-sol", cached_tokens=3423,
                                                                            prompt_tokens=3438),
                                                   cache_write_tokens=12), {"model": "gpt-6-sol"},
                                           {"currency": "EUR", "usd_rate": "0.9137"}, False, True),
    "chat, cache writes' 12-hour share": (_writes(payloads.chat_completion(model="gpt-6-sol"), cache_write_tokens=9,
                                                  cache_write_tokens_details={"ttl_12h_tokens": 4}),
                                          {"model": "gpt-6-sol"}, {}, False, False),
    "chat, reasoning": (payloads.chat_completion(reasoning_tokens=3), {}, {}, False, True),
    "chat, reasoning over output": (payloads.chat_completion(reasoning_tokens=30), {}, {}, False, True),
    "chat, three choices": (payloads.chat_completion(choices=3), {}, {}, False, True),
    "chat, unknown model": (payloads.chat_completion(model="no-such-model"), {"model": "no-such-model"}, {}, False,
                            False),
    "chat, unknown answered model": (payloads.chat_completion(model="no-such-model"), {}, {}, False, True),
    "chat, implausible": (payloads.chat_completion(prompt_tokens=10**9), {}, {}, False, False),
    "chat, EUR": (payloads.chat_completion(), {}, {"currency": "EUR", "usd_rate": "0.9137"}, False, True),
    "chat, budget": (payloads.chat_completion(), {}, {"budgets": [{"name": "b", "limit": 10}]}, False, False),
    "chat, content": (payloads.chat_completion(), {}, {"capture_content": "span_only"}, False, False),
    "chat, tags": (payloads.chat_completion(), {"tags": {"team": "a"}}, {}, False, True),
    "chat, metric tags": (payloads.chat_completion(), {"tags": {"team": "a", "x": "b"}}, {"metric_tags": ["x"]},
                          False, True),
    "azure chat": (payloads.chat_completion(model="gpt-4o-mini"), {"model": "my-deployment"}, {}, True, True),
    "embeddings": ({}, {"kind": "embeddings"}, {}, False, True),
    "completion": ({}, {"kind": "completion"}, {}, False, True),
}
if HAS_RESPONSES:
    SCENARIOS.update({
        "responses": (payloads.response(model="gpt-4o-mini"), {"kind": "responses", "temperature": 0.2,
                                                                "max_output_tokens": 64}, {}, False, True),
        "responses, cached": (payloads.response(model="gpt-4o-mini", cached_tokens=4), {"kind": "responses"}, {},
                              False, True),
        "responses, cache writes": (_writes(payloads.response(model="gpt-6-sol", input_tokens=3438,
                                                              cached_tokens=3423), cache_write_tokens=12),
                                    {"kind": "responses", "model": "gpt-6-sol"}, {}, False, True),
        "responses, cache writes, cold": (_writes(payloads.response(model="gpt-6-sol", input_tokens=3438),
                                                  cache_write_tokens=3435),
                                          {"kind": "responses", "model": "gpt-6-sol"}, {}, False, True),
        "responses, reasoning": (payloads.response(model="o4-mini", reasoning_tokens=3), {"kind": "responses",
                                                                                           "model": "o4-mini"},
                                 {}, False, True),
        "responses, incomplete": (payloads.response(model="gpt-4o-mini", status="incomplete"), {"kind": "responses"},
                                  {}, False, True),
        "responses, web search": (payloads.response(model="gpt-4o-mini", tools=[{"type": "web_search_preview"}]),
                                  {"kind": "responses", "tools": [{"type": "web_search_preview"}]}, {}, False, False),
        "responses, conversation": (payloads.response(model="gpt-4o-mini"), {"kind": "responses",
                                                                             "conversation": "conv_1"}, {}, False,
                                    True),
        "responses, tags": (payloads.response(model="gpt-4o-mini"), {"kind": "responses", "tags": {"team": "a"}}, {},
                            False, True),
        "responses, budget": (payloads.response(model="gpt-4o-mini"), {"kind": "responses"},
                              {"budgets": [{"name": "b", "limit": 10}]}, False, False),
        "azure responses": (payloads.response(model="gpt-4o-mini"), {"kind": "responses", "model": "my-deployment"},
                            {}, True, True),
    })  # fmt: skip


# [OAI] gpt-6-sol per 1M tokens, typed from tests/unit/test_price_cases.py's source (OpenAI's pricing page via LiteLLM
# 1.110.2, read 2026-12-02): input 2.00, cached input 0.20, cache write (30 minutes) 2.50, output 10.00
_SOL = {"input": Decimal("2.00"), "cached": Decimal("0.20"), "write": Decimal("2.50"), "output": Decimal("10.00")}


@pytest.mark.parametrize(("inputs", "cached", "writes", "output"), [
    (3438, 3423, 12, 78),  # a warm read (the shapes OpenAI documents for cache writes)
    (9657, 0, 9654, 78),  # a cold write
    (3438, 3000, 900, 40),  # more writes than the tokens not read from the cache: 438 of them priced
], ids=["warm", "cold", "writes over the rest"])  # fmt: skip
def test_cache_writes_cost_the_typed_in_rates_in_one_step(inputs: int, cached: int, writes: int, output: int,
                                                          instrument, telemetry, monkeypatch) -> None:  # fmt: skip
    """An independent oracle for the one-step ends' cache writes: the cost of a gpt-6-sol reply with cache writes,
    from rates typed in by hand (``tokens x rate / 1M``), not from our price data or pricer."""
    taken = []
    for module, name in ONE_STEP:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, original=original: taken.append(original(*args)) or taken[-1])
    instrument()
    body = _writes(payloads.chat_completion(model="gpt-6-sol", prompt_tokens=inputs, completion_tokens=output,
                                            cached_tokens=cached), cache_write_tokens=writes)  # fmt: skip
    mock_openai.client(_handler(body)).chat.completions.create(model="gpt-6-sol", messages=MESSAGES)
    if details_declared(body["usage"]):  # (else, on openai 1.40, the general end: held to the same rates)
        assert any(answer is not False for answer in taken), "not ended in one step"
    attributes = telemetry.exporter.get_finished_spans()[0].attributes
    priced = min(writes, inputs - cached)
    million = Decimal(1_000_000)
    expected = {
        semconv.COST_INPUT: (inputs - cached - priced) * _SOL["input"] / million,
        semconv.COST_CACHE_READ: cached * _SOL["cached"] / million,
        semconv.COST_CACHE_WRITE: priced * _SOL["write"] / million,
        semconv.COST_OUTPUT: output * _SOL["output"] / million,
    }
    expected = {key: value for key, value in expected.items() if value}  # (a component is present when non-zero)
    assert {key: attributes[key] for key in expected} == {key: float(value) for key, value in expected.items()}
    assert attributes[semconv.USAGE_COST] == float(sum(expected.values()))
    assert attributes[semconv.USAGE_CACHE_CREATION_INPUT_TOKENS] == writes
    assert semconv.COST_CACHE_READ in attributes if cached else semconv.COST_CACHE_READ not in attributes


def _calls(body: dict, kwargs: dict, azure: bool) -> None:
    client = mock_openai.client(_handler(body), azure=azure)
    kwargs = dict(kwargs)
    kind = kwargs.pop("kind", "chat")
    tags = kwargs.pop("tags", None)
    model = kwargs.pop("model", "gpt-4o-mini")
    for _ in range(3):
        with allocate(**tags) if tags else contextlib.nullcontext():
            if kind == "embeddings":
                client.embeddings.create(model="text-embedding-3-small", input="hello")
            elif kind == "completion":
                client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi")
            elif kind == "responses":
                client.responses.create(model=model, input="Hi", **kwargs)
            else:
                client.chat.completions.create(model=model, messages=MESSAGES, **kwargs)


def _exported(telemetry) -> tuple[list, list]:
    spans = [(span.name, list(span.attributes.items()), span.status.status_code, [e.name for e in span.events])
             for span in telemetry.exporter.get_finished_spans()]  # fmt: skip
    points = exported(telemetry.reader)
    for point in points:
        if point["metric"] == semconv.METRIC_OPERATION_DURATION:
            for timing in ("sum", "min", "max", "bucket_counts"):
                point.pop(timing, None)
    return spans, sorted(points, key=repr)  # sorted again: exported() sorts with the timings in (a duration point's
    # sum then sorted before or after a cost point of about the same value, at random: round 35's o4-mini scenario)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_the_usual_end_exports_what_the_general_end_exports(name: str, instrument, telemetry, monkeypatch) -> None:
    body, kwargs, config, azure, taken = SCENARIOS[name]
    if not details_declared(body.get("usage")):
        taken = False
    spans = both_ends_export_alike(
        telemetry, instrument, monkeypatch, config, lambda: _calls(body, kwargs, azure), _exported,
        taken=taken, step=ONE_STEP, off=USUAL_END_OFF,
    )  # fmt: skip
    if "cache writes" in name and "zero" not in name:  # (the scenario is what it says: the writes reached the span)
        assert semconv.USAGE_CACHE_CREATION_INPUT_TOKENS in dict(spans[0][1])


def _chat_calls_doing(during: Callable[[Any], object], **kwargs: Any) -> Callable[[], None]:
    """Two chat calls whose server handler (run inside the SDK call, so in our span's context) first does ``during``
    to the current span: something else touching our span while the call runs."""

    def respond(request: object) -> object:
        during(trace.get_current_span())
        return mock_openai.json_response(payloads.chat_completion())

    def calls() -> None:
        client = mock_openai.client(respond)
        for _ in range(2):
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, **kwargs)

    return calls


@pytest.mark.parametrize("written", [semconv.RESPONSE_MODEL, "app.note"])
def test_an_attribute_written_during_the_call_keeps_the_general_order(written: str, instrument, telemetry,
                                                                      monkeypatch) -> None:  # fmt: skip
    """Something else writes our span during the call (here the server's handler, run inside the SDK call): an end
    key already there still moves to the end, as the SDK moves it (the usual end skips that check only while the span
    holds just its start attributes)."""

    calls = _chat_calls_doing(lambda span: span.set_attribute(written, "written during the call"))
    spans = both_ends_export_alike(telemetry, instrument, monkeypatch, {}, calls, _exported, taken=True,
                                   step=ONE_STEP, off=USUAL_END_OFF)  # fmt: skip
    keys = [key for key, _ in spans[0][1]]
    assert keys.count(written) == 1
    if written == semconv.RESPONSE_MODEL:
        assert keys.index(semconv.RESPONSE_ID) < keys.index(written)


def _exported_typed(telemetry) -> tuple[list, list]:
    """``_exported`` with each span value's type and repr: 64 and 64.0, or 0.0 and -0.0, compare equal."""
    spans, points = _exported(telemetry)
    return [(*span[:1], [(k, type(v).__name__, repr(v)) for k, v in span[1]], *span[2:]) for span in spans], points


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (semconv.OPERATION_NAME, semconv.OP_CHAT),  # the same object again: the SDK moves the key to the end
        (semconv.REQUEST_MAX_TOKENS, 64.0),  # the last start key, an equal value of another type
        (semconv.REQUEST_TEMPERATURE, -0.0),  # an equal value of another sign
        (semconv.REQUEST_MAX_TOKENS, 64),  # the last start key, the same object again
    ],
    ids=["first key again", "last key as float", "negative zero", "last key, same object"],
)
def test_a_start_attribute_set_again_during_the_call_is_exported_as_set(key: str, value: object, instrument,
                                                                        telemetry, monkeypatch) -> None:  # fmt: skip
    """Something else sets one of our start attributes again during the call: the span keeps the value set and the
    SDK's order (a key set again moves to the end), as the general end leaves it; compared with types and signs (64
    and 64.0, 0.0 and -0.0 compare equal). Guards any shortcut that assumes the start attributes unchanged at the end
    (round 17 measured one that replaced them whole: ``bench/README.md``)."""

    calls = _chat_calls_doing(lambda span: span.set_attribute(key, value), temperature=0.0, max_tokens=64)
    spans = both_ends_export_alike(telemetry, instrument, monkeypatch, {}, calls, _exported_typed, taken=True,
                                   step=ONE_STEP, off=USUAL_END_OFF)  # fmt: skip
    for span in spans:
        assert (key, type(value).__name__, repr(value)) in span[1]


def test_a_span_ended_during_the_call_is_left_as_the_general_end_leaves_it(instrument, telemetry, monkeypatch,
                                                                           caplog) -> None:  # fmt: skip
    """Something else ends our span during the call: the usual end (which asks ``is_recording()`` only of a span it
    did not start plainly, or when the plain store declines) sets nothing on it, as the general end, which asks
    first: the same exported spans and the SDK's warnings alike (no "Setting attribute on ended span")."""

    calls = _chat_calls_doing(lambda span: span.end(), temperature=0.0, max_tokens=64)

    def warnings() -> list[str]:
        said = sorted(record.getMessage() for record in caplog.records if record.levelname == "WARNING"
                      and record.name.startswith("opentelemetry"))  # fmt: skip
        caplog.clear()
        return said

    told: list[list[str]] = []  # the warnings of each end's calls

    def told_calls() -> None:
        calls()
        told.append(warnings())

    with caplog.at_level("WARNING"):
        spans = both_ends_export_alike(telemetry, instrument, monkeypatch, {}, told_calls, _exported_typed, taken=True,
                                       step=ONE_STEP, off=USUAL_END_OFF)  # fmt: skip
    assert told[0] == told[1] and told[0], "the same SDK warnings from both ends"
    assert not any("Setting attribute" in each for each in told[0])
    assert [key for key, _, _ in spans[0][1]][-1] == semconv.REQUEST_MAX_TOKENS, "the start attributes alone"


# where results.handle_result asks for the usual ends (openai's own chat and embeddings replies first by
# usual_own_*_end's): made to answer False, they turn them off
USUAL_END_OFF = ((results, "end_usual"), (results, "end_chat"), (results, "end_embeddings"))
# where a usual reply ends in one step: openai's own chat or embeddings reply by usual_own_*_end, any other by
# usual_end.end_in_one_step
ONE_STEP = ((usual_end, "end_in_one_step"), (results, "end_chat"), (results, "end_embeddings"))


def both_ends_export_alike(telemetry, instrument, monkeypatch, config: dict, calls, exported_of, *, taken: bool,
                           step: tuple, off: tuple) -> list:  # fmt: skip
    """Make ``calls`` with the one-step end on (its ``step``, a (module, name), or several: one must be reached if
    ``taken``, else none; a step that answers False was not taken), then again with it ``off`` (each (module, name)
    made to answer False; the step must then not be reached) on fresh providers: the same spans and metric points
    (``exported_of``). The spans of the first run."""
    made = []
    for module, name in step if isinstance(step[0], tuple) else (step,):
        original = getattr(module, name)

        def recorded(*args, original=original):
            answer = original(*args)
            if answer is not False:
                made.append(1)
            return answer

        monkeypatch.setattr(module, name, recorded)
    instrumentor = instrument(**config)
    calls()
    usual = exported_of(telemetry)
    assert bool(made) is taken, f"the one-step end {'was not' if taken else 'was'} taken"
    instrumentor.uninstrument()

    for place in off:
        monkeypatch.setattr(*place, lambda *args: False)
    reached = len(made)
    general_telemetry = _fresh(telemetry)
    general_instrumentor = general_telemetry[1](**config)
    try:
        calls()
        general = exported_of(general_telemetry[0])
    finally:
        general_instrumentor.uninstrument()
    assert len(made) == reached, "the one-step end was taken with it switched off"
    assert general[0] and general[1], "the general end exported no span or no metric point"  # (else the
    # comparisons hold of nothing)
    assert usual[0] == general[0]
    assert usual[1] == general[1]
    assert json.dumps(usual[1], default=str) == json.dumps(general[1], default=str)
    return usual[0]


def _fresh(telemetry):
    """Providers like the ``telemetry`` fixture's, and an ``instrument`` for them."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor

    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    fresh = type(telemetry)(tracer_provider, meter_provider, exporter, reader)

    def instrument(**config):
        instrumentor = OpenAICostInstrumentor()
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider, config=config or None)
        return instrumentor

    return fresh, instrument
