"""Open findings of the adversarial review (/work/plan/breaker-findings.md), as strict xfail marks on the tests
that show them. Whoever fixes one deletes its mark here (a strict xfail that passes fails the run)."""

from __future__ import annotations

import pytest

# FinOps side (owner: fspeed)
F9_DUPLICATE_SPANS = pytest.mark.xfail(strict=True, reason=(
    "F9: a span present twice (same traceId and spanId: an OTLP retry delivered twice, a copied file) is summed "
    "twice; nothing in finops/ de-duplicates calls"))  # fmt: skip
F20_NEGATIVE_UNIT_PRICE = pytest.mark.xfail(strict=True, reason=(
    "F20: a span whose cost components add up to more than its cost gets the (negative) difference on its output "
    "row: a Usage row with negative BilledCost and ListUnitPrice (FOCUS 1.2: non-negative) (call_fill._focus_extra)"))  # fmt: skip
