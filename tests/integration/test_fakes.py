"""The loopback test doubles, checked with the real clients that will talk to them.

Expected token counts are worked out by hand from the rules documented in ``otel_aicost.demo.payloads.generation``
(prompt = 3 + sum(3 + words) per message; 8 output pieces by default), not by calling the fake's code.
"""

from __future__ import annotations

import base64
import json
import math
import struct
import urllib.request
from typing import Literal

import pytest
from openai import AzureOpenAI, OpenAI
from pydantic import BaseModel

from otel_aicost.demo import FakeOpenAI

pytestmark = pytest.mark.integration

HELLO = [{"role": "user", "content": "one two three"}]  # prompt tokens: 3 + (3 + 3) = 9


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI(deployments={"chat-prod": "gpt-4o", "embed-prod": "text-embedding-3-small"}) as fake:
        yield fake
        assert fake.handler_errors == []


@pytest.fixture
def client(server):
    server.clear()
    with OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


def needs_responses(client):
    if not hasattr(client, "responses"):
        pytest.skip("this openai SDK has no Responses API")


def raw_sse(server, body):
    """POST with the standard library and return the SSE data lines, to see the wire and not the SDK."""
    request = urllib.request.Request(
        server.base_url + "/chat/completions", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Type"].startswith("text/event-stream")
        text = response.read().decode()
    return [line.removeprefix("data: ") for line in text.split("\n") if line.startswith("data: ")]


# ---- chat completions ------------------------------------------------------------------------------------------
def test_chat_reports_snapshot_usage_and_echo_content(client, server):
    result = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, service_tier="auto")
    assert result.model == "gpt-4o-mini-2024-07-18"
    assert result.id.startswith("chatcmpl-")
    assert result.system_fingerprint.startswith("fp_")
    assert result.service_tier == "default"
    assert result.choices[0].message.content == "one two three one two three one two"
    assert result.choices[0].finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.total_tokens) == (9, 8, 17)
    assert server.last_request.path == "/v1/chat/completions"
    assert server.last_request.headers["authorization"] == "Bearer sk-test"


def test_chat_max_tokens_cuts_with_length_and_n_multiplies(client):
    result = client.chat.completions.create(model="gpt-4o", messages=HELLO, max_tokens=3, n=2)
    assert result.model == "gpt-4o-2024-08-06"
    assert [c.finish_reason for c in result.choices] == ["length", "length"]
    assert [c.index for c in result.choices] == [0, 1]
    assert result.usage.completion_tokens == 6


def test_reasoning_and_cached_tokens(client):
    reasoning = client.chat.completions.create(model="o3-mini", messages=HELLO)
    assert reasoning.model == "o3-mini-2025-01-31"
    assert reasoning.usage.completion_tokens == 24  # 8 visible + 16 reasoning
    assert _detail(reasoning.usage.completion_tokens_details, "reasoning_tokens") == 16
    long_prompt = [{"role": "user", "content": "word " * 1200}]  # 3 + 3 + 1200 = 1206 tokens
    cached = client.chat.completions.create(model="gpt-4o-mini", messages=long_prompt)
    assert cached.usage.prompt_tokens == 1206
    assert _detail(cached.usage.prompt_tokens_details, "cached_tokens") == 1152
    assert _detail(cached.usage.completion_tokens_details, "reasoning_tokens") == 0


def test_knobs_override_counts_and_can_drop_usage(client):
    result = client.chat.completions.create(
        model="gpt-4o", messages=HELLO, extra_body={"fake_prompt_tokens": 5000, "fake_cached_tokens": 1000,
                                                    "fake_reasoning_tokens": 7, "fake_words": 2})
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (5000, 9)
    assert _detail(result.usage.prompt_tokens_details, "cached_tokens") == 1000
    no_usage = client.chat.completions.create(model="gpt-4o", messages=HELLO, extra_body={"fake_usage": False})
    assert no_usage.usage is None


def _detail(details, name):
    return details[name] if isinstance(details, dict) else getattr(details, name)  # openai 1.40 keeps dicts


