"""After ``fork()`` a child counts only its own calls, under its own ``service.instance.id`` (SPEC 14).

A pre-fork server: the parent configures, serves a few calls itself (the state a preloading server has), then
forks workers with the ``fork`` start method of ``multiprocessing``; each worker serves its own calls and exits.
Everything goes to the embedded default files, which the test reads back: the last cumulative count of the
duration histogram per ``service.instance.id`` must be exactly each process's own number of calls, so a sum
over instances equals the calls made (the bug was every worker reporting the parent's calls again).
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from tests.support.apps import python, run

pytestmark = pytest.mark.integration

PRE_FORK_SERVER = """
import json, multiprocessing, os, sys
import otel_aicost.auto
import openai
from opentelemetry import metrics, trace
from otel_aicost.demo import FakeOpenAI
from otel_aicost.export import health

def serve(base_url, calls):
    client = openai.OpenAI(base_url=base_url, api_key="sk-x", max_retries=0)
    for _ in range(calls):
        client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])

def worker(base_url, calls, out):
    inherited = {"received": health.health.received, "unsent": health.health.unsent}
    serve(base_url, calls)
    out.put({"pid": os.getpid(), "inherited": inherited, "received": health.health.received})
    # multiprocessing children leave by os._exit: the exit flush runs as a multiprocessing finalizer

if __name__ == "__main__":
    context = multiprocessing.get_context("fork")
    with FakeOpenAI() as server:
        serve(server.base_url, 3)  # the parent's own calls, before the fork
        out = context.Queue()
        workers = [context.Process(target=worker, args=(server.base_url, n, out)) for n in (1, 2)]
        for process in workers:
            process.start()
        reports = [out.get(timeout=60) for _ in workers]
        for process in workers:
            process.join(60)
        serve(server.base_url, 1)  # the parent goes on serving after the fork
    print(json.dumps({"workers": reports, "exit_codes": [p.exitcode for p in workers]}))
"""


def _last_counts(metrics_file) -> dict[str, int]:
    """The last cumulative count of ``gen_ai.client.operation.duration`` per ``service.instance.id``."""
    counts: dict[str, int] = {}
    for line in metrics_file.read_text().splitlines():
        for resource_metrics in json.loads(line)["resourceMetrics"]:
            resource = {a["key"]: a["value"].get("stringValue") for a in resource_metrics["resource"]["attributes"]}
            instance = resource["service.instance.id"]
            for scope in resource_metrics["scopeMetrics"]:
                for metric in scope["metrics"]:
                    if metric["name"] == "gen_ai.client.operation.duration":
                        counts[instance] = sum(int(p["count"]) for p in metric["histogram"]["dataPoints"])
    return counts


def _spans_by_instance(traces_file) -> dict[str, int]:
    spans: dict[str, int] = defaultdict(int)
    for line in traces_file.read_text().splitlines():
        for resource_spans in json.loads(line)["resourceSpans"]:
            resource = {a["key"]: a["value"].get("stringValue") for a in resource_spans["resource"]["attributes"]}
            spans[resource["service.instance.id"]] += sum(len(s["spans"]) for s in resource_spans["scopeSpans"])
    return dict(spans)


def test_forked_workers_count_only_their_own_calls_under_their_own_instance_id(tmp_path):
    (tmp_path / "server.py").write_text(PRE_FORK_SERVER)
    result = run(python("server.py"), tmp_path, {"OTEL_METRIC_EXPORT_INTERVAL": "600000"})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["exit_codes"] == [0, 0]
    for worker in report["workers"]:
        assert worker["inherited"] == {"received": 0, "unsent": 0}, "span counters start at zero in the child"
    assert "dropped" not in result.stderr and "not sent" not in result.stderr, result.stderr

    data = tmp_path / "otel-aicost-data"
    counts = _last_counts(data / "metrics.jsonl")
    assert sorted(counts.values()) == [1, 2, 4], counts  # workers 1 and 2; the parent 3 before the fork + 1 after
    assert sum(counts.values()) == 3 + 1 + 2 + 1, "a sum over instances is the number of calls"
    spans = _spans_by_instance(data / "traces.jsonl")
    assert spans == counts, "each process's spans carry its own service.instance.id too"
