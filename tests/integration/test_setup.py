"""One-import setup and the zero-code route, run as a user runs them: a separate process and its exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.apps import python, run, script, write_app
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration


def _spans_in(path):
    spans = []
    for line in path.read_text().splitlines():
        for resource_spans in json.loads(line)["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                spans.extend(scope_spans["spans"])
    return spans


def _attributes(span):
    return {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}


def test_auto_writes_the_embedded_default_and_says_so_once(tmp_path):
    app = write_app(tmp_path)
    result = run(python(str(app)), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("otel-aicost: no telemetry destination configured") == 1
    spans = _spans_in(tmp_path / "otel-aicost-data" / "traces.jsonl")
    assert [s["name"] for s in spans] == ["chat gpt-4o-mini", "chat gpt-4o"], "flushed at exit without any call"
    chat, stream = (_attributes(s) for s in spans)
    assert chat["aicost.pricing.status"] == "priced" and chat["gen_ai.usage.cost"] > 0
    assert stream["gen_ai.request.stream"] is True and stream["aicost.usage.source"] == "reported"
    metrics = (tmp_path / "otel-aicost-data" / "metrics.jsonl").read_text()
    assert '"gen_ai.usage.cost"' in metrics and '"gen_ai.client.operation.duration"' in metrics


def test_auto_exports_otlp_when_an_endpoint_is_set(tmp_path):
    app = write_app(tmp_path)
    with OTLPReceiver() as receiver:
        result = run(python(str(app)), tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                                                  "OTEL_SERVICE_NAME": "checkout"})  # fmt: skip
        assert result.returncode == 0, result.stderr
        receiver.wait_for(lambda r: len(r.spans()) >= 2 and "gen_ai.usage.cost" in r.metrics())
        spans = receiver.spans()
        metrics = receiver.metrics()
    assert "no telemetry destination" not in result.stderr
    assert not (tmp_path / "otel-aicost-data").exists()
    assert {s.resource["service.name"] for s in spans} == {"checkout"}
    assert all(s.attributes["gen_ai.usage.cost"] > 0 for s in spans)
    assert sum(p.sum for p in metrics["gen_ai.usage.cost"]) == pytest.approx(
        sum(s.attributes["gen_ai.usage.cost"] for s in spans), rel=1e-9)
    assert metrics["gen_ai.usage.cost"][0].unit == "USD"


def test_zero_code_route(tmp_path):
    app = write_app(tmp_path, imports="")
    with OTLPReceiver() as receiver:
        venv_bin = str(Path(script("python")).parent)
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "PATH": f"{venv_bin}:/usr/bin:/bin"}
        result = run([script("opentelemetry-instrument"), "python", str(app)], tmp_path, env)
        assert result.returncode == 0, result.stderr
        receiver.wait_for(lambda r: len(r.spans()) >= 2)
        spans = receiver.spans()
    assert {s.scope for s in spans} == {"otel_aicost"}
    assert all("gen_ai.usage.cost" in s.attributes for s in spans)


def test_bad_config_file_fails_at_setup_naming_file_and_key(tmp_path):
    config = tmp_path / "aicost.toml"
    config.write_text('currency = "EUR"\nusd_rate = -1\n')
    app = write_app(tmp_path)
    result = run(python(str(app)), tmp_path, {"OTEL_AICOST_CONFIG": str(config)})
    assert result.returncode != 0
    assert "ConfigError" in result.stderr
    assert str(config) in result.stderr and "usd_rate" in result.stderr


def test_zero_code_with_a_bad_config_says_one_line_and_the_app_runs(tmp_path):
    config = tmp_path / "aicost.toml"
    config.write_text('currency = "sk-proj-0123456789abcdefghijklmnop"\n')
    app = tmp_path / "app.py"
    app.write_text("import openai\nprint('the app ran')\n")
    venv_bin = str(Path(script("python")).parent)
    env = {"OTEL_AICOST_CONFIG": str(config), "PATH": f"{venv_bin}:/usr/bin:/bin", "OTEL_TRACES_EXPORTER": "none",
           "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}  # fmt: skip
    result = run([script("opentelemetry-instrument"), "python", str(app)], tmp_path, env)
    assert result.returncode == 0 and result.stdout == "the app ran\n"
    assert result.stderr.splitlines() == [
        f"otel-aicost: not instrumenting this process: {config}: key 'currency': must be an ISO 4217 code like "
        "'EUR', got a string of 34 characters. Fix the config file (or unset OTEL_AICOST_CONFIG); the application "
        "runs without cost telemetry."
    ]


def test_second_configure_applies_its_settings(tmp_path):
    """``configure(...)`` after ``import otel_aicost.auto``: its settings take effect (issue 10), not ignored."""
    imports = ("import otel_aicost.auto\nimport otel_aicost\n"
               "otel_aicost.configure(tags={'team': 'search'})")  # fmt: skip
    result = run(python(str(write_app(tmp_path, imports))), tmp_path)
    assert result.returncode == 0, result.stderr
    spans = _spans_in(tmp_path / "otel-aicost-data" / "traces.jsonl")
    assert len(spans) == 2
    assert all(_attributes(span)["aicost.tag.team"] == "search" for span in spans)


def test_second_configure_asking_another_exporter_fails_loudly(tmp_path):
    imports = "import otel_aicost.auto\nimport otel_aicost\notel_aicost.configure(exporter='console')"
    result = run(python(str(write_app(tmp_path, imports))), tmp_path)
    assert result.returncode != 0
    assert "configure(exporter='console')" in result.stderr and "once per process" in result.stderr
