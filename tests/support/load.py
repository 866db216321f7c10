"""A mixed workload for load and soak runs: chat, chat streams, embeddings and Responses calls, tagged by team.

Shared by ``tests/integration/test_load.py`` / ``tests/integration/test_soak.py`` (reduced sizes) and ``bench/load.py`` /
``bench/soak.py`` (full sizes). Calls go to the loopback ``FakeOpenAI`` (or any OpenAI-compatible base URL).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import openai

from otel_aicost import allocate

MESSAGES = [{"role": "user", "content": "How much did that cost?"}]
TEAMS = ("search", "support")
HAS_RESPONSES = hasattr(openai.OpenAI, "responses")  # openai < 1.66 has no Responses API
KINDS = ("chat", "chat_stream", "embeddings", "responses") if HAS_RESPONSES else ("chat", "chat_stream", "embeddings")


TIMEOUT = 60.0  # seconds, connect included: a busy 2-core machine can be slow to accept 64 connections at once


def sync_client(base_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=base_url, api_key="load-test-key", max_retries=0, timeout=TIMEOUT)


def async_client(base_url: str, connections: int = 64) -> openai.AsyncOpenAI:
    """Many tasks share a pool of ``connections`` (the fake answers from one thread per connection)."""
    import openai._base_client as base_client

    httpx = getattr(base_client, "httpx2", None) or base_client.httpx
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return openai.AsyncOpenAI(base_url=base_url, api_key="load-test-key", max_retries=0, timeout=TIMEOUT,
                              http_client=openai.DefaultAsyncHttpxClient(limits=limits))  # fmt: skip


def one_call(api: openai.OpenAI, number: int) -> None:
    kind = KINDS[number % len(KINDS)]
    with allocate(team=TEAMS[number % len(TEAMS)]):
        if kind == "chat":
            api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        elif kind == "chat_stream":
            for _ in api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
                pass
        elif kind == "embeddings":
            api.embeddings.create(model="text-embedding-3-small", input="cost")
        else:
            api.responses.create(model="gpt-4o", input="cost")


async def one_async_call(api: openai.AsyncOpenAI, number: int) -> None:
    kind = KINDS[number % len(KINDS)]
    with allocate(team=TEAMS[number % len(TEAMS)]):
        if kind == "chat":
            await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        elif kind == "chat_stream":
            async for _ in await api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True):
                pass
        elif kind == "embeddings":
            await api.embeddings.create(model="text-embedding-3-small", input="cost")
        else:
            await api.responses.create(model="gpt-4o", input="cost")


def run_threads(api: openai.OpenAI, threads: int, calls_per_thread: int) -> tuple[int, float]:
    """``threads`` threads, each making ``calls_per_thread`` calls, all started together; (calls, seconds)."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def work(offset: int) -> None:
        barrier.wait()
        try:
            for i in range(calls_per_thread):
                one_call(api, offset + i)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    pool = [threading.Thread(target=work, args=(t * calls_per_thread,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return threads * calls_per_thread, elapsed


def run_tasks(base_url: str, tasks: int, rounds: int = 1) -> tuple[int, float]:
    """``tasks`` concurrent asyncio tasks, ``rounds`` times; (calls, seconds)."""

    async def main() -> float:
        api = async_client(base_url)
        start = time.perf_counter()
        for r in range(rounds):
            await asyncio.gather(*(one_async_call(api, r * tasks + i) for i in range(tasks)))
        elapsed = time.perf_counter() - start
        await api.close()
        return elapsed

    return tasks * rounds, asyncio.run(main())


def throughput(run: Callable[[], tuple[int, float]]) -> float:
    calls, seconds = run()
    return calls / seconds


def span_costs(spans: Iterable[Any]) -> list[float]:
    return [span.attributes["gen_ai.usage.cost"] for span in spans if "gen_ai.usage.cost" in span.attributes]
