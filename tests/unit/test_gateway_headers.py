"""Opt-in gateway headers: allow-listed tags as x-aicost-<key>, the W3C trace context, caller's headers win."""

from __future__ import annotations

import asyncio

import pytest

from otel_aicost import allocate
from otel_aicost.config.settings import ConfigError, load_settings
from otel_aicost.instrumentation.gateway_headers import header_name, header_value
from tests.support import payloads
from tests.support.mock_openai import Recorder, async_client, client, json_response

MESSAGES = [{"role": "user", "content": "hi"}]


def recorder():
    return Recorder(lambda request: json_response(payloads.chat_completion()))


def test_off_by_default(telemetry, instrumented):
    rec = recorder()
    with allocate(team="search"):
        client(rec).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert not [h for h in rec.requests[0].headers if h.startswith("x-aicost-")]
    assert "traceparent" not in rec.requests[0].headers


def test_allow_listed_tags_and_trace_context(telemetry, instrument):
    instrument(gateway_headers=True, metric_tags=["team", "cost_center"])
    rec = recorder()
    with allocate(team="search", cost_center="CC 42/ä\r\nx-evil: 1", user="alice@example.com"):
        client(rec, azure=True).chat.completions.create(model="chat-prod", messages=MESSAGES)
    headers = rec.requests[0].headers
    assert headers["x-aicost-team"] == "search"
    assert headers["x-aicost-cost-center"] == "CC_42/___x-evil:_1"  # CR/LF and the rest replaced: no header injection
    assert "x-aicost-user" not in headers  # not on the metric allow-list
    (span,) = telemetry.spans()
    context = span.get_span_context()
    assert headers["traceparent"] == f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    assert rec.bodies[0]["messages"] == MESSAGES  # the request itself is unchanged


def test_callers_own_headers_win_and_are_kept(telemetry, instrument):
    instrument(gateway_headers=True)
    rec = recorder()
    with allocate(team="search"):
        client(rec).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-aicost-team": "mine", "x-other": "1"}
        )
    headers = rec.requests[0].headers
    assert (headers["x-aicost-team"], headers["x-other"]) == ("mine", "1")


def test_async_and_streams(telemetry, instrument):
    instrument(gateway_headers=True)
    rec = Recorder(lambda request: json_response(payloads.chat_completion()))

    async def run():
        with allocate(feature="summaries"):
            await async_client(rec).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    asyncio.run(run())
    assert rec.requests[0].headers["x-aicost-feature"] == "summaries"


def test_header_names_and_values():
    assert header_name("cost_center") == "x-aicost-cost-center"
    assert header_name("Team.Name") == "x-aicost-team-name"
    assert header_value("a" * 100) == "a" * 64
    assert header_value("ok-._~:/@+") == "ok-._~:/@+"


@pytest.mark.parametrize(
    "environ, expected",
    [({"OTEL_AICOST_GATEWAY_HEADERS": "true"}, True), ({"OTEL_AICOST_GATEWAY_HEADERS": "0"}, False)],
)
def test_setting_from_the_environment(environ, expected):
    assert load_settings(environ=environ).gateway_headers is expected


def test_bad_setting_names_the_variable():
    with pytest.raises(ConfigError, match="OTEL_AICOST_GATEWAY_HEADERS.*true or false"):
        load_settings(environ={"OTEL_AICOST_GATEWAY_HEADERS": "sometimes"})
