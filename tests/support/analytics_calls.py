"""Three weeks of hourly calls for two teams with a daily rhythm and one hour of answers ten times longer."""

from __future__ import annotations

import random

from tests.support.otlp_lines import SyntheticCall

HOUR = 3600 * 10**9
DAY = 24 * HOUR
NOV_2 = 1_793_577_600 * 10**9  # 2026-11-02T00:00Z, a Monday
SPIKE = NOV_2 + 16 * DAY + 14 * HOUR  # Wednesday 2026-11-18 14:00


def spiky_calls() -> list[SyntheticCall]:
    rng = random.Random(3)
    calls = []
    for hour in range(21 * 24):
        start = NOV_2 + hour * HOUR
        count = 12 if 8 <= hour % 24 < 18 else 4
        output = 600 if start == SPIKE else 60  # answers ten times longer for one hour
        for i in range(count):
            team = "search" if i % 3 else "ads"
            calls.append(
                SyntheticCall(
                    start_ns=start + i * 60 * 10**9,
                    input_tokens=rng.randint(900, 1100),
                    output_tokens=output,
                    tags={"team": team},
                ).priced()
            )
    return calls
