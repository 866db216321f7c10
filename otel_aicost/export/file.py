"""The embedded default destination: OTLP JSON lines under ``./otel-aicost-data/``.

Where nothing configures an exporter, ``configure()`` writes telemetry here in the format of the OpenTelemetry
Collector's ``file`` exporter, one JSON object per line: ``traces.jsonl`` holds ``{"resourceSpans": [...]}``
lines, ``metrics.jsonl`` ``{"resourceMetrics": [...]}`` lines and ``logs.jsonl`` ``{"resourceLogs": [...]}``
lines. ``otel-aicost report`` and ``focus`` read the spans (every span carries its own cost). The metrics are
a faithful OTLP stream, cumulative by default like the OTLP exporter's (the variables
``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`` and ``OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION``
are honoured), so a Collector's ``otlpjsonfile`` receiver can replay any of the files.

Writing is crash-safe and bounded (see ``jsonl_writer``). Exporters never raise into the application: what
cannot be written is counted in ``dropped`` (spans, metric data points, log records) and reported once at
WARNING.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import AggregationTemporality, MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.metrics.view import Aggregation, ExponentialBucketHistogramAggregation
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from otel_aicost.export.health import count_points
from otel_aicost.export.jsonl_writer import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROTATED_FILES, JsonLinesWriter
from otel_aicost.export.otlp_json import encode_logs, encode_metrics, spans_to_json, to_json_text

try:  # SDK >= 1.39 renamed the log exporter interface; accept the older names too
    from opentelemetry.sdk._logs.export import LogRecordExporter as _LogExporterBase
    from opentelemetry.sdk._logs.export import LogRecordExportResult as _LogExportResult
except ImportError:  # pragma: no cover - older SDK
    from opentelemetry.sdk._logs.export import LogExporter as _LogExporterBase  # type: ignore[no-redef]
    from opentelemetry.sdk._logs.export import LogExportResult as _LogExportResult  # type: ignore[no-redef]

__all__ = [
    "DEFAULT_DIRECTORY",
    "JsonLinesFileLogExporter",
    "JsonLinesFileMetricExporter",
    "JsonLinesFileSpanExporter",
]

_logger = logging.getLogger("otel_aicost.exporters")

DEFAULT_DIRECTORY = "otel-aicost-data"
ENV_DATA_DIR = "OTEL_AICOST_DATA_DIR"


def data_directory() -> str:
    """``OTEL_AICOST_DATA_DIR``, else ``./otel-aicost-data``: where the embedded default writes."""
    return os.environ.get(ENV_DATA_DIR) or DEFAULT_DIRECTORY


def to_json_line(text: str | dict) -> bytes:
    """UTF-8 bytes of one JSON line (without the newline).

    A lone surrogate (invalid in UTF-8) can only sit inside a JSON string; ``backslashreplace`` turns it into
    the JSON escape ``\\udXXX`` instead of failing the whole batch.
    """
    if not isinstance(text, str):
        text = to_json_text(text)
    return text.encode("utf-8", "backslashreplace")


class _JsonLinesExporter:
    """What the three exporters share: one writer, the dropped counter, no exception ever escaping."""

    _stem = ""

    def _to_text(self, payload: Any) -> str:
        raise NotImplementedError

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_rotated_files: int = DEFAULT_MAX_ROTATED_FILES,
    ) -> None:
        self._writer = JsonLinesWriter(
            directory or data_directory(), self._stem, max_bytes=max_bytes, max_rotated_files=max_rotated_files
        )
        self.dropped = 0
        """Items (spans, metric data points, log records) that could not be written."""
        self._dropped_lock = threading.Lock()
        self._bug_logged = False

    @property
    def path(self) -> os.PathLike[str]:
        """The file being appended to."""
        return self._writer.path

    def _export(self, payload: Any, count: int) -> bool:
        try:
            if self._writer.write(to_json_line(self._to_text(payload))):
                return True
        except Exception:  # our own bug must not reach the application: count it, say it once
            if not self._bug_logged:
                self._bug_logged = True
                _logger.exception("otel-aicost: could not export %d telemetry items to %s", count, self._writer.path)
        self._count_dropped(count)
        return False

    def _count_dropped(self, count: int) -> None:
        with self._dropped_lock:
            self.dropped += count

    def _force_flush(self) -> bool:
        self._writer.flush()
        return True

    def _shutdown(self) -> None:
        self._writer.flush()
        self._writer.close()


class JsonLinesFileSpanExporter(_JsonLinesExporter, SpanExporter):
    """Spans as ``{"resourceSpans": [...]}`` lines in ``<directory>/traces.jsonl``."""

    _stem = "traces"

    def _to_text(self, payload: Any) -> str:
        return spans_to_json(payload)

    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        if not spans:
            return SpanExportResult.SUCCESS
        return SpanExportResult.SUCCESS if self._export(spans, len(spans)) else SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._force_flush()

    def shutdown(self) -> None:
        self._shutdown()


class JsonLinesFileLogExporter(_JsonLinesExporter, _LogExporterBase):
    """Log records as ``{"resourceLogs": [...]}`` lines in ``<directory>/logs.jsonl``."""

    _stem = "logs"

    def _to_text(self, payload: Any) -> str:
        return to_json_text(encode_logs(payload))

    def export(self, batch: Sequence[Any]) -> Any:
        if not batch:
            return _LogExportResult.SUCCESS
        return _LogExportResult.SUCCESS if self._export(batch, len(batch)) else _LogExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self._force_flush()

    def shutdown(self) -> None:
        self._shutdown()


class JsonLinesFileMetricExporter(_JsonLinesExporter, MetricExporter):
    """Metrics as ``{"resourceMetrics": [...]}`` lines in ``<directory>/metrics.jsonl``.

    Temporality and histogram aggregation follow the OTLP exporter's defaults and environment variables,
    so the file holds the same stream an OTLP endpoint would have received.
    """

    _stem = "metrics"

    def _to_text(self, payload: Any) -> str:
        return to_json_text(encode_metrics(payload))

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_rotated_files: int = DEFAULT_MAX_ROTATED_FILES,
        preferred_temporality: dict[type, AggregationTemporality] | None = None,
        preferred_aggregation: dict[type, Aggregation] | None = None,
    ) -> None:
        _JsonLinesExporter.__init__(self, directory, max_bytes=max_bytes, max_rotated_files=max_rotated_files)
        MetricExporter.__init__(
            self,
            preferred_temporality=_temporality_from_env(preferred_temporality),
            preferred_aggregation=_aggregation_from_env(preferred_aggregation),
        )

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any) -> MetricExportResult:
        count = count_points(metrics_data)
        if not count:
            return MetricExportResult.SUCCESS
        return MetricExportResult.SUCCESS if self._export(metrics_data, count) else MetricExportResult.FAILURE

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self._force_flush()

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._shutdown()


_CUMULATIVE = AggregationTemporality.CUMULATIVE
_DELTA = AggregationTemporality.DELTA
_TEMPORALITY_PRESETS = {
    "CUMULATIVE": {},
    "DELTA": {Counter: _DELTA, Histogram: _DELTA, ObservableCounter: _DELTA},
    "LOWMEMORY": {Counter: _DELTA, Histogram: _DELTA},
}


def _temporality_from_env(
    preferred: dict[type, AggregationTemporality] | None,
) -> dict[type, AggregationTemporality]:
    choice = os.environ.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "CUMULATIVE").strip().upper()
    if choice not in _TEMPORALITY_PRESETS:
        _logger.warning(
            "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=%r is not CUMULATIVE, DELTA or LOWMEMORY; "
            "using CUMULATIVE",
            choice,
        )
        choice = "CUMULATIVE"
    temporality: dict[type, AggregationTemporality] = dict.fromkeys(
        (Counter, UpDownCounter, Histogram, ObservableCounter, ObservableUpDownCounter, ObservableGauge), _CUMULATIVE
    )
    temporality.update(_TEMPORALITY_PRESETS[choice])
    temporality.update(preferred or {})
    return temporality


def _aggregation_from_env(preferred: dict[type, Aggregation] | None) -> dict[type, Aggregation]:
    choice = os.environ.get("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION", "explicit_bucket_histogram")
    aggregation: dict[type, Aggregation]
    if choice.strip() == "base2_exponential_bucket_histogram":
        aggregation = {Histogram: ExponentialBucketHistogramAggregation()}
    else:
        if choice.strip() != "explicit_bucket_histogram":
            _logger.warning(
                "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=%r is not supported; "
                "using explicit_bucket_histogram",
                choice,
            )
        aggregation = {}  # the SDK default: explicit buckets, honouring each instrument's bucket advice
    aggregation.update(preferred or {})
    return aggregation
