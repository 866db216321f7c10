"""Spans lost on the way to the backend are counted and reported, never silent.

``BatchSpanProcessor`` never makes the application wait: when its queue (``max_queue_size``, default 2048) is
full it drops the span, and a batch the exporter cannot deliver (connection refused, 5xx, 429 after retries,
timeout) is lost. The SDK mentions the first in a deduplicated log line without numbers and the second in the
exporter's own error log. ``configure()`` adds counts: the processor counts the spans it is handed (one locked
increment on the ending thread), the exporter wrapper counts what each export delivered or lost,
and a WARNING on the ``otel_aicost`` logger gives the totals, at most once a minute and at shutdown, written from
the export thread, never on the application's call path. ``health`` holds the totals for health checks.

Newer SDKs (1.41+) also count for themselves, through public metrics: with
``OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED=true`` their processors report ``otel.sdk.processor.span.processed``
(``error.type=queue_full`` for drops) and the queue size to the application's meter provider, which
``configure()`` sets, so they reach the metrics backend. Our counts remain for the exit line, for older SDKs,
and without a metrics pipeline; the one private read they need (the queue) is in ``sdk_internals``.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from otel_aicost.export import sdk_internals

logger = logging.getLogger("otel_aicost")
REPORT_INTERVAL = 60.0  # seconds between two drop reports


class ExportHealth:
    """Span delivery totals of one batch processor since start.

    ``queue_full`` is derived, not sampled: spans handed to the processor minus those that reached the exporter
    minus those still queued. The processor drops at a full queue by evicting the oldest span, so counting the
    eviction itself would race with the export thread; the difference cannot double-count. It is exact whenever
    the processor is idle (after a flush or at shutdown) and never too high while the application is adding spans.
    """

    def __init__(self) -> None:
        self.received = 0  # spans handed to the processor
        self.exported = 0
        self.export_failed = 0
        self.in_export = 0  # spans inside an export call right now
        self.queue: collections.deque[Any] | None = None
        self._lock = threading.Lock()
        self._reported = 0  # dropped total at the last report
        self._last_report = 0.0

    @property
    def queue_full(self) -> int:
        received = self.received  # read first: spans added after this read only lower the result
        queued = len(self.queue) if self.queue is not None else 0
        return max(0, received - self.exported - self.export_failed - self.in_export - queued)

    @property
    def dropped(self) -> int:
        return self.queue_full + self.export_failed

    @property
    def unsent(self) -> int:
        """Spans handed to the processor and not delivered (dropped, still queued or in an export)."""
        return max(0, self.received - self.exported)

    def reset(self) -> None:
        """Zero every count: a forked child starts with its own (``fork``)."""
        queue = self.queue
        self.__init__()  # type: ignore[misc]
        self.queue = queue

    def count_received(self) -> None:
        with self._lock:
            self.received += 1

    def export_started(self, spans: int) -> None:
        with self._lock:
            self.in_export += spans

    def export_finished(self, spans: int, ok: bool) -> None:
        with self._lock:
            self.in_export -= spans
            if ok:
                self.exported += spans
            else:
                self.export_failed += spans

    def report(self, *, final: bool = False, interval: float = REPORT_INTERVAL) -> bool:
        """Log the totals if spans were dropped since the last report (and the interval has passed)."""
        now = time.monotonic()
        queue_full, export_failed, exported = self.queue_full, self.export_failed, self.exported
        dropped = queue_full + export_failed
        with self._lock:
            if dropped <= self._reported or (not final and now - self._last_report < interval):
                return False
            self._reported, self._last_report = dropped, now
        logger.warning(
            "otel-aicost: %d spans dropped so far (%d at a full export queue, %d in exports that failed; "
            "%d exported): is the telemetry backend reachable and keeping up?",
            dropped, queue_full, export_failed, exported,
        )  # fmt: skip
        return True


health = ExportHealth()


class CountingSpanExporter(SpanExporter):
    """Delegates to ``exporter``; counts what each export delivered or lost, and reports drops."""

    def __init__(self, exporter: SpanExporter, export_health: ExportHealth | None = None) -> None:
        self.exporter = exporter
        self.health = export_health or health

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        ok = False
        self.health.export_started(len(spans))
        try:
            result = self.exporter.export(spans)
            ok = result is SpanExportResult.SUCCESS
            return result
        finally:
            self.health.export_finished(len(spans), ok)
            self.health.report()

    def shutdown(self) -> None:
        try:
            self.exporter.shutdown()
        finally:
            self.health.report(final=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.exporter.force_flush(timeout_millis)


class DropCountingBatchSpanProcessor(BatchSpanProcessor):
    """``BatchSpanProcessor`` whose ``health`` says how many spans it dropped, and why.

    The SDK has no public queue length; the queue is found by name. In an SDK that keeps it elsewhere, spans still
    queued count as dropped until the next flush (the totals are exact again at shutdown).
    """

    def __init__(self, exporter: SpanExporter, export_health: ExportHealth | None = None, **options: Any) -> None:
        self.health = export_health or health
        super().__init__(CountingSpanExporter(exporter, self.health), **options)
        self.health.queue = sdk_internals.span_queue(self)

    def on_end(self, span: ReadableSpan) -> None:
        super().on_end(span)
        context = span.context
        if context is not None and context.trace_flags.sampled:  # what the processor itself accepts
            self.health.count_received()


class Tally:
    """Items (metric data points, log records) an exporter delivered, lost, or is still sending."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.sent = 0
        self.failed = 0
        self.in_flight = 0
        self._lock = threading.Lock()

    @property
    def unsent(self) -> int:
        return self.failed + self.in_flight

    def reset(self) -> None:
        """Zero the counts (in a forked child: the lock may have been held by a thread that is gone)."""
        self._lock = threading.Lock()
        self.sent = self.failed = self.in_flight = 0


def count_exports(exporter: Any, tally: Tally, count: Any) -> Any:
    """Make ``exporter.export`` keep ``tally`` (``count(batch)`` items per call); returns the same exporter.

    The method is replaced on this one instance, so the exporter keeps its type and everything the SDK reads
    from it (a metric exporter's preferred temporality and aggregation).
    """
    export = exporter.export

    def counted(batch: Any, *args: Any, **kwargs: Any) -> Any:
        items = count(batch)
        with tally._lock:
            tally.in_flight += items
        ok = False
        try:
            result = export(batch, *args, **kwargs)
            ok = getattr(result, "name", "") == "SUCCESS"
            return result
        finally:
            with tally._lock:
                tally.in_flight -= items
                if ok:
                    tally.sent += items
                else:
                    tally.failed += items

    exporter.export = counted
    return exporter


def count_points(metrics_data: Any) -> int:
    try:
        return sum(
            len(metric.data.data_points)
            for resource_metrics in metrics_data.resource_metrics
            for scope_metrics in resource_metrics.scope_metrics
            for metric in scope_metrics.metrics
        )
    except Exception:  # noqa: BLE001 - odd input: count it as one
        return 1


metric_points = Tally("metric points")
log_records = Tally("log records")
span_healths: list[ExportHealth] = [health]
"""Every ``ExportHealth`` in use by ``configure()``'s span processors (the first is ``health``)."""
