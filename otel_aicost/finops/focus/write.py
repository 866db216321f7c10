"""Write FOCUS rows: CSV, Parquet (extra ``parquet``: pyarrow) and the FinOps hubs ingestion layout.

CSV: decimals in plain notation (no exponent), date/times as ``YYYY-MM-DDTHH:MM:SSZ``, empty cell for null.
Parquet: explicit types (decimal128 for money and quantities, timestamp[us, UTC] for periods), so tools and
validators need not guess. FinOps hubs: ``ingestion/Costs/{yyyy}/{mm}/{scope}/{ingestion id}__otel-aicost.parquet``
per billing month, then an empty ``manifest.json`` beside it, which is what starts hub ingestion for
custom FOCUS data (FinOps toolkit docs, hubs data processing).
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from otel_aicost.finops.focus.build import COLUMNS, DATETIME_COLUMNS, DECIMAL_COLUMNS, INTEGER_COLUMNS


class MissingExtra(RuntimeError):
    """An optional dependency is not installed."""


def format_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def format_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def write_csv(rows: Sequence[dict], path: str | os.PathLike[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in COLUMNS])


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra("Parquet output needs pyarrow: pip install 'otel-aicost[parquet]'") from exc
    return pa, pq


def _scale(values: Sequence[Decimal | None]) -> int:
    """Decimal places that hold every value exactly (at least 2)."""
    scale = 2
    for value in values:
        if value is not None:
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > scale:
                scale = -exponent
    return min(scale, 30)


def arrow_table(rows: Sequence[dict]):
    pa, _ = _pyarrow()
    arrays, fields = [], []
    for column in COLUMNS:
        values = [row[column] for row in rows]
        if column in DECIMAL_COLUMNS:
            kind = pa.decimal128(38, _scale(values))
        elif column in DATETIME_COLUMNS:
            kind = pa.timestamp("us", tz="UTC")
        elif column in INTEGER_COLUMNS:
            kind = pa.int64()
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
        arrays.append(pa.array(values, type=kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_parquet(rows: Sequence[dict], path: str | os.PathLike[str]) -> None:
    _, pq = _pyarrow()
    pq.write_table(arrow_table(rows), str(path), compression="zstd")


def safe_scope(scope: str) -> str:
    """A storage path from a free-form scope: segments of ``[A-Za-z0-9._-]``, no ``..``."""
    parts = [re.sub(r"[^A-Za-z0-9._-]+", "-", part).strip("-.") for part in scope.replace("\\", "/").split("/")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError(f"scope {scope!r} has no usable path segment")
    return "/".join(parts)


def write_finops_hub(
    rows: Sequence[dict], root: str | os.PathLike[str], scope: str, ingestion_id: str | None = None
) -> list[Path]:
    """Write one parquet file per billing month under ``root/ingestion/Costs/yyyy/mm/scope/``; return them."""
    ingestion_id = ingestion_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    by_month: dict[tuple[int, int], list[dict]] = {}
    for row in rows:
        start = row["BillingPeriodStart"]
        by_month.setdefault((start.year, start.month), []).append(row)
    written = []
    scope_path = safe_scope(scope)
    for (year, month), month_rows in sorted(by_month.items()):
        folder = Path(root, "ingestion", "Costs", f"{year:04d}", f"{month:02d}", scope_path)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{ingestion_id}__otel-aicost.parquet"
        partial = target.with_suffix(".parquet.tmp")
        write_parquet(month_rows, partial)
        os.replace(partial, target)
        (folder / "manifest.json").write_bytes(b"")  # written last: its arrival triggers ingestion
        written.append(target)
    return written
