"""Output tokens this process has seen per model: what a call that sets no ``max_tokens`` will likely produce.

A block budget reserves a call's estimate before it is sent; with no ``max_tokens`` the output part of that
estimate is the model's observed 95th percentile here (the last ``WINDOW`` calls), and before ``MIN_SEEN`` calls
have been seen, the model's max output capped at ``FIRST_CALLS_CAP`` tokens. Thread-safe without a lock: a
``deque`` append is atomic, and a percentile read from a snapshot copy.
"""

from __future__ import annotations

import math
from collections import deque

WINDOW = 256  # the most recent outputs per model that the percentile is taken over
MIN_SEEN = 8  # outputs seen before the percentile is trusted
FIRST_CALLS_CAP = 4096  # tokens: a model's max output, capped, until MIN_SEEN outputs are seen
PERCENTILE = 0.95


class OutputStats:
    """Recent output token counts per model (by the model name the call asked for)."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[int]] = {}

    def observe(self, model: str | None, output_tokens: int) -> None:
        if not model or type(output_tokens) is not int or output_tokens < 0:
            return
        seen = self._seen.get(model)
        if seen is None:
            seen = self._seen.setdefault(model, deque(maxlen=WINDOW))
        seen.append(output_tokens)

    def p95(self, model: str | None) -> int | None:
        """The 95th percentile of the model's recent outputs, or None before ``MIN_SEEN`` have been seen."""
        seen = self._seen.get(model) if model else None
        if seen is None or len(seen) < MIN_SEEN:
            return None
        ordered = sorted(list(seen))
        return ordered[min(len(ordered) - 1, math.ceil(PERCENTILE * len(ordered)) - 1)]

    def estimate(self, model: str | None, max_output: int | None) -> int:
        """Output tokens to reserve for a call of ``model`` that sets no limit (``max_output``: the model's)."""
        observed = self.p95(model)
        if observed is not None:
            return min(observed, max_output) if max_output else observed
        return min(max_output or FIRST_CALLS_CAP, FIRST_CALLS_CAP)
