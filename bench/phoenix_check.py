"""Arize Phoenix as a tracing UI for otel-aicost spans: run a real Phoenix on loopback and read back what it shows.

    python -m venv /tmp/phoenix-venv && /tmp/phoenix-venv/bin/pip install arize-phoenix   # once, ~4 min
    .venv/bin/python bench/phoenix_check.py --phoenix /tmp/phoenix-venv/bin/phoenix

On demand only (CI does not install Phoenix; it lives in its own virtualenv so its many dependencies never meet
ours). The script starts ``phoenix serve`` on free loopback ports, runs one small app twice (an Azure OpenAI
deployment ``chat-prod`` serving gpt-4o-mini, a plain OpenAI chat call and an embeddings call, all against the
loopback fake OpenAI), once as is and once with ``OTEL_AICOST_OPENINFERENCE=true``, each into its own Phoenix
project, with only traces sent to Phoenix (``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``: metrics stay on the
embedded default files, no 405). Then it asks Phoenix's GraphQL API, per span, which model it saw, how many
tokens and what cost it computed, prints that next to our ``gen_ai.usage.cost``, and exits 1 when the switch
does not make Phoenix price the Azure span.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = """
import openai
import otel_aicost.auto
from otel_aicost.demo import FakeOpenAI

with FakeOpenAI(deployments={"chat-prod": "gpt-4o-mini"}) as server:
    azure = openai.AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="x",
                               max_retries=0)
    azure.chat.completions.create(model="chat-prod", messages=[{"role": "user", "content": "hello"}])
    plain = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)
    plain.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}])
    plain.embeddings.create(model="text-embedding-3-small", input="hello")
"""
QUERY = """
query {
  projects { edges { node { name spans(first: 50) { edges { node {
    name attributes costSummary { total { cost tokens } }
  } } } } } }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(1)
    raise SystemExit(f"Phoenix did not answer at {url} within {seconds:.0f} s")


def run_app(base: str, project: str, openinference: bool, workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        PYTHONPATH=str(ROOT),
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=f"{base}/v1/traces",
        OTEL_RESOURCE_ATTRIBUTES=f"openinference.project.name={project}",
        OTEL_AICOST_DATA_DIR=str(workdir / f"data-{project}"),
        OTEL_AICOST_OPENINFERENCE="true" if openinference else "false",
    )
    done = subprocess.run([sys.executable, "-c", APP], env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or "405" in done.stderr:
        raise SystemExit(f"app failed ({done.returncode}):\n{done.stderr}")


def spans_of(base: str, project: str) -> list[dict]:
    body = json.dumps({"query": QUERY}).encode()
    request = urllib.request.Request(f"{base}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = json.load(response)
    if data.get("errors"):
        raise SystemExit(f"Phoenix GraphQL errors: {data['errors']}")
    for edge in data["data"]["projects"]["edges"]:
        if edge["node"]["name"] == project:
            return [span["node"] for span in edge["node"]["spans"]["edges"]]
    return []


def flat(attributes: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in attributes.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phoenix", default=shutil.which("phoenix") or "/tmp/phoenix-venv/bin/phoenix")
    parser.add_argument("--wait", type=float, default=40.0, help="seconds for spans to be ingested")
    args = parser.parse_args()
    if not Path(args.phoenix).exists():
        print(f"no Phoenix at {args.phoenix}: see the install line at the top of this file", file=sys.stderr)
        return 2
    port, grpc_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = {**os.environ, "PHOENIX_PORT": str(port), "PHOENIX_GRPC_PORT": str(grpc_port),
               "PHOENIX_HOST": "127.0.0.1", "PHOENIX_WORKING_DIR": str(workdir / "phoenix"),
               "PHOENIX_TELEMETRY_ENABLED": "false"}  # fmt: skip
        phoenix = subprocess.Popen([args.phoenix, "serve"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=open(workdir / "phoenix.log", "w"))  # fmt: skip
        try:
            started = time.monotonic()
            wait_ready(f"{base}/healthz", 240)
            print(f"Phoenix ready after {time.monotonic() - started:.0f} s on {base}")
            for project, switch in (("semconv-only", False), ("openinference", True)):
                run_app(base, project, switch, workdir)
            deadline = time.monotonic() + args.wait
            results = {}
            while time.monotonic() < deadline:
                results = {project: spans_of(base, project) for project in ("semconv-only", "openinference")}
                if all(len(spans) >= 3 for spans in results.values()):
                    break
                time.sleep(2)
        finally:
            phoenix.terminate()
            phoenix.wait(30)
    failed = False
    print(f"{'project':14} {'span':32} {'llm.model_name':26} {'tokens':>7} {'Phoenix cost':>13} {'our cost':>12}")
    for project, spans in results.items():
        for span in sorted(spans, key=lambda s: s["name"]):
            attributes = flat(json.loads(span["attributes"]) if isinstance(span["attributes"], str) else {})
            total = (span.get("costSummary") or {}).get("total") or {}
            ours = attributes.get("gen_ai.usage.cost")
            print(f"{project:14} {span['name']:32} {str(attributes.get('llm.model_name')):26} "
                  f"{str(total.get('tokens')):>7} {str(total.get('cost')):>13} {str(ours):>12}")  # fmt: skip
            if project == "openinference" and span["name"] == "chat chat-prod" and not total.get("cost"):
                failed = True
    if not results.get("openinference"):
        print("no spans reached Phoenix", file=sys.stderr)
        return 1
    print("FAIL: the Azure span is still unpriced with the switch on" if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
