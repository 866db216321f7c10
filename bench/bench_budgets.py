"""What budgets add to each GenAI call: reserve + settle, in microseconds. Run: python bench/bench_budgets.py

CPU time of this process (min of 5 runs), so that a busy machine disturbs it less than wall time.
"""

from __future__ import annotations

import threading
import time
import timeit
from decimal import Decimal

from otel_aicost.budgets.book import BudgetBook
from otel_aicost.budgets.rules import Budget

TAGS = {"team": "search", "feature": "answers", "environment": "prod"}
ESTIMATE, COST = Decimal("0.00042"), Decimal("0.000391")
HUGE = 10**12  # limits no benchmark run reaches

CASES = {
    "no budgets": [],
    "3 budgets, none match": [Budget(f"other-{i}", HUGE, match={"team": f"t{i}"}) for i in range(3)],
    "1 warn budget, matches": [Budget("search", HUGE, match={"team": "search"})],
    "1 block budget, matches": [Budget("search", HUGE, match={"team": "search"}, action="block")],
    "10 budgets, 3 match (1 block)": [
        Budget("all", HUGE),
        Budget("search", HUGE, match={"team": "search"}, action="block"),
        Budget("prod", HUGE, match={"environment": "prod"}, period="month"),
    ]
    + [Budget(f"other-{i}", HUGE, match={"team": f"t{i}"}, period="hour") for i in range(7)],
}


def one_call(book: BudgetBook) -> None:
    book.settle(book.reserve(TAGS, ESTIMATE), TAGS, COST)


def main() -> None:
    number = 100_000
    for name, budgets in CASES.items():
        book = BudgetBook(budgets, "USD")
        best = min(timeit.repeat(lambda book=book: one_call(book), number=number, repeat=5, timer=time.process_time))
        print(f"{name:32s} {best / number * 1e6:6.2f} µs per call (reserve + settle)")
    book = BudgetBook(CASES["10 budgets, 3 match (1 block)"], "USD")
    threads = [threading.Thread(target=lambda: [one_call(book) for _ in range(25_000)]) for _ in range(4)]
    elapsed = timeit.timeit(lambda: ([t.start() for t in threads], [t.join() for t in threads]), number=1)
    print(f"{'4 threads, 10 budgets':32s} {elapsed / 100_000 * 1e6:6.2f} µs per call (wall, contended lock)")


if __name__ == "__main__":
    main()
