"""Chat completions, sync: span, attributes, metrics, errors, streams."""

from __future__ import annotations

import gc

import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from tests.support import payloads
from tests.support.mock_openai import Recorder, httpx, chat_stream_server, client, json_response, sse, sse_response

MESSAGES = [{"role": "user", "content": "Say hello"}]


def test_chat_span_has_semconv_attributes(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion(cached_tokens=4, reasoning_tokens=2)))
    result = api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, temperature=0.2, max_tokens=50,
                                         seed=7, stop=["\n"], service_tier="flex")  # fmt: skip
    assert result.choices[0].message.content == "Hello there"
    span = telemetry.span()
    assert span.name == "chat gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    attributes = dict(span.attributes)
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "openai"
    assert attributes["gen_ai.system"] == "openai"
    assert attributes["gen_ai.request.model"] == "gpt-4o-mini"
    assert attributes["gen_ai.request.temperature"] == 0.2
    assert attributes["gen_ai.request.max_tokens"] == 50
    assert attributes["gen_ai.request.seed"] == 7
    assert attributes["gen_ai.request.stop_sequences"] == ("\n",)
    assert attributes["openai.request.service_tier"] == "flex"
    assert attributes["openai.api.type"] == "chat_completions"
    assert attributes["gen_ai.response.id"] == "chatcmpl-123"
    assert attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.usage.input_tokens"] == 12
    assert attributes["gen_ai.usage.output_tokens"] == 5
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 4
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 2
    assert attributes["openai.response.service_tier"] == "default"
    assert attributes["openai.response.system_fingerprint"] == "fp_abc"
    assert attributes["server.address"] == "api.openai.com"
    assert attributes["server.port"] == 443
    assert attributes["aicost.usage.source"] == "reported"
    assert "gen_ai.request.stream" not in attributes
    assert not any("messages" in key for key in attributes), "content is off by default"


def test_chat_metrics(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion()))
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    tokens = telemetry.points("gen_ai.client.token.usage")
    by_type = {p.attributes["gen_ai.token.type"]: p for p in tokens}
    assert by_type["input"].sum == 12 and by_type["output"].sum == 5
    assert by_type["input"].attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    token_metric = telemetry.metric("gen_ai.client.token.usage")
    assert token_metric.unit == "{token}"
    assert list(by_type["input"].explicit_bounds) == [
        1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864]
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.count == 1
    assert list(duration.explicit_bounds)[:3] == [0.01, 0.02, 0.04]
    assert duration.attributes["gen_ai.operation.name"] == "chat"
    assert "aicost.pricing.status" in duration.attributes
    assert duration.attributes["aicost.usage.source"] == "reported"
    assert telemetry.metric("gen_ai.client.operation.duration").unit == "s"


def test_error_is_reraised_unchanged(telemetry, instrumented):
    body = {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}
    api = client(lambda request: json_response(body, status=429))
    with pytest.raises(openai.RateLimitError) as caught:
        api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert caught.value.status_code == 429
    span = telemetry.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "openai.RateLimitError"
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["error.type"] == "openai.RateLimitError"
    assert telemetry.points("gen_ai.client.token.usage") == []


def test_transport_error_is_reraised(telemetry, instrumented):
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    api = client(refuse)
    with pytest.raises(openai.APIConnectionError):
        api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert telemetry.span().attributes["error.type"] == "openai.APIConnectionError"


def test_stream_injects_usage_and_hides_the_usage_chunk(telemetry, instrumented):
    recorder = chat_stream_server()
    api = client(recorder)
    stream = api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    chunks = list(stream)
    assert recorder.bodies[0]["stream_options"] == {"include_usage": True}
    assert all(chunk.choices for chunk in chunks), "the usage-only chunk we asked for is hidden"
    assert all("usage" not in chunk.to_dict() for chunk in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello there"
    span = telemetry.span()
    attributes = span.attributes
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["gen_ai.usage.input_tokens"] == 12
    assert attributes["gen_ai.usage.output_tokens"] == 3
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert attributes["gen_ai.response.time_to_first_chunk"] >= 0
    assert len(telemetry.points("gen_ai.client.operation.time_to_first_chunk")) == 1
    (per_chunk,) = telemetry.points("gen_ai.client.operation.time_per_output_chunk")
    assert per_chunk.count == len(chunks) - 1


def test_stream_keeps_callers_usage_chunk(telemetry, instrumented):
    api = client(lambda request: sse_response(sse(payloads.chat_chunks(include_usage=True))))
    chunks = list(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                                              stream_options={"include_usage": True}))  # fmt: skip
    assert chunks[-1].choices == [] and chunks[-1].usage.prompt_tokens == 12
    assert telemetry.span().attributes["gen_ai.usage.input_tokens"] == 12


