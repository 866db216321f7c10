"""Instrumentor lifecycle, content capture, request attributes from every place, and the stream_options re-send."""

from __future__ import annotations

import inspect
import json

import openai
import pytest
import wrapt

from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from tests.support import payloads
from tests.support.mock_openai import Recorder, client, json_response, sse, sse_response

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?", "name": "ann"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "properties": {}}}}]


def _ours(function) -> bool:
    return isinstance(function, wrapt.FunctionWrapper)


# --- lifecycle ----------------------------------------------------------------------------------------------------


def test_uninstrument_from_a_new_object_unwraps(telemetry, instrument):
    original = vars(openai.resources.chat.completions.Completions)["create"]
    instrument()
    assert _ours(vars(openai.resources.chat.completions.Completions)["create"])
    OpenAICostInstrumentor().uninstrument()  # a new construction: the same singleton, with its state
    assert vars(openai.resources.chat.completions.Completions)["create"] is original


def test_instrument_again_from_a_new_object_never_wraps_twice(telemetry, instrument):
    instrument()
    OpenAICostInstrumentor().uninstrument()
    OpenAICostInstrumentor().instrument(tracer_provider=telemetry.tracer_provider,
                                        meter_provider=telemetry.meter_provider)  # fmt: skip
    create = vars(openai.resources.chat.completions.Completions)["create"]
    assert _ours(create) and not _ours(create.__wrapped__)
    client(lambda r: json_response(payloads.chat_completion())).chat.completions.create(model="gpt-4o-mini",
                                                                                      messages=MESSAGES)
    assert len(telemetry.spans()) == 1


# --- content capture ----------------------------------------------------------------------------------------------


def test_tool_calls_names_and_definitions_on_the_span(telemetry, instrument):
    instrument(capture_content="span_only")
    body = payloads.chat_completion()
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}
    body["choices"][0]["finish_reason"] = "tool_calls"
    history = [*MESSAGES, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_0", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_0", "content": "sunny"}]  # fmt: skip
    client(lambda r: json_response(body)).chat.completions.create(model="gpt-4o-mini", messages=history, tools=TOOLS)
    attributes = telemetry.span().attributes
    inputs = json.loads(attributes["gen_ai.input.messages"])
    assert inputs[1] == {"role": "user", "parts": [{"type": "text", "content": "Weather?"}], "name": "ann"}
    assert inputs[2]["parts"] == [{"type": "tool_call", "id": "call_0", "name": "get_weather", "arguments": "{}"}]
    assert inputs[3] == {"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_0", "response": "sunny"}]}
    assert json.loads(attributes["gen_ai.output.messages"]) == [{"role": "assistant", "finish_reason": "tool_call",
        "parts": [{"type": "tool_call", "id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}]}]
    assert json.loads(attributes["gen_ai.tool.definitions"]) == [{"type": "function", "name": "get_weather",
        "description": "Weather of a city", "parameters": {"type": "object", "properties": {}}}]  # fmt: skip


def test_streams_set_output_messages(telemetry, instrument):
    instrument(capture_content="span_only")
    api = client(lambda r: sse_response(sse(payloads.chat_chunks(include_usage=True))))
    text = "".join(c.choices[0].delta.content or "" for c in api.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True))
    output = json.loads(telemetry.span().attributes["gen_ai.output.messages"])
    assert output == [{"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}]


def test_embeddings_record_no_input_messages(telemetry, instrument):
    instrument(capture_content="span_only")
    client(lambda r: json_response(payloads.embeddings())).embeddings.create(model="text-embedding-3-small",
                                                                             input="secret text")
    assert "gen_ai.input.messages" not in telemetry.span().attributes


# --- attributes from every place ----------------------------------------------------------------------------------


def test_extra_body_parameters_are_recorded_and_priced(telemetry, instrumented):
    api = client(lambda r: json_response(payloads.chat_completion()))
    api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                extra_body={"service_tier": "flex", "max_completion_tokens": 64})  # fmt: skip
    attributes = telemetry.span().attributes
    assert attributes["openai.request.service_tier"] == "flex"
    assert attributes["gen_ai.request.max_tokens"] == 64


def test_cache_read_zero_is_recorded(telemetry, instrumented):
    body = payloads.chat_completion()
    body["usage"]["prompt_tokens_details"] = {"cached_tokens": 0}
    client(lambda r: json_response(body)).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert telemetry.span().attributes["gen_ai.usage.cache_read.input_tokens"] == 0


def test_callers_stream_options_are_sent_as_given(telemetry, instrumented):
    recorder = Recorder(lambda r: sse_response(sse(payloads.chat_chunks())))
    list(client(recorder).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                                                  stream_options={"include_obfuscation": False}))  # fmt: skip
    assert recorder.bodies[0]["stream_options"] == {"include_obfuscation": False}


def test_refused_stream_options_are_counted_and_never_sent_again(telemetry, instrumented):
    def respond(request):
        if "stream_options" in json.loads(request.content):
            return json_response({"error": {"message": "Unrecognized request argument: stream_options",
                                            "type": "invalid_request_error"}}, status=400)  # fmt: skip
        return sse_response(sse(payloads.chat_chunks()))

    recorder = Recorder(respond)
    api = client(recorder)
    for _ in range(3):
        list(api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))
    assert ["stream_options" in body for body in recorder.bodies] == [True, False, False, False]
    first, *others = telemetry.spans()
    assert [event.name for event in first.events] == ["aicost.stream_options.refused"]
    assert all(not span.events for span in others)
    assert instrumented.telemetry.stream_usage.refusals == 1


needs_responses = pytest.mark.skipif(not hasattr(openai.OpenAI(api_key="x"), "responses"),
                                     reason="this openai version has no Responses API")  # fmt: skip


@needs_responses
def test_responses_tool_calls_and_conversation(telemetry, instrumented):
    body = payloads.response()
    body["output"] = [{"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "get_weather",
                       "arguments": "{}", "status": "completed"}]  # fmt: skip
    responses = client(lambda r: json_response(body)).responses
    # openai before 1.101 has no conversation parameter (the SDK refuses it): the finish reason alone there
    takes_conversation = "conversation" in inspect.signature(responses.create).parameters
    responses.create(model="gpt-4o", input="Weather?", **({"conversation": "conv_123"} if takes_conversation else {}))
    attributes = telemetry.span().attributes
    assert attributes["gen_ai.response.finish_reasons"] == ("tool_calls",)
    if takes_conversation:
        assert attributes["gen_ai.conversation.id"] == "conv_123"


def test_a_close_that_raises_is_recorded(telemetry, instrumented, monkeypatch):
    original = openai.Stream.close

    def failing_close(self):
        original(self)
        raise ConnectionError("close failed")

    monkeypatch.setattr(openai.Stream, "close", failing_close)
    stream = client(lambda r: sse_response(sse(payloads.chat_chunks()))).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True)
    next(iter(stream))
    with pytest.raises(ConnectionError):
        stream.close()
    span = telemetry.span()
    assert span.attributes["error.type"] == "ConnectionError"
    assert span.status.description == "close failed"
