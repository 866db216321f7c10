"""The demo's sample workload: what a small app does with OpenAI and Azure OpenAI, run against the loopback fake."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import openai

from otel_aicost.instrumentation.allocation import allocate

DEMO_DEPLOYMENTS = {"chat-eu": "gpt-4o"}  # what the loopback endpoint serves behind the Azure deployment
DEMO_CONFIG: dict[str, Any] = {
    "tags": {"application": "otel-aicost-demo"},
    "deployments": {"chat-eu": {"model": "gpt-4o-2024-08-06", "type": "data_zone_standard", "region": "swedencentral"}},
}
QUESTION = [{"role": "user", "content": "In one sentence: why do FinOps teams care about token costs?"}]


DEMO_AUDIO = b"RIFF" + b"\x00" * 40  # the fake endpoint reports the duration; the bytes are never played


def _batch(api: Any) -> bytes:
    """A batch's life as an app sees it: create, check, read the output file (priced at batch rates)."""
    batch = api.batches.create(input_file_id="file-demo", endpoint="/v1/chat/completions", completion_window="24h")
    batch = api.batches.retrieve(batch.id)
    return api.files.content(batch.output_file_id).content


def _reasoning_effort(api: Any, effort: str) -> dict[str, Any]:
    """``reasoning_effort=``, or the same field in the request body on SDKs before the parameter (openai 1.40)."""
    if "reasoning_effort" in inspect.signature(api.chat.completions.create).parameters:
        return {"reasoning_effort": effort}
    return {"extra_body": {"reasoning_effort": effort}}


def run_workload(base_url: str, azure_endpoint: str, rounds: int = 1) -> list[str]:
    """Make the demo's calls; return a line per call that failed on purpose."""
    api = openai.OpenAI(base_url=base_url, api_key="demo-key-not-secret", max_retries=0)
    azure = openai.AzureOpenAI(
        azure_endpoint=azure_endpoint, api_version="2024-10-21", api_key="demo-key-not-secret", max_retries=0
    )
    steps: list[tuple[dict[str, str], Callable[[], Any]]] = [
        ({"team": "search", "feature": "answers"},
         lambda: api.chat.completions.create(model="gpt-4o-mini", messages=QUESTION)),
        ({"team": "search", "feature": "answers"},
         lambda: "".join(c.choices[0].delta.content or "" for c in api.chat.completions.create(
             model="gpt-4o", messages=QUESTION, stream=True, extra_body={"fake_chunks": 24}) if c.choices)),
        ({"team": "search", "feature": "retrieval"},
         lambda: api.embeddings.create(model="text-embedding-3-small", input=["token costs", "budgets"])),
        ({"team": "support", "feature": "triage"},
         lambda: azure.chat.completions.create(model="chat-eu", messages=QUESTION)),
        ({"team": "support", "feature": "reasoning"},
         lambda: api.chat.completions.create(model="o4-mini", messages=QUESTION, **_reasoning_effort(api, "low"))),
        ({"team": "support", "feature": "cached-context"},
         lambda: api.chat.completions.create(model="gpt-4.1-mini", messages=QUESTION * 80)),
    ]  # fmt: skip
    if hasattr(api, "responses"):
        steps.append(({"team": "search", "feature": "agent"}, lambda: api.responses.create(model="gpt-4.1", input="hi")))
        steps.append(({"team": "search", "feature": "research"}, lambda: api.responses.create(
            model="gpt-4.1", input="find it", tools=[{"type": "web_search_preview"}])))
    steps += [
        ({"team": "marketing", "feature": "images"},
         lambda: api.images.generate(model="dall-e-3", prompt="a cost chart", size="1024x1024", quality="hd")),
        ({"team": "marketing", "feature": "images"},
         lambda: api.images.generate(model="gpt-image-1", prompt="a cost chart", quality="low")),
        ({"team": "support", "feature": "voice"},
         lambda: api.audio.transcriptions.create(model="whisper-1", file=("call.wav", DEMO_AUDIO))),
        ({"team": "support", "feature": "voice"},
         lambda: api.audio.speech.create(model="tts-1", voice="alloy", input="Your ticket is resolved.").content),
        ({"team": "support", "feature": "triage"}, lambda: api.moderations.create(input="is this fine?")),
        ({"team": "analytics", "feature": "nightly-batch"}, lambda: _batch(api)),
    ]  # fmt: skip
    failures = []
    for _ in range(rounds):
        for tags, step in steps:
            with allocate(**tags):
                step()
        with allocate(team="search", feature="answers"):
            try:
                api.chat.completions.create(model="fake-error-429", messages=QUESTION)
            except openai.RateLimitError as error:
                failures.append(f"rate limited on purpose: {type(error).__name__} {error.status_code}")
    return failures
