"""Summary statistics over columns of floats: nearest-rank percentiles and Pearson correlation."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(ordered: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence: the smallest value with ``pct``% at or below it."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson correlation (``statistics.correlation``); None with fewer than 2 points or a constant series."""
    try:
        return statistics.correlation(xs, ys)
    except statistics.StatisticsError:
        return None
