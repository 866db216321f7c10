"""Every way a caller reads a raw response (``.with_raw_response`` / ``.with_streaming_response``), streamed or not,
plain or gzip-encoded: the bytes and values are the bare SDK's, one span ends, and the usage the server sent prices
the call exactly."""

from __future__ import annotations

import json

import pytest

from tests.integration.adversarial.shapes import CHAT_COST, chat_kwargs, chat_reply, exact, money
from tests.integration.adversarial.test_stream_exits import one_call
from tests.integration.conformance.recordings import PLAIN, expected_cost
from tests.support.scripted_openai import Reply, client

ASKED = {"stream_options": {"include_usage": True}}
PLAIN_COST = expected_cost("gpt-4o-mini", 19, 9)


def _plain_reply(**reply):
    return lambda body: Reply(body=json.dumps(PLAIN["chat"].body).encode(), content_type="application/json", **reply)


STREAMED_READS = {
    "iter_bytes": lambda r: b"".join(r.iter_bytes()),
    "iter_bytes_5": lambda r: list(r.iter_bytes(5)),
    "iter_text": lambda r: list(r.iter_text()),
    "iter_lines": lambda r: list(r.iter_lines()),
    "read": lambda r: r.read(),
    "text": lambda r: r.text(),
    "parse": lambda r: [exact(chunk) for chunk in r.parse()],
}
PLAIN_READS = {
    "iter_bytes": lambda r: b"".join(r.iter_bytes()),
    "iter_text": lambda r: "".join(r.iter_text()),
    "iter_lines": lambda r: list(r.iter_lines()),
    "read": lambda r: r.read(),
    "text": lambda r: r.text(),
    "json": lambda r: r.json(),
    "parse": lambda r: exact(r.parse()),
}


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("read", sorted(STREAMED_READS))
def test_streaming_response_of_a_stream(server, oracle, telemetry, read, gzip):
    server.answer = chat_reply(gzip=gzip)

    def case(run):
        with client(server) as api:
            with api.chat.completions.with_streaming_response.create(**chat_kwargs(stream=True, **ASKED)) as response:
                run.seen = STREAMED_READS[read](response)
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    one_call(telemetry)


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("read", sorted(PLAIN_READS))
def test_streaming_response_of_a_plain_call(server, oracle, telemetry, read, gzip):
    server.answer = _plain_reply(gzip=gzip)

    def case(run):
        with client(server) as api:
            with api.chat.completions.with_streaming_response.create(**chat_kwargs()) as response:
                run.seen = PLAIN_READS[read](response)
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    span = one_call(telemetry, priced=False)
    assert span.attributes.get("aicost.pricing.status") == "priced"
    assert money(span.attributes["gen_ai.usage.cost"]) == PLAIN_COST


RAW_STREAM_READS = {
    "http_iter_bytes": lambda r: b"".join(r.http_response.iter_bytes()),
    "http_iter_raw": lambda r: b"".join(r.http_response.iter_raw()),
    "http_iter_lines": lambda r: list(r.http_response.iter_lines()),
    "http_read": lambda r: r.http_response.read(),
    "http_iter_text": lambda r: list(r.http_response.iter_text()),
    "parse": lambda r: [exact(chunk) for chunk in r.parse()],
}


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("read", sorted(RAW_STREAM_READS))
def test_raw_response_of_a_stream(server, oracle, telemetry, read, gzip):
    server.answer = chat_reply(gzip=gzip)

    def case(run):
        with client(server) as api:
            raw = api.chat.completions.with_raw_response.create(**chat_kwargs(stream=True, **ASKED))
            run.seen = RAW_STREAM_READS[read](raw)
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    one_call(telemetry)


def test_raw_response_of_a_stream_content_before_read(server, oracle, telemetry):
    """``raw.content`` of an unread stream raises the SDK's error; the call ends when the response is released."""
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            raw = api.chat.completions.with_raw_response.create(**chat_kwargs(stream=True, **ASKED))
            try:
                raw.content
            except Exception as error:  # noqa: BLE001 - what the caller sees
                run.seen = type(error).__name__
            run.checkpoint()
            del raw
            run.checkpoint()

    assert oracle(case).checkpoints == [0, 1, 1]
    one_call(telemetry, priced=False)


def test_raw_response_of_a_plain_call_gzip(server, oracle, telemetry):
    server.answer = _plain_reply(gzip=True)

    def case(run):
        with client(server) as api:
            raw = api.chat.completions.with_raw_response.create(**chat_kwargs())
            run.seen = (raw.http_response.content, exact(raw.parse()))
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    assert money(one_call(telemetry, priced=False).attributes["gen_ai.usage.cost"]) == PLAIN_COST


def test_streaming_response_of_a_stream_read_half_then_closed(server, oracle, telemetry):
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            with api.chat.completions.with_streaming_response.create(**chat_kwargs(stream=True, **ASKED)) as response:
                lines = response.iter_lines()
                run.seen = [next(lines), next(lines), next(lines)]
                run.checkpoint()
            run.checkpoint()

    assert oracle(case).checkpoints == [0, 1, 1]
    one_call(telemetry, priced=False)


def test_stream_parse_and_bytes_of_one_streaming_response(server, oracle, telemetry):
    """``parse()`` then iterate it: the cost comes from the parsed chunks, not twice."""
    server.answer = chat_reply()

    def case(run):
        with client(server) as api:
            with api.chat.completions.with_streaming_response.create(**chat_kwargs(stream=True, **ASKED)) as response:
                stream = response.parse()
                run.seen = [exact(chunk) for chunk in stream]
            run.checkpoint()

    assert oracle(case).checkpoints == [1, 1]
    span = one_call(telemetry)
    assert money(span.attributes["gen_ai.usage.cost"]) == CHAT_COST
