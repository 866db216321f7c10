"""Open findings of the adversarial review (/work/plan/breaker-findings.md), as strict xfail marks on the tests
that show them. Whoever fixes one deletes its mark here (a strict xfail that passes fails the run)."""

from __future__ import annotations

import openai
import pytest

F8_CLOSED_RESPONSE_OLD_SDK = pytest.mark.xfail(openai.__version__.startswith("1."), strict=False, reason=(
    "F8: on openai 1.x, iterating a stream whose httpx response the caller closed raises ReadError bare, "
    "and often ends quietly instrumented (not strict: which one depends on how much of the body arrived)"))  # fmt: skip
