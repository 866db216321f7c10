"""Which results come back as a stream proxy (``results.handle_result``): openai's own stream classes by their type
(one set lookup), a subclass of them through the ``isinstance`` checks after; either way the caller gets the same
chunks as bare and the call is priced from the usage chunk we asked for."""

from __future__ import annotations

import importlib
import json
from typing import TypeVar

import openai
import pytest
from openai.resources.chat import Completions

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
