"""The HTML page's latency-against-tokens sample: a uniform reservoir sample of the successful calls read
(``report.figures.SAMPLE_SIZE`` points), kept by the call table (``call_fill`` offers each call; merging worker
tables is ``CallTable.merge``'s).
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING

from otel_aicost.finops.report import figures as report_figures

if TYPE_CHECKING:
    from otel_aicost.finops.call_table import CallTable


def take(table: CallTable, point: tuple) -> None:
    """Keep ``point`` in the latency sample: a uniform reservoir sample of ``SAMPLE_SIZE`` (Li's algorithm L: it
    draws how many calls to skip, so that the calls in between cost one comparison, not a random number each)."""
    state, samples, rng = table.sample_state, table.samples, table._random
    size = report_figures.SAMPLE_SIZE
    if len(samples) < size:
        samples.append(point)
        state[1] = state[0] + 1
        if len(samples) == size:
            state[2] = math.exp(math.log(1.0 - rng.random()) / size)
            state[1] = state[0] + skip(rng, state[2])
        return
    samples[rng.randrange(size)] = point
    state[2] *= math.exp(math.log(1.0 - rng.random()) / size)
    state[1] = state[0] + skip(rng, state[2])


def skip(rng: random.Random, weight: float) -> int:
    """How far ahead the next call to keep is (1: the very next one)."""
    if weight >= 1.0:
        return 1
    return int(math.log(1.0 - rng.random()) / math.log(1.0 - weight)) + 1
