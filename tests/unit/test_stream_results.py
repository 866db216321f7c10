"""Which results come back as a stream proxy (``results.handle_result``): openai's own stream classes by their type
(one set lookup), a subclass of them through the ``isinstance`` checks after; either way the caller gets the same
chunks as bare and the call is priced from the usage chunk we asked for."""

from __future__ import annotations

import asyncio
import importlib
import json
from typing import TypeVar

import openai
import pytest
from openai.resources.chat import Completions

from otel_aicost.instrumentation import usage_events
from otel_aicost.instrumentation.streams import StreamProxy
from tests.support import mock_openai, payloads
from tests.support.mock_openai import raw

MESSAGES = [{"role": "user", "content": "Hi"}]
chat_module = importlib.import_module(Completions.__module__)  # where create() names the stream class it asks for


_T = TypeVar("_T")


class _SubStream(openai.Stream[_T]):  # a stream class of the caller's SDK build: a subclass, not openai's own
    pass


def _respond(request: object) -> object:
    asked = bool((json.loads(request.content).get("stream_options") or {}).get("include_usage"))
    return mock_openai.sse_response(mock_openai.sse(payloads.chat_chunks(include_usage=asked)))


@pytest.mark.parametrize("stream_class", [openai.Stream, _SubStream], ids=["openai's own", "a subclass"])
def test_a_stream_of_either_class_is_wrapped_and_priced(instrumented, telemetry, monkeypatch, stream_class) -> None:
    monkeypatch.setattr(chat_module, "Stream", stream_class)  # what completions.create hands the SDK as stream_cls
    client = mock_openai.client(_respond)
    bare = client.chat.completions
    raw_create = raw(type(bare).__dict__["create"])  # the SDK's own create, past our wrapper
    expected = [chunk.model_dump_json() for chunk in raw_create(bare, model="gpt-4o-mini", messages=MESSAGES,
                                                                 stream=True)]  # fmt: skip
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    assert isinstance(stream, StreamProxy)
    assert type(stream.__wrapped__) is stream_class
    assert [chunk.model_dump_json() for chunk in stream] == expected
    [span] = telemetry.exporter.get_finished_spans()
    assert span.attributes["aicost.usage.source"] == "reported"
    assert span.attributes["gen_ai.usage.output_tokens"] == 3


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_each_events_json_answers_its_own_document(instrumented, monkeypatch, is_async) -> None:
    """An event's ``json()`` is one callable per stream answering the document decoded last (usage_events.py): right
    only while the SDK asks an event's ``json()`` before it reads the next event (``Stream.__stream__``, openai 1.40
    .. 3.63). An SDK that read ahead would build a chunk of the wrong document: this names the order it broke."""
    seen: list[tuple[str, int]] = []
    decode, first = usage_events._decode, usage_events._FIRST

    def decode_spy(data):
        document = decode(data)
        seen.append(("decoded", id(document)))
        return document

    def first_spy(box):  # what each event's json() answers (MethodType(_FIRST, box), made per stream)
        seen.append(("json", id(box[0])))
        return first(box)

    monkeypatch.setattr(usage_events, "_decode", decode_spy)
    monkeypatch.setattr(usage_events, "_FIRST", first_spy)
    create = dict(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    if is_async:
        async def read() -> int:
            return len([chunk async for chunk in await mock_openai.async_client(_respond).chat.completions.create(
                **create)])  # fmt: skip

        chunks = asyncio.run(read())
    else:
        chunks = len(list(mock_openai.client(_respond).chat.completions.create(**create)))
    answers = [index for index, (what, _) in enumerate(seen) if what == "json"]
    assert chunks and len(answers) == chunks  # one json() a chunk the caller got
    for index in answers:  # each answers the document decoded just before it, its own event's
        assert seen[index - 1] == ("decoded", seen[index][1]), seen