def test_chat_stream_has_no_usage_chunk_unless_asked(client, server):
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    assert all(chunk.choices for chunk in chunks)
    assert all(chunk.usage is None for chunk in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "one two three one two three one two"
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    wire = raw_sse(server, {"model": "gpt-4o-mini", "messages": HELLO, "stream": True})
    assert wire[-1] == "[DONE]"
    assert all("usage" not in json.loads(line) for line in wire[:-1])


def test_chat_stream_usage_chunk_only_when_include_usage(client, server):
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=HELLO, stream=True, stream_options={"include_usage": True},
        extra_body={"fake_chunks": 50},
    )
    chunks = list(stream)
    assert len(chunks) == 53  # role chunk + 50 content chunks + finish chunk + usage chunk
    assert [i for i, c in enumerate(chunks) if not c.choices] == [52]
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (9, 50)
    assert all(c.usage is None for c in chunks[:-1])
    assert server.last_request.body["stream_options"] == {"include_usage": True}
    wire = raw_sse(server, {"model": "gpt-4o-mini", "messages": HELLO, "stream": True,
                            "stream_options": {"include_usage": True}})
    assert all(json.loads(line)["usage"] is None for line in wire[:-2])
    assert wire[-1] == "[DONE]"


class Address(BaseModel):
    city: str
    kind: Literal["home", "work"]


class Person(BaseModel):
    name: str
    age: int
    tags: list[str]
    address: Address  # a $ref into $defs
    nickname: str | None  # anyOf with null


def test_structured_outputs_parse(client):
    parse = getattr(client.chat.completions, "parse", None) or client.beta.chat.completions.parse
    parsed = parse(model="gpt-4o", messages=HELLO, response_format=Person).choices[0].message.parsed
    assert parsed == Person(name="fake", age=1, tags=["fake"], address=Address(city="fake", kind="home"),
                            nickname="fake")


WEATHER_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"]}}}


def test_forced_tool_call_plain_and_streamed(client):
    result = client.chat.completions.create(model="gpt-4o", messages=HELLO, tools=[WEATHER_TOOL],
                                            tool_choice="required")
    choice = result.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "fake", "days": 1}
    assert result.usage.completion_tokens == math.ceil(len(call.function.arguments) / 4)  # 4-character pieces
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=HELLO, tools=[WEATHER_TOOL],
                                                 tool_choice="required", stream=True))
    deltas = [c.choices[0].delta.tool_calls[0] for c in chunks if c.choices[0].delta.tool_calls]
    assert deltas[0].id == call.id and deltas[0].function.name == "get_weather"
    assert "".join(d.function.arguments or "" for d in deltas) == call.function.arguments
    assert chunks[-1].choices[0].finish_reason == "tool_calls"
    auto = client.chat.completions.create(model="gpt-4o", messages=HELLO, tools=[WEATHER_TOOL])
    assert auto.choices[0].message.tool_calls is None and auto.choices[0].finish_reason == "stop"


def test_models_list(client):
    assert "gpt-4o-mini" in {m.id for m in client.models.list()}


# ---- legacy completions and embeddings -------------------------------------------------------------------------
def test_legacy_completions_plain_and_stream(client):
    result = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="alpha beta", max_tokens=5)
    assert result.choices[0].text == "alpha beta alpha beta alpha"
    assert result.choices[0].finish_reason == "length"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (2, 5)
    chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt="alpha beta", stream=True,
                                            stream_options={"include_usage": True}))
    assert "".join(c.choices[0].text for c in chunks if c.choices) == "alpha beta alpha beta alpha beta alpha beta"
    assert not chunks[-1].choices and chunks[-1].usage.completion_tokens == 8


