"""Process exit waits a bounded time for a dead backend, then says in one line what was not sent (SPEC 14).

The backend holds every request unanswered and the OTLP timeout is 30 s, so an exit that waited for the
exporters would take at least 30 s; ``OTEL_AICOST_EXIT_TIMEOUT=1`` must end it long before. The time is taken
from the app's last call to the process's end (interpreter start-up under load does not count).
"""

from __future__ import annotations

import re
import time

import pytest

from tests.support.apps import python, run
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration

APP = """
import sys, time
import otel_aicost.auto
import openai
from otel_aicost.demo import FakeOpenAI

with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-x", max_retries=0)
    for _ in range(20):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
print(time.time(), flush=True)
"""


def _exit_seconds(result) -> float:
    return result.ended - float(result.stdout.strip().splitlines()[-1])


def _run(tmp_path, env):
    (tmp_path / "app.py").write_text(APP)
    result = run(python("app.py"), tmp_path, env)
    result.ended = time.time()
    return result


def test_a_dead_backend_delays_exit_only_by_the_bound_and_the_loss_is_counted(tmp_path):
    with OTLPReceiver(mode="hang") as receiver:
        result = _run(tmp_path, {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_EXPORTER_OTLP_TIMEOUT": "30000",  # milliseconds, as the specification says
            "OTEL_AICOST_EXIT_TIMEOUT": "1",
        })  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert _exit_seconds(result) < 15, "the exporters alone would have waited 30 s"
    lines = [line for line in result.stderr.splitlines() if "not sent at exit" in line]
    assert len(lines) == 1, result.stderr
    counts = re.search(r"not sent at exit: (\d+) spans, (\d+) metric points, (\d+) log records", lines[0])
    assert counts and int(counts[1]) == 20 and int(counts[2]) > 0, lines[0]
    assert "at most 1 s" in lines[0] and "OTEL_AICOST_EXIT_TIMEOUT" in lines[0]


def test_the_default_bound_is_a_few_seconds_and_shorter_otlp_timeouts_shorten_it(tmp_path):
    with OTLPReceiver(mode="refuse") as receiver:
        result = _run(tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                                 "OTEL_EXPORTER_OTLP_TIMEOUT": "2000"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "not sent at exit" in line]
    assert "at most 2 s" in line, line  # the OTLP timeout, shorter than the default 3 s
    assert "not sent at exit: 20 spans" in line, line


def test_a_healthy_backend_gets_everything_and_nothing_is_reported(tmp_path):
    with OTLPReceiver() as receiver:
        result = _run(tmp_path, {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                                 "OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED": "true"})  # fmt: skip
        assert result.returncode == 0, result.stderr
        spans = receiver.spans()
        metrics = receiver.metrics()
    assert len(spans) == 20
    assert sum(point.count for point in metrics["gen_ai.client.operation.duration"]) == 20
    assert "not sent" not in result.stderr and "dropped" not in result.stderr
    if sdk_has_processor_metrics():  # the SDK's own public processor metrics reach the same backend
        processed = metrics["otel.sdk.processor.span.processed"]
        assert sum(p.value for p in processed if "error.type" not in p.attributes) == 20


def sdk_has_processor_metrics() -> bool:
    from opentelemetry.sdk import environment_variables

    return hasattr(environment_variables, "OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED")
