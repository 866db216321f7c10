"""Every billable surface beyond chat (issue 18): images, audio, moderations, batches, built-in tool fees.

Real ``openai`` clients (sync and async, OpenAI and Azure) over recorded-shape bodies from the demo's payload
builders. Expected costs come from the rates typed in below, never from our price data:

  [OAI]  OpenAI pricing page (developers.openai.com/api/docs/pricing), as published 2025-10: DALL-E 3 per image
         (standard 1024x1024 $0.040, 1024x1792 $0.080; HD $0.080 / $0.120), DALL-E 2 (1024 $0.020, 512 $0.018,
         256 $0.016), file search tool $2.50 / 1K calls, Batch API 50% off (gpt-4o-mini batch $0.075 / $0.30 per 1M).
         gpt-4o-transcribe audio input $6, text input $2.50, output $10 per 1M tokens.
  [LL]   LiteLLM 1.110.2 price table (PyPI wheel, read 2026-12-02), whose ``source`` fields name the OpenAI and
         Azure pricing pages: whisper-1 $0.0001/s; tts-1 $15 and tts-1-hd $30 per 1M characters (Azure tts-1-hd
         $33); gpt-image-1 text input $5, image output $40 per 1M tokens and low 1024x1024 $0.011 per image;
         web search $0.025 per call for gpt-4o/gpt-4.1, $0.01 for later models; code interpreter $0.03 per
         container; Azure DALL-E 3 standard 1024x1024 4.19617e-08 USD per pixel (= $0.044 per image);
         gpt-4o-mini-tts text input $0.60, audio output $12 per 1M tokens; gpt-4.1 $2 / $8 per 1M tokens.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import warnings
import wave
from contextlib import contextmanager
from decimal import Decimal

import openai
import pytest
from opentelemetry import context

from otel_aicost.demo.payloads import audio, batches, images, moderations
from otel_aicost.instrumentation.allocation import allocate
from tests.support import payloads
from tests.support.mock_openai import async_client, client, httpx, json_response, sse, sse_response

D = Decimal
M = D(1_000_000)

DALLE3_HD_TALL = D("0.12")  # [OAI]
DALLE3_HD_SQUARE = D("0.08")  # [OAI]
DALLE2_512 = D("0.018")  # [OAI]
AZURE_DALLE3_STANDARD = D("4.19617e-08") * 1024 * 1024  # [LL] per pixel -> 0.0440000...
WHISPER_PER_SECOND = D("0.0001")  # [LL]
TTS1_PER_CHAR = D("15") / M  # [LL]
AZURE_TTS1_HD_PER_CHAR = D("33") / M  # [LL]
GPT_IMAGE_TEXT_IN, GPT_IMAGE_OUT = D("5") / M, D("40") / M  # [LL]
MINI_TTS_IN, MINI_TTS_AUDIO_OUT = D("0.60") / M, D("12") / M  # [LL]
WEB_SEARCH_GPT41, FILE_SEARCH, CODE_CONTAINER, IMAGE_TOOL_LOW = D("0.025"), D("0.0025"), D("0.03"), D("0.011")
GPT41_IN, GPT41_OUT = D("2") / M, D("8") / M  # [LL]
MINI_BATCH_IN, MINI_BATCH_OUT = D("0.075") / M, D("0.30") / M  # [OAI]


def close(actual, expected) -> bool:
    return actual == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


def has_param(method, name: str) -> bool:
    return name in inspect.signature(method).parameters


def route(request):
    """One recorded-shape answer per endpoint (the request's own JSON or multipart fields choose it)."""
    path = request.url.path
    is_json = request.content and request.headers.get("content-type", "").startswith("application/json")
    body = json.loads(request.content) if is_json else {}
    if path.endswith("/images/generations"):
        if body.get("stream"):
            return sse_response(sse(images.image_events(body["model"], quality=body.get("quality", "low")), done=False))
        image = images.image_response(body["model"], body.get("n", 1), body.get("size"), body.get("quality"))
        return json_response(image)
    if path.endswith(("/images/edits", "/images/variations")):
        return json_response(images.image_response("dall-e-2", 2))
    if path.endswith("/audio/speech"):
        if body.get("stream_format") == "sse":
            return httpx.Response(200, content=audio.speech_events(input_tokens=4),
                                  headers={"content-type": "text/event-stream"})  # fmt: skip
        wav = audio.speech_audio(len(body["input"]))
        return httpx.Response(200, content=wav, headers={"content-type": "audio/wav"})
    if path.endswith(("/audio/transcriptions", "/audio/translations")):
        form = request.content
        if b'name="stream"' in form and b"true" in form.split(b'name="stream"')[1][:40]:
            return sse_response(sse(audio.transcription_events(), done=False))
        if b"gpt-4o-transcribe" in form:
            return json_response(audio.transcription("gpt-4o-transcribe"))
        if b"name=\"response_format\"\r\n\r\ntext" in form:
            return httpx.Response(200, text="Hello", headers={"content-type": "text/plain"})
        if b"verbose_json" in form:
            return json_response(audio.transcription("whisper-1", seconds=30.5, verbose=True))
        return json_response(audio.transcription("whisper-1", seconds=90))
    if path.endswith("/moderations"):
        return json_response(moderations.moderation())
    if path.endswith("/batches") or "/batches/" in path:
        return json_response(batches.batch())
    if path.endswith("/files/file-out-1/content"):
        return httpx.Response(200, content=batches.batch_output([("gpt-4o-mini-2024-07-18", 1000, 100)] * 3))
    if path.endswith("/content"):
        return httpx.Response(200, content=b"just a file\n")
    raise AssertionError(f"unexpected {path}")


def bare(call):
    """What the bare SDK returns for the same call (uninstrumented): the instrumented caller must see the same."""
    from otel_aicost.instrumentation import wrapper

    token = context.attach(context.set_value(wrapper._IN_CALL_KEY, True))  # our wrapper passes straight through
    try:
        return call()
    finally:
        context.detach(token)


@contextmanager
def sdk_deprecation():
    """Newer SDKs mark ``images.create_variation`` and ``audio.translations`` deprecated; older ones do not."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "deprecated", DeprecationWarning)
        yield


def wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"\x00\x00" * int(rate * seconds))
    return out.getvalue()


# --- images -----------------------------------------------------------------------------------------------------


def test_dall_e_priced_per_image_by_quality_and_size(telemetry, instrumented):
    api = client(route)
    result = api.images.generate(model="dall-e-3", prompt="a cat", n=2, size="1024x1792", quality="hd")
    assert result == bare(lambda: api.images.generate(model="dall-e-3", prompt="a cat", n=2, size="1024x1792",
                                                      quality="hd"))  # fmt: skip
    span = telemetry.span()
    assert span.name == "generate_content dall-e-3"
    attributes = span.attributes
    assert attributes["gen_ai.operation.name"] == "generate_content"
    assert attributes["openai.api.type"] == "images"
    assert attributes["gen_ai.output.type"] == "image"
    assert attributes["gen_ai.request.choice.count"] == 2
    assert (attributes["aicost.units.quantity"], attributes["aicost.units.unit"]) == (2.0, "images")
    assert attributes["aicost.units.source"] == "reported"
    assert close(attributes["gen_ai.usage.cost"], 2 * DALLE3_HD_TALL)
    assert close(attributes["aicost.cost.units"], 2 * DALLE3_HD_TALL)
    assert attributes["aicost.pricing.model"] == "dall-e-3 hd 1024x1792"
    (cost,) = telemetry.points("gen_ai.usage.cost")
    assert close(cost.sum, 2 * DALLE3_HD_TALL)
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["aicost.pricing.status"] == "priced"


def test_gpt_image_priced_by_its_tokens(telemetry, instrumented):
    client(route).images.generate(model="gpt-image-1", prompt="a cat", quality="low")
    attributes = telemetry.span().attributes
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (10, 272)
    expected = 10 * GPT_IMAGE_TEXT_IN + 272 * GPT_IMAGE_OUT
    assert close(attributes["gen_ai.usage.cost"], expected)
    assert close(attributes["aicost.cost.image_output"], 272 * GPT_IMAGE_OUT)
    assert "aicost.cost.units" not in attributes  # tokens are its price: never per image on top


def test_image_edit_and_variation_async(telemetry, instrumented):
    async def run():
        api = async_client(route)
        await api.images.edit(model="dall-e-2", image=("cat.png", b"png"), prompt="hat", n=2, size="512x512")
        with sdk_deprecation():
            await api.images.create_variation(model="dall-e-2", image=("cat.png", b"png"), n=2, size="512x512")

    asyncio.run(run())
    spans = telemetry.spans()
    assert [s.name for s in spans] == ["generate_content dall-e-2"] * 2
    for span in spans:
        assert close(span.attributes["gen_ai.usage.cost"], 2 * DALLE2_512)


def test_images_on_azure_use_the_deployment_model_and_azure_rates(telemetry, instrument):
    instrument(deployments={"pictures": {"model": "dall-e-3", "type": "global_standard"}})
    client(route, azure=True).images.generate(model="pictures", prompt="a cat")
    attributes = telemetry.span().attributes
    assert attributes["gen_ai.provider.name"] == "azure.ai.openai"
    assert attributes["aicost.units.source"] == "reported"
    assert close(attributes["gen_ai.usage.cost"], D("0.044"))
    assert abs(AZURE_DALLE3_STANDARD - D("0.044")) < D("0.0000001")


def test_image_raw_and_streaming_responses(telemetry, instrumented):
    api = client(route)
    raw = api.images.with_raw_response.generate(model="dall-e-3", prompt="a cat")
    assert raw.parse().data[0].url
    with api.images.with_streaming_response.generate(model="dall-e-3", prompt="a cat", quality="hd") as response:
        assert response.parse().data
    first, second = telemetry.spans()
    assert close(first.attributes["gen_ai.usage.cost"], D("0.04"))
    assert close(second.attributes["gen_ai.usage.cost"], D("0.08"))


@pytest.mark.skipif(not has_param(openai.resources.images.Images.generate, "stream"), reason="SDK has no image streams")
def test_image_stream_sync_and_async(telemetry, instrumented):
    events = [e.type for e in client(route).images.generate(model="gpt-image-1", prompt="a cat", stream=True)]
    assert events == ["image_generation.partial_image", "image_generation.completed"]

    async def run():
        stream = await async_client(route).images.generate(model="gpt-image-1", prompt="a cat", stream=True)
        return [e.type async for e in stream]

    assert asyncio.run(run()) == events
    for span in telemetry.spans():
        assert span.attributes["gen_ai.request.stream"] is True
        assert close(span.attributes["gen_ai.usage.cost"], 10 * GPT_IMAGE_TEXT_IN + 272 * GPT_IMAGE_OUT)
    assert len(telemetry.points("gen_ai.client.operation.time_to_first_chunk")) == 1


def test_a_failed_image_call_is_not_charged(telemetry, instrumented):
    api = client(lambda request: json_response({"error": {"message": "bad", "type": "invalid_request_error"}}, 400))
    with pytest.raises(openai.BadRequestError):
        api.images.generate(model="dall-e-3", prompt="a cat")
    attributes = telemetry.span().attributes
    assert attributes["error.type"] == "openai.BadRequestError"
    assert "gen_ai.usage.cost" not in attributes and "aicost.units.quantity" not in attributes


# --- audio ------------------------------------------------------------------------------------------------------


def test_whisper_priced_by_the_reported_duration(telemetry, instrumented):
    api = client(route)
    result = api.audio.transcriptions.create(model="whisper-1", file=("a.mp3", b"\xff" * 1000))
    assert result.text == "Hello from the fake endpoint."
    attributes = telemetry.span().attributes
    assert attributes["openai.api.type"] == "audio.transcriptions"
    assert attributes["aicost.units.unit"] == "minutes" and attributes["aicost.units.quantity"] == 1.5
    assert close(attributes["gen_ai.usage.cost"], 90 * WHISPER_PER_SECOND)


def test_whisper_duration_from_verbose_json_then_file_header_then_size(telemetry, instrumented):
    api = client(route)
    with sdk_deprecation():
        api.audio.translations.create(model="whisper-1", file=("a.mp3", b"\xff" * 100), response_format="verbose_json")
    upload = io.BytesIO(wav(12.0))
    upload.name = "a.wav"
    text = api.audio.transcriptions.create(model="whisper-1", file=upload, response_format="text")
    assert text == bare(lambda: api.audio.transcriptions.create(model="whisper-1", file=("a.wav", wav(1.0)),
                                                                response_format="text"))  # fmt: skip
    api.audio.transcriptions.create(model="whisper-1", file=("a.mp3", b"\xff" * 160_000), response_format="text")
    verbose, header, size = telemetry.spans()
    assert verbose.attributes["openai.api.type"] == "audio.translations"
    assert verbose.attributes["aicost.units.source"] == "reported"
    assert close(verbose.attributes["gen_ai.usage.cost"], D("30.5") * WHISPER_PER_SECOND)
    assert header.attributes["aicost.units.source"] == "file_header"
    assert close(header.attributes["gen_ai.usage.cost"], 12 * WHISPER_PER_SECOND)
    assert size.attributes["aicost.units.source"] == "estimated"  # 160,000 bytes at the assumed 128 kbit/s
    assert close(size.attributes["gen_ai.usage.cost"], 10 * WHISPER_PER_SECOND)


def test_token_priced_transcription_reports_its_usage(telemetry, instrumented):
    client(route).audio.transcriptions.create(model="gpt-4o-transcribe", file=("a.wav", wav(1.0)))
    attributes = telemetry.span().attributes
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (53, 5)
    assert attributes["aicost.pricing.status"] == "priced"
    assert "aicost.units.quantity" not in attributes
    parts = [v for k, v in attributes.items() if k.startswith("aicost.cost.")]
    assert close(sum(parts), attributes["gen_ai.usage.cost"])
    # [OAI] gpt-4o-transcribe: audio input $6, text input $2.50, output $10 per 1M tokens
    assert close(attributes["gen_ai.usage.cost"], (50 * D(6) + 3 * D("2.5") + 5 * D(10)) / M)


@pytest.mark.skipif(
    not has_param(openai.resources.audio.transcriptions.Transcriptions.create, "stream"),
    reason="SDK has no transcription streams",
)
def test_streamed_transcription_sync_and_async(telemetry, instrumented):
    deltas = [e.type for e in client(route).audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", wav(1.0)), stream=True)]  # fmt: skip
    assert deltas == ["transcript.text.delta", "transcript.text.delta", "transcript.text.done"]

    async def run():
        stream = await async_client(route).audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("a.wav", wav(1.0)), stream=True)  # fmt: skip
        return [e.type async for e in stream]

    assert asyncio.run(run()) == deltas
    for span in telemetry.spans():
        assert (span.attributes["gen_ai.usage.input_tokens"], span.attributes["gen_ai.usage.output_tokens"]) == (53, 2)
        assert span.attributes["aicost.usage.source"] == "reported"


def test_speech_priced_per_character_and_returned_untouched(telemetry, instrumented):
    api = client(route)
    spoken = "Hello there, FinOps."
    audio = api.audio.speech.create(model="tts-1", voice="alloy", input=spoken)
    assert audio.content == bare(lambda: api.audio.speech.create(model="tts-1", voice="alloy", input=spoken)).content
    attributes = telemetry.span().attributes
    assert attributes["openai.api.type"] == "audio.speech" and attributes["gen_ai.output.type"] == "speech"
    assert (attributes["aicost.units.unit"], attributes["aicost.units.quantity"]) == ("characters", len(spoken))
    assert close(attributes["gen_ai.usage.cost"], len(spoken) * TTS1_PER_CHAR)


def test_speech_on_azure_async_and_streaming_response(telemetry, instrument):
    instrument(deployments={"voice": {"model": "tts-1-hd"}})

    async def run():
        api = async_client(route, azure=True)
        await api.audio.speech.create(model="voice", voice="alloy", input="abcdef")
        async with api.audio.speech.with_streaming_response.create(model="voice", voice="alloy", input="abc") as r:
            return await r.read()

    assert asyncio.run(run()) == audio.speech_audio(3)
    first, second = telemetry.spans()
    assert close(first.attributes["gen_ai.usage.cost"], 6 * AZURE_TTS1_HD_PER_CHAR)
    assert close(second.attributes["gen_ai.usage.cost"], 3 * AZURE_TTS1_HD_PER_CHAR)


@pytest.mark.skipif(not has_param(openai.resources.audio.speech.Speech.create, "stream_format"),
                    reason="SDK has no speech stream_format")  # fmt: skip
def test_token_priced_speech_from_its_sse_usage_else_no_usage(telemetry, instrumented):
    api = client(route)
    api.audio.speech.create(model="gpt-4o-mini-tts", voice="alloy", input="Hi there", stream_format="sse")
    api.audio.speech.create(model="gpt-4o-mini-tts", voice="alloy", input="Hi there")
    streamed, plain = telemetry.spans()
    assert close(streamed.attributes["gen_ai.usage.cost"], 4 * MINI_TTS_IN + 120 * MINI_TTS_AUDIO_OUT)
    assert close(streamed.attributes["aicost.cost.audio_output"], 120 * MINI_TTS_AUDIO_OUT)
    assert (streamed.attributes["gen_ai.usage.input_tokens"], streamed.attributes["gen_ai.usage.output_tokens"]) == (
        4, 120)  # fmt: skip
    assert plain.attributes["aicost.pricing.status"] == "no_usage"
    assert "gen_ai.usage.cost" not in plain.attributes


# --- free calls, batches ------------------------------------------------------------------------------------------


def test_moderations_are_free_and_counted(telemetry, instrumented):
    async def run():
        return await async_client(route).moderations.create(input="hello", model="omni-moderation-latest")

    assert asyncio.run(run()).results[0].flagged is False
    span = telemetry.span()
    assert span.name == "moderations omni-moderation-latest"
    assert span.attributes["aicost.pricing.status"] == "free"
    assert span.attributes["gen_ai.usage.cost"] == 0.0
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["aicost.pricing.status"] == "free"


def test_batch_output_priced_at_batch_rates_with_the_batch_id(telemetry, instrumented):
    api = client(route)
    api.batches.create(input_file_id="file-in-1", endpoint="/v1/chat/completions", completion_window="24h")
    batch = api.batches.retrieve("batch_1")
    content = api.files.content(batch.output_file_id)
    assert content.content == batches.batch_output([("gpt-4o-mini-2024-07-18", 1000, 100)] * 3)
    api.files.content("file-other")
    with api.files.with_streaming_response.content("file-out-1") as streamed:
        streamed.read()  # read by the caller, never by us: not known to be free
    create, retrieve, read, other, unread = telemetry.spans()
    assert unread.attributes["aicost.pricing.status"] == "no_usage"
    assert other.attributes["openai.batch.output"] is False
    assert (create.name, retrieve.name, read.name) == ("create_batch", "retrieve_batch", "read_file")
    for free in (create, retrieve, other):
        assert free.attributes["aicost.pricing.status"] == "free"
    attributes = read.attributes
    assert attributes["openai.batch.id"] == "batch_1" and attributes["openai.batch.request_count"] == 3
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (3000, 300)
    assert close(attributes["gen_ai.usage.cost"], 3000 * MINI_BATCH_IN + 300 * MINI_BATCH_OUT)


# --- built-in tools -----------------------------------------------------------------------------------------------

needs_responses = pytest.mark.skipif(not hasattr(openai.OpenAI, "responses"), reason="SDK has no Responses API")


TOOLS = [{"type": "web_search_preview"}, {"type": "file_search", "vector_store_ids": ["vs_1"]},
         {"type": "code_interpreter", "container": {"type": "auto"}},
         {"type": "image_generation", "quality": "low", "size": "1024x1024"}]  # fmt: skip


def tool_response() -> dict:
    """gpt-4.1 with 1000 input / 100 output tokens that called each built-in tool (the builder records two web
    searches, one file search, two code interpreter calls in one container, one image)."""
    return payloads.response("gpt-4.1-2025-04-14", "Done.", 1000, 100, tools=TOOLS)


@needs_responses
@pytest.mark.parametrize("azure", [False, True])
def test_tool_fees_are_their_own_component(telemetry, instrument, azure):
    instrument(deployments={"agent": {"model": "gpt-4.1", "type": "global_standard"}})
    api = client(lambda request: json_response(tool_response()), azure=azure)
    result = api.responses.create(model="agent" if azure else "gpt-4.1", input="go", tools=TOOLS)
    assert result.output_text == "Done."
    attributes = telemetry.span().attributes
    assert attributes["aicost.tool_calls.web_search"] == 2
    assert attributes["aicost.tool_calls.file_search"] == 1
    assert attributes["aicost.tool_calls.code_interpreter"] == 1  # one container, however many calls
    assert attributes["aicost.tool_calls.image_generation"] == 1
    web = D("0.014") if azure else WEB_SEARCH_GPT41  # [LL] Azure web search $14 / 1K
    container = D("0.033") if azure else CODE_CONTAINER  # [LL] azure/container
    fees = 2 * web + FILE_SEARCH + container + IMAGE_TOOL_LOW
    assert close(attributes["aicost.cost.tools"], fees)
    parts = [v for k, v in attributes.items() if k.startswith("aicost.cost.")]
    assert close(sum(parts), attributes["gen_ai.usage.cost"])
    if not azure:
        assert close(attributes["gen_ai.usage.cost"], 1000 * GPT41_IN + 100 * GPT41_OUT + fees)


# --- tags and budgets ---------------------------------------------------------------------------------------------


def test_tags_and_budgets_apply_to_per_unit_calls(telemetry, instrument):
    instrument(budgets=[{"name": "art", "limit": 0.2, "match": {"team": "art"}, "thresholds": [1.0]}])
    with allocate(team="art"):
        client(route).images.generate(model="dall-e-3", prompt="a cat", n=2, size="1024x1792", quality="hd")
    span = telemetry.span()
    assert span.attributes["aicost.tag.team"] == "art"
    assert [event.name for event in span.events] == ["aicost.budget.threshold"]
    (point,) = telemetry.points("aicost.budget.utilization")
    assert point.value == pytest.approx(float(2 * DALLE3_HD_TALL / D("0.2")))


# --- FOCUS and the report -----------------------------------------------------------------------------------------


def test_focus_rows_carry_the_unit_and_add_up(telemetry, instrumented, tmp_path):
    from otel_aicost.export.otlp_json import encode_spans
    from otel_aicost.finops.focus.build import build_focus
    from otel_aicost.finops.report.build import build_report

    api = client(route)
    api.images.generate(model="dall-e-3", prompt="a cat", n=2, size="1024x1792", quality="hd")
    api.audio.transcriptions.create(model="whisper-1", file=("a.mp3", b"\xff" * 1000))
    api.audio.speech.create(model="tts-1", voice="alloy", input="Hello there")
    api.moderations.create(input="hi")
    if hasattr(api, "responses"):
        tools_api = client(lambda request: json_response(tool_response()))
        tools_api.responses.create(model="gpt-4.1", input="go", tools=[{"type": "web_search_preview"}])
    spans = telemetry.spans()
    (tmp_path / "t.jsonl").write_text(json.dumps(encode_spans(spans)) + "\n")
    result = build_focus([str(tmp_path)])
    rows = list(result.rows)
    by_unit = {row["ConsumedUnit"]: row for row in rows if row["ConsumedUnit"] != "Tokens"}
    assert by_unit["Images"]["ConsumedQuantity"] == 2 and by_unit["Images"]["BilledCost"] == pytest.approx(
        2 * DALLE3_HD_TALL)  # fmt: skip
    assert by_unit["Images"]["PricingUnit"] == "Images"
    assert by_unit["Images"]["ListUnitPrice"] == DALLE3_HD_TALL
    assert by_unit["Minutes"]["ConsumedQuantity"] == D("1.5")
    assert by_unit["Characters"]["ConsumedQuantity"] == len("Hello there")
    if hasattr(api, "responses"):
        assert by_unit["Calls"]["ConsumedQuantity"] == 5  # 2 web, 1 file search, 1 container, 1 image
    total = sum(D(repr(span.attributes["gen_ai.usage.cost"])) for span in spans)
    assert sum(row["BilledCost"] for row in rows) == result.total_cost["USD"] == total
    report = build_report([str(tmp_path)], by=["unit"])
    groups = {group.key["unit"]: group for group in report.groups}
    assert {"images", "minutes", "characters"} <= set(groups)


def test_a_block_budget_stops_an_image_call_it_cannot_afford(telemetry, instrument):
    from otel_aicost.budgets.rules import BudgetExceeded

    instrument(budgets=[{"name": "art", "limit": 0.1, "action": "block"}])
    sent = []

    def counting(request):
        sent.append(request.url.path)
        return route(request)

    api = client(counting)
    api.images.generate(model="dall-e-3", prompt="a cat", quality="hd")  # 0.08 of 0.10
    with pytest.raises(BudgetExceeded) as raised:
        api.images.generate(model="dall-e-3", prompt="a cat", quality="hd")  # another 0.08 would exceed it
    assert raised.value.estimate == DALLE3_HD_SQUARE
    assert len(sent) == 1  # the second request never left
    api.audio.speech.create(model="tts-1", voice="alloy", input="short")  # 5 characters fit
    assert len(sent) == 2