def test_stream_usage_off(telemetry, instrument):
    instrument(stream_usage="off")
    recorder = Recorder(lambda request: sse_response(sse(payloads.chat_chunks())))
    list(client(recorder).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
    assert "stream_options" not in recorder.bodies[0]
    assert telemetry.span().attributes["gen_ai.request.stream"] is True


@pytest.mark.parametrize("exit_path", ["break_close", "with_block", "gc", "exception"])
def test_stream_ends_span_once_on_every_exit_path(telemetry, instrumented, exit_path):
    payload = sse(payloads.chat_chunks(pieces=("a",) * 20, include_usage=True))
    if exit_path == "exception":
        payload = payload[: len(payload) // 2] + b"data: {not json\n\n"
    api = client(lambda request: sse_response(payload))
    if exit_path == "break_close":
        stream = api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        for _ in stream:
            break
        stream.close()
    elif exit_path == "with_block":
        with api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True) as stream:
            next(iter(stream))
    elif exit_path == "gc":
        stream = api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
        next(iter(stream))
        del stream
        gc.collect()
    else:
        with pytest.raises(Exception):
            list(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
    assert len(telemetry.spans()) == 1
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.count == 1
    if exit_path == "exception":
        assert telemetry.span().status.status_code is StatusCode.ERROR


def test_chat_stream_helper(telemetry, instrumented):
    recorder = chat_stream_server()
    api = client(recorder)
    stream_helper = getattr(api.chat.completions, "stream", None) or api.beta.chat.completions.stream
    with stream_helper(model="gpt-4o-mini", messages=MESSAGES) as stream:
        text = "".join(event.delta for event in stream if event.type == "content.delta")
        final = stream.get_final_completion()
    assert text == "Hello there"
    assert final.usage is None, "the caller did not ask for usage, so the final completion has none"
    span = telemetry.span()
    assert span.attributes["gen_ai.usage.input_tokens"] == 12


def test_with_raw_response(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion()))
    raw = api.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    assert raw.headers["content-type"].startswith("application/json")
    assert raw.parse().choices[0].message.content == "Hello there"
    assert telemetry.span().attributes["gen_ai.usage.input_tokens"] == 12


def test_with_raw_response_stream(telemetry, instrumented):
    api = client(lambda request: sse_response(sse(payloads.chat_chunks(include_usage=True))))
    raw = api.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    chunks = list(raw.parse())
    # A raw response goes out as the caller wrote it (no stream_options added, issue 10): the caller gets every
    # chunk this server sends, usage chunk included, as without instrumentation; the cost uses that usage.
    assert len(chunks) == len(payloads.chat_chunks(include_usage=True))
    assert telemetry.span().attributes["gen_ai.usage.output_tokens"] == 3


def test_with_streaming_response(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion()))
    with api.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES) as response:
        completion = response.parse()
    assert completion.usage.prompt_tokens == 12
    assert telemetry.span().attributes["gen_ai.usage.input_tokens"] == 12


def test_with_streaming_response_never_parsed_still_ends(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion()))
    with api.chat.completions.with_streaming_response.create(model="gpt-4o-mini", messages=MESSAGES) as response:
        assert response.http_response.status_code == 200
    assert len(telemetry.spans()) == 1


def test_parse_structured_output(telemetry, instrumented):
    from pydantic import BaseModel

    class Answer(BaseModel):
        text: str

    body = payloads.chat_completion(content='{"text": "hi"}')
    api = client(lambda request: json_response(body))
    parse = getattr(api.chat.completions, "parse", None) or api.beta.chat.completions.parse
    result = parse(model="gpt-4o-mini", messages=MESSAGES, response_format=Answer)
    assert result.choices[0].message.parsed.text == "hi"
    span = telemetry.span()
    assert span.attributes["gen_ai.output.type"] == "json"
    assert span.attributes["gen_ai.usage.input_tokens"] == 12


def test_uninstrument_restores_and_instrument_twice_is_noop(telemetry, instrument):
    original = openai.resources.chat.completions.Completions.create
    instrumentor = instrument()
    instrumentor.instrument()  # second time: no-op
    api = client(lambda request: json_response(payloads.chat_completion()))
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(telemetry.spans()) == 1
    instrumentor.uninstrument()
    assert openai.resources.chat.completions.Completions.create is original
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    raw = api.chat.completions.with_raw_response  # cached per client: the wrapper must be inert now
    raw.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(telemetry.spans()) == 1


def test_suppressed_instrumentation(telemetry, instrumented):
    from opentelemetry.instrumentation.utils import suppress_instrumentation

    api = client(lambda request: json_response(payloads.chat_completion()))
    with suppress_instrumentation():
        api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert telemetry.spans() == []


@pytest.mark.parametrize("key", ["suppress_instrumentation", "the SDK's key"])
def test_suppressed_by_either_key_alone(telemetry, instrumented, key):
    """The wrapper reads the keys ``is_instrumentation_enabled()`` reads from the context it fetches anyway: each key
    alone suppresses, as it does for that function."""
    from opentelemetry import context
    from opentelemetry.instrumentation.utils import is_instrumentation_enabled

    name = context._SUPPRESS_INSTRUMENTATION_KEY if key == "the SDK's key" else key
    api = client(lambda request: json_response(payloads.chat_completion()))
    token = context.attach(context.set_value(name, True))
    try:
        assert not is_instrumentation_enabled()
        api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    finally:
        context.detach(token)
    assert telemetry.spans() == []
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert len(telemetry.spans()) == 1
