"""Each signal goes where the OpenTelemetry variables send it (SPEC 14), and ``configure()`` (``import
otel_aicost.auto``) and ``opentelemetry-instrument`` agree, for every environment of the matrix.

Each row runs the same user program both ways in subprocesses against a loopback OTLP/HTTP receiver per route,
and observes where each signal arrived: ``otlp`` (the receiver got it), ``file`` (the embedded default's
``<signal>.jsonl``), ``console`` (the SDK's console JSON on stdout), ``lines`` (our readable line per call on
stderr). The expected outcomes are typed in from the specification, not computed; README's table is this list.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.apps import python, run, script
from tests.support.otlp_receiver import OTLPReceiver

pytestmark = pytest.mark.integration

APP = '''
{imports}
import openai
from otel_aicost.demo import FakeOpenAI

with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-x", max_retries=0)
    for _ in range(2):  # the budget warning of the second call is the log record
        client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
'''
CONFIG = """
[[budgets]]
name = "tiny"
limit = 0.0000001
period = "day"
action = "warn"
"""
SIGNAL_PATHS = {"traces": "/v1/traces", "metrics": "/v1/metrics", "logs": "/v1/logs"}
ENDPOINT = "{endpoint}"  # replaced by each route's receiver

# environment -> (traces, metrics, logs): where each signal arrives. README "Where each signal goes" lists these.
MATRIX = [
    ({}, ("file", "file", "file")),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, ("otlp", "otlp", "otlp")),
    ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ENDPOINT + "/v1/traces"}, ("otlp", "file", "file")),
    ({"OTEL_TRACES_EXPORTER": "none"}, ("-", "file", "file")),
    ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ENDPOINT + "/v1/traces",
      "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none"}, ("otlp", "-", "-")),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_METRICS_EXPORTER": "none"}, ("otlp", "-", "otlp")),
    ({"OTEL_TRACES_EXPORTER": "console,file", "OTEL_METRICS_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "console"},
     ("console+file", "-", "console")),
    ({"OTEL_AICOST_EXPORTER": "none"}, ("-", "-", "-")),
    ({"OTEL_AICOST_EXPORTER": "file", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_LOGS_EXPORTER": "otlp"},
     ("file", "file", "otlp")),
    ({"OTEL_AICOST_EXPORTER": "console"}, ("lines", "-", "-")),
    ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
      "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf", "OTEL_TRACES_EXPORTER": "none",
      "OTEL_LOGS_EXPORTER": "none"}, ("-", "otlp", "-")),
]  # fmt: skip


def _outcome(result, directory: Path, receiver: OTLPReceiver) -> tuple[str, ...]:
    assert result.returncode == 0, result.stderr
    found = []
    for signal, path in SIGNAL_PATHS.items():
        places = []
        if signal == "traces" and "otel-aicost: chat gpt-4o-mini" in result.stderr:
            places.append("lines")
        if _console_json(result.stdout, signal):
            places.append("console")
        jsonl = directory / "otel-aicost-data" / f"{signal}.jsonl"
        if jsonl.exists() and jsonl.stat().st_size:
            places.append("file")
        if receiver.requests(path):
            places.append("otlp")
        found.append("+".join(places) or "-")
    return tuple(found)


def _console_json(stdout: str, signal: str) -> bool:
    """The SDK's console exporters print indented JSON: spans have a ``context``, metrics ``resource_metrics``,
    log records a ``body``."""
    marker = {"traces": '"context": {', "metrics": '"resource_metrics"', "logs": '"body":'}[signal]
    return marker in stdout


def _run_both(tmp_path: Path, env: dict[str, str]):
    """(auto outcome, opentelemetry-instrument outcome, their stderr)."""
    (tmp_path / "aicost.toml").write_text(CONFIG)
    outcomes = []
    with OTLPReceiver() as auto_receiver, OTLPReceiver() as zero_receiver:
        jobs = []
        for name, receiver, imports in (("auto", auto_receiver, "import otel_aicost.auto"),
                                        ("instrument", zero_receiver, "")):  # fmt: skip
            directory = tmp_path / name
            directory.mkdir()
            (directory / "app.py").write_text(APP.format(imports=imports))
            variables = {key: value.replace(ENDPOINT, receiver.endpoint) for key, value in env.items()}
            variables["OTEL_AICOST_CONFIG"] = str(tmp_path / "aicost.toml")
            variables["OTEL_METRIC_EXPORT_INTERVAL"] = "600000"  # one export, at exit
            if imports:
                command = python("app.py")
            else:
                variables["PATH"] = f"{Path(script('python')).parent}:/usr/bin:/bin"
                command = [script("opentelemetry-instrument"), "python", "app.py"]
            jobs.append((directory, receiver, command, variables))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda job: run(job[2], job[0], job[3]), jobs))
        for (directory, receiver, _, _), result in zip(jobs, results):
            outcomes.append(_outcome(result, directory, receiver))
    return outcomes[0], outcomes[1], [r.stderr for r in results]


@pytest.mark.parametrize(("env", "expected"), MATRIX, ids=[json.dumps(e) for e, _ in MATRIX])
def test_each_signal_goes_where_the_variables_say_and_both_routes_agree(tmp_path, env, expected):
    auto, instrument, stderrs = _run_both(tmp_path, env)
    assert auto == expected, stderrs[0]
    assert instrument == expected, stderrs[1]
    by_default = [
        signal
        for signal, place in zip(SIGNAL_PATHS, expected)
        if place == "file" and not env.get("OTEL_AICOST_EXPORTER") and not env.get(f"OTEL_{signal.upper()}_EXPORTER")
    ]
    for stderr in stderrs:
        announced = stderr.count("writing OTLP JSON lines") + stderr.count("writing them as OTLP JSON lines")
        assert announced == (1 if by_default else 0), stderr
        assert "405" not in stderr and "Failed to export" not in stderr


def test_headers_and_compression_reach_the_backend(tmp_path):
    with OTLPReceiver() as receiver:
        (tmp_path / "app.py").write_text(APP.format(imports="import otel_aicost.auto"))
        result = run(python("app.py"), tmp_path, {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=acme",
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "x-tenant=traces-only", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
        })  # fmt: skip
        assert result.returncode == 0, result.stderr
        by_path = {path: headers for path, _, headers in receiver._received}
    lowered = {path: {k.lower(): v for k, v in headers.items()} for path, headers in by_path.items()}
    assert lowered["/v1/traces"]["x-tenant"] == "traces-only", "the per-signal variable wins"
    assert lowered["/v1/metrics"]["x-tenant"] == "acme"
    assert all(headers.get("content-encoding") == "gzip" for headers in lowered.values())


@pytest.mark.parametrize(
    ("env", "variable", "needs"),
    [
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_TRACES_EXPORTER": "otlp"}, "OTEL_EXPORTER_OTLP_PROTOCOL",
         "otel-aicost[grpc]"),
        ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"},
         "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "otel-aicost[grpc]"),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_TRACES_EXPORTER": "otlp"}, "OTEL_EXPORTER_OTLP_PROTOCOL",
         "'http/protobuf' or 'grpc'"),
        ({"OTEL_METRICS_EXPORTER": "zipkin"}, "OTEL_METRICS_EXPORTER", "not installed"),
    ],
)  # fmt: skip
def test_an_exporter_that_cannot_be_built_fails_at_setup_naming_the_variable(tmp_path, env, variable, needs):
    # As if the grpc extra were not installed, whether or not it is here: importing it fails.
    hide_grpc = "import sys\nsys.modules['opentelemetry.exporter.otlp.proto.grpc'] = None\n"
    (tmp_path / "app.py").write_text(hide_grpc + APP.format(imports="import otel_aicost.auto"))
    result = run(python("app.py"), tmp_path, env)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert re.match(r"otel_aicost\.config\.\w+\.ConfigError: ", last), result.stderr
    assert variable in last and needs in last, last
    assert not (tmp_path / "otel-aicost-data").exists(), "nothing set up before the error"
