"""The fake OpenAI endpoint's faults, connections and lifecycle, checked with the real openai client."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest
from openai import AsyncOpenAI, OpenAI

from otel_aicost.demo import FakeOpenAI
from otel_aicost.demo.loopback import LoopbackServer

pytestmark = pytest.mark.integration

HELLO = [{"role": "user", "content": "one two three"}]  # prompt tokens: 3 + (3 + 3) = 9


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as fake:
        yield fake
        assert fake.handler_errors == []


@pytest.fixture
def client(server):
    server.clear()
    with OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0) as c:
        yield c


# ---- errors ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "error"), [(429, openai.RateLimitError), (500, openai.InternalServerError),
                                               (400, openai.BadRequestError)])
def test_error_models_raise_the_sdk_exception(client, status, error):
    with pytest.raises(error) as caught:
        client.chat.completions.create(model=f"fake-error-{status}", messages=HELLO)
    assert caught.value.status_code == status
    assert caught.value.body["message"].startswith(f"Injected error {status}")


def test_error_header_and_instant_retries(server):
    server.clear()
    retrying = OpenAI(base_url=server.base_url, api_key="k", max_retries=2)
    with pytest.raises(openai.NotFoundError):
        retrying.embeddings.create(model="text-embedding-3-small", input="a", extra_headers={"x-fake-error": "404"})
    assert server.request_count == 1  # 404 is not retried
    with pytest.raises(openai.RateLimitError):
        retrying.chat.completions.create(model="fake-error-429", messages=HELLO)
    assert server.request_count == 4  # one try and two retries, each reaching the server


def count_until_failure(stream):
    """Iterate a stream that must fail; return how many chunks came first and the exception."""
    received = 0
    try:
        for _ in stream:
            received += 1
    except Exception as exc:  # noqa: BLE001 - the test inspects whatever the SDK raised
        return received, exc
    raise AssertionError(f"the stream ended normally after {received} chunks")


def test_truncated_and_malformed_streams_fail_midway(client):
    # 10 chunks: role, 8 content, finish; truncation sends the first half and drops the connection.
    received, error = count_until_failure(client.chat.completions.create(model="fake-truncate", messages=HELLO,
                                                                          stream=True))
    assert received == 5
    assert type(error).__name__ in ("APIConnectionError", "RemoteProtocolError")  # openai 3.x / 1.x
    received, error = count_until_failure(client.chat.completions.create(
        model="gpt-4o", messages=HELLO, stream=True, extra_headers={"x-fake-malformed": "1"}))
    assert received == 5 and isinstance(error, ValueError)
    received, error = count_until_failure(client.chat.completions.create(
        model="gpt-4o", messages=HELLO, stream=True, extra_headers={"x-fake-truncate-after": "2"}))
    assert received == 2
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO, extra_headers={"x-fake-truncate-after": "1"})


def test_bad_knobs_are_a_400_not_a_dropped_connection(client, server):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO, extra_body={"fake_chunks": "many"})
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="gpt-4o", messages=HELLO, extra_headers={"x-fake-error": "200"})
    assert server.handler_errors == []


def test_delay_header_waits(client):
    started = time.monotonic()
    client.chat.completions.create(model="gpt-4o", messages=HELLO, extra_headers={"x-fake-delay-ms": "120"})
    assert time.monotonic() - started >= 0.12


def test_unknown_path_is_404(server):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(server.url + "/v1/nope", data=b"{}"), timeout=5)
    assert caught.value.code == 404 and "error" in json.loads(caught.value.read())


# ---- connections and concurrency -------------------------------------------------------------------------------
def test_keep_alive_reuses_one_connection():
    with FakeOpenAI() as fresh, OpenAI(base_url=fresh.base_url, api_key="k", max_retries=0) as client:
        for _ in range(5):
            client.chat.completions.create(model="gpt-4o", messages=HELLO)
            client.embeddings.create(model="text-embedding-3-small", input="a")
            client.completions.create(model="gpt-3.5-turbo-instruct", prompt="a")
        assert fresh.request_count == 15
        assert fresh.connections_accepted == 1


def test_streams_end_cleanly_so_a_draining_client_keeps_the_connection():
    # The async client reads the chunked body to its end after [DONE] (the sync 3.x client closes the response
    # at [DONE] instead, which costs it the connection with any HTTP/1.1 server).
    async def run(base_url):
        async with AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0) as client:
            for _ in range(5):
                stream = await client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True,
                                                              stream_options={"include_usage": True})
                chunks = [chunk async for chunk in stream]
                assert chunks[-1].usage.completion_tokens == 8
                await client.chat.completions.create(model="gpt-4o", messages=HELLO)

    with FakeOpenAI() as fresh:
        asyncio.run(run(fresh.base_url))
        assert fresh.request_count == 10
        assert fresh.connections_accepted == 1


def test_concurrent_requests_are_all_recorded():
    with FakeOpenAI() as fresh, OpenAI(base_url=fresh.base_url, api_key="k", max_retries=0) as client:
        ids: list[str] = []

        def work():
            for _ in range(5):
                ids.append(client.chat.completions.create(model="gpt-4o", messages=HELLO).id)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert fresh.request_count == 80
        assert len(set(ids)) == 80


def test_many_concurrent_async_streams():
    async def run(base_url):
        async with AsyncOpenAI(base_url=base_url, api_key="k", max_retries=0) as client:
            async def one(i):
                stream = await client.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": f"n{i}"}], stream=True)
                return "".join([c.choices[0].delta.content or "" async for c in stream])

            return await asyncio.gather(*(one(i) for i in range(32)))

    with FakeOpenAI() as fresh:
        texts = asyncio.run(run(fresh.base_url))
        assert texts == [" ".join([f"n{i}"] * 8) for i in range(32)]
        assert fresh.handler_errors == []


def test_server_refuses_non_loopback_and_reports_not_running():
    with pytest.raises(ValueError):
        LoopbackServer(host="0.0.0.0")
    with pytest.raises(RuntimeError):
        _ = FakeOpenAI().base_url
    with FakeOpenAI() as fake:
        port = fake.port
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)


def test_gzip_request_bodies_are_accepted(server):
    body = gzip.compress(json.dumps({"model": "gpt-4o", "messages": HELLO}).encode())
    request = urllib.request.Request(server.base_url + "/chat/completions", data=body,
                                     headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["usage"]["prompt_tokens"] == 9


# ---- request checks and pacing ----------------------------------------------------------------------------
def test_stream_options_without_stream_is_rejected_like_the_real_api(client):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=HELLO, stream_options={"include_usage": True})
    assert caught.value.body["param"] == "stream_options"


def test_chunk_delay_spaces_stream_chunks(client):
    started = time.monotonic()
    stream = client.chat.completions.create(model="gpt-4o", messages=HELLO, stream=True,
                                            extra_body={"fake_chunks": 3}, extra_headers={"x-fake-chunk-delay-ms": "40"})
    arrivals = [time.monotonic() for _ in stream]
    assert len(arrivals) == 5
    # A lower bound from the request start (a busy machine can only make the client later, never earlier).
    assert arrivals[-1] - started >= 4 * 0.04
