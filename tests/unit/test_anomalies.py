"""Anomalies: precision and recall on synthetic hourly usage with injected spikes of every cause.

The oracle is the injection itself (``tests/support/synthetic_usage.py``): four hours per cause class, each must be
found with its cause (recall), and nothing else may be found (precision). ``bench/anomaly_recall.py`` runs more seeds.
"""

from __future__ import annotations

import pytest

from otel_aicost.finops.anomalies import detect
from otel_aicost.finops.series import new_cell
from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS
from tests.support.synthetic_usage import MONDAY, precision_recall, synthetic_usage


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_injected_cause_is_found_with_its_cause(seed):
    recall, precision, found = precision_recall(seed)
    print(seed, recall, precision)
    assert precision >= 0.9, [(a.start_ns, a.cause, a.score) for a in found]
    for cause, value in recall.items():
        assert value >= 0.75, (cause, recall)


def test_no_injection_no_anomaly_despite_batch_job_and_weekends():
    assert detect(synthetic_usage(5, {}), granularity="hour") == []


def test_daily_granularity_finds_a_volume_day():
    hourly = synthetic_usage(4, {MONDAY + h * HOUR_NS: "volume" for h in range(20 * 24, 21 * 24)})
    daily: dict[int, dict[str, list]] = {}
    for start, cells in hourly.items():
        day = daily.setdefault(start - start % DAY_NS, {})
        for model, cell in cells.items():
            mine = day.setdefault(model, new_cell())
            for i, v in enumerate(cell):
                mine[i] += v
    found = detect(daily, granularity="day")
    assert [(a.start_ns, a.cause) for a in found] == [(MONDAY + 20 * DAY_NS, "volume")]
    assert found[0].spend > 3 * found[0].expected_spend


def test_a_group_that_appears_later_is_new():
    periods = {MONDAY + 5 * DAY_NS + h * HOUR_NS: c for h, c in enumerate(synthetic_usage(6, {}).values()) if h < 48}
    found = detect(periods, granularity="hour", group=("team-x",), data_start_ns=MONDAY)
    assert [a.cause for a in found] == ["new_group"]
    assert found[0].start_ns == MONDAY + 5 * DAY_NS


def test_the_hour_the_telemetry_stops_in_is_not_a_fall():
    last = MONDAY + (25 * 24 + 15) * HOUR_NS  # a Friday, 15:00: the data stops six minutes into it
    periods = {start: cells for start, cells in synthetic_usage(7, {last: "outage"}).items() if start <= last}
    assert [a.cause for a in detect(periods, granularity="hour") if a.start_ns == last] == ["volume"]
    assert detect(periods, granularity="hour", data_end_ns=last + 6 * 60 * 10**9) == []
