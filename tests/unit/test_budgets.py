"""Budgets (SPEC section 7): periods, matching, thresholds, block before sending, and concurrency."""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import threading
import time
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_aicost import semconv
from otel_aicost.budgets.book import BudgetBook
from otel_aicost.budgets.crossings import ThresholdCrossing, emit
from otel_aicost.budgets.period import period_bounds
from otel_aicost.budgets.rules import Budget, BudgetExceeded
from otel_aicost.instrumentation import safety
from tests.support.telemetry import collected_metrics

D = Decimal


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- periods ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "now", "start", "end"),
    [
        ("hour", utc(2026, 11, 23, 13, 45, 10), utc(2026, 11, 23, 13), utc(2026, 11, 23, 14)),
        ("hour", utc(2026, 12, 31, 23, 59, 59), utc(2026, 12, 31, 23), utc(2027, 1, 1)),
        ("day", utc(2026, 11, 23, 0, 0, 0), utc(2026, 11, 23), utc(2026, 11, 24)),
        ("day", utc(2026, 11, 23, 23, 59, 59), utc(2026, 11, 23), utc(2026, 11, 24)),
        ("month", utc(2026, 1, 31, 23, 59, 59), utc(2026, 1, 1), utc(2026, 2, 1)),
        ("month", utc(2028, 2, 29, 12), utc(2028, 2, 1), utc(2028, 3, 1)),  # leap year
        ("month", utc(2026, 2, 28, 12), utc(2026, 2, 1), utc(2026, 3, 1)),
        ("month", utc(2026, 12, 31, 23, 59, 59), utc(2026, 12, 1), utc(2027, 1, 1)),
        ("month", utc(2026, 4, 30, 23), utc(2026, 4, 1), utc(2026, 5, 1)),
    ],
)
def test_period_bounds_are_utc_hours_days_and_calendar_months(period, now, start, end):
    assert period_bounds(period, now) == (start, end)


