"""Cost on spans and on the ``gen_ai.usage.cost`` metric, checked against published prices written out here.

Prices are USD per 1M tokens from OpenAI's and Azure's price pages (not read from our catalog):
gpt-4o-mini 0.15 in / 0.075 cached / 0.60 out; gpt-4o (OpenAI and Azure Global) 2.50 / 1.25 / 10.00;
Azure Data Zone gpt-4o 2.75 / 1.375 / 11.00; text-embedding-3-small 0.02.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support import payloads
from tests.support.mock_openai import chat_stream_server, client, json_response
from tests.unit.test_tokens import COOKBOOK

M = Decimal("1000000")
MESSAGES = [{"role": "user", "content": "hi"}]


def per_token(price: str) -> Decimal:
    return Decimal(price) / M


def test_chat_cost_with_cached_tokens(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion(prompt_tokens=1200, completion_tokens=300,
                                                                        cached_tokens=1024)))  # fmt: skip
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    expected_input = (1200 - 1024) * per_token("0.15")
    expected_cached = 1024 * per_token("0.075")
    expected_output = 300 * per_token("0.60")
    total = expected_input + expected_cached + expected_output
    a = telemetry.span().attributes
    assert a["aicost.pricing.status"] == "priced"
    assert a["aicost.currency"] == "USD"
    # exactly the floats of the exact Decimal costs (since round 35 this reply ends in one step, in scaled integers)
    assert a["gen_ai.usage.cache_read.input_tokens"] == 1024
    assert a["gen_ai.usage.cost"] == float(total)
    assert a["aicost.cost.input"] == float(expected_input)
    assert a["aicost.cost.cache_read"] == float(expected_cached)
    assert a["aicost.cost.output"] == float(expected_output)
    assert "gpt-4o-mini" in a["aicost.pricing.model"]
    assert a["aicost.pricing.source"].startswith("genai-prices")
    (point,) = telemetry.points("gen_ai.usage.cost")
    assert point.sum == float(total) and point.count == 1
    assert telemetry.metric("gen_ai.usage.cost").unit == "USD"
    assert point.attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"


def test_reasoning_tokens_are_not_added_twice(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion(
        model="gpt-4o-2024-08-06", prompt_tokens=100, completion_tokens=500, reasoning_tokens=400)))
    api.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    expected = 100 * per_token("2.50") + 500 * per_token("10.00")
    assert telemetry.span().attributes["gen_ai.usage.cost"] == pytest.approx(float(expected), rel=1e-12)


def test_azure_data_zone_deployment(telemetry, instrument):
    instrument(deployments={"eu-chat": {"type": "data_zone_standard", "model": "gpt-4o-2024-08-06"}})
    api = client(lambda request: json_response(payloads.chat_completion(
        model="gpt-4o-2024-08-06", prompt_tokens=1000, completion_tokens=1000)), azure=True)
    api.chat.completions.create(model="eu-chat", messages=MESSAGES)
    a = telemetry.span().attributes
    expected = 1000 * per_token("2.75") + 1000 * per_token("11.00")
    assert a["gen_ai.usage.cost"] == pytest.approx(float(expected), rel=1e-12)
    assert "data_zone_standard" in a["aicost.pricing.source"]


def test_provisioned_deployment_has_tokens_but_no_cost(telemetry, instrument):
    instrument(deployments={"ptu": {"type": "provisioned"}})
    api = client(lambda request: json_response(payloads.chat_completion(model="gpt-4o-2024-08-06")), azure=True)
    api.chat.completions.create(model="ptu", messages=MESSAGES)
    a = telemetry.span().attributes
    assert a["aicost.pricing.status"] == "provisioned"
    assert a["gen_ai.usage.input_tokens"] == 12
    assert "gen_ai.usage.cost" not in a
    assert telemetry.points("gen_ai.usage.cost") == []


def test_unknown_model_is_not_zero(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion(model="my-private-llm")))
    api.chat.completions.create(model="my-private-llm", messages=MESSAGES)
    a = telemetry.span().attributes
    assert a["aicost.pricing.status"] == "unknown_model"
    assert "gen_ai.usage.cost" not in a
    assert a["gen_ai.usage.input_tokens"] == 12


def test_no_usage_is_not_zero(telemetry, instrumented):
    body = payloads.chat_completion()
    del body["usage"]
    client(lambda request: json_response(body)).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    a = telemetry.span().attributes
    assert a["aicost.pricing.status"] == "no_usage"
    assert "gen_ai.usage.cost" not in a


def test_embeddings_cost(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.embeddings(prompt_tokens=5000)))
    api.embeddings.create(model="text-embedding-3-small", input="x")
    expected = 5000 * per_token("0.02")
    assert telemetry.span().attributes["gen_ai.usage.cost"] == pytest.approx(float(expected), rel=1e-12)


def test_flex_tier_is_half_price(telemetry, instrumented):
    body = payloads.chat_completion(model="o3-2025-04-16", prompt_tokens=1000, completion_tokens=1000,
                                    service_tier="flex")  # fmt: skip
    client(lambda request: json_response(body)).chat.completions.create(model="o3", messages=MESSAGES,
                                                                        service_tier="flex")  # fmt: skip
    # o3: 2.00 in / 8.00 out standard; flex is half: 1.00 / 4.00
    expected = 1000 * per_token("1.00") + 1000 * per_token("4.00")
    assert telemetry.span().attributes["gen_ai.usage.cost"] == pytest.approx(float(expected), rel=1e-12)


def test_currency_conversion(telemetry, instrument):
    instrument(currency="EUR", usd_rate=0.92)
    api = client(lambda request: json_response(payloads.chat_completion(prompt_tokens=1000, completion_tokens=0)))
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    a = telemetry.span().attributes
    assert a["aicost.currency"] == "EUR"
    assert a["gen_ai.usage.cost"] == pytest.approx(float(1000 * per_token("0.15") * Decimal("0.92")), rel=1e-12)
    assert telemetry.metric("gen_ai.usage.cost").unit == "EUR"


def test_stream_cost_exact_with_injected_usage(telemetry, instrumented):
    api = client(chat_stream_server(prompt_tokens=2000, completion_tokens=3))
    list(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
    a = telemetry.span().attributes
    assert a["aicost.usage.source"] == "reported"
    expected = 2000 * per_token("0.15") + 3 * per_token("0.60")
    assert a["gen_ai.usage.cost"] == pytest.approx(float(expected), rel=1e-12)


def test_stream_estimated_within_ten_percent_when_usage_is_off(telemetry, instrument):
    """The API reports 124 prompt tokens for OpenAI cookbook's example messages on gpt-4o (o200k_base)."""
    instrument(stream_usage="off")
    pieces = ("The", " answer", " is", " forty", "-two", ".")
    api = client(chat_stream_server(model="gpt-4o-2024-08-06", pieces=pieces))
    list(api.chat.completions.create(model="gpt-4o", messages=COOKBOOK, stream=True))
    a = telemetry.span().attributes
    assert a["aicost.usage.source"] == "estimated"
    assert a["gen_ai.usage.input_tokens"] == pytest.approx(124, rel=0.10)
    assert a["gen_ai.usage.output_tokens"] == pytest.approx(len(pieces), rel=0.10)
    true_cost = 124 * per_token("2.50") + len(pieces) * per_token("10.00")
    assert a["gen_ai.usage.cost"] == pytest.approx(float(true_cost), rel=0.10)
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["aicost.usage.source"] == "estimated"
