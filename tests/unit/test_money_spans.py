"""The money of issue 11 on real spans: a real ``openai`` client, the SDK's mock transport, the real OTel SDK.

Usage shapes the SDK exposes (audio, cache writes) become cost components on the span; the assumptions behind a
price (an Azure deployment type nobody declared, a regional processing host) are attributes a query can use.
"""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from tests.support import payloads
from tests.support.mock_openai import client, json_response

MESSAGES = [{"role": "user", "content": "Say hello"}]
D = Decimal


def test_audio_tokens_are_priced_at_the_audio_rates_on_the_span(telemetry, instrumented):
    body = payloads.chat_completion(model="gpt-audio-2025-08-28", prompt_tokens=1_200, completion_tokens=600)
    body["usage"]["prompt_tokens_details"] = {"audio_tokens": 1_000, "cached_tokens": 0}
    body["usage"]["completion_tokens_details"] = {"audio_tokens": 500, "reasoning_tokens": 0}
    api = client(lambda request: json_response(body))
    api.chat.completions.create(model="gpt-audio", messages=MESSAGES)
    attributes = telemetry.span().attributes
    # genai-prices 0.2.3 (OpenAI pricing page): text 2.5 / 10, audio 32 / 64 per 1M tokens
    assert attributes["aicost.pricing.status"] == "priced"
    assert attributes["gen_ai.usage.cost"] == float(D("0.0655"))
    assert attributes["aicost.cost.input"] == float(200 * D("2.5") / 1_000_000)
    assert attributes["aicost.cost.audio_input"] == float(1_000 * D("32") / 1_000_000)
    assert attributes["aicost.cost.output"] == float(100 * D("10") / 1_000_000)
    assert attributes["aicost.cost.audio_output"] == float(500 * D("64") / 1_000_000)


@pytest.mark.skipif(not hasattr(openai.OpenAI, "responses"), reason="this openai version has no Responses API")
def test_cache_writes_from_the_responses_usage_are_priced_at_the_write_rates(telemetry, instrumented):
    body = payloads.response(model="gpt-6-sol", input_tokens=100_000, output_tokens=1_000, cached_tokens=20_000)
    body["usage"]["input_tokens_details"].update(
        cache_write_tokens=30_000, cache_write_tokens_details={"ttl_12h_tokens": 10_000, "ttl_30m_tokens": 20_000}
    )
    api = client(lambda request: json_response(body))
    api.responses.create(model="gpt-6-sol", input="hi")
    attributes = telemetry.span().attributes
    # gpt-6-sol (OpenAI pricing page via genai-prices 0.2.3 / LiteLLM 1.110.2): input 2, cached 0.2, write 2.5
    # (30-minute) and 5 (12-hour), output 10 per 1M tokens
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 30_000
    assert attributes["aicost.cost.cache_write"] == float((20_000 * D("2.5") + 10_000 * D("5")) / 1_000_000)
    assert attributes["aicost.cost.input"] == float(50_000 * D("2") / 1_000_000)
    assert attributes["aicost.cost.cache_read"] == float(20_000 * D("0.2") / 1_000_000)


def test_an_undeclared_azure_deployment_is_priced_as_an_assumption_a_query_can_find(telemetry, instrument):
    instrument(deployments={"declared-dz": {"type": "data_zone_standard"}})
    body = payloads.chat_completion(model="gpt-4o-2024-08-06")
    for deployment in ("declared-dz", "nobody-declared"):
        api = client(lambda request: json_response(body), azure=True)
        api.chat.completions.create(model=deployment, messages=MESSAGES)
    declared, assumed = telemetry.spans()
    assert declared.attributes["aicost.deployment.type_source"] == "declared"
    assert declared.attributes["aicost.deployment.type"] == "data_zone_standard"
    assert assumed.attributes["aicost.deployment.type_source"] == "assumed"
    assert assumed.attributes["aicost.deployment.type"] == "global_standard"


def test_a_regional_processing_host_adds_the_uplift(telemetry, instrumented):
    body = payloads.chat_completion(model="gpt-5.5", prompt_tokens=1_000, completion_tokens=100)
    eu = client(lambda request: json_response(body), base_url="https://eu.api.openai.com/v1")
    eu.chat.completions.create(model="gpt-5.5", messages=MESSAGES)
    attributes = telemetry.span().attributes
    # gpt-5.5: 5 / 30 per 1M tokens; regional processing +10% (LiteLLM 1.110.2 uplift multiplier 1.1)
    assert attributes["gen_ai.usage.cost"] == float((1_000 * D("5.5") + 100 * D("33")) / 1_000_000)
    assert "regional processing (eu): +10%" in attributes["aicost.pricing.source"]
