"""Straight from the app to Application Insights: ``import otel_aicost.auto`` with a connection string, nothing else.

The app runs in a subprocess as a user runs it; its ingestion endpoint is a loopback fake. The exporter's own
background calls (statsbeat and SDK stats to Microsoft, the OneSettings control plane) are switched off with the
exporter's documented variables, and an audit hook in the app records every DNS lookup and socket connect so the
test can show that nothing left 127.0.0.1.
"""

from __future__ import annotations

import pytest

from tests.support.apps import python, run
from tests.support.fake_azure_ingestion import DEPENDENCY, MESSAGE, METRIC, FakeAzureIngestion

pytest.importorskip("azure.monitor.opentelemetry.exporter", reason="needs the 'azure' extra")
pytestmark = pytest.mark.integration

# The exporter's documented switches for its calls to Microsoft (statsbeat, SDK stats, control plane).
QUIET_EXPORTER = {
    "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
    "APPLICATIONINSIGHTS_SDKSTATS_DISABLED": "true",
    "APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED": "true",
}

APP = """
import os, sys
_net = open(os.environ["NET_LOG"], "a", buffering=1)

def _record_network(event, args):
    if event == "socket.getaddrinfo":
        _net.write(f"lookup {args[0]}\\n")
    elif event == "socket.connect" and isinstance(args[1], tuple):
        _net.write(f"connect {args[1][0]}\\n")

sys.addaudithook(_record_network)

import otel_aicost.auto
import openai
from otel_aicost import allocate
from otel_aicost.demo import FakeOpenAI

question = [{"role": "user", "content": "how much does this cost?"}]
with FakeOpenAI(deployments={"chat-eu": "gpt-4o"}) as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-app-secret-key-123", max_retries=0)
    azure = openai.AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version="2024-10-21",
                               api_key="azure-secret-key-456", max_retries=0)
    with allocate(team="search"):
        client.chat.completions.create(model="gpt-4o-mini", messages=question)
        stream = client.chat.completions.create(model="gpt-4o", messages=question, stream=True)
        print("".join(c.choices[0].delta.content or "" for c in stream if c.choices))
    with allocate(team="support"):
        azure.chat.completions.create(model="chat-eu", messages=question)
"""

CONFIG = """
[deployments.chat-eu]
model = "gpt-4o-2024-08-06"
type = "global_standard"

[[budgets]]
name = "search-tiny"
limit = 0.000001
period = "day"
match = { team = "search" }
thresholds = [1.0]
action = "warn"
"""


@pytest.fixture(scope="module")
def app_run(tmp_path_factory):
    """Run the app once against a fake ingestion endpoint; (result, ingestion, network log lines, its folder)."""
    tmp_path = tmp_path_factory.mktemp("azure-app")
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "aicost.toml").write_text(CONFIG)
    net_log = tmp_path / "network.log"
    with FakeAzureIngestion() as ingestion:
        env = {
            "APPLICATIONINSIGHTS_CONNECTION_STRING": ingestion.connection_string,
            "OTEL_AICOST_CONFIG": str(tmp_path / "aicost.toml"),
            "OTEL_SERVICE_NAME": "checkout",
            "NET_LOG": str(net_log),
            "TMPDIR": str(tmp_path),  # the exporter's offline-storage folder lands here, not in /tmp
            **QUIET_EXPORTER,
        }
        result = run(python("app.py"), tmp_path, env, timeout=60)
        assert result.returncode == 0, result.stderr
        # Everything is flushed at interpreter exit; the wait only guards against a slow last POST.
        ingestion.wait_for(lambda i: len(i.dependencies()) >= 3 and "gen_ai.usage.cost" in i.metrics())
        yield result, ingestion, net_log.read_text().splitlines(), tmp_path


