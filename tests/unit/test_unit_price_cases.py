"""Every per-unit price the pricer knows, against rates typed in by hand from their sources (issue 18).

Nothing here is read from ``cost/unit_prices.py``: each figure was typed from the source named above its group.

  [OAI]  OpenAI pricing page (developers.openai.com/api/docs/pricing) as published 2025-10: DALL-E 3 and 2 per
         image, file search $2.50 / 1K calls.
  [LL]   LiteLLM 1.110.2 ``model_prices_and_context_window_backup.json`` (PyPI, read 2026-12-02): ``input_cost_per_image``
         of ``{quality}/{W}-x-{H}/gpt-image-1*``; ``input_cost_per_pixel`` of ``azure/{quality}/{W}-x-{H}/dall-e-3``
         (times W x H, Azure's published cents); whisper-1 ``input_cost_per_second``; ``input_cost_per_character`` of
         tts-1 / tts-1-hd (and azure/); ``search_context_cost_per_query``; ``code_interpreter_cost_per_session`` of
         openai/container and azure/container.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from otel_aicost import semconv
from otel_aicost.config.settings import Settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.fees import ToolCall, Units
from otel_aicost.cost.pricer import Pricer

D = Decimal
PRICER = Pricer(Settings())

IMAGES = [  # (model, quality, size, azure, USD per image)
    ("dall-e-3", "standard", "1024x1024", False, "0.04"),  # [OAI]
    ("dall-e-3", "standard", "1024x1792", False, "0.08"),
    ("dall-e-3", "standard", "1792x1024", False, "0.08"),
    ("dall-e-3", "hd", "1024x1024", False, "0.08"),
    ("dall-e-3", "hd", "1024x1792", False, "0.12"),
    ("dall-e-3", "hd", "1792x1024", False, "0.12"),
    ("dall-e-2", "standard", "1024x1024", False, "0.02"),
    ("dall-e-2", "standard", "512x512", False, "0.018"),
    ("dall-e-2", "standard", "256x256", False, "0.016"),
    ("dall-e-2", None, None, False, "0.02"),  # the API's defaults: standard, 1024x1024
    ("gpt-image-1", "low", "1024x1024", False, "0.011"),  # [LL]
    ("gpt-image-1", "low", "1536x1024", False, "0.016"),
    ("gpt-image-1", "medium", "1024x1536", False, "0.063"),
    ("gpt-image-1", "high", "1024x1024", False, "0.167"),
    ("gpt-image-1", "high", "1536x1024", False, "0.25"),
    ("gpt-image-1-mini", "low", "1024x1024", False, "0.005"),
    ("gpt-image-1-mini", "medium", "1536x1024", False, "0.015"),
    ("gpt-image-1.5", "high", "1024x1536", False, "0.2"),
    ("gpt-image-1.5", "medium", "1024x1024", False, "0.034"),
    ("dall-e-3", "standard", "1024x1024", True, "0.044"),  # [LL] 4.19617e-08 x 1024 x 1024
    ("dall-e-3", "standard", "1792x1024", True, "0.088"),  # 4.79562e-08 x 1792 x 1024
    ("dall-e-3", "hd", "1024x1024", True, "0.088"),  # 8.39233e-08 x 1024 x 1024
    ("dall-e-3", "hd", "1024x1792", True, "0.132"),  # 7.19343e-08 x 1024 x 1792
]


def _price(model: str, units: Units | None = None, tools: tuple = (), azure: bool = False):
    provider = semconv.PROVIDER_AZURE if azure else semconv.PROVIDER_OPENAI
    return PRICER.price(PricingRequest(operation="generate_content", usage=None, request_model=model, units=units,
                                       tools=tools, provider=provider))  # fmt: skip


@pytest.mark.parametrize("model, quality, size, azure, each", IMAGES)
def test_per_image(model, quality, size, azure, each):
    cost = _price(model, Units("images", D(3), quality=quality, size=size), azure=azure)
    assert cost.status == "priced"
    assert cost.total == cost.units == 3 * D(each)


def test_dated_snapshots_take_their_model_price_and_unknown_sizes_are_not_guessed():
    assert _price("dall-e-3-2023-11-06", Units("images", D(1), quality="hd", size="1024x1024")).total == D("0.08")
    assert _price("dall-e-3", Units("images", D(1), quality="hd", size="640x480")).status == "unknown_model"
    assert _price("dall-e-4", Units("images", D(1))).status == "unknown_model"


@pytest.mark.parametrize("model, seconds, expected", [
    ("whisper-1", "60", "0.006"),  # [LL] 0.0001 per second
    ("whisper-1", "90.5", "0.00905"),
    ("whisper", "30", "0.003"),  # Azure's model name
])  # fmt: skip
def test_per_minute(model, seconds, expected):
    cost = _price(model, Units("seconds", D(seconds)))
    assert cost.total == D(expected) and cost.units == D(expected)


@pytest.mark.parametrize("model, azure, per_million", [
    ("tts-1", False, "15"), ("tts-1-hd", False, "30"), ("tts-1", True, "15"), ("tts-1-hd", True, "33"),  # [LL]
    ("tts-1-hd-1106", False, "30"),
])  # fmt: skip
def test_per_character(model, azure, per_million):
    cost = _price(model, Units("characters", D(2500)), azure=azure)
    assert cost.total == 2500 * D(per_million) / 1_000_000


@pytest.mark.parametrize("tool, model, azure, each", [
    ("web_search", "gpt-4.1", False, "0.025"), ("web_search", "gpt-4o-mini", False, "0.025"),  # [LL]
    ("web_search", "gpt-5", False, "0.01"), ("web_search", "o3", False, "0.01"), ("web_search", "gpt-5", True, "0.014"),
    ("file_search", "gpt-4.1", False, "0.0025"),  # [OAI]
    ("code_interpreter", "gpt-4.1", False, "0.03"), ("code_interpreter", "gpt-4.1", True, "0.033"),  # [LL]
])  # fmt: skip
def test_per_tool_call_on_top_of_tokens(tool, model, azure, each):
    from otel_aicost.instrumentation.usage import Usage

    provider = semconv.PROVIDER_AZURE if azure else semconv.PROVIDER_OPENAI
    request = PricingRequest(operation="chat", usage=Usage(input_tokens=1000, output_tokens=100), request_model=model,
                             provider=provider)  # fmt: skip
    tokens = PRICER.price(request)
    with_tools = PRICER.price(PricingRequest(**{**_fields(request), "tools": (ToolCall(tool, 3),)}))
    assert with_tools.tools == 3 * D(each)
    assert with_tools.total == tokens.total + 3 * D(each)
    assert with_tools.input == tokens.input and with_tools.output == tokens.output


def test_an_unknown_tool_adds_nothing_rather_than_part():
    from otel_aicost.instrumentation.usage import Usage

    request = PricingRequest(operation="chat", usage=Usage(input_tokens=10), request_model="gpt-4.1",
                             tools=(ToolCall("web_search", 1), ToolCall("computer_use", 1)))  # fmt: skip
    cost = PRICER.price(request)
    assert cost.tools is None and cost.total == cost.input


def test_free_calls_cost_exactly_zero():
    cost = PRICER.price(PricingRequest(operation="moderations", usage=None, request_model="omni-moderation-latest",
                                       free=True))  # fmt: skip
    assert (cost.status, cost.total) == ("free", D(0))


def _fields(request: PricingRequest) -> dict:
    return {name: getattr(request, name) for name in request.__dataclass_fields__}
