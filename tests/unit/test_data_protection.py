"""Data protection: no prompt, completion, user id or API key leaves the process unless content capture asks.

Calls with distinctive ("canary") prompts, completions, user id, organisation and API key go through the real
instrumentation into exporters that serialise everything (the OTLP JSON lines files of spans, metrics and log
records, and the SDK's console exporter); every byte of them and every record of the ``otel_aicost`` and
``opentelemetry`` loggers at DEBUG is scanned. Content capture follows
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` exactly. Hostile allocation tag values cannot grow the
number of metric series past the cap.
"""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from otel_aicost import allocate
from otel_aicost.export.file import JsonLinesFileLogExporter, JsonLinesFileMetricExporter, JsonLinesFileSpanExporter
from otel_aicost.instrumentation.instrumentor import OpenAICostInstrumentor
from otel_aicost.instrumentation.metrics import OTHER, MetricTags
from tests.support import payloads
from tests.support.load import HAS_RESPONSES
from tests.support.mock_openai import client, json_response, sse, sse_response
from tests.support.telemetry import collected_metrics

PROMPT = "canary-prompt-Zq81"
SYSTEM = "canary-system-Wx42"
COMPLETION = "canary-completion-Jm73"
USER_ID = "canary-user-Hb19"
API_KEY = "sk-canary-key-Pv55-0123456789abcdef"
ORGANIZATION = "org-canary-Tt08"
SECRETS = (API_KEY, "canary-key-Pv55", USER_ID, ORGANIZATION)  # never recorded, whatever the mode
CONTENT = (PROMPT, SYSTEM, COMPLETION)  # recorded only when content capture asks
CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]


def _respond(request: Any) -> Any:
    path = request.url.path
    body = json.loads(request.content)
    if path.endswith("/embeddings"):
        return json_response(payloads.embeddings())
    if path.endswith("/responses"):
        if body.get("stream"):
            return sse_response(sse(payloads.response_events(pieces=(COMPLETION,))))
        return json_response(payloads.response(text=COMPLETION))
    if path.endswith("/completions") and "/chat/" not in path:
        return json_response(payloads.completion(text=COMPLETION))
    if body.get("stream"):
        asked = bool((body.get("stream_options") or {}).get("include_usage"))
        return sse_response(sse(payloads.chat_chunks(pieces=(COMPLETION,), include_usage=asked)))
    return json_response(payloads.chat_completion(content=COMPLETION))


def make_calls() -> None:
    api = client(_respond, organization=ORGANIZATION)
    api.api_key = API_KEY
    with allocate(team="search"):
        api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, user=USER_ID)
        for _ in api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True, user=USER_ID):
            pass
        api.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, user=USER_ID)
        api.embeddings.create(model="text-embedding-3-small", input=PROMPT, user=USER_ID)
        if not HAS_RESPONSES:
            return
        api.responses.create(model="gpt-4o", input=PROMPT, instructions=SYSTEM, user=USER_ID)
        for _ in api.responses.create(model="gpt-4o", input=PROMPT, stream=True, user=USER_ID):
            pass


