"""What the telemetry reader produces: ``CostRecord`` (one GenAI call) and ``ReadStats`` (what it saw and skipped)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from otel_aicost.finops.plausible import REASONS

MAX_EXAMPLES = 20


class CostRecord(msgspec.Struct, gc=False):
    """One GenAI call as its span recorded it. Token counts follow ``Usage``: breakdowns are subsets.

    A msgspec ``Struct`` (not a dataclass): built in C, half the cost of a slots dataclass's ``__init__`` of 35
    fields, for every span of a big file; the same fields, defaults, equality and attribute access."""

    start_ns: int
    duration_s: float
    operation: str
    service: str | None = None
    provider: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    deployment_name: str | None = None
    deployment_type: str | None = None
    deployment_type_source: str | None = None  # declared | detected | assumed (aicost.deployment.type_source)
    region: str | None = None
    server_address: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    cost: Decimal | None = None
    cost_input: Decimal | None = None
    cost_cache_read: Decimal | None = None
    cost_cache_write: Decimal | None = None
    cost_output: Decimal | None = None
    unit: str | None = None  # a per-unit call's billed unit: images | minutes | characters (aicost.units.unit)
    unit_quantity: Decimal | None = None  # how many of them (aicost.units.quantity)
    cost_units: Decimal | None = None  # aicost.cost.units
    tool_calls: int = 0  # built-in tool calls (aicost.tool_calls.*), billed in aicost.cost.tools
    cost_tools: Decimal | None = None
    currency: str = "USD"
    pricing_status: str | None = None
    usage_source: str | None = None
    error_type: str | None = None
    is_error: bool = False
    tags: dict[str, str] = {}  # msgspec gives each record its own empty dict
    trace_id: str | None = None
    span_id: str | None = None

    @property
    def model(self) -> str | None:
        """The model that served the call: the response model, else the requested one."""
        return self.response_model or self.request_model


@dataclass(slots=True)
class ReadStats:
    """What the reader saw. Skipped input is counted, never lost silently:

    - ``corrupt_lines``: lines that are not OTLP JSON (torn, garbage, another JSON document);
    - ``bad_spans``: spans skipped inside good lines, by reason in ``skipped`` (keys of ``plausible.REASONS``:
      malformed, timestamp, tokens, cost);
    - ``duplicates``: spans read again (same traceId and spanId: an OTLP retry, a copied file), counted once
      (``span_dedupe``); not in ``records``;
    - ``corrupt_examples``: the first few problems, each ``file:line: what``.
    """

    files: int = 0
    lines: int = 0
    bytes: int = 0
    spans: int = 0
    records: int = 0
    other_lines: int = 0  # metrics, logs, traces without GenAI spans, blank lines
    corrupt_lines: int = 0
    bad_spans: int = 0
    duplicates: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    corrupt_examples: list[str] = field(default_factory=list)
    lines_by_file: dict[str, int] = field(default_factory=dict)
    corrupt_by_file: dict[str, int] = field(default_factory=dict)
    good_by_file: dict[str, int] = field(default_factory=dict)  # lines that were OTLP JSON (any signal)

    @property
    def unreadable_files(self) -> list[str]:
        """Files with corrupt lines and not one OTLP JSON line: most likely not telemetry at all."""
        return [f for f, bad in self.corrupt_by_file.items() if bad and not self.good_by_file.get(f)]

    def note_corrupt(self, path: str, number: int, reason: str) -> None:
        """Count one corrupt line of ``path`` (1-based ``number``) and keep its location if among the first."""
        self.corrupt_lines += 1
        self.corrupt_by_file[path] = self.corrupt_by_file.get(path, 0) + 1
        self.problem(f"{path}:{number}", reason)

    def note_good(self, path: str) -> None:
        self.good_by_file[path] = self.good_by_file.get(path, 0) + 1

    def note_skipped(self, path: str, number: int, reason: str, detail: str) -> None:
        """Count one span skipped for ``reason`` (a ``plausible.REASONS`` key)."""
        self.bad_spans += 1
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.problem(f"{path}:{number}", f"{REASONS[reason]}: {detail}")

    def problem(self, where: str, reason: str) -> None:
        if len(self.corrupt_examples) < MAX_EXAMPLES:
            self.corrupt_examples.append(f"{where}: {reason}")

    def skipped_summary(self) -> str:
        """``3 corrupt lines; 5 spans (2 malformed span, 3 cost out of range)``, or '' when nothing was skipped."""
        parts = []
        if self.corrupt_lines:
            parts.append(f"{self.corrupt_lines:,} corrupt line{'' if self.corrupt_lines == 1 else 's'}")
        if self.bad_spans:
            reasons = ", ".join(f"{count:,} {REASONS[key]}" for key, count in sorted(self.skipped.items()))
            parts.append(f"{self.bad_spans:,} span{'' if self.bad_spans == 1 else 's'} ({reasons})")
        if self.duplicates:
            parts.append(f"{self.duplicates:,} duplicate span{'' if self.duplicates == 1 else 's'} (counted once)")
        return "; ".join(parts)

    def merge(self, other: ReadStats) -> None:
        """Add ``other`` (from a worker) into this one."""
        counts = ("files", "lines", "bytes", "spans", "records", "other_lines", "corrupt_lines", "bad_spans")
        for name in (*counts, "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.corrupt_examples.extend(other.corrupt_examples[: max(0, MAX_EXAMPLES - len(self.corrupt_examples))])
        for mine, theirs in (
            (self.lines_by_file, other.lines_by_file),
            (self.corrupt_by_file, other.corrupt_by_file),
            (self.good_by_file, other.good_by_file),
            (self.skipped, other.skipped),
        ):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