@pytest.fixture
def far_from_utc_timezone(monkeypatch):
    """Run with a local time zone far from UTC: periods must not follow it."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is Unix only")
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("period", "inside", "next_period"),
    [
        ("hour", utc(2026, 11, 23, 13, 59, 59), utc(2026, 11, 23, 14)),
        ("day", utc(2026, 11, 23, 23, 59, 59), utc(2026, 11, 24)),
        ("month", utc(2026, 1, 31, 23, 59, 59), utc(2026, 2, 1)),
        ("month", utc(2026, 12, 31, 23, 59, 59), utc(2027, 1, 1)),
    ],
)
def test_a_new_period_resets_spend_and_thresholds(far_from_utc_timezone, period, inside, next_period):
    clock = FakeClock(inside - 3)
    book = BudgetBook([Budget("b", 10, period=period, thresholds=(0.5,))], "USD", clock)
    assert [c.threshold for c in book.settle(None, {}, D("6"))] == [0.5]
    clock.now = inside
    assert book.settle(None, {}, D("1")) == []  # same period: the threshold does not fire twice
    assert book.spent() == {"b": D("7")}
    clock.now = next_period
    assert book.spent() == {"b": D("0")}
    assert book.utilization() == {"b": 0.0}
    crossings = book.settle(None, {}, D("5"))
    assert [c.threshold for c in crossings] == [0.5]  # fires again in the new period
    assert crossings[0].period_start == datetime.fromtimestamp(next_period, timezone.utc)
    assert book.spent() == {"b": D("5")}


def test_a_clock_stepping_back_keeps_the_current_period():
    clock = FakeClock(utc(2026, 11, 23, 12))
    book = BudgetBook([Budget("b", 10, period="day")], "USD", clock)
    book.settle(None, {}, D("2"))
    clock.now = utc(2026, 11, 22, 23)  # NTP step back across midnight
    book.settle(None, {}, D("3"))
    clock.now = utc(2026, 11, 23, 13)
    assert book.spent() == {"b": D("5")}


def test_block_check_uses_the_current_period_only():
    clock = FakeClock(utc(2026, 11, 23, 10, 30))
    book = BudgetBook([Budget("b", 10, period="hour", action="block")], "USD", clock)
    book.settle(book.reserve({}, D("9")), {}, D("9"))
    with pytest.raises(BudgetExceeded):
        book.reserve({}, D("2"))
    clock.now = utc(2026, 11, 23, 11)
    assert book.reserve({}, D("2")) is not None


# --- matching --------------------------------------------------------------------------------------------------


def test_matching_needs_every_key_of_the_match_to_equal_the_tag():
    everything = Budget("all", 100)
    search = Budget("search", 10, match={"team": "search"})
    search_prod = Budget("search-prod", 10, match={"team": "search", "environment": "prod"})
    book = BudgetBook([everything, search, search_prod], "USD")
    assert book.matching({}) == (everything,)
    assert book.matching({"team": "search"}) == (everything, search)
    assert book.matching({"team": "search", "environment": "prod", "user": "u1"}) == (everything, search, search_prod)
    assert book.matching({"team": "search", "environment": "dev"}) == (everything, search)
    assert book.matching({"team": "Search"}) == (everything,)
    assert book.matching({"environment": "prod"}) == (everything,)


def test_spend_counts_only_against_matching_budgets():
    book = BudgetBook([Budget("search", 10, match={"team": "search"}), Budget("all", 100)], "USD")
    book.settle(book.reserve({"team": "search"}, D("1")), {"team": "search"}, D("1.25"))
    book.settle(book.reserve({"team": "ads"}, D("1")), {"team": "ads"}, D("2"))
    book.settle(None, {"team": "search"}, D("0.5"))  # settled without a reservation: tags decide
    assert book.spent() == {"search": D("1.75"), "all": D("3.75")}


def test_no_budgets_means_no_reservation_and_no_crossings():
    book = BudgetBook([], "USD")
    assert not book
    assert book.reserve({"team": "x"}, D("1")) is None
    assert book.settle(None, {"team": "x"}, D("1")) == []
    book.release(None)
    assert book.utilization() == {}


def test_unmatched_call_gets_no_reservation():
    book = BudgetBook([Budget("search", 10, match={"team": "search"}, action="block")], "USD")
    assert book.reserve({"team": "ads"}, D("100")) is None


def test_duplicate_budget_names_are_refused():
    with pytest.raises(ValueError, match="repeated: a"):
        BudgetBook([Budget("a", 1), Budget("a", 2)], "USD")


# --- thresholds ------------------------------------------------------------------------------------------------


def test_each_threshold_fires_once_with_the_spend_that_crossed_it():
    clock = FakeClock(utc(2026, 11, 23, 9))
    book = BudgetBook([Budget("b", "10", thresholds=(1.0, 0.5, 0.8))], "EUR", clock)
    assert book.settle(None, {}, D("4.99")) == []
    first = book.settle(None, {}, D("0.01"))
    assert first == [
        ThresholdCrossing(
            "b", 0.5, D("5.00"), D("10"), "EUR", "day", datetime(2026, 11, 23, tzinfo=timezone.utc), "warn"
        )
    ]
    both = book.settle(None, {}, D("6"))  # one call crossing two thresholds reports both, in order
    assert [(c.threshold, c.spent) for c in both] == [(0.8, D("11.00")), (1.0, D("11.00"))]
    assert book.settle(None, {}, D("50")) == []
    assert book.utilization() == {"b": 6.1}


def test_unpriced_call_adds_nothing_and_crosses_nothing():
    book = BudgetBook([Budget("b", 1, thresholds=(0.5,), action="block")], "USD")
    reservation = book.reserve({}, D("0.9"))
    assert book.settle(reservation, {}, None) == []
    assert book.spent() == {"b": D("0")}
    assert book.reserve({}, D("0.9")) is not None  # the hold was released


def test_block_budget_crossings_carry_their_action():
    book = BudgetBook([Budget("b", 1, thresholds=(0.5,), action="block")], "USD")
    (crossing,) = book.settle(book.reserve({}, D("0.6")), {}, D("0.6"))
    assert crossing.action == "block"


# --- block ------------------------------------------------------------------------------------------------------


def test_block_raises_before_the_limit_using_spend_plus_estimate():
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    book.settle(book.reserve({}, D("7")), {}, D("7"))
    with pytest.raises(BudgetExceeded) as raised:
        book.reserve({}, D("3.01"))
    error = raised.value
    assert (error.budget, error.spent, error.estimate, error.limit, error.currency) == (
        "cap",
        D(7),
        D("3.01"),
        D(10),
        "USD",
    )
    assert "cap" in str(error) and "3.01" in str(error) and "10" in str(error)
    assert book.spent() == {"cap": D("7")}  # nothing was recorded
    book.settle(book.reserve({}, D("3")), {}, D("3"))  # exactly reaching the limit is allowed
    with pytest.raises(BudgetExceeded):
        book.reserve({}, D("0"))  # the limit is used up: even a call with no estimate is refused
    with pytest.raises(BudgetExceeded):
        book.reserve({}, None)


def test_warn_budgets_never_block():
    book = BudgetBook([Budget("soft", 1)], "USD")
    book.settle(None, {}, D("5"))
    assert book.reserve({}, D("5")) is not None


def test_estimates_in_flight_count_against_the_limit():
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    first = book.reserve({}, D("6"))
    with pytest.raises(BudgetExceeded) as raised:
        book.reserve({}, D("5"))
    assert raised.value.reserved == D("6") and "in flight" in str(raised.value)
    book.release(first)
    assert book.reserve({}, D("5")) is not None


def test_one_blocking_budget_refuses_and_nothing_is_held_by_the_others():
    team = Budget("team", 10, match={"team": "a"}, action="block")
    org = Budget("org", 100, action="block")
    book = BudgetBook([org, team], "USD")
    book.settle(None, {"team": "a"}, D("9"))
    with pytest.raises(BudgetExceeded) as raised:
        book.reserve({"team": "a"}, D("2"))
    assert raised.value.budget == "team"
    assert book.reserve({"team": "b"}, D("91")) is not None  # org held nothing for the refused call


def test_release_on_failure_drops_the_hold_and_is_idempotent():
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    reservation = book.reserve({}, D("8"))
    book.release(reservation)
    book.release(reservation)
    assert book.settle(reservation, {}, D("8")) == []  # a released call cannot be settled afterwards
    assert book.spent() == {"cap": D("0")}
    held = [book.reserve({}, D("4")), book.reserve({}, D("1"))]  # both fit (with headroom): nothing left over
    assert all(held)


def test_settle_twice_counts_once():
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    reservation = book.reserve({}, D("4"))
    book.settle(reservation, {}, D("4"))
    book.settle(reservation, {}, D("4"))
    assert book.spent() == {"cap": D("4")}


def test_junk_amounts_count_as_zero_and_never_raise():
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    for junk in (D("NaN"), D("-1"), D("Infinity"), "abc", float("nan")):
        book.settle(book.reserve({}, junk), {}, junk)
    assert book.spent() == {"cap": D("0")}


# --- telemetry --------------------------------------------------------------------------------------------------


def test_emit_adds_a_span_event_and_logs_a_warning(caplog):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    crossing = ThresholdCrossing(
        "search", 0.8, D("40.5"), D("50"), "EUR", "day", datetime(2026, 11, 23, tzinfo=timezone.utc), "warn"
    )
    tracer = provider.get_tracer("t")
    with caplog.at_level(logging.WARNING, logger="otel_aicost.budgets"), tracer.start_as_current_span("chat") as span:
        emit(crossing, span)
    (finished,) = exporter.get_finished_spans()
    (event,) = finished.events
    assert event.name == "aicost.budget.threshold"
    assert dict(event.attributes) == {
        "aicost.budget.name": "search",
        "aicost.budget.threshold": 0.8,
        "aicost.budget.spent": 40.5,
        "aicost.budget.limit": 50.0,
        "aicost.budget.utilization": 0.81,
        "aicost.currency": "EUR",
        "aicost.budget.period": "day",
        "aicost.budget.period_start": "2026-11-23T00:00:00+00:00",
        "aicost.budget.action": "warn",
    }
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.name == "otel_aicost.budgets"
    assert record.getMessage() == (
        "budget 'search' reached 80% of its day limit: spent 40.5 of 50 EUR (period from 2026-11-23T00:00:00+00:00)"
    )
    assert getattr(record, "aicost.budget.name") == "search"


@pytest.fixture
def swallowing(monkeypatch):
    """Internal errors swallowed as in production (tests otherwise re-raise them); yields the error counter."""
    monkeypatch.setattr(safety, "RAISE_INTERNAL_ERRORS", False)
    before = safety.internal_errors.count
    yield lambda: safety.internal_errors.count - before


def test_emit_never_raises(swallowing):
    class BrokenSpan:
        def is_recording(self):
            raise RuntimeError("boom")

    crossing = ThresholdCrossing("b", 1.0, D(1), D(1), "USD", "day", datetime(2026, 1, 1, tzinfo=timezone.utc), "warn")
    emit(crossing, BrokenSpan())
    assert swallowing() == 1  # counted as our failure, not raised into the user's call
    emit(crossing, None)
    assert swallowing() == 1


def test_utilization_gauge_reports_each_budget_by_name():
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("t")
    book = BudgetBook([Budget("a", 10), Budget("b", 4, match={"team": "x"})], "USD")
    book.register_gauge(meter)
    book.settle(None, {"team": "x"}, D("1"))
    points = {}
    for metric in collected_metrics(reader):
        assert metric.name == "aicost.budget.utilization"
        for point in metric.data.data_points:
            points[point.attributes[semconv.BUDGET_NAME]] = point.value
    assert points == {"a": 0.1, "b": 0.25}


# --- concurrency ------------------------------------------------------------------------------------------------


@pytest.fixture
def busy_switching():
    """Switch threads often so that reserve/settle interleave as much as possible."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


