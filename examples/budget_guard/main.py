"""Budget guard: a hard spending limit in code. A call that would cross it is never sent."""

from openai import OpenAI

import otel_aicost
from otel_aicost import Budget, BudgetExceeded, allocate
from otel_aicost.demo import fake_openai_unless_configured

# A tiny daily limit for the "research" team so the guard trips after a few calls. `block` raises BudgetExceeded
# before the request when the spend so far plus this call's estimate (its prompt, and max_tokens of output) would
# exceed the limit. Crossing 80% is reported as a warning log record. Budgets in code count this process's calls.
otel_aicost.configure(
    budgets=[Budget("research-daily", limit=0.0045, period="day", match={"team": "research"}, action="block")]
)

with fake_openai_unless_configured():  # offline unless OPENAI_BASE_URL is set; see README.md
    client = OpenAI()
    question = [{"role": "user", "content": "Give me three ideas for a research project."}]
    with allocate(team="research"):
        for attempt in range(1, 11):
            try:
                client.chat.completions.create(model="gpt-4o", messages=question, max_tokens=400)
            except BudgetExceeded as stop:
                print(f"call {attempt}: blocked, nothing sent: {stop}")
                print(f"  spent {stop.spent} of {stop.limit} {stop.currency}; this call would add ~{stop.estimate}")
                break
            print(f"call {attempt}: sent")
    with allocate(team="search"):  # other teams are not covered by this budget
        client.chat.completions.create(model="gpt-4o", messages=question, max_tokens=400)
        print("a call for team search: sent (the budget matches team=research only)")
