"""Generate N synthetic GenAI spans as OTLP JSON lines, batched like the Collector does (~100 spans a line).

    python bench/gen_spans.py 1000000 /tmp/spans-1m.jsonl [--per-line 100] [--seed 7] [--gzip] [--time-ordered]

Spans come from ``tests/support/otlp_lines.py`` (the same generator the tests use): several models, cached
and reasoning tokens, Azure deployments, allocation tags, ~3% failed calls, ~2% unknown models, ~10% estimated
usage, spread over 30 days. Metrics lines are interleaved (one per 50 traces lines), as in a real file export.
Prints the Decimal total cost, so a benchmark can check that the report adds up to it.

By default each chunk of 10,000 calls is spread over the whole window, so the file is in random time order.
``--time-ordered`` writes the same calls (the same total) in time order, as a real export is: each chunk's start
times are squeezed into its own slice of the window (chunk k of K: the k-th K-th) and its calls sorted by them.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.otlp_lines import BASE_NS, metrics_line, random_calls, span, traces_line

try:
    import orjson

    dumps = orjson.dumps
except ImportError:  # pragma: no cover
    import json

    dumps = json.dumps

CHUNK = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("output")
    parser.add_argument("--per-line", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--time-ordered", action="store_true", help="the same calls, in time order")
    args = parser.parse_args()
    opener = gzip.open if args.gzip else open
    started = time.perf_counter()
    total = Decimal(0)
    lines = 0
    with opener(args.output, "wt", encoding="utf-8") as out:
        for first in range(0, args.count, CHUNK):
            size = min(CHUNK, args.count - first)
            calls = random_calls(
                size, seed=args.seed * 1_000_003 + first, start_ns=BASE_NS, spread_s=args.days * 86_400
            )
            total += sum((c.cost for c in calls if c.cost is not None), Decimal(0))
            if args.time_ordered:
                _squeeze(calls, first // CHUNK, -(-args.count // CHUNK), args.days * 86_400 * 10**9)
            for offset in range(0, size, args.per_line):
                # trace ids from the seed: the files of two seeds are other calls, not repeats the reader drops
                batch = [
                    span(c, first + offset + i, args.seed) for i, c in enumerate(calls[offset : offset + args.per_line])
                ]
                out.write(traces_line(batch, service=f"svc-{(first // CHUNK) % 4}", dumps=dumps) + "\n")
                lines += 1
                if lines % 50 == 0:
                    out.write(metrics_line() + "\n")
    elapsed = time.perf_counter() - started
    size_mb = Path(args.output).stat().st_size / 1e6
    print(f"wrote {args.count:,} spans in {lines:,} lines ({size_mb:,.0f} MB) to {args.output} in {elapsed:.0f} s")
    print(f"total cost {total}")


def _squeeze(calls: list, chunk: int, chunks: int, window_ns: int) -> None:
    """Move ``calls`` (spread over the window) into slice ``chunk`` of ``chunks``, in time order."""
    for call in calls:
        offset = call.start_ns - BASE_NS
        call.start_ns = BASE_NS + (chunk * window_ns + offset) // chunks
    calls.sort(key=lambda c: c.start_ns)


if __name__ == "__main__":
    main()
