"""``OTEL_AICOST_EXPORTER=console``: one readable line per OpenAI call on stderr, instead of the SDK's JSON dumps.

    otel-aicost: chat gpt-4o-mini-2024-07-18  in 1,204 / out 312 tokens  $0.000368  0.84 s  team=search

Operation, model (the one priced), input and output tokens, cost in the configured currency (or the pricing
status when the call was not priced), latency, and the allocation tags. Spans that are not GenAI calls are
left out. Written on stderr so a script's own output stays clean; ``OTEL_TRACES_EXPORTER=console`` still gives
the SDK's complete JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_aicost import semconv

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def money(amount: float, currency: str) -> str:
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount:.6f}" if symbol else f"{amount:.6f} {currency}"


def call_line(span: Any) -> str | None:
    """The line for one ended span; None for a span that is not a GenAI call."""
    attributes = span.attributes or {}
    operation = attributes.get(semconv.OPERATION_NAME)
    if not operation:
        return None
    model = (
        attributes.get(semconv.PRICING_MODEL)
        or attributes.get(semconv.RESPONSE_MODEL)
        or attributes.get(semconv.REQUEST_MODEL)
        or "?"
    )
    parts = [f"otel-aicost: {operation} {model}"]
    input_tokens = attributes.get(semconv.USAGE_INPUT_TOKENS)
    output_tokens = attributes.get(semconv.USAGE_OUTPUT_TOKENS)
    if input_tokens is not None or output_tokens is not None:
        tokens = f"in {input_tokens or 0:,}"
        if output_tokens is not None:
            tokens += f" / out {output_tokens:,}"
        parts.append(f"{tokens} tokens")
    cost = attributes.get(semconv.USAGE_COST)
    if cost is not None:
        parts.append(money(cost, str(attributes.get(semconv.CURRENCY, "USD"))))
    else:
        parts.append(f"not priced ({attributes.get(semconv.PRICING_STATUS, 'no cost')})")
    if span.start_time and span.end_time:
        parts.append(f"{(span.end_time - span.start_time) / 1e9:.2f} s")
    error = attributes.get(semconv.ERROR_TYPE)
    if error:
        parts.append(f"error {error}")
    tags = " ".join(
        f"{key[len(semconv.TAG_PREFIX):]}={value}"
        for key, value in attributes.items()
        if key.startswith(semconv.TAG_PREFIX)
    )
    if tags:
        parts.append(tags)
    return "  ".join(parts)


class ReadableConsoleSpanExporter(SpanExporter):
    """Prints ``call_line`` for every GenAI span of each batch."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out

    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        out = self.out or sys.stderr
        try:
            lines = [line for line in map(call_line, spans) if line]
            if lines:
                out.write("\n".join(lines) + "\n")
                out.flush()
        except Exception:  # noqa: BLE001 - a closed stderr must not reach the application
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True
