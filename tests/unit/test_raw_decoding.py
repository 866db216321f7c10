"""The byte tap's decoders, which read a raw body for its usage: ``taps.SseDecoder`` against the SDK's own
server-sent-events decoder (``openai._streaming.SSEDecoder``) as the oracle (the same events for the same bytes,
whatever the line endings and however the body is split into reads); ``content_encoding.decoding`` against the
standard library's compressors (the body before compression)."""

from __future__ import annotations

import gzip
import importlib
import importlib.util
import json
import zlib
from typing import Any

import pytest
from openai._streaming import SSEDecoder

from otel_aicost.instrumentation.content_encoding import decoding
from otel_aicost.instrumentation.taps import SseDecoder, json_of
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
    decoder = SseDecoder(lambda event: seen.append(json_of(event)))
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


# --- compressed bodies (Content-Encoding): the tap reads the bytes before httpx decompresses them -------------------
# Oracle: the body before the standard library's compressors made the wire bytes.

BODY = sse_body(b"\n") * 40  # compresses to much less than it is, so the splits fall inside the compressed data


def _deflate_raw(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


ENCODED = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,  # zlib-wrapped, as the standard says
    "deflate-raw": _deflate_raw,  # raw, as some servers send it (httpx accepts both)
    "gzip,deflate": lambda data: zlib.compress(gzip.compress(data)),  # gzip applied first
}


class Collected:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.flushed = 0

    def feed(self, part: bytes) -> None:
        self.parts.append(part)

    def flush(self) -> None:
        self.flushed += 1


def decoded(header: str, parts: list[bytes]) -> tuple[bytes, Collected, Any]:
    inner = Collected()
    reader = decoding(header, inner)
    for part in parts:
        reader.feed(part)
    reader.flush()
    return b"".join(inner.parts), inner, reader


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_compressed_body_read_as_sent_before_compression(name: str) -> None:
    wire = ENCODED[name](BODY)
    assert len(wire) < len(BODY) // 4
    header = name.replace("-raw", "").replace(",", ", ")
    steps = list(range(0, len(wire), max(1, len(wire) // 50))) + [len(wire)]
    for parts in [[wire], [wire[i : i + 1] for i in range(len(wire))]] + [[wire[:i], wire[i:]] for i in steps]:
        body, inner, _ = decoded(header, parts)
        if name == "deflate-raw" and len(next(part for part in parts if part)) < 2:
            assert body == b""  # one byte cannot tell zlib from raw: httpx decides at its first read and fails too
            continue
        assert body == BODY
        assert inner.flushed == 1


def test_sse_usage_of_a_gzip_body_at_every_split() -> None:
    data = sse_body(b"\n")
    wire = gzip.compress(data)
    for parts in splits(wire):
        seen: list[Any] = []
        reader = decoding("gzip", SseDecoder(lambda event: seen.append(json_of(event))))
        for part in parts:
            reader.feed(part)
        reader.flush()
        assert seen == the_sdks([data])


def test_a_body_that_does_not_decompress_is_read_no_further() -> None:
    body, inner, reader = decoded("gzip", [b"this is not gzip at all", gzip.compress(BODY)])
    assert body == b"" and reader.broken and inner.flushed == 1


def test_identity_and_unknown_names_pass_as_they_are() -> None:
    inner = Collected()
    assert decoding(None, inner) is inner and decoding("", inner) is inner
    assert decoding("identity", inner) is inner and decoding("x-unheard-of", inner) is inner
    body, _, _ = decoded("x-unheard-of, gzip", [gzip.compress(BODY)])
    assert body == BODY


@pytest.mark.parametrize(("name", "modules"), [("br", ("brotli", "brotlicffi")),
                                                ("zstd", ("compression.zstd", "backports.zstd", "zstandard"))])  # fmt: skip
def test_brotli_and_zstd_only_with_a_module_that_decodes_them(name: str, modules: tuple[str, ...]) -> None:
    """Without one the body is not read at all (the stream is then estimated, a plain call has no usage): never
    compressed bytes read as if they were the body."""
    importable = [module for module in modules if importlib.util.find_spec(module.split(".")[0]) is not None
                  and _imports(module)]  # fmt: skip
    reader = decoding(name, Collected())
    if not importable:
        assert reader is None
        return
    if name == "br":
        brotli = importlib.import_module(importable[0])
        wire = brotli.compress(BODY)
    else:
        pytest.skip("zstd compression in the test needs the module's compressor")
    body, _, _ = decoded(name, [wire[:7], wire[7:]])
    assert body == BODY


def _imports(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True
