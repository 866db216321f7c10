"""Load: 64 threads and 1,000 concurrent asyncio tasks against the loopback fake, instrumented.

Every call has exactly one span, every span is priced, the ``gen_ai.usage.cost`` metric adds up to the span costs
(to 1e-9), and budgets count each call once (a block budget's holds are all released). Throughput bare and
instrumented is recorded here, not asserted (timing asserts do not belong in CI): ``python bench/load.py``
runs the full size and asserts instrumented >= 90% of bare.
"""

from __future__ import annotations

import math
import os
from decimal import Decimal

import pytest

from otel_aicost.demo.fake_openai import FakeOpenAI
from tests.support.load import run_tasks, run_threads, span_costs, sync_client

pytestmark = pytest.mark.integration

THREADS = 64
CALLS_PER_THREAD = int(os.environ.get("AICOST_LOAD_CALLS_PER_THREAD", "4"))
TASKS = 1000
BUDGETS = [
    {"name": "everything", "limit": 1_000_000, "action": "block"},
    {"name": "search", "limit": 1_000_000, "match": {"team": "search"}, "action": "warn"},
]


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as fake:
        yield fake


def test_threads_and_tasks_every_call_priced_once_and_the_sums_agree(server, telemetry, instrument, record_property):
    api = sync_client(server.base_url)
    bare_calls, bare_seconds = run_threads(api, THREADS, CALLS_PER_THREAD)  # not instrumented yet
    instrumentor = instrument(budgets=BUDGETS)
    calls, seconds = run_threads(api, THREADS, CALLS_PER_THREAD)
    task_calls, task_seconds = run_tasks(server.base_url, TASKS)
    total = calls + task_calls

    numbers = {
        "threads_bare_calls_per_s": round(bare_calls / bare_seconds, 1),
        "threads_instrumented_calls_per_s": round(calls / seconds, 1),
        "tasks_instrumented_calls_per_s": round(task_calls / task_seconds, 1),
    }
    for key, value in numbers.items():
        record_property(key, value)
    print(f"\nload: {calls} threaded + {task_calls} async calls; {numbers}")

    assert server.request_count == bare_calls + total
    assert not server.handler_errors
    spans = telemetry.spans()
    assert len(spans) == total
    assert all(span.attributes.get("aicost.pricing.status") == "priced" for span in spans)
    costs = span_costs(spans)
    assert len(costs) == total and all(cost > 0 for cost in costs)

    points = telemetry.points("gen_ai.usage.cost")
    assert sum(point.count for point in points) == total
    assert abs(sum(point.sum for point in points) - math.fsum(costs)) < 1e-9

    book = instrumentor.telemetry.budgets.book
    spent = book.spent()
    search = [span.attributes["gen_ai.usage.cost"] for span in spans if span.attributes["aicost.tag.team"] == "search"]
    assert len(search) == total // 2
    assert abs(spent["everything"] - Decimal(repr(math.fsum(costs)))) < Decimal("1e-9")
    assert abs(spent["search"] - Decimal(repr(math.fsum(search)))) < Decimal("1e-9")
    assert all(account.reserved == 0 for account in book._accounts), "a block budget still holds a finished call"
