"""Realtime sessions through the SDK's own realtime client, against a loopback WebSocket server (issue 18).

One span per session and one per response, the response priced from ``response.done`` usage; the caller's
events are exactly the bare SDK's. Rates typed in from LiteLLM 1.110.2's ``gpt-realtime`` entry (source:
developers.openai.com/api/docs/pricing; read 2026-12-02), USD per 1M tokens: text input 4, cached text input 0.40,
audio input 32, text output 16, audio output 64.
"""

from __future__ import annotations

import asyncio
import json
import threading
from decimal import Decimal

import openai
import pytest

websockets = pytest.importorskip("websockets")
from websockets.sync.server import serve  # noqa: E402

pytestmark = [
    pytest.mark.integration,
    # the SDK's realtime client itself opens websockets in a way websockets >= 14 deprecates (not ours to fix)
    pytest.mark.filterwarnings("ignore:connect\\(\\) must be used as a context manager:DeprecationWarning"),
    pytest.mark.skipif(not hasattr(openai.OpenAI(api_key="x"), "realtime"), reason="SDK has no client.realtime"),
]

M = Decimal(1_000_000)
TEXT_IN, CACHED_TEXT, AUDIO_IN, TEXT_OUT, AUDIO_OUT = (Decimal(r) / M for r in ("4", "0.40", "32", "16", "64"))
USAGE = {
    "total_tokens": 1300, "input_tokens": 1000, "output_tokens": 300,
    "input_token_details": {"text_tokens": 200, "audio_tokens": 800, "cached_tokens": 100,
                            "cached_tokens_details": {"text_tokens": 100, "audio_tokens": 0}},
    "output_token_details": {"text_tokens": 50, "audio_tokens": 250},
}  # fmt: skip
EXPECTED = 100 * TEXT_IN + 100 * CACHED_TEXT + 800 * AUDIO_IN + 50 * TEXT_OUT + 250 * AUDIO_OUT


def _session(websocket) -> None:
    """The Realtime API's side: session.created, then per response.create: created, a delta, done with usage."""
    websocket.send(json.dumps({"type": "session.created", "event_id": "ev_0",
                               "session": {"id": "sess_1", "object": "realtime.session", "model": "gpt-realtime",
                                           "type": "realtime"}}))  # fmt: skip
    count = 0
    for message in websocket:
        if json.loads(message).get("type") != "response.create":
            continue
        count += 1
        response = {"id": f"resp_{count}", "object": "realtime.response", "status": "in_progress", "output": []}
        websocket.send(json.dumps({"type": "response.created", "event_id": f"ev_{count}a", "response": response}))
        websocket.send(json.dumps({"type": "response.output_text.delta", "event_id": f"ev_{count}b",
                                   "response_id": response["id"], "item_id": "item_1", "output_index": 0,
                                   "content_index": 0, "delta": "Hi"}))  # fmt: skip
        done = {**response, "status": "completed", "usage": USAGE}
        websocket.send(json.dumps({"type": "response.done", "event_id": f"ev_{count}c", "response": done}))


@pytest.fixture
def server():
    with serve(_session, "127.0.0.1", 0) as running:
        thread = threading.Thread(target=running.serve_forever, daemon=True)
        thread.start()
        yield f"127.0.0.1:{running.socket.getsockname()[1]}"
        running.shutdown()
    thread.join(5)


def _client(address: str, cls=openai.OpenAI):
    if cls is openai.AzureOpenAI:
        return cls(api_key="test-key", azure_endpoint=f"http://{address}", api_version="2025-04-01-preview",
                   websocket_base_url=f"ws://{address}/openai", max_retries=0)  # Azure otherwise insists on wss
    return cls(api_key="sk-test", base_url=f"http://{address}/v1", max_retries=0)


def _converse(address: str, cls=openai.OpenAI) -> list[str]:
    with _client(address, cls).realtime.connect(model="gpt-realtime") as connection:
        seen = [connection.recv().type]
        for _ in range(2):
            connection.response.create()
            for event in connection:
                seen.append(event.type)
                if event.type == "response.done":
                    break
    return seen


@pytest.mark.parametrize("cls", [openai.OpenAI, openai.AzureOpenAI])
def test_one_span_per_session_and_per_response(telemetry, instrument, server, cls):
    instrumentor = instrument()
    seen = _converse(server, cls)
    instrumentor.uninstrument()
    bare = _converse(server, cls)  # the bare SDK, for what the caller must see
    assert seen == bare == ["session.created"] + ["response.created", "response.output_text.delta",
                                                  "response.done"] * 2  # fmt: skip
    spans = telemetry.spans()
    assert [span.name for span in spans] == ["chat gpt-realtime", "chat gpt-realtime", "realtime_session gpt-realtime"]
    first, second, session = spans
    assert session.attributes["aicost.pricing.status"] == "free"
    assert session.attributes["aicost.realtime.responses"] == 2
    azure = cls is openai.AzureOpenAI
    assert session.attributes["gen_ai.provider.name"] == ("azure.ai.openai" if azure else "openai")
    for response in (first, second):
        assert response.parent.span_id == session.context.span_id
        attributes = response.attributes
        assert attributes["openai.api.type"] == "realtime"
        assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (1000, 300)
        if azure:  # priced at the Azure gpt-realtime meters: another table, so only the components are checked
            parts = [v for k, v in attributes.items() if k.startswith("aicost.cost.")]
            assert sum(parts) == pytest.approx(attributes["gen_ai.usage.cost"], rel=1e-12)
            continue
        assert attributes["gen_ai.usage.cost"] == pytest.approx(float(EXPECTED), rel=1e-12)
        assert attributes["aicost.cost.audio_output"] == pytest.approx(float(250 * AUDIO_OUT), rel=1e-12)
        assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert {first.attributes["gen_ai.response.id"], second.attributes["gen_ai.response.id"]} == {"resp_1", "resp_2"}
    if azure:
        return
    costs = telemetry.points("gen_ai.usage.cost")
    assert sum(point.sum for point in costs) == pytest.approx(float(2 * EXPECTED), rel=1e-12)


def test_async_session_closed_mid_response(telemetry, instrumented, server):
    async def converse() -> list[str]:
        connection = await _client(server, openai.AsyncOpenAI).realtime.connect(model="gpt-realtime").enter()
        seen = [(await connection.recv()).type]
        await connection.response.create()
        seen.append((await connection.recv()).type)  # response.created; then close before it is done
        await connection.close()
        return seen

    assert asyncio.run(converse()) == ["session.created", "response.created"]
    response, session = telemetry.spans()
    assert response.attributes["aicost.pricing.status"] == "no_usage"
    assert session.attributes["aicost.realtime.responses"] == 1
