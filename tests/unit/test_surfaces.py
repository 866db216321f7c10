"""Legacy completions, embeddings, the Responses API and Azure OpenAI clients."""

from __future__ import annotations

import pytest

from tests.support import payloads
from tests.support.mock_openai import Recorder, client, json_response, sse, sse_response

needs_responses = pytest.mark.skipif(
    not hasattr(client(lambda r: None), "responses"), reason="this openai version has no Responses API"
)


def test_legacy_completion(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.completion()))
    assert api.completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi", max_tokens=5).choices[0].text == "Hi"
    span = telemetry.span()
    assert span.name == "text_completion gpt-3.5-turbo-instruct"
    assert span.attributes["gen_ai.usage.input_tokens"] == 4
    assert span.attributes["gen_ai.usage.output_tokens"] == 2
    assert span.attributes["gen_ai.request.max_tokens"] == 5


def test_legacy_completion_stream_gets_usage(telemetry, instrumented):
    def respond(request):
        chunk = {"id": "c1", "object": "text_completion", "created": 1, "model": "gpt-3.5-turbo-instruct"}
        events = [{**chunk, "choices": [{"index": 0, "text": "Hi", "finish_reason": "length"}]}]
        events.append({**chunk, "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1,
                                                         "total_tokens": 4}})  # fmt: skip
        return sse_response(sse(events))

    recorder = Recorder(respond)
    chunks = list(client(recorder).completions.create(model="gpt-3.5-turbo-instruct", prompt="Hi", stream=True))
    assert len(chunks) == 1 and recorder.bodies[0]["stream_options"] == {"include_usage": True}
    span = telemetry.span()
    assert span.attributes["gen_ai.usage.input_tokens"] == 3
    assert span.attributes["gen_ai.response.finish_reasons"] == ("length",)


def test_embeddings(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.embeddings(dimensions=16)))
    api.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="float")
    span = telemetry.span()
    assert span.name == "embeddings text-embedding-3-small"
    assert span.attributes["gen_ai.operation.name"] == "embeddings"
    assert span.attributes["gen_ai.usage.input_tokens"] == 7
    assert "gen_ai.usage.output_tokens" not in span.attributes
    assert span.attributes["gen_ai.embeddings.dimension.count"] == 16
    assert span.attributes["gen_ai.request.encoding_formats"] == ("float",)
    (tokens,) = telemetry.points("gen_ai.client.token.usage")
    assert tokens.attributes["gen_ai.token.type"] == "input" and tokens.sum == 7


@needs_responses
def test_responses_create(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.response(cached_tokens=5, reasoning_tokens=2)))
    result = api.responses.create(model="gpt-4o", input="Hi", max_output_tokens=30, reasoning={"effort": "low"})
    assert result.output_text == "Hi!"
    span = telemetry.span()
    assert span.name == "chat gpt-4o"
    assert span.attributes["openai.api.type"] == "responses"
    assert span.attributes["gen_ai.request.max_tokens"] == 30
    assert span.attributes["gen_ai.request.reasoning.level"] == "low"
    assert span.attributes["gen_ai.usage.input_tokens"] == 20
    assert span.attributes["gen_ai.usage.cache_read.input_tokens"] == 5
    assert span.attributes["gen_ai.usage.reasoning.output_tokens"] == 2
    assert span.attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert span.attributes["gen_ai.response.id"] == "resp_1"


@needs_responses
def test_responses_stream_and_helper(telemetry, instrumented):
    api = client(lambda request: sse_response(sse(payloads.response_events(), done=False)))
    events = list(api.responses.create(model="gpt-4o", input="Hi", stream=True))
    assert events[-1].type == "response.completed"
    with api.responses.stream(model="gpt-4o", input="Hi") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == "Hi!"
    spans = telemetry.spans()
    assert len(spans) == 2
    for span in spans:
        assert span.attributes["gen_ai.request.stream"] is True
        assert span.attributes["gen_ai.usage.output_tokens"] == 6
        assert span.attributes["gen_ai.response.time_to_first_chunk"] >= 0


@needs_responses
def test_responses_parse(telemetry, instrumented):
    from pydantic import BaseModel

    class Answer(BaseModel):
        text: str

    api = client(lambda request: json_response(payloads.response(text='{"text": "yo"}')))
    result = api.responses.parse(model="gpt-4o", input="Hi", text_format=Answer)
    assert result.output_parsed.text == "yo"
    span = telemetry.span()
    assert span.attributes["gen_ai.output.type"] == "json"
    assert span.attributes["gen_ai.usage.input_tokens"] == 20