def test_embeddings_float_base64_and_dimensions(client):
    floats = client.embeddings.create(model="text-embedding-3-small", input=["a b c", "d"], encoding_format="float")
    assert [len(d.embedding) for d in floats.data] == [1536, 1536]
    assert floats.usage.prompt_tokens == 4
    assert abs(sum(x * x for x in floats.data[0].embedding) - 1.0) < 1e-9
    small = client.embeddings.create(model="text-embedding-3-small", input="a b c", dimensions=8,
                                     encoding_format="base64")
    raw = small.data[0].embedding
    vector = struct.unpack("<8f", base64.b64decode(raw)) if isinstance(raw, str) else raw
    assert len(vector) == 8
    default = client.embeddings.create(model="text-embedding-3-large", input="a b c")  # the SDK asks for base64
    assert len(default.data[0].embedding) == 3072
    again = client.embeddings.create(model="text-embedding-3-large", input="a b c")
    assert default.data[0].embedding == again.data[0].embedding


# ---- responses -------------------------------------------------------------------------------------------------
RESPONSE_EVENTS = ["response.created", "response.in_progress", "response.output_item.added",
                   "response.content_part.added"] + ["response.output_text.delta"] * 8 + [
    "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]


def test_responses_create(client):
    needs_responses(client)
    result = client.responses.create(model="gpt-4o-mini", input="one two three", instructions="be brief")
    assert result.model == "gpt-4o-mini-2024-07-18" and result.status == "completed"
    assert result.output_text == "one two three one two three one two"
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.total_tokens) == (14, 8, 22)
    reasoning = client.responses.create(model="o4-mini", input="x", max_output_tokens=2)
    assert reasoning.status == "incomplete" and reasoning.incomplete_details.reason == "max_output_tokens"
    assert [item.type for item in reasoning.output] == ["reasoning", "message"]
    assert reasoning.usage.output_tokens_details.reasoning_tokens == 4
    assert reasoning.usage.output_tokens == 6
    cached = client.responses.create(model="gpt-4o", input="w " * 2000)
    assert cached.usage.input_tokens_details.cached_tokens == 1920  # input 2006


def test_responses_stream_event_sequence(client):
    needs_responses(client)
    events = list(client.responses.create(model="gpt-4o", input="one two three", stream=True))
    assert [e.type for e in events] == RESPONSE_EVENTS
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == events[-1].response.output_text
    assert events[0].response.usage is None
    assert events[-1].response.usage.output_tokens == 8


def test_responses_stream_helper_and_parse(client):
    needs_responses(client)
    with client.responses.stream(model="gpt-4o", input="one two", extra_body={"fake_words": 3}) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert deltas == ["one", " two", " one"] and final.output_text == "one two one"

    class Answer(BaseModel):
        city: str
        score: float

    parsed = client.responses.parse(model="gpt-4o", input="x", text_format=Answer).output_parsed
    assert parsed == Answer(city="fake", score=1.5)


# ---- Azure -----------------------------------------------------------------------------------------------------
def test_azure_deployment_paths(server):
    server.clear()
    azure = AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="k", max_retries=0)
    result = azure.chat.completions.create(model="chat-prod", messages=HELLO)
    assert result.model == "gpt-4o-2024-08-06"  # the deployment's model, declared to the fake
    request = server.last_request
    assert request.path == "/openai/deployments/chat-prod/chat/completions"
    assert request.query == {"api-version": "2024-10-21"} and request.headers["api-key"] == "k"
    chunks = list(azure.chat.completions.create(model="chat-prod", messages=HELLO, stream=True))
    assert chunks[0].choices == [] and chunks[0].model == ""  # Azure's prompt-filter chunk
    assert all(c.choices for c in chunks[1:])
    if hasattr(azure, "responses"):
        assert azure.responses.create(model="chat-prod", input="x").model == "gpt-4o-2024-08-06"
        assert server.last_request.path == "/openai/responses"
    embedding = azure.embeddings.create(model="embed-prod", input="a")
    assert embedding.model == "text-embedding-3-small"
    assert server.last_request.path == "/openai/deployments/embed-prod/embeddings"


def test_azure_v1_path(server):
    client = OpenAI(base_url=server.azure_endpoint + "/openai/v1/", api_key="k", max_retries=0)
    assert client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).usage.prompt_tokens == 9
    assert server.last_request.path == "/openai/v1/chat/completions"
