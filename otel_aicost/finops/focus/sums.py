"""FOCUS rows' sums: tokens, cost, calls and reasoning tokens per charge period, dimensions and token type."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from otel_aicost.finops.time_slots import DAY_NS, HOUR_NS


class FocusSums:
    """FOCUS rows' sums per charge period, dimensions and token type, as ``CallTable.focus_sums()`` rolls them up
    from its cells; ``items()`` gives them sorted, ``focus_rows`` makes the rows."""

    def __init__(self, granularity: str = "day", since_ns: int | None = None, until_ns: int | None = None) -> None:
        if granularity not in ("hour", "day"):
            raise ValueError(f"granularity must be hour or day, not {granularity!r}")
        self.granularity = granularity
        self.period_ns = HOUR_NS if granularity == "hour" else DAY_NS
        self.since_ns, self.until_ns = since_ns, until_ns
        # (period start ns, dimensions id, token type) -> [tokens, cost, calls, reasoning tokens]. The dimensions
        # (currency, provider, server, deployment, region, model, deployment type, tags JSON, pricing status) are
        # interned in ``dims``: a key is 3 fields, not 11 (memory, --granularity hour).
        self.rows: dict[tuple[int, int, str], list] = {}
        self.dims: list[tuple] = []
        self.total_cost: dict[str, Decimal] = {}  # per currency, straight from gen_ai.usage.cost
        self.calls = 0
        self.status_counts: dict[str, int] = {}
        self.filtered_out = 0
        self._dims_index: dict[tuple, int] = {}

    def dims_id(self, dims: tuple) -> int:
        """The id of a row's dimensions (interned: the same tuple once)."""
        found = self._dims_index.get(dims)
        if found is None:
            found = self._dims_index[dims] = len(self.dims)
            self.dims.append(dims)
        return found

    def items(self) -> Iterator[tuple[tuple, list]]:
        """``(key, [tokens, cost, calls, reasoning])`` sorted by key; the key: period start (ns), currency,
        provider, server, deployment, region, model, deployment type, tags JSON, pricing status, token type."""
        order = sorted(range(len(self.dims)), key=self.dims.__getitem__)
        rank = [0] * len(self.dims)
        for position, dims_id in enumerate(order):
            rank[dims_id] = position
        for key in sorted(self.rows, key=lambda k: (k[0], rank[k[1]], k[2])):
            yield (key[0], *self.dims[key[1]], key[2]), self.rows[key]
