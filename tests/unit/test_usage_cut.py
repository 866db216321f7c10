"""The usage-only event we ask for is cut out of a stream's bytes before the SDK parses it (``taps.UsageCut``).

Oracles: the bytes the server would send without our ``stream_options`` (the body less that event), the bare SDK's
own chunks for the request the caller made, and the usage the server wrote. Every way of splitting the body into
reads is tried: at every byte boundary into two reads, and one byte per read.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from otel_aicost.instrumentation.streams import StreamState
from otel_aicost.instrumentation.taps import UsageCut
from tests.support import mock_openai, payloads

PIECES = ("Hel", "lo", " there")
USAGE = {"prompt_tokens": 12, "completion_tokens": 3}


def body(include_usage: bool, compact: bool, pieces: tuple[str, ...] = PIECES) -> bytes:
    """The SSE body as the API writes it (compact JSON, ``usage`` last) or as json.dumps does (spaces)."""
    separators = (",", ":") if compact else (", ", ": ")
    chunks = payloads.chat_chunks(pieces=pieces, include_usage=include_usage)
    if compact:  # the API writes "usage" after "choices"
        chunks = [{**{k: v for k, v in c.items() if k != "usage"}, **({"usage": c["usage"]} if "usage" in c else {})}
                  for c in chunks]  # fmt: skip
    events = "".join(f"data: {json.dumps(chunk, separators=separators)}\n\n" for chunk in chunks)
    return (events + "data: [DONE]\n\n").encode()


def without_usage_event(data: bytes) -> bytes:
    return b"".join(event + b"\n\n" for event in data.split(b"\n\n")[:-1] if b'"choices":[]' not in
                    event.replace(b" ", b""))  # fmt: skip


def cut_through(data: bytes, parts: list[bytes]) -> tuple[bytes, list[Any]]:
    seen: list[Any] = []
    cut = UsageCut(seen.append)
    out = b"".join(cut.cut(part) for part in parts) + cut.rest()
    return out, seen


def splits(data: bytes) -> list[list[bytes]]:
    return [[data[:i], data[i:]] for i in range(len(data) + 1)] + [[data[i : i + 1] for i in range(len(data))]]


@pytest.mark.parametrize("compact", [True, False], ids=["compact", "spaced"])
def test_the_usage_event_is_cut_at_every_split_and_nothing_else(compact: bool) -> None:
    data = body(include_usage=True, compact=compact)
    expected = without_usage_event(data)
    assert len(expected) < len(data)
    for parts in splits(data):
        out, seen = cut_through(data, parts)
        assert out == expected, parts
        assert len(seen) == 1
        assert seen[0].usage.prompt_tokens == 12 and seen[0].usage.completion_tokens == 3
        assert seen[0].choices == []


@pytest.mark.parametrize(
    "data",
    [
        body(include_usage=True, compact=True).replace(b"\n", b"\r\n"),  # CRLF: not the framing we cut
        body(include_usage=True, compact=True).replace(b"data: [DONE]\n\n", b""),  # no [DONE] after it
        body(include_usage=True, compact=True).replace(b'"choices":[],', b'"choices":[{"index":0}],'),
        b'data: {"choices":[]}\n\nevent: usage\ndata: {"choices":[],"usage":{"prompt_tokens":1}}\n\ndata: [DONE]\n\n',
        b'data: {"choices":[],"usage":{"prompt_tokens":1}\n\ndata: [DONE]\n\n',  # not JSON
        b'data: {"choices":[],"usage":{"prompt_tokens":1}}\n\ndata: {"choices":[]}\n\ndata: [DONE]\n\n',
    ],
    ids=["crlf", "no-done", "choices", "event-line", "not-json", "not-last"],
)
def test_anything_not_exactly_the_usage_event_passes_unchanged(data: bytes) -> None:
    for parts in splits(data):
        out, seen = cut_through(data, parts)
        assert out == data, parts
        assert seen == []


def _dumps(chunks: list[Any]) -> list[Any]:
    return [(type(c).__name__, c.model_dump(exclude_unset=True), c.model_dump(), c.model_dump_json()) for c in chunks]


def _server(parts_of: Any) -> Any:
    def respond(request: Any) -> Any:
        asked = bool((json.loads(request.content).get("stream_options") or {}).get("include_usage"))
        data = body(include_usage=asked, compact=True)
        return mock_openai.httpx.Response(200, headers={"content-type": "text/event-stream"},
                                          content=iter(parts_of(data)))  # fmt: skip

    return respond


def _bare(create: Any) -> Any:
    while hasattr(create, "_self_wrapper"):
        create = create.__wrapped__
    return create


@pytest.mark.parametrize("split", ["two-reads", "byte-per-read"])
def test_caller_gets_the_bare_chunks_and_the_span_the_server_usage(instrumented, telemetry, monkeypatch,
                                                                    split: str) -> None:  # fmt: skip
    cuts: list[Any] = []
    monkeypatch.setattr(StreamState, "usage_cut", lambda state, event: (cuts.append(event), setattr(state, "cut_usage", event)))
    messages = [{"role": "user", "content": "Hi"}]
    points = range(0, len(body(True, True)) + 1, 7) if split == "two-reads" else [None]
    for point in points:
        def parts_of(data: bytes, point: int | None = point) -> list[bytes]:
            if point is None:
                return [data[i : i + 1] for i in range(len(data))]
            return [data[:point], data[point:]]

        client = mock_openai.client(_server(parts_of))
        chat = client.chat.completions
        bare_create = _bare(type(chat).__dict__["create"])
        bare = list(bare_create(chat, model="gpt-4o-mini", messages=messages, stream=True))
        ours = list(chat.create(model="gpt-4o-mini", messages=messages, stream=True))
        assert _dumps(ours) == _dumps(bare)
        span = telemetry.exporter.get_finished_spans()[-1]
        assert span.attributes["gen_ai.usage.input_tokens"] == 12
        assert span.attributes["gen_ai.usage.output_tokens"] == 3
        assert span.attributes["aicost.usage.source"] == "reported"
    assert len(cuts) == len(points)  # the SDK never saw the usage event: the tap cut it every time


def test_async_caller_gets_the_bare_chunks_one_byte_per_read(instrumented, telemetry) -> None:
    messages = [{"role": "user", "content": "Hi"}]

    async def respond(request: Any) -> Any:
        asked = bool((json.loads(request.content).get("stream_options") or {}).get("include_usage"))
        data = body(include_usage=asked, compact=True)

        async def parts() -> Any:
            for i in range(len(data)):
                yield data[i : i + 1]

        return mock_openai.httpx.Response(200, headers={"content-type": "text/event-stream"}, content=parts())

    async def run() -> tuple[list[Any], list[Any]]:
        client = mock_openai.openai.AsyncOpenAI(
            api_key="sk-test", base_url="https://api.openai.com/v1",
            http_client=mock_openai.openai.DefaultAsyncHttpxClient(transport=mock_openai.httpx.MockTransport(respond)),
        )  # fmt: skip
        chat = client.chat.completions
        bare_create = _bare(type(chat).__dict__["create"])
        bare = [c async for c in await bare_create(chat, model="gpt-4o-mini", messages=messages, stream=True)]
        ours = [c async for c in await chat.create(model="gpt-4o-mini", messages=messages, stream=True)]
        return bare, ours

    bare, ours = asyncio.run(run())
    assert _dumps(ours) == _dumps(bare)
    span = telemetry.exporter.get_finished_spans()[-1]
    assert span.attributes["gen_ai.usage.input_tokens"] == 12
    assert span.attributes["aicost.usage.source"] == "reported"


@pytest.mark.parametrize(
    ("extra_body", "sent_options", "extra_sent"),
    [
        (None, {"include_usage": True}, {}),
        ({"x": 1}, {"include_usage": True}, {"x": 1}),  # the caller's extra body is kept
        ({"stream_options": {"include_usage": False}}, {"include_usage": False}, {}),  # theirs: sent as given
    ],
)
def test_our_stream_options_go_in_the_body_beside_the_callers_extra_body(
    instrumented, extra_body: Any, sent_options: Any, extra_sent: Any
) -> None:
    recorder = mock_openai.Recorder(_server(lambda data: [data]))
    client = mock_openai.client(recorder)
    list(client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}],
                                        stream=True, extra_body=extra_body))  # fmt: skip
    sent = recorder.bodies[0]
    assert sent["stream_options"] == sent_options
    assert {key: sent[key] for key in extra_sent} == extra_sent
