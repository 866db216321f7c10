"""Every program in examples/ runs as its README says (offline: each starts the loopback fake itself), in a fresh
folder, and leaves spans with cost in the embedded default destination ``./otel-aicost-data/``.

The short-lived examples run concurrently (once per module) to keep the suite fast; each test checks one.
"""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

from otel_aicost.demo import FakeOpenAI
from tests.support.apps import environment, python, run, script
from tests.support.jsonl import spans_in
from tests.support.prometheus_server import free_port

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SERVER, CLIENT = 2, 3  # OTLP span kinds
# Nothing that would point the examples somewhere else than their own loopback fake.
OFFLINE = {"OPENAI_BASE_URL": "", "AZURE_OPENAI_ENDPOINT": "", "OPENAI_API_KEY": ""}
BATCH = {
    "quickstart": python(str(EXAMPLES / "quickstart" / "main.py")),
    "streaming": python(str(EXAMPLES / "streaming" / "main.py")),
    "asyncio": python(str(EXAMPLES / "asyncio" / "main.py")),
    "azure_openai": python(str(EXAMPLES / "azure_openai" / "main.py")),
    "budget_guard": python(str(EXAMPLES / "budget_guard" / "main.py")),
    "zero_code": [script("opentelemetry-instrument"), *python(str(EXAMPLES / "zero_code" / "main.py"))],
}


class Ran:
    def __init__(self, name: str, folder: Path, returncode: int, stdout: str, stderr: str) -> None:
        self.name, self.folder, self.returncode, self.stdout, self.stderr = name, folder, returncode, stdout, stderr

    def spans(self) -> list[dict]:
        assert self.returncode == 0, f"{self.name} failed:\n{self.stderr}"
        return spans_in(self.folder / "otel-aicost-data" / "traces.jsonl")


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> dict[str, Ran]:
    processes = {}
    for name, command in BATCH.items():
        folder = tmp_path_factory.mktemp(name)
        processes[name] = (folder, subprocess.Popen(
            command, cwd=folder, env=environment(OFFLINE), text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        ))  # fmt: skip
    results = {}
    for name, (folder, process) in processes.items():
        try:
            stdout, stderr = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        results[name] = Ran(name, folder, process.returncode, stdout, stderr)
    return results


def _costs(spans: list[dict]) -> list[float]:
    return [s["attributes"]["gen_ai.usage.cost"] for s in spans if "gen_ai.usage.cost" in s["attributes"]]


@pytest.mark.parametrize("name", sorted(BATCH))
def test_example_runs_offline_and_writes_priced_spans(ran, name):
    result = ran[name]
    spans = result.spans()
    assert "using the loopback fake OpenAI" in result.stderr
    assert "writing OTLP JSON lines" in result.stderr
    priced = [s for s in spans if s["attributes"].get("aicost.pricing.status") == "priced"]
    assert priced and all(s["kind"] == CLIENT for s in priced)
    assert all(cost > 0 for cost in _costs(priced))


def test_quickstart(ran):
    (span,) = ran["quickstart"].spans()
    assert span["name"] == "chat gpt-4o-mini"
    assert (
        span["attributes"]["aicost.tag.team"] == "search" and span["attributes"]["aicost.tag.feature"] == "quickstart"
    )
    assert "input +" in ran["quickstart"].stdout


def test_streaming(ran):
    (span,) = ran["streaming"].spans()
    attributes = span["attributes"]
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["aicost.usage.source"] == "reported"  # the usage chunk was requested and read
    assert attributes["gen_ai.usage.output_tokens"] > 0
    assert "usage chunk was not passed on" in ran["streaming"].stdout


def test_asyncio(ran):
    spans = ran["asyncio"].spans()
    assert sorted(s["attributes"]["aicost.tag.team"] for s in spans) == ["research", "search", "support"]
    assert {s["attributes"]["aicost.tag.feature"] for s in spans} == {"faq"}  # decorator tags nest with `with`
    assert len({s["traceId"] for s in spans}) == 3


