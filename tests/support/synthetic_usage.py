"""Synthetic hourly usage cells with injected anomalies of known cause, and the precision/recall of ``detect`` on it.

Shared by ``tests/unit/test_anomalies.py`` and ``bench/anomaly_recall.py``. 28 days of hourly calls for two models
with a daily rhythm, quiet weekends, a nightly batch job (02:00, five times the volume: it recurs, so it is no
anomaly), noise on volume (twice Poisson) and tokens; in the last 14 days (after a two-week warm-up), hours where
one known factor is changed: volume x4, input tokens per call x4, output x5, the expensive model's share 20% -> 80%,
cache hit rate 80% -> 0, prices x3, a new model taking half the calls, and an outage (volume / 10).
"""

from __future__ import annotations

import random
from decimal import Decimal

from otel_aicost.finops.anomalies import CAUSES, detect
from otel_aicost.finops.series import new_cell
from otel_aicost.finops.time_slots import HOUR_NS

MONDAY = 1_795_392_000 * 10**9  # 2026-11-23T00:00Z, a Monday
PRICES = {  # USD per token: input, cached input, output
    "small": (0.40e-6, 0.04e-6, 1.60e-6),
    "large": (2.00e-6, 0.20e-6, 8.00e-6),
    "new": (5.00e-6, 0.50e-6, 20.0e-6),
}
DAYS = 28


def _cell(model, requests, input_per, output_per, cache_rate, price_factor, rng):
    cell = new_cell()
    p_in, p_cached, p_out = (p * price_factor for p in PRICES[model])
    inputs = int(requests * input_per * rng.uniform(0.95, 1.05))
    cached = int(inputs * cache_rate)
    outputs = int(requests * output_per * rng.uniform(0.95, 1.05))
    c_in, c_cached, c_out = (inputs - cached) * p_in, cached * p_cached, outputs * p_out
    cell[0] = cell[2] = requests
    cell[3], cell[4], cell[5] = inputs, cached, outputs
    cell[6] = Decimal(repr(round(c_in + c_cached + c_out, 10)))
    cell[7], cell[8], cell[9] = (Decimal(repr(c)) for c in (c_in, c_cached, c_out))
    return cell


def synthetic_usage(seed: int, injections: dict[int, str]) -> dict[int, dict[str, list]]:
    """period start -> model -> cell; ``injections``: hour start -> cause to inject there."""
    rng = random.Random(seed)
    periods = {}
    for hour_index in range(DAYS * 24):
        start = MONDAY + hour_index * HOUR_NS
        hour, weekday = hour_index % 24, (hour_index // 24) % 7
        volume = 200 * (3 if 8 <= hour < 18 else 1) * (0.4 if weekday >= 5 else 1)
        if hour == 2:
            volume *= 5  # the nightly batch job
        volume = max(1, int(rng.gauss(volume, volume**0.5 * 2)))
        large_share, input_per, output_per, cache_rate, price, new_share = 0.2, 4000, 200, 0.8, 1.0, 0.0
        cause = injections.get(start)
        if cause == "volume":
            volume *= 4
        elif cause == "outage":
            volume = max(1, volume // 10)
        elif cause == "input_tokens":
            input_per *= 4
        elif cause == "output_tokens":
            output_per *= 5
        elif cause == "model_mix":
            large_share = 0.8
        elif cause == "cache_hit_rate":
            cache_rate = 0.0
        elif cause == "price":
            price = 3.0
        elif cause == "new_model":
            new_share = 0.5
        large = int(volume * large_share)
        new = int(volume * new_share)
        cells = {
            "small": _cell("small", volume - large - new, input_per, output_per, cache_rate, price, rng),
            "large": _cell("large", large, input_per, output_per, cache_rate, price, rng),
        }
        if new:
            cells["new"] = _cell("new", new, input_per, output_per, cache_rate, price, rng)
        periods[start] = cells
    return periods


INJECTED = [c for c in CAUSES if c != "new_group"] + ["outage"]  # outage: volume falls to a tenth
EXPECTED_CAUSE = {"outage": "volume"}


def injections_for(seed: int) -> dict[int, str]:
    rng = random.Random(seed)
    hours = rng.sample(range(14 * 24, DAYS * 24), 4 * len(INJECTED))  # after a two-week warm-up
    # a new model is new only once: its hour goes first among the new_model ones, later ones are mix changes
    out = {}
    for index, hour in enumerate(sorted(hours)):
        out[MONDAY + hour * HOUR_NS] = INJECTED[index % len(INJECTED)]
    return out


def precision_recall(seed: int) -> tuple[dict[str, float], float, list]:
    injections = injections_for(seed)
    found = detect(synthetic_usage(seed, injections), granularity="hour")
    recall = {}
    for cause in INJECTED:
        hours = [h for h, c in injections.items() if c == cause]
        if cause == "new_model":
            hours = hours[:1]  # after its first hour, the model is no longer new
        hits = [a for a in found if a.start_ns in hours and a.cause == EXPECTED_CAUSE.get(cause, cause)]
        recall[cause] = len(hits) / len(hours)
    true = [a for a in found if a.start_ns in injections]
    precision = len(true) / len(found) if found else 1.0
    return recall, precision, found
