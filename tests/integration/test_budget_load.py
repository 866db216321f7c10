"""Block budgets hold under load: 64 threads and 1,000 asyncio tasks, no ``max_tokens``, against the loopback fake.

Issue 11: with a reservation that covered input only, 40 concurrent calls overshot a block budget 24x. Now a call
that sets no ``max_tokens`` reserves its model's observed p95 output (its capped max output until 8 have been
seen) and calls in flight together keep headroom, so the final spend of each budget is at most its limit plus one
call's true cost. Output lengths vary per call (the fake's ``fake_words``) so the p95 is a real estimate.
"""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import pytest

from otel_aicost import BudgetExceeded, allocate
from otel_aicost.demo.fake_openai import FakeOpenAI
from tests.support.load import async_client, sync_client

pytestmark = pytest.mark.integration

THREADS = 64
CALLS_PER_THREAD = 8
TASKS = 1000
LIMIT = Decimal("0.02")  # USD: well below what the calls would cost unchecked (about $0.07 and $0.13)
MESSAGES = [{"role": "user", "content": "Tell me what this costs, at some length."}]


def words(number: int) -> int:
    return 40 + (number * 37) % 400  # 40..439 output tokens, spread over the run


@pytest.fixture(scope="module")
def server():
    with FakeOpenAI() as fake:
        yield fake


def test_block_budgets_overshoot_by_at_most_one_call_under_threads_and_tasks(
    server, telemetry, instrument, record_property
):
    figures = run(server, telemetry, instrument)
    for group, numbers in figures.items():
        record_property(group, numbers)
        print(f"\nbudget load ({group}): {numbers}")
        assert numbers["spent"] <= numbers["limit"] + numbers["one_call"], (group, numbers)
        assert numbers["blocked"] > 0 and numbers["admitted"] > 0


def test_an_input_only_reservation_would_overshoot_the_same_load(server, telemetry, instrument, monkeypatch):
    """The check above can fail: reserving input only (the old estimate) lets the same load overshoot."""
    from otel_aicost.budgets import guard

    monkeypatch.setattr(guard, "expected_output", lambda *args: 0)
    figures = run(server, telemetry, instrument)
    for group, numbers in figures.items():
        print(f"\ninput-only reservation ({group}): {numbers}")
    assert any(n["spent"] > n["limit"] + n["one_call"] for n in figures.values()), figures


def run(server, telemetry, instrument) -> dict[str, dict]:
    budgets = [
        {"name": "threads", "limit": float(LIMIT), "match": {"team": "threads"}, "action": "block"},
        {"name": "tasks", "limit": float(LIMIT), "match": {"team": "tasks"}, "action": "block"},
    ]
    instrumentor = instrument(budgets=budgets)
    outcome = {"threads": [0, 0], "tasks": [0, 0]}  # admitted, blocked
    lock = threading.Lock()
    api = sync_client(server.base_url)
    with allocate(team="warm-up"):  # no budget matches: the pricer sees 8 outputs, the p95 is known
        for number in range(8):
            api.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, extra_body={"fake_words": words(number)})

    def count(group: str, admitted: bool) -> None:
        with lock:
            outcome[group][0 if admitted else 1] += 1

    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> None:
        barrier.wait()
        for i in range(CALLS_PER_THREAD):
            number = thread * CALLS_PER_THREAD + i
            try:
                with allocate(team="threads"):
                    api.chat.completions.create(
                        model="gpt-4o-mini", messages=MESSAGES, extra_body={"fake_words": words(number)}
                    )
            except BudgetExceeded:
                count("threads", False)
            else:
                count("threads", True)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    async def tasks() -> None:
        client = async_client(server.base_url)

        async def one(number: int) -> None:
            try:
                with allocate(team="tasks"):
                    await client.chat.completions.create(
                        model="gpt-4o-mini", messages=MESSAGES, extra_body={"fake_words": words(number)}
                    )
            except BudgetExceeded:
                count("tasks", False)
            else:
                count("tasks", True)

        await asyncio.gather(*(one(number) for number in range(TASKS)))
        await client.close()

    asyncio.run(tasks())

    spans = telemetry.spans()
    book = instrumentor.telemetry.budgets.book
    spent = book.spent()
    assert all(account.reserved == 0 for account in book._accounts), "a finished call still holds its estimate"
    assert sum(outcome["threads"]) == THREADS * CALLS_PER_THREAD and sum(outcome["tasks"]) == TASKS
    figures = {}
    for group in ("threads", "tasks"):
        costs = [
            Decimal(repr(span.attributes["gen_ai.usage.cost"]))
            for span in spans
            if span.attributes.get("aicost.tag.team") == group and "gen_ai.usage.cost" in span.attributes
        ]
        admitted, blocked = outcome[group]
        assert len(costs) == admitted, (group, outcome)
        assert abs(spent[group] - sum(costs, Decimal(0))) < Decimal("1e-9")
        one_call = max(costs)
        figures[group] = {
            "admitted": admitted,
            "blocked": blocked,
            "spent": spent[group],
            "limit": LIMIT,
            "one_call": one_call,
            "overshoot_in_calls": round(float(max(Decimal(0), spent[group] - LIMIT) / one_call), 2),
            "unchecked_spend": round(float(sum(costs) / admitted * (admitted + blocked)), 4),
        }
    return figures