def test_azure_openai_prices_deployments_from_its_config_file(ran):
    spans = {s["attributes"]["aicost.deployment.name"]: s["attributes"] for s in ran["azure_openai"].spans()}
    assert set(spans) == {"chat-prod", "embed-prod"}
    assert spans["chat-prod"]["aicost.deployment.type"] == "data_zone_standard"  # from aicost.toml
    assert spans["embed-prod"]["aicost.deployment.type"] == "global_standard"
    assert all(a["aicost.tag.application"] == "azure-example" for a in spans.values())  # [tags] in aicost.toml
    assert all(a["aicost.tag.cost_center"] == "cc-1042" for a in spans.values())
    assert all(a["gen_ai.system"] == "az.ai.openai" for a in spans.values())


def test_budget_guard_blocks_the_call_that_would_cross_the_limit(ran):
    result = ran["budget_guard"]
    spans = result.spans()
    research = [s for s in spans if s["attributes"]["aicost.tag.team"] == "research"]
    sent = [s for s in research if "gen_ai.usage.cost" in s["attributes"]]
    blocked = [s for s in research if s["attributes"].get("error.type") == "otel_aicost.BudgetExceeded"]
    assert len(blocked) == 1 and research[-1] is blocked[0], "the loop stops at the first blocked call"
    assert [line for line in result.stdout.splitlines() if line.startswith("call ") and line.endswith(": sent")] == [
        f"call {n}: sent" for n in range(1, len(sent) + 1)
    ] and sent
    assert f"call {len(sent) + 1}: blocked, nothing sent" in result.stdout
    assert sum(Decimal(repr(c)) for c in _costs(sent)) <= Decimal("0.0045")
    assert [s["attributes"]["aicost.tag.team"] for s in spans if s not in research] == ["search"]


def test_zero_code_spans_come_from_the_instrument_command(ran):
    result = ran["zero_code"]
    assert "import otel_aicost" not in (EXAMPLES / "zero_code" / "main.py").read_text().split("else:")[0]
    (span,) = result.spans()
    assert span["attributes"]["gen_ai.usage.cost"] > 0


def test_examples_use_the_endpoint_you_give_them(tmp_path):
    with FakeOpenAI() as yours:
        result = run(python(str(EXAMPLES / "quickstart" / "main.py")), tmp_path,
                     {"OPENAI_BASE_URL": yours.base_url, "OPENAI_API_KEY": "sk-yours"}, timeout=60)  # fmt: skip
        requests = [r for r in yours.requests if r.path.endswith("/chat/completions")]
    assert result.returncode == 0, result.stderr
    assert "loopback fake" not in result.stderr
    assert len(requests) == 1 and requests[0].headers["authorization"] == "Bearer sk-yours"


def _get(url: str, headers: dict[str, str] | None = None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as reply:
        return reply.status, dict(reply.headers), reply.read()


def test_web_service_shows_cost_per_request_in_its_trace(tmp_path):
    port = free_port()
    service = subprocess.Popen(python(str(EXAMPLES / "web_service" / "main.py")), cwd=tmp_path, text=True,
                               env=environment({**OFFLINE, "PORT": str(port)}),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                if service.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"the service did not start: {service.communicate()[1]}") from None
                time.sleep(0.1)
        status, headers, _ = _get(f"http://127.0.0.1:{port}/ask?q=tokens", {"X-Team": "search"})
        _get(f"http://127.0.0.1:{port}/ask?q=tokens", {"X-Team": "../../etc;DROP"})
    finally:
        service.send_signal(signal.SIGTERM)
        try:
            service.communicate(timeout=30)
        finally:
            if service.poll() is None:
                service.kill()
    assert status == 200 and service.returncode == 0

    spans = spans_in(tmp_path / "otel-aicost-data" / "traces.jsonl")
    requests = {s["attributes"]["aicost.tag.team"]: s for s in spans if s["kind"] == SERVER}
    assert set(requests) == {"search", "unassigned"}, "a header that is not a plain name is not a tag"
    request = requests["search"]
    assert request["name"] == "GET /ask" and request["attributes"]["http.response.status_code"] == 200
    calls = [s for s in spans if s.get("parentSpanId") == request["spanId"]]
    assert sorted(s["name"] for s in calls) == ["chat gpt-4o-mini", "embeddings text-embedding-3-small"]
    assert all(s["kind"] == CLIENT and s["attributes"]["aicost.tag.team"] == "search" for s in calls)
    total = sum(Decimal(repr(c)) for c in _costs(calls))
    assert total > 0
    assert request["attributes"]["aicost.request.cost"] == pytest.approx(float(total), rel=1e-12)
    assert headers["X-AI-Cost"] == f"{total} USD"
