"""End to end through the real Collector: an instrumented app -> collector/run.sh -> every destination.

The app is a user's program in a subprocess: the real ``openai`` client against the loopback fake OpenAI,
``otel_aicost.configure()`` exporting OTLP/HTTP to the Collector (``OTEL_EXPORTER_OTLP_ENDPOINT``), message content
captured on spans and events. It also keeps its own copy of every span it ended (the SDK's in-memory exporter):
that copy is the oracle for what was sent.

One Collector runs with all four overlays (run.sh picks them from the environment) and sends on to:
a loopback OTLP receiver, a real Prometheus server scraping its ``prometheus`` exporter, the ``file`` exporter
(read back with ``otel-aicost report``) and a loopback Azure Monitor ingestion endpoint.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.apps import run
from tests.support.collector import Collector, require_binary
from tests.support.fake_azure_ingestion import DEPENDENCY, FakeAzureIngestion
from tests.support.otlp_receiver import OTLPReceiver, ReceivedSpan
from tests.support.prometheus_server import BINARY as PROMETHEUS, PrometheusServer

pytestmark = pytest.mark.integration

COST = "gen_ai.usage.cost"
TEAM = "aicost.tag.team"
CUSTOMER = "aicost.tag.customer"  # a tag outside the metric allow-list: on spans, never a metric attribute
CONTENT = ("gen_ai.input.messages", "gen_ai.output.messages")
SECRET_PROMPT = "PROMPT-XYZZY"

APP = """
import json, os
import openai
import otel_aicost
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from otel_aicost import allocate
from otel_aicost.demo import FakeOpenAI

otel_aicost.configure()
sent = InMemorySpanExporter()
trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(sent))

question = [{"role": "user", "content": "PROMPT-XYZZY what does a token cost?"}]
with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-app-secret-key-123", max_retries=0)
    with allocate(team="search", customer="acme-42"):
        for _ in range(3):
            client.chat.completions.create(model="gpt-4o-mini", messages=question)
        for _ in range(2):
            stream = client.chat.completions.create(model="gpt-4o", messages=question, stream=True,
                                                    stream_options={"include_usage": True})
            "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    with allocate(team="support"):
        client.chat.completions.create(model="gpt-4.1-mini", messages=question * 2)
        client.chat.completions.create(model="gpt-4.1-mini", messages=question)
        client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
        client.chat.completions.create(model="model-nobody-prices", messages=question)  # unpriced: no cost
        try:
            client.chat.completions.create(model="fake-error-429", messages=question)
        except openai.RateLimitError:
            pass

def plain(value):
    return list(value) if isinstance(value, tuple) else value

with open(os.environ["SENT_SPANS"], "w") as out:
    json.dump([{"span_id": format(s.context.span_id, "016x"), "name": s.name,
                "attributes": {k: plain(v) for k, v in s.attributes.items()}} for s in sent.get_finished_spans()], out)
