"""The byte tap's decoders (``taps.SseDecoder``), which read a raw stream's body for its usage, against the SDK's own
server-sent-events decoder (``openai._streaming.SSEDecoder``) as the oracle: the same events for the same bytes,
whatever the line endings and however the body is split into reads."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai._streaming import SSEDecoder

from otel_aicost.instrumentation.taps import SseDecoder
from tests.support import payloads

ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


def sse_body(ending: bytes) -> bytes:
    chunks = payloads.chat_chunks(pieces=("Hel", "lo"), include_usage=True)
    events = [b"data: " + json.dumps(chunk).encode() for chunk in chunks] + [b"data: [DONE]"]
    return b"".join(event + ending + ending for event in events)


def splits(data: bytes) -> list[list[bytes]]:
    return [[data[:i], data[i:]] for i in range(len(data) + 1)] + [[data[i : i + 1] for i in range(len(data))]]


def ours(parts: list[bytes]) -> list[Any]:
    seen: list[Any] = []
    decoder = SseDecoder(lambda event: seen.append(event._data))
    for part in parts:
        decoder.feed(part)
    decoder.flush()
    return seen


def the_sdks(parts: list[bytes]) -> list[Any]:
    return [json.loads(sse.data) for sse in SSEDecoder().iter_bytes(iter(parts)) if sse.data != "[DONE]"]


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_sse_events_as_the_sdk_decodes_them_at_every_split(ending: str) -> None:
    data = sse_body(ENDINGS[ending])
    expected = the_sdks([data])
    assert len(expected) == 5 and expected[-1]["usage"]["prompt_tokens"] > 0
    for parts in splits(data):
        assert ours(parts) == expected, parts


def test_mixed_line_endings() -> None:
    data = sse_body(b"\n").replace(b"\n\n", b"\r\n\r", 1).replace(b"\n\n", b"\r\r", 1)
    expected = the_sdks([data])
    assert len(expected) == 5
    for parts in splits(data):
        assert ours(parts) == expected, parts
