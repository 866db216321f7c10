"""A script's user sees its cost without a backend: the exit summary and the line per call, in a real process.

The oracle is the telemetry itself: the costs on the spans the embedded default wrote (summary) and the calls
made (lines)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from tests.support.apps import python, run

pytestmark = pytest.mark.integration

APP = """
import otel_aicost.auto
import openai
from otel_aicost import allocate
from otel_aicost.demo import FakeOpenAI

with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-x", max_retries=0)
    with allocate(team="search"):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hello there"}])
    client.embeddings.create(model="text-embedding-3-small", input="hello")
print("app output")
"""


def _span_costs(traces_file) -> list[tuple[str, float]]:
    found = []
    for line in traces_file.read_text().splitlines():
        for resource_spans in json.loads(line)["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                for span in scope_spans["spans"]:
                    attributes = {a["key"]: next(iter(a["value"].values())) for a in span["attributes"]}
                    found.append((attributes["aicost.pricing.model"], attributes["gen_ai.usage.cost"]))
    return found


def test_summary_at_exit_adds_up_to_the_spans(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    result = run(python("app.py"), tmp_path, {"OTEL_AICOST_SUMMARY": "stderr"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "app output\n", "the table never mixes with the program's output"
    costs = _span_costs(tmp_path / "otel-aicost-data" / "traces.jsonl")
    total = sum(Decimal(repr(cost)) for _, cost in costs)
    header = re.search(r"otel-aicost summary: (\d+) calls, \$([\d.]+) USD", result.stderr)
    assert header, result.stderr
    assert int(header[1]) == 3 and Decimal(header[2]) == total.quantize(Decimal("0.000001"))
    table = result.stderr[header.start():]
    for model, cost in costs:
        assert re.search(rf"{re.escape(model)}\s+1\s", table), table
    assert re.search(r"tag team=search\s+2\s", table), table


def test_console_exporter_prints_one_readable_line_per_call(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    result = run(python("app.py"), tmp_path, {"OTEL_AICOST_EXPORTER": "console"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "app output\n"
    lines = [line for line in result.stderr.splitlines() if line.startswith("otel-aicost: ")]
    assert len(lines) == 3, result.stderr
    assert re.fullmatch(r"otel-aicost: chat gpt-4o-mini\S*  in [\d,]+ / out [\d,]+ tokens  \$0\.\d{6}  "
                        r"\d+\.\d\d s  team=search", lines[0]), lines[0]  # fmt: skip
    assert lines[2].startswith("otel-aicost: embeddings text-embedding-3-small")
    assert not (tmp_path / "otel-aicost-data").exists(), "console replaces the files"