"""
GENAI_CALLS = 10


@dataclass
class Sent:
    spans: list[dict[str, Any]]

    @property
    def ids(self) -> Counter:
        return Counter(span["span_id"] for span in self.spans)

    def cost(self, team: str | None = None) -> float:
        return math.fsum(s["attributes"][COST] for s in self.spans
                         if COST in s["attributes"] and team in (None, s["attributes"].get(TEAM)))  # fmt: skip


def run_app(directory: Path, collector: Collector, name: str = "app") -> Sent:
    """Run the app once against ``collector``; what it sent. Its exporters flush at interpreter exit."""
    (directory / "app.py").write_text(APP)
    sent_file = directory / f"{name}-sent.json"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.otlp_endpoint,
        "OTEL_SERVICE_NAME": "checkout",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "span_and_event",
        "SENT_SPANS": str(sent_file),
    }  # fmt: skip
    result = run([sys.executable, "app.py"], directory, env, timeout=120)
    assert result.returncode == 0, result.stderr
    sent = Sent(json.loads(sent_file.read_text()))
    assert len(sent.spans) == GENAI_CALLS and sent.cost() > 0
    return sent


def received_ids(receiver: OTLPReceiver) -> Counter:
    return Counter(span.span_id for span in receiver.spans())


def metric_sum(receiver: OTLPReceiver, name: str, **attributes: str) -> float:
    return math.fsum(p.value for p in receiver.metrics().get(name, [])
                     if all(p.attributes.get(k) == v for k, v in attributes.items()))  # fmt: skip


# --- one Collector, every destination ---------------------------------------------------------------------


@dataclass
class Run:
    sent: Sent
    receiver: OTLPReceiver
    ingestion: FakeAzureIngestion
    prometheus: dict[str, list[dict[str, Any]]]
    file_dir: Path
    collector_log: str


PROMQL = {
    "cost_by_team": "sum by (aicost_tag_team) (aicost_cost_USD_total)",
    "requests": "sum(aicost_requests_total)",
    "requests_by_status": "sum by (aicost_pricing_status) (aicost_requests_total)",
    "cost_labels": "aicost_cost_USD_total",
    # The app's own metrics through the Collector, by the names collector/alerts/aicost-rules.yaml uses.
    "app_cost_by_team": "sum by (aicost_tag_team) (gen_ai_usage_cost_USD_sum)",
    "app_calls_by_status": "sum by (aicost_pricing_status) (gen_ai_client_operation_duration_seconds_count)",
}


@pytest.fixture(scope="module")
def everywhere(tmp_path_factory):
    binary = require_binary()
    if PROMETHEUS is None:
        pytest.skip("prometheus server not installed (Debian package `prometheus`, see .ci/install-system-deps)")
    directory = tmp_path_factory.mktemp("collector-e2e")
    file_dir = directory / "collector-data"
    with OTLPReceiver() as receiver, FakeAzureIngestion() as ingestion:
        env = {
            "OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT": receiver.url,
            "APPLICATIONINSIGHTS_CONNECTION_STRING": ingestion.connection_string,
            "OTEL_AICOST_COLLECTOR_PROMETHEUS": "true",
            "OTEL_AICOST_COLLECTOR_FILE": "true",
            "OTEL_AICOST_COLLECTOR_FILE_PATH": str(file_dir / "collector.jsonl"),
        }  # fmt: skip
        with Collector(binary, directory, env) as collector:
            # Started before the app: Prometheus 2.x hands new targets to its scraper only every 5 s.
            with PrometheusServer([collector.prometheus_target], directory) as prometheus:
                sent = run_app(directory, collector)
                # The Collector batches for up to 5 s (base.yaml `batch.timeout`) before it sends anything on.
                receiver.wait_for(lambda r: len(r.spans()) >= GENAI_CALLS
                                  and metric_sum(r, "aicost.requests") >= GENAI_CALLS, timeout=30)  # fmt: skip
                prometheus.wait_for(PROMQL["requests"],
                                    lambda result: result and float(result[0]["value"][1]) >= GENAI_CALLS)
                prometheus.wait_for(PROMQL["app_calls_by_status"],
                                    lambda result: sum(float(r["value"][1]) for r in result) >= GENAI_CALLS)
                scraped = {name: prometheus.query(query) for name, query in PROMQL.items()}
            # Stopping the Collector flushes the file exporter and the Azure exporter's batch.
            assert collector.stop() == 0, collector.log_text()[-3000:]
        yield Run(sent, receiver, ingestion, scraped, file_dir, collector.log_text())


def test_every_span_arrives_once_with_its_cost_and_tags(everywhere):
    sent, receiver = everywhere.sent, everywhere.receiver
    assert received_ids(receiver) == sent.ids  # each span exactly once
    by_id = {span.span_id: span for span in receiver.spans()}
    for span in sent.spans:
        got = by_id[span["span_id"]]
        # Every attribute but the message content arrives unchanged (floats bit for bit).
        expected = {k: (tuple(v) if isinstance(v, list) else v) for k, v in span["attributes"].items() if k not in CONTENT}
        assert got.attributes == expected, span["name"]
    search = [s for s in receiver.spans() if s.attributes.get(TEAM) == "search"]
    assert len(search) == 5 and all(s.attributes[CUSTOMER] == "acme-42" for s in search)
    assert math.fsum(s.attributes.get(COST, 0.0) for s in receiver.spans()) == sent.cost()


def test_message_content_is_scrubbed_from_spans_and_events(everywhere):
    sent, receiver = everywhere.sent, everywhere.receiver
    # The app did capture it (the test could fail) ...
    assert all(SECRET_PROMPT in span["attributes"]["gen_ai.input.messages"] for span in sent.spans
               if span["name"].startswith("chat"))  # fmt: skip
    # ... and none of it left the Collector, in spans, log events (attributes or body) or anywhere else.
    for span in receiver.spans():
        assert not set(CONTENT) & set(span.attributes), span.name
    logs = receiver.logs()
    assert any(log.event_name == "gen_ai.client.inference.operation.details" for log in logs)  # the record's own field
    for request in receiver.requests():
        assert SECRET_PROMPT.encode() not in request.SerializeToString()
    assert SECRET_PROMPT not in "".join(p.read_text() for p in everywhere.file_dir.iterdir())
    assert SECRET_PROMPT not in json.dumps(everywhere.ingestion.envelopes())


def test_derived_cost_counters_equal_the_span_costs(everywhere):
    sent, receiver = everywhere.sent, everywhere.receiver
    points = receiver.metrics()["aicost.cost"]
    assert {p.kind for p in points} == {"sum"} and {p.temporality for p in points} == {1}  # delta sums
    assert metric_sum(receiver, "aicost.cost") == pytest.approx(sent.cost(), abs=1e-9)
    for team in ("search", "support"):
        assert metric_sum(receiver, "aicost.cost", **{TEAM: team}) == pytest.approx(sent.cost(team), abs=1e-9)
    assert all(CUSTOMER not in p.attributes for p in points)  # only allow-listed tags become metric attributes
    # Every GenAI span is counted once, priced or not, failed or not.
    assert metric_sum(receiver, "aicost.requests") == GENAI_CALLS
    status = Counter(span["attributes"].get("aicost.pricing.status") for span in sent.spans)
    for value, count in status.items():
        assert metric_sum(receiver, "aicost.requests", **{"aicost.pricing.status": value}) == count, value


def test_prometheus_scrapes_the_cost_counters_from_the_collector(everywhere):
    sent, scraped = everywhere.sent, everywhere.prometheus
    spend = {r["metric"]["aicost_tag_team"]: float(r["value"][1]) for r in scraped["cost_by_team"]}
    assert set(spend) == {"search", "support"}
    for team, value in spend.items():
        assert value == pytest.approx(sent.cost(team), abs=1e-9), team
    assert float(scraped["requests"][0]["value"][1]) == GENAI_CALLS
    assert all("aicost_tag_customer" not in r["metric"] for r in scraped["cost_labels"])


def test_prometheus_sees_the_apps_own_metrics_under_the_names_the_alert_rules_use(everywhere):
    sent, scraped = everywhere.sent, everywhere.prometheus
    spend = {r["metric"]["aicost_tag_team"]: float(r["value"][1]) for r in scraped["app_cost_by_team"]}
    assert set(spend) == {"search", "support"}
    for team, value in spend.items():
        assert value == pytest.approx(sent.cost(team), abs=1e-9), team
    calls = {r["metric"].get("aicost_pricing_status"): float(r["value"][1]) for r in scraped["app_calls_by_status"]}
    expected = Counter(span["attributes"].get("aicost.pricing.status") for span in sent.spans)
    assert calls == {status: float(count) for status, count in expected.items()}


def test_file_exporter_output_reads_back_in_the_report(everywhere):
    sent = everywhere.sent
    result = subprocess.run([sys.executable, "-m", "otel_aicost", "report", str(everywhere.file_dir), "--by", "team",
                             "--format", "json"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["input"]["genai_calls"] == GENAI_CALLS and report["input"]["corrupt_lines"] == 0
    (total,) = report["totals"]
    assert total["requests"] == GENAI_CALLS and total["currency"] == "USD"
    assert float(total["cost"]) == pytest.approx(sent.cost(), abs=1e-9)
    by_team = {row["key"]["tag.team"]: row for row in report["groups"]}
    for team in ("search", "support"):
        assert float(by_team[team]["cost"]) == pytest.approx(sent.cost(team), abs=1e-9), team


def test_azure_monitor_ingestion_gets_every_call_with_cost_and_the_cost_counters(everywhere):
    sent, ingestion = everywhere.sent, everywhere.ingestion
    dependencies = {d["id"]: d for d in ingestion.dependencies()}
    assert len(ingestion.dependencies()) == GENAI_CALLS and set(dependencies) == set(sent.ids)
    assert Counter(e["tags"]["ai.cloud.role"] for e in ingestion.envelopes(DEPENDENCY)) == {"checkout": GENAI_CALLS}
    for span in sent.spans:
        # This exporter writes every span attribute into customDimensions as text, numbers too; the text
        # reads back to the same double.
        properties = dependencies[span["span_id"]]["properties"]
        if COST in span["attributes"]:
            assert float(properties[COST]) == span["attributes"][COST]
        assert properties.get(TEAM) == span["attributes"].get(TEAM)
        assert not set(CONTENT) & set(properties)
    cost_points = ingestion.metrics()["aicost.cost"]
    assert math.fsum(p["value"] for p in cost_points) == pytest.approx(sent.cost(), abs=1e-9)
    assert math.fsum(p["value"] for p in ingestion.metrics()["aicost.requests"]) == GENAI_CALLS
    assert ingestion.other_requests == []


# --- a backend that dies and comes back -------------------------------------------------------------------


def test_a_killed_backend_gets_what_the_collector_queued_once_it_is_back(tmp_path):
    binary = require_binary()
    receiver = OTLPReceiver().start()
    port = receiver.port
    try:
        with Collector(binary, tmp_path, {"OTEL_AICOST_COLLECTOR_OTLP_ENDPOINT": receiver.url}) as collector:
            first = run_app(tmp_path, collector, "first")
            receiver.wait_for(lambda r: len(r.spans()) >= GENAI_CALLS
                              and metric_sum(r, "aicost.requests") >= GENAI_CALLS, timeout=30)  # fmt: skip
            assert received_ids(receiver) == first.ids
            assert metric_sum(receiver, "aicost.cost") == pytest.approx(first.cost(), abs=1e-9)

            receiver.close()  # the backend dies
            second = run_app(tmp_path, collector, "second")  # the app is unaffected: the Collector took it
            # The Collector tried, failed, and holds the data for a retry.
            collector.wait_for(lambda c: "Exporting failed. Will retry" in c.log_text(), timeout=30,
                               what="a failed export")  # fmt: skip
            receiver = OTLPReceiver(port=port).start()  # the backend is back, empty, at the same address
            # retry_on_failure backs off from 5 s (x1.5, jittered): the next attempts come within ~15 s.
            receiver.wait_for(lambda r: received_ids(r) == second.ids
                              and metric_sum(r, "aicost.requests") >= GENAI_CALLS, timeout=60)  # fmt: skip
            assert metric_sum(receiver, "aicost.cost") == pytest.approx(second.cost(), abs=1e-9)
            # The Collector's own count: every span sent once, none given up on.
            backend = {"exporter": "otlp_http/backend"}
            assert collector.telemetry("otelcol_exporter_sent_spans", **backend) == 2 * GENAI_CALLS
            assert collector.telemetry("otelcol_exporter_send_failed_spans", **backend) == 0
    finally:
        receiver.close()
