"""A script that exits with a stream still open: its call is exported, once, before the providers shut down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conformance.recordings import STREAMS

SCRIPT = r'''
import json, sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

class Lines(SpanExporter):
    def export(self, spans):
        with open(sys.argv[2], "a") as out:
            for span in spans:
                out.write(json.dumps({"attributes": dict(span.attributes), "status": span.status.status_code.name,
                                      "ended": span.end_time is not None}) + "\n")
        return SpanExportResult.SUCCESS

provider = TracerProvider()  # shuts down (flushing its batch) at interpreter exit
provider.add_span_processor(BatchSpanProcessor(Lines()))

from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
OpenAICostInstrumentor().instrument(tracer_provider=provider)

import openai
client = openai.OpenAI(api_key="k", base_url=sys.argv[1], max_retries=0)
kwargs = json.loads(sys.argv[3])
if sys.argv[4] == "helper":
    if "input" in kwargs:
        MANAGER = client.responses.stream(**kwargs)
    else:
        chat = client.chat.completions if hasattr(client.chat.completions, "stream") else client.beta.chat.completions
        MANAGER = chat.stream(**kwargs)
    STREAM = MANAGER.__enter__()
else:
    STREAM = (client.responses if "input" in kwargs else client.chat.completions).create(stream=True, **kwargs)
print(type(next(iter(STREAM))).__name__)  # one chunk read; the script ends with the stream open
'''

CASES = [("chat_stream", "create"), ("chat_stream", "helper"), ("response_stream", "create"),
         ("response_stream", "helper")]  # fmt: skip


@pytest.mark.parametrize(("name", "how"), CASES)
def test_open_stream_at_exit_is_exported(replay, tmp_path, name, how):
    import openai

    recording = STREAMS[name]
    if recording.path == "/responses" and not hasattr(openai.OpenAI(api_key="x"), "responses"):
        pytest.skip("this openai version has no Responses API")
    replay.serve(recording)
    kwargs = {"model": recording.model}
    if recording.path == "/responses":
        kwargs["input"] = "Hi"
    else:
        kwargs["messages"] = [{"role": "user", "content": "Hi"}]
    out = tmp_path / "spans.jsonl"
    script = tmp_path / "app.py"
    script.write_text(SCRIPT)
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root), "OTEL_AICOST_RAISE_INTERNAL_ERRORS": "1"}
    result = subprocess.run([sys.executable, str(script), replay.url + "/v1", str(out), json.dumps(kwargs), how],
                            env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Processor is already shutdown" not in result.stderr
    spans = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(spans) == 1, spans
    (span,) = spans
    assert span["ended"] and span["status"] == "UNSET"
    assert span["attributes"]["gen_ai.request.model"] == recording.model
    assert span["attributes"]["aicost.pricing.status"] in ("priced", "no_usage")