def test_calls_arrive_as_genai_dependencies_with_cost_tokens_and_tags(app_run):
    _, ingestion, _, _ = app_run
    dependencies = {d["properties"]["gen_ai.request.model"]: d for d in ingestion.dependencies()}
    assert set(dependencies) == {"gpt-4o-mini", "gpt-4o", "chat-eu"}

    # Spans carry the deprecated gen_ai.system next to gen_ai.provider.name: the exporter types a dependency
    # "GenAI | <system>" only from gen_ai.system.
    assert dependencies["gpt-4o-mini"]["type"] == "GenAI | openai"
    assert dependencies["gpt-4o-mini"]["target"] == "openai"
    assert dependencies["chat-eu"]["type"] == "GenAI | az.ai.openai"
    assert all(d["success"] is True for d in dependencies.values())

    for model, team in (("gpt-4o-mini", "search"), ("gpt-4o", "search"), ("chat-eu", "support")):
        properties = dependencies[model]["properties"]
        # Every custom attribute becomes a customDimensions string.
        assert float(properties["gen_ai.usage.cost"]) > 0, model
        assert int(properties["gen_ai.usage.input_tokens"]) > 0 and int(properties["gen_ai.usage.output_tokens"]) > 0
        assert properties["aicost.tag.team"] == team
        assert properties["aicost.pricing.status"] == "priced"
        assert properties["aicost.currency"] == "USD"
        assert "sk-app-secret-key-123" not in str(properties) and "azure-secret-key-456" not in str(properties)
    azure_call = dependencies["chat-eu"]["properties"]
    assert azure_call["aicost.deployment.name"] == "chat-eu"
    assert azure_call["aicost.deployment.type"] == "global_standard"
    assert dependencies["gpt-4o"]["properties"]["gen_ai.request.stream"] == "True"
    envelope_roles = {e["tags"]["ai.cloud.role"] for e in ingestion.envelopes(DEPENDENCY)}
    assert envelope_roles == {"checkout"}


def test_metrics_arrive_and_add_up_to_the_dependencies(app_run):
    _, ingestion, _, _ = app_run
    dependencies = ingestion.dependencies()
    metrics = ingestion.metrics()

    cost_points = metrics["gen_ai.usage.cost"]
    for team in ("search", "support"):
        spans_cost = sum(float(d["properties"]["gen_ai.usage.cost"]) for d in dependencies
                         if d["properties"]["aicost.tag.team"] == team)  # fmt: skip
        metric_cost = sum(p["value"] for p in cost_points if p["properties"].get("aicost.tag.team") == team)
        assert metric_cost == pytest.approx(spans_cost, rel=1e-9), team
    assert sum(p["count"] for p in cost_points) == 3

    tokens = metrics["gen_ai.client.token.usage"]
    for token_type, attribute in (("input", "gen_ai.usage.input_tokens"), ("output", "gen_ai.usage.output_tokens")):
        expected = sum(int(d["properties"][attribute]) for d in dependencies)
        assert sum(p["value"] for p in tokens if p["properties"]["gen_ai.token.type"] == token_type) == expected

    durations = metrics["gen_ai.client.operation.duration"]
    assert sum(p["count"] for p in durations) == 3 and all(p["value"] > 0 for p in durations)


def test_budget_warning_arrives_as_a_trace_message(app_run):
    _, ingestion, _, _ = app_run
    messages = [e["data"]["baseData"] for e in ingestion.envelopes(MESSAGE)]
    # The log record (the span event arrives as a message too, without a severity; the order of the two
    # depends on which signal's export finished first at exit)
    warnings = [
        m for m in messages if m["properties"].get("aicost.budget.name") == "search-tiny" and "severityLevel" in m
    ]
    assert warnings, messages
    assert int(warnings[0]["severityLevel"]) == 2  # Warning (a string from the exporters built for SDK 1.39)
    # Newer exporters name the logger; 1.0.0b48, the newest one for the oldest supported SDK (1.39), does not.
    assert warnings[0]["properties"].get("logger_name", "otel_aicost.budgets") == "otel_aicost.budgets"
    assert "search-tiny" in warnings[0]["message"]


def test_no_request_leaves_loopback(app_run):
    _, ingestion, network, tmp_path = app_run
    assert network, "the audit hook saw no connection at all: the check itself is broken"
    hosts = {line.split(" ", 1)[1] for line in network}
    assert hosts <= {"127.0.0.1", "localhost"}, network
    assert ingestion.other_requests == []
    assert ingestion.envelopes(METRIC), "metrics came to the fake ingestion"
    # Nothing had to be kept for a retry: the exporter's offline storage (under TMPDIR) holds no blob.
    assert not list(tmp_path.rglob("*.blob"))
