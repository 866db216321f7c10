"""Pool the round lines of several `overhead.py` runs: the median over every round of each mode's in-process
overhead for one case, and ours over openai-v2's, with a 90% bootstrap interval of that ratio (the rounds of each
mode resampled with replacement, 2,000 times, a fixed seed): how far the rounds' spread leaves the ratio open.

`overhead.py` prints a line a round, mode and case on stderr (``round 3/9 stream_broken aicost 1512.3 µs  overhead
+151.2 µs ...``); save it (``2> run1.log``) and pool the logs of one machine:

    .venv/bin/python bench/pool_rounds.py stream_broken run1.log run2.log
"""

from __future__ import annotations

import random
import re
import statistics
import sys

ROUND_LINE = re.compile(r"round \d+/\d+ (\S+)\s+(\S+)\s+[\d.]+ µs\s+overhead\s+([+-][\d.]+) µs")
BASELINE = "openai-v2"  # the best peer on every case so far (README, Performance)


def pool(case: str, logs: list[str]) -> dict[str, list[float]]:
    """mode -> every round's in-process overhead (µs) of ``case`` in these logs."""
    found: dict[str, list[float]] = {}
    for log in logs:
        with open(log, encoding="utf-8") as lines:
            for line in lines:
                match = ROUND_LINE.search(line)
                if match and match.group(1) == case:
                    found.setdefault(match.group(2), []).append(float(match.group(3)))
    return found


def ratio_interval(ours: list[float], base: list[float], resamples: int = 2000) -> tuple[float, float]:
    """The 5th and 95th percentile of median(ours) / median(base) over bootstrap resamples of the two modes' rounds."""
    rng = random.Random(0)
    ratios = sorted(
        statistics.median(rng.choices(ours, k=len(ours))) / statistics.median(rng.choices(base, k=len(base)))
        for _ in range(resamples)
    )
    return ratios[int(0.05 * resamples)], ratios[int(0.95 * resamples) - 1]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = pool(argv[0], argv[1:])
    if not found:
        print(f"pool_rounds: no round of case {argv[0]!r} in {', '.join(argv[1:])}", file=sys.stderr)
        return 1
    for mode, values in sorted(found.items()):
        print(f"{mode:16s} rounds {len(values):3d}  median {statistics.median(values):+8.1f} µs")
    if BASELINE in found:
        base = statistics.median(found[BASELINE])
        for mode in sorted(m for m in found if m.startswith("aicost")):
            low, high = ratio_interval(found[mode], found[BASELINE])
            print(f"{mode} / {BASELINE}: {statistics.median(found[mode]) / base:.3f} (90% bootstrap interval"
                  f" {low:.2f}-{high:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
