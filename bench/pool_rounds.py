"""Pool the round lines of several `overhead.py` runs: the median over every round of each mode's in-process
overhead for one case, and ours over openai-v2's, with a 90% bootstrap interval of that ratio (the rounds of each
mode resampled with replacement, 2,000 times, a fixed seed): how far the rounds' spread leaves the ratio open.

`overhead.py` prints a line a round, mode and case on stderr (``round 3/9 stream_broken aicost 1512.3 µs  overhead
+151.2 µs ...``); save it (``2> run1.log``) and pool the logs of one machine:

    .venv/bin/python bench/pool_rounds.py stream_broken run1.log run2.log

With two copies of ours in the same runs (``--modes aicost aicost-before``, ``setup_before.sh``), each round's
difference between them is paired too (the same round of the same run: the machine's moment shared): the median of
those differences with a 90% bootstrap interval, the measure of a before/after.
"""

from __future__ import annotations

import random
import re
import statistics
import sys

ROUND_LINE = re.compile(r"round (\d+)/\d+ (\S+)\s+(\S+)\s+[\d.]+ µs\s+overhead\s+([+-][\d.]+) µs")
BASELINE = "openai-v2"  # the best peer on every case so far (README, Performance)


def pool(case: str, logs: list[str]) -> dict[str, dict[tuple[str, int], float]]:
    """mode -> (log, round) -> that round's in-process overhead (µs) of ``case`` in these logs."""
    found: dict[str, dict[tuple[str, int], float]] = {}
    for log in logs:
        with open(log, encoding="utf-8") as lines:
            for line in lines:
                match = ROUND_LINE.search(line)
                if match and match.group(2) == case:
                    found.setdefault(match.group(3), {})[(log, int(match.group(1)))] = float(match.group(4))
    return found


def median_interval(values: list[float], resamples: int = 2000) -> tuple[float, float]:
    """The 5th and 95th percentile of the median of ``values`` over bootstrap resamples."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.05 * resamples)], medians[int(0.95 * resamples) - 1]


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
    rounds = {mode: list(by_round.values()) for mode, by_round in found.items()}
    for mode, values in sorted(rounds.items()):
        print(f"{mode:16s} rounds {len(values):3d}  median {statistics.median(values):+8.1f} µs")
    if BASELINE in rounds:
        base = statistics.median(rounds[BASELINE])
        for mode in sorted(m for m in rounds if m.startswith("aicost")):
            low, high = ratio_interval(rounds[mode], rounds[BASELINE])
            print(f"{mode} / {BASELINE}: {statistics.median(rounds[mode]) / base:.3f} (90% bootstrap interval"
                  f" {low:.2f}-{high:.2f})")
    if "aicost" in found and "aicost-before" in found:
        after, before = found["aicost"], found["aicost-before"]
        differences = [after[key] - before[key] for key in after if key in before]
        if differences:
            low, high = median_interval(differences)
            slower, paired = sum(difference > 0 for difference in differences), len(differences)
            print(f"aicost - aicost-before, paired by round: median {statistics.median(differences):+.1f} µs (90%"
                  f" bootstrap interval {low:+.1f} to {high:+.1f}; after slower in {slower} of {paired} rounds)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
