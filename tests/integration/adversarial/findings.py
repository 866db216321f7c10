"""Open findings of the adversarial review (/work/plan/breaker-findings.md), as strict xfail marks on the tests
that show them. Whoever fixes one deletes its mark here (a strict xfail that passes fails the run)."""

from __future__ import annotations

import pytest

# FinOps side (owner: fspeed)
F10_RECONCILE_CURRENCIES = pytest.mark.xfail(strict=True, reason=(
    "F10: reconcile groups bill rows by day, account, model, deployment type and direction only: rows of two "
    "billing currencies in one group are summed into one billed cost (reconcile/match.build_groups)"))  # fmt: skip
F12_BUDGET_CURRENCIES = pytest.mark.xfail(strict=True, reason=(
    "F12: forecast budgets sum the matching calls' cost per hour whatever their currency "
    "(finops/call_fill.py budget_cost) and label the sum with the first total's currency (forecast/groups.py)"))  # fmt: skip
