"""``OTEL_AICOST_SUMMARY=stderr``: at exit, one short table of calls and spend by model (and by tag when allocated).

    otel-aicost summary: 3 calls, $0.001234 USD
      model                         calls    input   output        cost
      gpt-4o-mini-2024-07-18            2    1,204      312   $0.000368
      gpt-4o-2024-08-06                 1      800      120   $0.000866
      tag team=search                   2                      $0.000500

A span processor adds each ended GenAI span's figures up (a lock and a few additions on the ending thread);
the table is printed once, when the process exits. Works with the application's own SDK tracer provider too.
Costs are added as ``Decimal`` of the span's double, rounded to the micro-unit for display.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections import defaultdict
from decimal import Decimal
from typing import Any, TextIO

from opentelemetry.sdk.trace import SpanProcessor

from otel_aicost import semconv
from otel_aicost.export.console_lines import money


class _Row:
    __slots__ = ("calls", "input", "output", "cost", "priced")

    def __init__(self) -> None:
        self.calls = self.input = self.output = self.priced = 0
        self.cost = Decimal(0)


class SummaryProcessor(SpanProcessor):
    """Adds up calls, tokens and cost per model and per allocation tag; ``table()`` renders them."""

    def __init__(self) -> None:
        self.by_model: dict[str, _Row] = defaultdict(_Row)
        self.by_tag: dict[str, _Row] = defaultdict(_Row)
        self.currency = "USD"
        self._lock = threading.Lock()

    def on_end(self, span: Any) -> None:
        attributes = span.attributes or {}
        if not attributes.get(semconv.OPERATION_NAME):
            return
        model = str(
            attributes.get(semconv.PRICING_MODEL)
            or attributes.get(semconv.RESPONSE_MODEL)
            or attributes.get(semconv.REQUEST_MODEL)
            or "?"
        )
        cost = attributes.get(semconv.USAGE_COST)
        tags = [f"{k[len(semconv.TAG_PREFIX):]}={v}" for k, v in attributes.items() if k.startswith(semconv.TAG_PREFIX)]
        with self._lock:
            self.currency = str(attributes.get(semconv.CURRENCY, self.currency))
            for row in [self.by_model[model], *(self.by_tag[tag] for tag in tags)]:
                row.calls += 1
                row.input += int(attributes.get(semconv.USAGE_INPUT_TOKENS) or 0)
                row.output += int(attributes.get(semconv.USAGE_OUTPUT_TOKENS) or 0)
                if cost is not None:
                    row.priced += 1
                    row.cost += Decimal(repr(cost))

    def table(self) -> str:
        with self._lock:
            models = sorted(self.by_model.items(), key=lambda item: -item[1].cost)
            tags = sorted(self.by_tag.items())
        if not models:
            return ""
        calls = sum(row.calls for _, row in models)
        total = sum((row.cost for _, row in models), Decimal(0))
        lines = [
            f"otel-aicost summary: {calls} calls, {money(float(total), self.currency)} {self.currency}",
            f"  {'model':<30}{'calls':>6}{'input':>10}{'output':>10}{'cost':>14}",
        ]
        for label, row in [*models, *((f"tag {tag}", row) for tag, row in tags)]:
            unpriced = "" if row.priced == row.calls else f"  ({row.calls - row.priced} not priced)"
            lines.append(
                f"  {label[:30]:<30}{row.calls:>6}{row.input:>10,}{row.output:>10,}"
                f"{money(float(row.cost), self.currency):>14}{unpriced}"
            )
        return "\n".join(lines)

    def print_table(self, out: TextIO | None = None) -> None:
        text = self.table()
        if text:
            try:
                print(text, file=out or sys.stderr, flush=True)
            except (OSError, ValueError):  # stderr closed at exit
                pass


_installed: SummaryProcessor | None = None


def install(tracer_provider: Any) -> SummaryProcessor | None:
    """Add the summary to an SDK tracer provider (once per process); None when the provider cannot take it."""
    global _installed
    if _installed is not None:
        return _installed
    if not hasattr(tracer_provider, "add_span_processor"):
        return None
    _installed = SummaryProcessor()
    tracer_provider.add_span_processor(_installed)
    atexit.register(_installed.print_table)
    return _installed
