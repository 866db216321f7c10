"""A real metrics backend: a Prometheus server on 127.0.0.1 scrapes the app, and PromQL answers "spend by team".

The app is a user's program in a subprocess with ``import otel_aicost.auto`` and the standard
``OTEL_METRICS_EXPORTER=prometheus`` (metrics served for scraping by the OpenTelemetry Prometheus exporter); its
spans go to the embedded default destination, so the test can add up the spans' costs and compare.
"""

from __future__ import annotations

import select
import subprocess
import sys
from collections import defaultdict

import pytest

from otel_aicost.config.settings import ConfigError
from otel_aicost.export.exporters import build
from otel_aicost.export.routing import route
from tests.support.apps import environment
from tests.support.jsonl import spans_in
from tests.support.prometheus_server import BINARY, PrometheusServer, free_port

pytest.importorskip("opentelemetry.exporter.prometheus", reason="needs the 'prometheus' extra")
pytestmark = pytest.mark.integration

APP = """
import sys
import otel_aicost.auto
import openai
from otel_aicost import allocate
from otel_aicost.demo import FakeOpenAI

question = [{"role": "user", "content": "what does a token cost?"}]
with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-x", max_retries=0)
    with allocate(team="search"):
        client.chat.completions.create(model="gpt-4o-mini", messages=question)
        for chunk in client.chat.completions.create(model="gpt-4o", messages=question, stream=True):
            pass
    with allocate(team="support"):
        client.chat.completions.create(model="gpt-4.1-mini", messages=question * 3)
        client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
print("ready", flush=True)
sys.stdin.read()  # keep serving metrics until the test closes stdin
"""
SPEND_BY_TEAM = "sum by (aicost_tag_team) (gen_ai_usage_cost_USD_sum)"
CALLS_BY_TEAM = "sum by (aicost_tag_team) (gen_ai_usage_cost_USD_count)"


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    if not ready:
        raise AssertionError(f"the app said nothing within {timeout}s")
    return process.stdout.readline()


@pytest.mark.skipif(BINARY is None, reason="prometheus server not installed (Debian package `prometheus`, "
                                           "see .ci/install-system-deps)")  # fmt: skip
def test_promql_spend_by_team_matches_the_spans(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    metrics_port = free_port()
    env = environment({
        "OTEL_METRICS_EXPORTER": "prometheus",
        "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
        "OTEL_EXPORTER_PROMETHEUS_PORT": str(metrics_port),
    })  # fmt: skip
    app = subprocess.Popen([sys.executable, "app.py"], cwd=tmp_path, env=env, text=True,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        # Started while the app starts: Prometheus 2.x hands new targets to its scraper only every 5 s.
        with PrometheusServer([f"127.0.0.1:{metrics_port}"], tmp_path) as prometheus:
            assert _read_line(app, timeout=30).strip() == "ready", app.stderr.read() if app.poll() is not None else ""
            prometheus.wait_for(CALLS_BY_TEAM, lambda result: sum(float(r["value"][1]) for r in result) == 4)
            spend = {r["metric"]["aicost_tag_team"]: float(r["value"][1]) for r in prometheus.query(SPEND_BY_TEAM)}
            targets = prometheus.query('up{job="app"}')
    finally:
        app.stdin.close()  # the app exits and flushes its spans to ./otel-aicost-data/
        try:
            app.wait(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
    stderr = app.stderr.read()
    app.stdout.close()
    app.stderr.close()
    assert app.returncode == 0, stderr
    assert "no destination configured for traces and logs; writing them as OTLP JSON lines" in stderr
    assert [float(t["value"][1]) for t in targets] == [1.0]

    span_cost: dict[str, float] = defaultdict(float)
    for span in spans_in(tmp_path / "otel-aicost-data" / "traces.jsonl"):
        span_cost[span["attributes"]["aicost.tag.team"]] += span["attributes"]["gen_ai.usage.cost"]
    assert set(spend) == set(span_cost) == {"search", "support"}
    for team, cost in span_cost.items():
        assert cost > 0
        assert spend[team] == pytest.approx(cost, rel=1e-9), team


def _build_prometheus_reader(monkeypatch, **variables):
    """The exporter package's own ``prometheus`` entry point, built as ``configure()`` builds it."""
    for name, value in {"OTEL_METRICS_EXPORTER": "prometheus", **variables}.items():
        monkeypatch.setenv(name, value)
    import os

    return build(route("metrics", None, os.environ), os.environ)


def test_bad_prometheus_port_fails_at_setup_naming_the_variable(monkeypatch):
    with pytest.raises(ConfigError, match="OTEL_EXPORTER_PROMETHEUS_PORT.*'http'"):
        _build_prometheus_reader(monkeypatch, OTEL_EXPORTER_PROMETHEUS_PORT="http")


def test_busy_prometheus_port_fails_at_setup_naming_host_and_port(monkeypatch):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            _build_prometheus_reader(
                monkeypatch, OTEL_EXPORTER_PROMETHEUS_HOST="127.0.0.1", OTEL_EXPORTER_PROMETHEUS_PORT=str(port)
            )