def test_azure_client_deployment_from_model(telemetry, instrumented):
    recorder = Recorder(lambda request: json_response(payloads.chat_completion(model="gpt-4o-2024-08-06")))
    api = client(recorder, azure=True)
    api.chat.completions.create(model="chat-prod", messages=[{"role": "user", "content": "hi"}])
    assert "/openai/deployments/chat-prod/chat/completions" in str(recorder.requests[0].url)
    attributes = telemetry.span().attributes
    assert attributes["gen_ai.provider.name"] == "azure.ai.openai"
    assert attributes["gen_ai.system"] == "az.ai.openai"
    assert attributes["aicost.deployment.name"] == "chat-prod"
    assert attributes["aicost.deployment.type"] == "global_standard"
    assert attributes["server.address"] == "contoso.openai.azure.com"
    assert attributes["gen_ai.response.model"] == "gpt-4o-2024-08-06"


def test_azure_deployment_from_url_and_config(telemetry, instrument):
    instrument(deployments={"eu-chat": {"model": "gpt-4o-2024-08-06", "type": "data_zone_standard"}})
    api = client(lambda request: json_response(payloads.chat_completion()), azure=True, azure_deployment="eu-chat")
    api.chat.completions.create(model="ignored", messages=[{"role": "user", "content": "hi"}])
    attributes = telemetry.span().attributes
    assert attributes["aicost.deployment.name"] == "eu-chat"
    assert attributes["aicost.deployment.type"] == "data_zone_standard"
    (duration,) = telemetry.points("gen_ai.client.operation.duration")
    assert duration.attributes["aicost.deployment.type"] == "data_zone_standard"


def test_openai_client_pointed_at_azure_by_base_url(telemetry, instrumented):
    api = client(lambda request: json_response(payloads.chat_completion()),
                 base_url="https://myres.cognitiveservices.azure.com/openai/v1/")  # fmt: skip
    api.chat.completions.create(model="my-deployment", messages=[{"role": "user", "content": "hi"}])
    attributes = telemetry.span().attributes
    assert attributes["gen_ai.provider.name"] == "azure.ai.openai"
    assert attributes["aicost.deployment.name"] == "my-deployment"


def test_old_azure_api_version_gets_no_stream_options(telemetry, instrumented):
    recorder = Recorder(lambda request: sse_response(sse(payloads.chat_chunks())))
    api = client(recorder, azure=True, api_version="2024-06-01")
    list(api.chat.completions.create(model="d", messages=[{"role": "user", "content": "hi"}], stream=True))
    assert "stream_options" not in recorder.bodies[0]


def test_endpoint_rejecting_stream_options_gets_the_original_request(telemetry, instrumented):
    def respond(request):
        import json

        if "stream_options" in json.loads(request.content):
            return json_response({"error": {"message": "Unrecognized request argument: stream_options",
                                            "type": "invalid_request_error"}}, status=400)  # fmt: skip
        return sse_response(sse(payloads.chat_chunks()))

    recorder = Recorder(respond)
    chunks = list(client(recorder).chat.completions.create(model="gpt-4o-mini", messages=[], stream=True))
    assert len(chunks) == 5 and len(recorder.bodies) == 2
    assert len(telemetry.spans()) == 1


def test_a_call_site_follows_its_client_to_another_base_url(telemetry, instrumented):
    """The profile kept per call site (client, surface, model: ``request.Profiles.at``) is the one of the client's
    base URL at the call: a base URL changed between calls, or another client of the same kind, gets its own."""
    reply = lambda request: json_response(payloads.chat_completion())  # noqa: E731
    first = client(reply, base_url="https://one.example.com/v1/")
    second = client(reply, base_url="https://two.example.com/v1/")
    messages = [{"role": "user", "content": "hi"}]
    for api in (first, second, first):
        api.chat.completions.create(model="gpt-4o-mini", messages=messages)
    first.base_url = "https://three.example.com/v1/"
    first.chat.completions.create(model="gpt-4o-mini", messages=messages)
    first.base_url = "https://myres.openai.azure.com/openai/v1/"
    first.chat.completions.create(model="gpt-4o-mini", messages=messages)
    spans = telemetry.spans()
    assert [span.attributes["server.address"] for span in spans] == [
        "one.example.com", "two.example.com", "one.example.com", "three.example.com", "myres.openai.azure.com",
    ]  # fmt: skip
    assert [span.attributes["gen_ai.provider.name"] for span in spans] == ["openai"] * 4 + ["azure.ai.openai"]
