"""Shared by the conformance tests: one replay server per module, and ``conform`` to run a case twice (bare SDK,
then instrumented) and compare what the caller saw."""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openai
import pytest

from tests.support.mock_openai import httpx

from tests.integration.conformance import golden
from tests.integration.conformance.golden import golden_store  # noqa: F401 (a fixture)
from tests.integration.conformance.recordings import Recording
from tests.integration.conformance.replay import ReplayServer

DEPLOYMENT = "chat-prod"


@pytest.fixture(scope="module")
def replay():
    # Everything alive now is frozen out of the collector's sight: each case's gc.collect() then scans only what
    # the case made (a full collection of the test process would take about 0.3 s per call).
    gc.collect()
    gc.freeze()
    try:
        with ReplayServer() as server:
            yield server
    finally:
        gc.unfreeze()


@dataclass
class Run:
    """One run of a case: what the caller saw, and the finished-span count at each checkpoint."""

    telemetry: Any
    seen: list[Any] = field(default_factory=list)
    checkpoints: list[int] = field(default_factory=list)

    def checkpoint(self) -> None:
        self.checkpoints.append(len(self.telemetry.spans()))


def make_client(server: ReplayServer, recording: Recording, is_async: bool = False) -> Any:
    # plain HTTP to 127.0.0.1: no certificate store to load for each client (about 0.2 s each)
    http_client = (httpx.AsyncClient if is_async else httpx.Client)(verify=False)
    if recording.name.startswith("azure"):
        cls = openai.AsyncAzureOpenAI if is_async else openai.AzureOpenAI
        return cls(api_key="k", api_version="2024-10-21", azure_endpoint=server.url, azure_deployment=DEPLOYMENT,
                   max_retries=0, http_client=http_client)  # fmt: skip
    cls = openai.AsyncOpenAI if is_async else openai.OpenAI
    return cls(api_key="sk-test", base_url=server.url + "/v1", max_retries=0, http_client=http_client)


@pytest.fixture
def conform(request, replay, telemetry, instrument, golden_store):
    """``conform(recording, case)``: run ``case(client, run)`` on the bare SDK, then instrumented; assert the caller
    saw the same both times and that the telemetry is the golden one (golden.py); return the instrumented ``Run``
    (its checkpoints) for the span checks."""

    def run_case(recording: Recording, case: Callable[[Any, Run], None], is_async: bool = False) -> Run:
        runs = []
        for instrumented in (False, True):
            if instrumented:
                instrument()
            replay.serve(recording)
            run = Run(telemetry)
            client = make_client(replay, recording, is_async)
            case(client, run)
            gc.collect()
            run.checkpoint()  # after everything: still exactly one span
            if not is_async:
                client.close()  # async cases close theirs in their own event loop
            runs.append(run)
        bare, ours = runs
        assert ours.seen == bare.seen, "the caller must see exactly what the bare SDK gives"
        assert bare.checkpoints == [0] * len(bare.checkpoints)
        golden.check(request, telemetry, replay.port)
        return ours

    return run_case
