"""`import otel_aicost.auto` stays off the application's start path (issue 17): it imports no OpenAI SDK module the
application has not imported, loads no price data or encodings and starts no thread; the first call loads them and
is priced; classes the application imports later (or openai imported after us) are wrapped when they load.

Each case runs in a fresh interpreter (module state is the point). No timing here: `bench/startup.py` measures."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

APP = """
import json, sys, threading
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

spans = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(spans))
trace.set_tracer_provider(provider)   # the application's own set-up: auto only instruments

{imports}

from otel_aicost.demo.fake_openai import FakeOpenAI

report = {{
    "new_openai_modules": sorted(m for m in set(sys.modules) - before if m.startswith("openai")),
    "loaded_at_import": sorted(m for m in ("genai_prices", "tiktoken") if m in sys.modules)
    + sorted(getattr(sys.modules.get("otel_aicost.cost.shipped"), "_json", {{}})),  # price files read
    "our_threads": sorted(t.name for t in threading.enumerate() if t.name.startswith("otel-aicost")),
}}
with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
    client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "hi"}}])
    if hasattr(client, "responses"):
        client.responses.create(model="gpt-4o-mini", input="hi")
report["spans"] = sorted(
    (span.name, span.attributes.get("aicost.pricing.status")) for span in spans.get_finished_spans()
)
report["has_responses"] = hasattr(openai.OpenAI, "responses")
print(json.dumps(report))
"""


def run_app(imports: str, tmp_path) -> dict:
    code = textwrap.dedent(APP).format(imports=textwrap.dedent(imports))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OTEL_METRICS_EXPORTER": "none",
             "OTEL_LOGS_EXPORTER": "none"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def expected_spans(report: dict) -> list[list[str]]:
    spans = [["chat gpt-4o-mini", "priced"]]
    if report["has_responses"]:
        spans.append(["chat gpt-4o-mini", "priced"])
    return spans


def test_auto_after_openai_imports_nothing_heavy_and_the_first_call_is_priced(tmp_path):
    report = run_app(
        """
        import openai
        before = set(sys.modules)
        import otel_aicost.auto
        """,
        tmp_path,
    )
    assert report["new_openai_modules"] == []  # the Responses resources load when the app first uses them
    assert report["loaded_at_import"] == []
    assert report["our_threads"] == []
    assert report["spans"] == expected_spans(report)


def test_openai_imported_after_auto_is_wrapped_when_it_loads(tmp_path):
    report = run_app(
        """
        before = set(sys.modules)
        import otel_aicost.auto
        import openai
        """,
        tmp_path,
    )
    assert report["loaded_at_import"] == []
    assert report["spans"] == expected_spans(report)