@pytest.mark.parametrize("cost_equals_estimate", [True, False])
def test_many_threads_never_overshoot_a_block_budget(busy_switching, cost_equals_estimate):
    estimate = D("0.0375")
    limit = estimate * 300 + D("0.01")  # not a multiple of the estimate
    book = BudgetBook(
        [Budget("cap", limit, action="block", thresholds=(0.25, 0.5, 0.75, 1.0)), Budget("watch", limit)], "USD"
    )
    threads_n, calls = 32, 40
    barrier = threading.Barrier(threads_n)
    lock = threading.Lock()
    settled: list[Decimal] = []
    crossings: list[ThresholdCrossing] = []
    blocked = [0]
    peaks: list[Decimal] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(calls):
            try:
                reservation = book.reserve({"team": "t"}, estimate)
            except BudgetExceeded:
                with lock:
                    blocked[0] += 1
                continue
            time.sleep(0)  # the call is in flight
            cost = estimate if cost_equals_estimate else estimate * rng.randint(0, 100) / 100
            found = book.settle(reservation, {"team": "t"}, cost)
            with lock:
                settled.append(cost)
                crossings.extend(found)
                peaks.append(book.spent()["cap"])

    workers = [threading.Thread(target=worker, args=(seed,)) for seed in range(threads_n)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    spent = book.spent()
    assert spent["cap"] == spent["watch"] == sum(settled, D(0))  # exact, not approximately
    assert max(peaks) <= limit  # costs never above estimates: the limit itself holds
    assert blocked[0] > 0 and len(settled) + blocked[0] == threads_n * calls
    if cost_equals_estimate:
        assert len(settled) == 300  # every call that fits was let through
    cap_crossings = sorted(c.threshold for c in crossings if c.budget == "cap")
    expected = [t for t in (0.25, 0.5, 0.75, 1.0) if spent["cap"] >= D(str(t)) * limit]
    assert cap_crossings == expected  # each threshold fired exactly once across all threads


def test_overshoot_is_bounded_by_one_estimate_when_costs_run_over(busy_switching):
    """A cost above its estimate can overshoot, by at most (cost - estimate) per call the held estimates let in."""
    estimate, cost = D("1"), D("1.5")
    book = BudgetBook([Budget("cap", 10, action="block")], "USD")
    barrier = threading.Barrier(16)

    def worker() -> None:
        barrier.wait()
        for _ in range(20):
            try:
                reservation = book.reserve({}, estimate)
            except BudgetExceeded:
                continue
            time.sleep(0)
            book.settle(reservation, {}, cost)

    workers = [threading.Thread(target=worker) for _ in range(16)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    # Held estimates keep the estimates admitted at once <= 10: without holds all 16 threads pass together.
    assert D("10.5") <= book.spent()["cap"] <= 10 * cost


def test_many_asyncio_tasks_share_a_block_budget():
    estimate = D("0.01")
    book = BudgetBook([Budget("cap", D("2.005"), action="block", thresholds=(0.5, 1.0))], "USD")

    admitted = [0]

    async def call(index: int) -> tuple[Decimal | None, list[ThresholdCrossing]]:
        try:
            reservation = book.reserve({}, estimate)
        except BudgetExceeded:
            return None, []
        admitted[0] += 1
        await asyncio.sleep(0)  # other tasks run while this call is in flight
        if index % 7 == 0:
            book.release(reservation)  # the user's call raised
            return None, []
        if index % 5 == 0:  # some settle from a worker thread, as with asyncio.to_thread
            return estimate, await asyncio.to_thread(book.settle, reservation, {}, estimate)
        return estimate, book.settle(reservation, {}, estimate)

    async def wave(start: int) -> list[tuple[Decimal | None, list[ThresholdCrossing]]]:
        return await asyncio.gather(*(call(i) for i in range(start, start + 300)))

    first = asyncio.run(wave(0))
    # all 300 were in flight together: with the headroom for calls in flight together, twice 100 estimates fit in
    # 2.005, not one more
    assert admitted[0] == 100
    second = asyncio.run(wave(300))  # the released holds are free again
    results = first + second
    costs = [cost for cost, _ in results if cost is not None]
    spent = book.spent()["cap"]
    assert spent == sum(costs, D(0))
    assert spent <= D("2.005")
    room = 0  # no hold is left behind: exactly what the spend leaves free can still be reserved
    while True:
        try:
            book.reserve({}, estimate)
        except BudgetExceeded:
            break
        room += 1
    # the first hold needs its estimate, every further one twice all estimates in flight (the headroom)
    assert room == max(1, int((D("2.005") - spent) / (2 * estimate)))
    fired = sorted(c.threshold for _, found in results for c in found)
    assert fired == [t for t in (0.5, 1.0) if spent >= D(str(t)) * D("2.005")]


# --- property ---------------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=5, places=6, allow_nan=False, allow_infinity=False)
calls = st.lists(
    st.tuples(amounts, st.one_of(st.none(), amounts), st.booleans(), st.sampled_from(["a", "b"])), max_size=60
)


@settings(max_examples=150, deadline=None)
@given(calls=calls, order=st.randoms(use_true_random=False))
def test_recorded_spend_is_the_sum_of_settled_costs(calls, order):
    thresholds = (0.1, 0.5, 0.9, 1.0)
    book = BudgetBook(
        [Budget("cap", 40, action="block", thresholds=thresholds), Budget("team-a", 25, match={"team": "a"})], "USD"
    )
    in_flight = []
    for estimate, cost, fails, team in calls:
        try:
            in_flight.append((book.reserve({"team": team}, estimate), cost, fails, team))
        except BudgetExceeded:
            continue
    order.shuffle(in_flight)
    fired: list[ThresholdCrossing] = []
    for reservation, cost, fails, team in in_flight:
        if fails:
            book.release(reservation)
        else:
            fired += book.settle(reservation, {"team": team}, cost)
    settled = [(cost, team) for _, cost, fails, team in in_flight if not fails and cost is not None]
    expected_cap = sum((cost for cost, _ in settled), D(0))
    expected_a = sum((cost for cost, team in settled if team == "a"), D(0))
    assert book.spent() == {"cap": expected_cap, "team-a": expected_a}
    for name, limit, spent in (("cap", D(40), expected_cap), ("team-a", D(25), expected_a)):
        crossed = [c.threshold for c in fired if c.budget == name]
        budget_thresholds = thresholds if name == "cap" else (0.8, 1.0)
        assert crossed == [t for t in budget_thresholds if spent >= D(str(t)) * limit]
    # every hold was given back: exactly what is left of the limit is available to the next call
    if expected_cap < 40:
        assert book.reserve({}, D(40) - expected_cap) is not None
    else:
        with pytest.raises(BudgetExceeded):
            book.reserve({}, D(0))


def test_a_book_from_config_file_settings(tmp_path):
    from otel_aicost.config.settings import load_settings

    path = tmp_path / "otel-aicost.toml"
    path.write_text(
        'currency = "EUR"\nusd_rate = 0.92\n[[budgets]]\nname = "search"\nlimit = 1.5\nmatch = { team = "search" }\n'
        'action = "block"\n',
        encoding="utf-8",
    )
    book = BudgetBook.from_settings(load_settings({"config": str(path)}, environ={}))
    assert book.currency == "EUR" and [b.name for b in book.budgets] == ["search"]
    book.settle(book.reserve({"team": "search"}, D("1")), {"team": "search"}, D("1"))
    with pytest.raises(BudgetExceeded, match="EUR"):
        book.reserve({"team": "search"}, D("0.6"))
    assert book.reserve({"team": "ads"}, D("0.6")) is None


def test_an_estimate_function_runs_only_when_a_block_budget_matches(swallowing):
    asked: list[str] = []

    def estimate(team: str):
        def run() -> Decimal:
            asked.append(team)
            return D("6")

        return run

    book = BudgetBook([Budget("cap", 20, match={"team": "a"}, action="block"), Budget("watch", 10)], "USD")
    assert book.reserve({"team": "b"}, estimate("b")) is not None  # only the warn budget matches
    assert asked == []
    book.reserve({"team": "a"}, estimate("a"))
    assert asked == ["a"]
    with pytest.raises(BudgetExceeded) as raised:
        book.reserve({"team": "a"}, estimate("a"))
    assert raised.value.estimate == D("6")

    def broken() -> Decimal:
        raise RuntimeError("tokenizer exploded")

    assert book.reserve({"team": "a"}, broken) is not None  # counts as zero: twice (6 held + 0) <= 20
    assert swallowing() == 1
