"""Microseconds per ``Pricer.price()`` call on repeated models (the instrumentation's per-call cost).

Run on demand:  python bench/bench_pricing.py [--calls 200000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from decimal import Decimal

from otel_aicost import semconv
from otel_aicost.config.settings import Deployment, Settings
from otel_aicost.cost.call_cost import PricingRequest
from otel_aicost.cost.pricer import Pricer
from otel_aicost.instrumentation.usage import Usage

USAGE = Usage(input_tokens=12_345, output_tokens=678, cache_read_tokens=8_192, reasoning_tokens=256)
CASES = {
    "openai chat (genai-prices)": PricingRequest("chat", USAGE, "gpt-4o", "gpt-4o-2024-08-06"),
    "openai flex tier": PricingRequest("chat", USAGE, "gpt-5", "gpt-5-2025-08-07", service_tier="flex"),
    "azure data zone": PricingRequest(
        "chat",
        USAGE,
        "chat-prod",
        "gpt-4o-2024-08-06",
        deployment=Deployment("chat-prod", type="data_zone_standard"),
        provider=semconv.PROVIDER_AZURE,
    ),
    "unknown model": PricingRequest("chat", USAGE, "no-such-model"),
    "no usage": PricingRequest("chat", None, "gpt-4o"),
}


def bench(pricer: Pricer, request: PricingRequest, calls: int, repeats: int = 5) -> tuple[float, float]:
    """(best wall-clock, median CPU time) in µs per call; CPU time is what other load on the machine cannot
    inflate."""
    pricer.price(request)  # resolve once, as the first call of a process would
    price = pricer.price
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        for _ in range(calls):
            price(request)
        wall.append((time.perf_counter() - start) / calls * 1e6)
        cpu.append((time.thread_time() - start_cpu) / calls * 1e6)
    return min(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    args = parser.parse_args()
    for label, settings in (("USD", Settings()), ("EUR", Settings(currency="EUR", usd_rate=Decimal("0.92")))):
        pricer = Pricer(settings)
        start = time.perf_counter()
        pricer.price(CASES["openai chat (genai-prices)"])
        first = (time.perf_counter() - start) * 1e3
        print(f"[{label}] first call (loads genai-prices, resolves the entry): {first:.0f} ms")
        for name, request in CASES.items():
            wall, cpu = bench(pricer, request, args.calls)
            print(f"[{label}] {name:28s} {wall:6.2f} µs/call wall (best)  {cpu:6.2f} µs/call CPU (median)")


if __name__ == "__main__":
    main()