class Exported:
    """Everything the process exported or logged, as text."""

    def __init__(self, directory: Path, console: str, log_lines: list[str]) -> None:
        self.files = {path.name: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.jsonl"))}
        self.console = console
        self.logs = "\n".join(log_lines)

    @property
    def spans(self) -> str:
        return self.files.get("traces.jsonl", "") + self.console

    @property
    def log_records(self) -> str:
        return self.files.get("logs.jsonl", "")

    @property
    def everything(self) -> str:
        return "\n".join([*self.files.values(), self.console, self.logs])


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("otel_aicost", "opentelemetry")):  # ours and the SDK's, not the openai SDK's
            self.lines.append(f"{record.name} {record.levelname} {record.getMessage()} {record.exc_text or ''}")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``run(capture_env)`` makes the calls with that content capture variable and returns what was exported."""
    instrumentor = OpenAICostInstrumentor()
    handler = _Lines()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def _run(capture: str | None) -> Exported:
        if capture is not None:
            monkeypatch.setenv(CAPTURE, capture)
        console = io.StringIO()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(JsonLinesFileSpanExporter(tmp_path)))
        tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
        metric_reader = PeriodicExportingMetricReader(JsonLinesFileMetricExporter(tmp_path), 3_600_000)
        meter_provider = MeterProvider(metric_readers=[metric_reader])
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(JsonLinesFileLogExporter(tmp_path)))
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider,
                                logger_provider=logger_provider,
                                config={"budgets": [{"name": "tiny", "limit": 0.000001}]})  # fmt: skip
        try:
            make_calls()
        finally:
            instrumentor.uninstrument()
            for provider in (tracer_provider, meter_provider, logger_provider):
                provider.shutdown()
        return Exported(tmp_path, console.getvalue(), handler.lines)

    yield _run
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_by_default_nothing_secret_and_no_content_anywhere(run: Any) -> None:
    exported = run(None)
    calls = 6 if HAS_RESPONSES else 4
    assert exported.spans.count('"gen_ai.operation.name"') >= 2 * calls, "the spans were exported (JSON and console)"
    assert "gen_ai.usage.cost" in exported.files["metrics.jsonl"]
    assert "aicost.budget" in exported.everything, "the budget threshold warning was emitted too"
    for canary in SECRETS + CONTENT:
        assert canary not in exported.everything, canary


@pytest.mark.parametrize(
    ("value", "on_spans", "in_events"),
    [
        ("no_content", False, False),
        ("NO_CONTENT", False, False),
        ("span_only", True, False),
        ("event_only", False, True),
        ("span_and_event", True, True),
        ("true", True, False),
        ("True", True, False),
        ("false", False, False),
        ("", False, False),
    ],
)
def test_content_capture_follows_the_variable_exactly(run: Any, value: str, on_spans: bool, in_events: bool) -> None:
    exported = run(value)
    for canary in CONTENT:
        assert (canary in exported.spans) is on_spans, (value, canary)
        assert (canary in exported.log_records) is in_events, (value, canary)
        assert canary not in exported.logs and canary not in exported.files.get("metrics.jsonl", "")
    for canary in SECRETS:
        assert canary not in exported.everything, canary


@pytest.mark.parametrize("value", ["garbage", "yes", "span-only", "1"])
def test_unknown_capture_value_captures_nothing_and_says_so(run: Any, value: str) -> None:
    exported = run(value)
    for canary in SECRETS + CONTENT:
        assert canary not in exported.everything, canary
    assert any(CAPTURE in line and "WARNING" in line for line in exported.logs.splitlines()), exported.logs


# --- hostile allocation tags -----------------------------------------------------------------------------------


def _team_values(reader: InMemoryMetricReader) -> set[str]:
    return {point.attributes["aicost.tag.team"] for metric in collected_metrics(reader)
            for point in metric.data.data_points if "aicost.tag.team" in point.attributes}  # fmt: skip


def test_hostile_tag_values_cannot_grow_metric_series(telemetry: Any, instrument: Any) -> None:
    instrument()  # default cap: 100 distinct values per key
    api = client(lambda request: json_response(payloads.embeddings()))
    hostile = ["x" * 1_000_000, "\x00\xff\ud800 binary", "new\nline", b"\xff\xfe".decode("latin-1"), "é" * 200]
    for value in hostile + [f"team-{i}" for i in range(600)]:
        with allocate(team=value):
            api.embeddings.create(model="text-embedding-3-small", input="hi")
    values = _team_values(telemetry.reader)
    assert OTHER in values
    assert len(values) <= 100 + 1
    assert all(len(value) <= 128 and value.isprintable() for value in values)
    spans = telemetry.spans()
    assert len(spans) == 605
    assert spans[0].attributes["aicost.tag.team"] == hostile[0], "spans keep the value as it was (SPEC section 6)"


def test_tag_cap_holds_for_10000_distinct_values_from_many_threads() -> None:
    tags = MetricTags(("team",), cap=100)
    admitted: list[str] = []
    lock = threading.Lock()

    def work(offset: int) -> None:
        for i in range(1250):
            attributes = dict(tags.admitted({"team": f"t{offset + i}"}))
            with lock:
                admitted.append(attributes["aicost.tag.team"])  # type: ignore[arg-type]

    threads = [threading.Thread(target=work, args=(n * 1250,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    distinct = set(admitted) - {OTHER}
    assert len(admitted) == 10_000
    assert len(distinct) == 100
    assert admitted.count(OTHER) == 9_900


# --- secrets in config files ------------------------------------------------------------------------------------

CONFIG_SECRET = "InstrumentationKey=canary-0000-conn-Rr37"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.yaml", f'currency: "EUR\nconnection_string: "{CONFIG_SECRET}"\n'),  # unterminated quote
        ("bad.yml", f"currency: EUR\n  api_key: {CONFIG_SECRET}\n"),  # bad indentation on the secret's line
        ("bad.toml", f'currency = "EUR"\napi_key = {CONFIG_SECRET}\n'),
        ("bad.json", f'{{"currency": "EUR", "api_key": {CONFIG_SECRET}}}'),
        ("unknown.toml", f'api_key = "{CONFIG_SECRET}"\n'),
        ("unknown.yaml", f"connection_string: '{CONFIG_SECRET}'\n"),
        ("unknown.json", json.dumps({"exporter": "otlp", "headers": {"api-key": CONFIG_SECRET}})),
    ],
)
def test_config_errors_name_the_file_and_key_never_a_secret(tmp_path: Path, name: str, text: str) -> None:
    from otel_aicost.config.settings import ConfigError, load_settings

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings({"config": str(path)}, {})
    message = str(caught.value)
    assert str(path) in message
    assert "canary" not in message and "Rr37" not in message, message
