"""A bug in our own code at the end of a call: the caller's result is untouched and the span still ends once."""

from __future__ import annotations

import pytest

from otel_aicost.instrumentation import call as call_module
from otel_aicost.instrumentation import (
    histogram_records,
    results,
    safety,
    stream_state,
    usual_end,
    usual_own_chat_end,
    usual_own_embeddings_end,
    usual_stream_end,
)
from tests.support import payloads
from tests.support.mock_openai import chat_stream_server, client, json_response

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def production_mode(monkeypatch):
    """Internal errors are logged and counted, as in production (tests otherwise re-raise them)."""
    monkeypatch.setattr(safety, "RAISE_INTERNAL_ERRORS", False)
    return safety.internal_errors.count


def _broken(*args, **kwargs):
    raise RuntimeError("bug in otel-aicost")


@pytest.mark.parametrize("broken", [
    "end_attributes", "metric_attributes", "price", "record_call",  # the general end (the usual ones off)
    "usual_end._prepare", "usual_end._layout", "usual_end.current_context", "usual_end.series_of",  # (chat's off)
    "usual_own_chat_end._prepare", "usual_own_chat_end.current_context",
    "usual_own_chat_end.store_clean_span_attributes",
])  # fmt: skip
def test_plain_call(telemetry, instrumented, production_mode, monkeypatch, broken):
    module, _, name = broken.rpartition(".")
    if module == "usual_own_chat_end" and usual_own_chat_end.CHAT_COMPLETION is None:
        pytest.skip("this openai's chat reply is not ended by usual_own_chat_end")
    if name == "current_context" and histogram_records._hash_attributes is None:
        name = "Moment"  # no record plan on this SDK (1.39): the records are made one by one
    if module:
        monkeypatch.setattr({"usual_end": usual_end, "usual_own_chat_end": usual_own_chat_end}[module], name, _broken)
    else:
        monkeypatch.setattr(results, "end_usual", lambda call, response: False)
        monkeypatch.setattr(call_module, name, _broken)
    if module != "usual_own_chat_end":  # openai's own chat reply ends there first (usual_own_chat_end.py): off
        monkeypatch.setattr(results, "end_chat", lambda call, response: False)
    result = client(lambda r: json_response(payloads.chat_completion())).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    assert result.choices[0].message.content == "Hello there"
    assert len(telemetry.spans()) == 1
    assert safety.internal_errors.count == production_mode + 1


@pytest.mark.parametrize("where", ["end_chat", "chat_declined"])
def test_chat_end_raises(telemetry, instrumented, production_mode, monkeypatch, where):
    """openai's own chat reply, handed to end_chat by the wrapper itself: end_chat raising, or a reply it declines
    whose usual end raises, is handled as results.handle_result handles it (reported once, the span ended, the
    caller's result untouched)."""
    if usual_own_chat_end.CHAT_COMPLETION is None:
        pytest.skip("this openai's chat reply is not ended by usual_own_chat_end")
    if where == "end_chat":
        monkeypatch.setattr(results, "end_chat", _broken)
    else:
        monkeypatch.setattr(results, "end_chat", lambda call, response: False)
        monkeypatch.setattr(results, "end_usual", _broken)
    result = client(lambda r: json_response(payloads.chat_completion())).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    assert result.choices[0].message.content == "Hello there"
    assert len(telemetry.spans()) == 1
    assert safety.internal_errors.count == production_mode + 1


@pytest.mark.parametrize("broken", ["_prepare_embeddings", "current_context", "store_clean_span_attributes"])
def test_embeddings_call(telemetry, instrumented, production_mode, monkeypatch, broken):
    """openai's own embeddings reply, ended by usual_own_embeddings_end.end_embeddings."""
    if usual_own_embeddings_end.EMBEDDINGS_RESPONSE is None:
        pytest.skip("this openai's embeddings reply is not ended by usual_own_embeddings_end")
    if broken == "current_context" and histogram_records._hash_attributes is None:
        broken = "Moment"  # no record plan on this SDK (1.39): the records are made one by one
    monkeypatch.setattr(usual_own_embeddings_end, broken, _broken)
    result = client(lambda r: json_response(payloads.embeddings(dimensions=3))).embeddings.create(
        model="text-embedding-3-small", input="hi"
    )
    assert len(result.data[0].embedding) == 3
    assert len(telemetry.spans()) == 1
    assert safety.internal_errors.count == production_mode + 1


@pytest.mark.parametrize("broken", [
    "end_attributes",  # the general end (the usual one off)
    "usual_end._prepare", "usual_end._layout", "usual_end.Moment", "usual_end.record_chunks",
    "usual_end.series_of", "usual_stream_end.declines",
])  # fmt: skip
@pytest.mark.parametrize("cut", [False, True])  # closed after its first chunk: the usage counted (local_count)
def test_stream(telemetry, instrumented, production_mode, monkeypatch, broken, cut):
    if broken.startswith("usual_"):
        module, name = broken.split(".")
        monkeypatch.setattr({"usual_end": usual_end, "usual_stream_end": usual_stream_end}[module], name, _broken)
    else:
        monkeypatch.setattr(stream_state, "end_usual_stream", lambda *args: False)
        monkeypatch.setattr(call_module, broken, _broken)
    stream = client(chat_stream_server()).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    if cut:
        chunks = [next(iter(stream))]
        stream.close()
    else:
        chunks = list(stream)
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello there"
    assert len(telemetry.spans()) == 1
    assert safety.internal_errors.count == production_mode + 1


def test_broken_stream_count(telemetry, instrumented, production_mode, monkeypatch):
    monkeypatch.setattr(usual_stream_end, "local_count", _broken)  # the one-step end's local count
    stream = client(chat_stream_server()).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    next(iter(stream))
    stream.close()
    assert len(telemetry.spans()) == 1
    assert safety.internal_errors.count == production_mode + 1
