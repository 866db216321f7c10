"""The rows of one Cost Management export file, CSV (optionally gzip-compressed, with or without a byte-order
mark) or Parquet, after checking that it has the FOCUS columns reconciliation needs (the names of both versions).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path

from otel_aicost.finops.reconcile.cells import ExportError

COST_COLUMNS = ("BilledCost", "EffectiveCost")
METER_COLUMNS = ("SkuMeter", "x_SkuMeterName")  # FOCUS 1.2, FOCUS 1.0 (Cost Management names)
REQUIRED = ("ChargePeriodStart", "BillingCurrency")


def raw_rows(path: Path) -> Iterator[tuple[str, dict]]:
    """``(file:line or file:row N, {column: value})`` for every data row; ``ExportError`` when unreadable."""
    if path.name.lower().endswith(".parquet"):
        yield from _parquet_rows(path)
    else:
        yield from _csv_rows(path)


def _csv_rows(path: Path) -> Iterator[tuple[str, dict]]:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", newline="") as text:
            reader = csv.DictReader(text)
            if not reader.fieldnames:
                raise ExportError(f"{path}: empty file (no header row)")
            _check_columns(path, reader.fieldnames)
            for raw in reader:
                if None in raw:
                    raise ExportError(f"{path}:{reader.line_num}: more cells than header columns")
                yield f"{path}:{reader.line_num}", raw
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{path}: cannot read as CSV ({exc})") from None


def _parquet_rows(path: Path) -> Iterator[tuple[str, dict]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError(f"{path}: reading Parquet needs pyarrow: pip install 'otel-aicost[parquet]'") from None
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ExportError(f"{path}: cannot read as Parquet ({exc})") from None
    _check_columns(path, parquet.schema_arrow.names)
    number = 0
    for batch in parquet.iter_batches(batch_size=10_000):
        for raw in batch.to_pylist():
            number += 1
            yield f"{path}:row {number}", raw


def _check_columns(path: Path, names: Iterable[str]) -> None:
    present = set(names)
    missing = [c for c in REQUIRED if c not in present]
    if not present & set(COST_COLUMNS):
        missing.append("BilledCost")
    if not present & set(METER_COLUMNS):
        missing.append("SkuMeter (FOCUS 1.2) or x_SkuMeterName (FOCUS 1.0)")
    if missing:
        raise ExportError(
            f"{path}: missing column {', '.join(missing)}: not an Azure Cost Management FOCUS cost export"
        )
