"""Raw responses read as bytes or lines without ``parse()``, parsed raw responses, plain calls and errors, bare SDK
against instrumented: the same bytes and values for the caller, one span, the cost from the usage the server sent."""

from __future__ import annotations

import json

import openai
import pytest
from pydantic import BaseModel

from tests.integration.conformance.cases import check_span, dump, request, resource
from tests.integration.conformance.recordings import PLAIN, STREAMS, error

STREAM_NAMES = sorted(STREAMS)
PLAIN_NAMES = sorted(PLAIN)


def _needs(client, recording):
    if recording.path == "/responses" and not hasattr(client, "responses"):
        pytest.skip("this openai version has no Responses API")


def _usage_options(recording):
    """The caller asks for usage itself (Responses streams always send it): the server's usage prices the call."""
    return {} if recording.usage_always else {"stream_options": {"include_usage": True}}


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_raw_stream_read_as_bytes(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        raw = resource(client, recording).with_raw_response.create(**request(recording, stream=True,
                                                                             **_usage_options(recording)))
        run.seen = b"".join(raw.http_response.iter_bytes())
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_raw_stream_without_usage_is_sent_as_written(conform, replay, telemetry, name):
    """No ``stream_options`` added to a raw stream: the bytes are the bare SDK's, the usage is counted locally."""
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        raw = resource(client, recording).with_raw_response.create(**request(recording, stream=True))
        run.seen = b"".join(raw.http_response.iter_bytes())
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    assert "stream_options" not in replay.bodies[-1]
    check_span(telemetry, recording, exact=recording.usage_always)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_streaming_response_read_by_lines(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        kwargs = request(recording, stream=True, **_usage_options(recording))
        with resource(client, recording).with_streaming_response.create(**kwargs) as response:
            run.seen = list(response.iter_lines())
            run.checkpoint()  # the body was read to its end: the response closed, the span ended
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_streaming_response_left_unread(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        with resource(client, recording).with_streaming_response.create(**request(recording, stream=True)) as response:
            run.seen = response.status_code
            run.checkpoint()
        run.checkpoint()

    assert conform(recording, case).checkpoints == [0, 1, 1]
    check_span(telemetry, recording, exact=False)


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_raw_stream_parsed(conform, telemetry, name):
    recording = STREAMS[name]

    def case(client, run):
        _needs(client, recording)
        raw = resource(client, recording).with_raw_response.create(**request(recording, stream=True,
                                                                             **_usage_options(recording)))
        run.seen = [dump(chunk) for chunk in raw.parse()]
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_plain_call(conform, telemetry, name):
    recording = PLAIN[name]

    def case(client, run):
        _needs(client, recording)
        run.seen = dump(resource(client, recording).create(**request(recording)))
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_raw_response(conform, telemetry, name):
    recording = PLAIN[name]

    def case(client, run):
        _needs(client, recording)
        raw = resource(client, recording).with_raw_response.create(**request(recording))
        run.seen = [raw.http_response.content, dump(raw.parse())]
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_streaming_response_body_read_as_bytes(conform, telemetry, name):
    recording = PLAIN[name]

    def case(client, run):
        _needs(client, recording)
        with resource(client, recording).with_streaming_response.create(**request(recording)) as response:
            run.seen = b"".join(response.iter_bytes())
        run.checkpoint()

    assert conform(recording, case).checkpoints == [1, 1]
    check_span(telemetry, recording)


@pytest.mark.parametrize("status", [400, 429, 500])
def test_error_status(conform, telemetry, status):
    recording = error(status)

    def case(client, run):
        with pytest.raises(openai.APIStatusError) as caught:
            client.chat.completions.create(**request(recording))
        run.seen = (type(caught.value).__name__, caught.value.status_code, caught.value.body)
        run.checkpoint()

    conform(recording, case)
    kind = {400: "BadRequestError", 429: "RateLimitError", 500: "InternalServerError"}[status]
    check_span(telemetry, recording, error=f"openai.{kind}", exact=False)


class Forecast(BaseModel):
    city: str
    celsius: int


class Wrong(BaseModel):
    town: str


def test_parse_structured_output(conform, telemetry):
    recording = PLAIN["chat_json"]

    def case(client, run):
        chat = client.chat.completions if hasattr(client.chat.completions, "parse") else client.beta.chat.completions
        run.seen = chat.parse(**request(recording, response_format=Forecast)).choices[0].message.parsed.model_dump()

    conform(recording, case)
    check_span(telemetry, recording)


@pytest.mark.parametrize("raw", [False, True])
def test_reply_failing_validation_is_not_in_telemetry(conform, telemetry, raw):
    """The pydantic error quotes the reply: with capture off, the span keeps its type and a safe summary only."""
    recording = PLAIN["chat_json"]

    def case(client, run):
        chat = client.chat.completions if hasattr(client.chat.completions, "parse") else client.beta.chat.completions
        if raw and not hasattr(chat, "with_raw_response"):
            pytest.skip("this openai version has no raw response for parse()")
        with pytest.raises(Exception) as caught:
            if raw:
                chat.with_raw_response.parse(**request(recording, response_format=Wrong)).parse()
            else:
                chat.parse(**request(recording, response_format=Wrong))
        run.seen = type(caught.value).__name__

    conform(recording, case)
    span = check_span(telemetry, recording, error="pydantic_core._pydantic_core.ValidationError", exact=False)
    exported = json.dumps([span.status.description, span.attributes.copy(),
                           [(event.name, dict(event.attributes)) for event in span.events]])  # fmt: skip
    assert "Paris" not in exported and "celsius" not in exported
    assert "validation error for Wrong" in span.status.description


def test_connection_refused(telemetry, instrument):
    """No server at all: the caller gets the SDK's own APIConnectionError; the span records it."""
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    instrument()
    api = openai.OpenAI(api_key="k", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        api.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    api.close()
    span = telemetry.span()
    assert span.attributes["error.type"] == "openai.APIConnectionError"
