"""What a server or a proxy may do to the bytes of a stream: line endings, comments, ``event:`` lines, gzip, pieces
of any size. The SDK parses all of these; the caller's objects and bytes must be the bare SDK's, and the usage the
server sent must price the call exactly, on the parsed path (our chunk proxy) and on the raw paths (our byte tap)."""

from __future__ import annotations

import json

import pytest

from tests.integration.adversarial.shapes import CHAT_COST, chat_kwargs, chat_reply, exact, money
from tests.integration.adversarial.test_stream_exits import one_call
from tests.support.scripted_openai import Recut, client

ASKED = {"stream_options": {"include_usage": True}}  # raw bodies are sent as the caller wrote them: it asks itself


def _parsed(api, run):
    run.seen = [exact(c) for c in api.chat.completions.create(**chat_kwargs(stream=True))]


def _raw_lines(api, run):
    with api.chat.completions.with_streaming_response.create(**chat_kwargs(stream=True, **ASKED)) as response:
        run.seen = list(response.iter_lines())


def _raw_bytes(api, run):
    raw = api.chat.completions.with_raw_response.create(**chat_kwargs(stream=True, **ASKED))
    run.seen = b"".join(raw.http_response.iter_bytes())


def _case(server, path, transport=None):
    def case(run):
        with client(server, transport=transport) as api:
            PATHS[path](api, run)
            run.checkpoint()

    return case


PATHS = {"parsed": _parsed, "raw_lines": _raw_lines, "raw_bytes": _raw_bytes}


def _comments(data, asked):
    """Keep-alive comments before, between and after the events, as proxies and some servers send them."""
    return b": keep-alive\n\n" + data.replace(b"\n\n", b"\n\n: ping\n\n", 3) + b": bye\n\n"


def _event_lines(data, asked):
    """Every event named (``event: message``) and an ``id:`` and ``retry:`` line, all of which SSE allows."""
    return data.replace(b"data: ", b"event: message\nid: 7\nretry: 1000\ndata: ")


def _no_space(data, asked):
    return data.replace(b"data: ", b"data:")


def _split_data(data, asked):
    """The usage chunk's JSON over two ``data:`` lines (SSE joins them with a newline, which JSON allows)."""
    return data.replace(b', "usage": {', b',\ndata: "usage": {')


FRAMINGS = {
    "lf": ("\n", None), "crlf": ("\r\n", None), "cr": ("\r", None), "comments": ("\n", _comments),
    "event_lines": ("\n", _event_lines), "no_space_after_colon": ("\n", _no_space),
    "data_over_two_lines": ("\n", _split_data),
}  # fmt: skip


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("framing", sorted(FRAMINGS))
def test_framing(server, oracle, telemetry, framing, path):
    newline, transform = FRAMINGS[framing]
    server.answer = chat_reply(newline=newline, transform=transform)
    assert oracle(_case(server, path)).checkpoints == [1, 1]
    one_call(telemetry)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_gzip_encoded_stream(server, oracle, telemetry, path):
    """``Content-Encoding: gzip`` (the SDK asks for it: httpx sends ``Accept-Encoding: gzip, deflate``)."""
    server.answer = chat_reply(gzip=True)
    assert oracle(_case(server, path)).checkpoints == [1, 1]
    one_call(telemetry)


def _compact(data, asked):
    """JSON as the API writes it (no spaces after separators), ``data:[DONE]`` without its space."""
    lines = []
    for line in data.split(b"\n"):
        if line.startswith(b"data: {"):
            line = b"data: " + json.dumps(json.loads(line[6:]), separators=(",", ":")).encode()
        lines.append(line.replace(b"data: [DONE]", b"data:[DONE]"))
    return b"\n".join(lines)


NEWLINES = {"lf": ("\n", None), "crlf": ("\r\n", None), "lf_compact": ("\n", _compact)}


@pytest.mark.parametrize("newline", sorted(NEWLINES))
@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("sizes", [[1], [2], [3], [7], [13], [1, 64, 2, 255], [4096]], ids=str)
def test_odd_piece_sizes(server, oracle, telemetry, path, sizes, newline):
    server.answer = chat_reply(newline=NEWLINES[newline][0], transform=NEWLINES[newline][1])
    assert oracle(_case(server, path, Recut(sizes))).checkpoints == [1, 1]
    one_call(telemetry)


@pytest.mark.parametrize("newline", sorted(NEWLINES))
@pytest.mark.parametrize("path", sorted(PATHS))
def test_split_at_every_byte_of_the_usage_chunk(server, telemetry, instrument, path, newline):
    """The body in two pieces, cut at every byte from the end of the last content chunk to the end of the body (the
    finish chunk, the usage chunk, ``[DONE]``): same bytes or objects as the bare SDK every time, exact cost."""
    server.answer = chat_reply(newline=NEWLINES[newline][0], transform=NEWLINES[newline][1])

    class Run:
        seen = None

    bare = Run()
    with client(server) as api:
        PATHS[path](api, bare)
    instrument()
    body = server.answer({"stream_options": {"include_usage": True}}).body
    start = max(body.rindex(b'"content": "?"') if b'"content": "?"' in body else -1, body.rfind(b'"content":"?"'))
    recut = Recut([], cycle=False)
    with client(server, transport=recut) as api:
        for cut in range(start, len(body) + 1):
            telemetry.exporter.clear()
            recut.sizes = [cut]
            ours = Run()
            PATHS[path](api, ours)
            assert ours.seen == bare.seen, cut
            [span] = telemetry.spans()
            assert money(span.attributes["gen_ai.usage.cost"]) == CHAT_COST, cut
