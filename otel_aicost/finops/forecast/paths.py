"""Simulated futures of daily spend (``SamplePaths``) and what is read off them: the expected total, its 80%
interval, per-day bands, and the day a cumulative limit is crossed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class SamplePaths:
    """Simulated future daily spends: ``paths[i][d]`` is day ``d`` of path ``i``; ``mean`` is their mean per day."""

    paths: list[list[float]]
    method: str
    mean: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        days = len(self.paths[0]) if self.paths else 0
        self.mean = [sum(p[d] for p in self.paths) / len(self.paths) for d in range(days)] if self.paths else []

    def total(self, fractions: Sequence[float] | None = None) -> tuple[float, float, float]:
        """(expected, 10th, 90th percentile) of the sum over the horizon; ``fractions`` weigh each day (partial days)."""
        if not self.paths:
            return 0.0, 0.0, 0.0
        weights = fractions or [1.0] * len(self.paths[0])
        sums = sorted(sum(w * v for w, v in zip(weights, path)) for path in self.paths)
        return sum(sums) / len(sums), quantile(sums, 0.1), quantile(sums, 0.9)

    def bands(self, fractions: Sequence[float]) -> dict[str, list[float]]:
        """Per day: 10th and 90th percentiles of the day's spend and of the spend accumulated since day 0."""
        out: dict[str, list[float]] = {"low": [], "high": [], "cumulative_low": [], "cumulative_high": []}
        running = [0.0] * len(self.paths)
        for d, weight in enumerate(fractions):
            day = sorted(weight * path[d] for path in self.paths)
            running = [r + weight * path[d] for r, path in zip(running, self.paths)]
            ordered = sorted(running)
            out["low"].append(quantile(day, 0.1))
            out["high"].append(quantile(day, 0.9))
            out["cumulative_low"].append(quantile(ordered, 0.1))
            out["cumulative_high"].append(quantile(ordered, 0.9))
        return out

    def crossing_day(self, remaining: float, fractions: Sequence[float] | None = None) -> tuple[int | None, ...]:
        """Index of the day the cumulative spend passes ``remaining``: (median, early = 90th pct path, late = 10th).

        ``None`` where it does not happen within the horizon (for at least half, 10% or 90% of the paths).
        """
        if not self.paths:
            return None, None, None
        weights = fractions or [1.0] * len(self.paths[0])
        days = []
        for path in self.paths:
            total, hit = 0.0, math.inf
            for d, (w, v) in enumerate(zip(weights, path)):
                total += w * v
                if total >= remaining:
                    hit = d
                    break
            days.append(hit)
        days.sort()
        pick = [quantile(days, q) for q in (0.5, 0.1, 0.9)]
        return tuple(None if math.isinf(x) else int(x) for x in pick)


def quantile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[index]
