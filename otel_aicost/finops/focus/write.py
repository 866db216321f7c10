"""Write FOCUS rows: CSV, Parquet (extra ``parquet``: pyarrow) and the FinOps hubs ingestion layout.

Every writer streams: it takes any iterable of rows (``FocusRows`` makes them one at a time) and holds at most
one batch of ``BATCH_ROWS`` rows, so memory does not grow with the number of rows.

CSV: decimals in plain notation (no exponent) and always with a decimal point (``1200.0``, not ``1200``, so that
readers that infer types, the FOCUS validator among them, see a decimal column, not an integer one), date/times
as ``YYYY-MM-DDTHH:MM:SSZ``, empty cell for null.
Parquet: explicit, fixed types, the same in every file: decimal128(38, 24) for money and unit prices,
decimal128(38, 6) for quantities, timestamp[us, UTC] for periods. A value with more decimal places than its
column holds (a cost below 1e-24) is rounded half-even there. FinOps hubs:
``ingestion/Costs/{yyyy}/{mm}/{scope}/{ingestion id}__otel-aicost.parquet`` per billing month, then an empty
``manifest.json`` beside it, which is what starts hub ingestion for custom FOCUS data (FinOps toolkit docs, hubs
data processing).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from itertools import islice
from pathlib import Path
from typing import Any

from otel_aicost.finops.focus.columns import (
    COLUMNS,
    DATETIME_COLUMNS,
    DECIMAL_COLUMNS,
    INTEGER_COLUMNS,
    MONEY_COLUMNS,
    QUANTITY_COLUMNS,
)

MONEY_SCALE = 24
QUANTITY_SCALE = 6
BATCH_ROWS = 8192
AMOUNT_TEXTS = 50_000  # formatted amounts kept for the rows that follow (bounded: a file may have millions of rows)


class MissingExtra(RuntimeError):
    """An optional dependency is not installed."""


def format_decimal(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def format_csv_decimal(value: Decimal) -> str:
    """Plain notation with a decimal point: ``1200.0``, ``0.0025``, ``0.0``."""
    text = format_decimal(value)
    return text if "." in text else text + ".0"


def format_datetime(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _format_columns(values: list, columns: list[int], texts: dict, format_value: Callable[[Any], str]) -> None:
    """Replace ``values[i]`` for each of ``columns`` by its text, formatting each distinct value once (``texts``)."""
    for i in columns:
        value = values[i]
        if value is not None:
            text = texts.get(value)
            if text is None:
                text = texts[value] = format_value(value)
            values[i] = text


def write_csv(rows: Iterable[dict], path: str | os.PathLike[str]) -> int:
    """Write ``rows``; return how many.

    Each column is formatted by its kind (``build``'s column lists): decimals (``format_csv_decimal``) and date/times
    (``format_datetime``) once per distinct value (the four cost columns of a row hold the same amount, unit prices
    repeat from row to row); the
    rest as they are (the csv module writes None as an empty cell, numbers with ``str``).
    """
    decimals = [i for i, c in enumerate(COLUMNS) if c in DECIMAL_COLUMNS]
    moments = [i for i, c in enumerate(COLUMNS) if c in DATETIME_COLUMNS]
    moment_text: dict[datetime, str] = {}
    amount_text: dict[Decimal, str] = {}  # equal amounts have one text (trailing zeros dropped): shared by rows
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as out:
        write = out.write
        write(csv_line(COLUMNS))
        for row in rows:
            values = [row[c] for c in COLUMNS]
            if len(amount_text) > AMOUNT_TEXTS:  # unit prices and block sizes repeat; most amounts do not
                amount_text.clear()
            _format_columns(values, decimals, amount_text, format_csv_decimal)
            _format_columns(values, moments, moment_text, format_datetime)  # the periods of the whole file
            write(csv_line(values))
            count += 1
    return count


def csv_line(values: Iterable) -> str:
    """One CSV line, exactly as ``csv.writer`` (excel dialect, minimal quoting) writes it: None as an empty cell,
    floats by ``repr``, anything else by ``str``; a cell with a comma, quote, CR or LF quoted, quotes doubled; CRLF
    at the end. Why not ``csv.writer``: it tests every character of every cell in a call of its own (3.11), ~40 us
    a FOCUS row of 60 cells; this looks for each of the four in C (tests/unit/test_focus.py compares the two)."""
    cells = []
    for value in values:
        if value is None:
            cells.append("")
            continue
        text = value if type(value) is str else repr(value) if type(value) is float else str(value)
        if '"' in text or "," in text or "\n" in text or "\r" in text:  # four memchr: faster than one regex
            text = '"' + text.replace('"', '""') + '"'
        cells.append(text)
    if len(cells) == 1 and not cells[0]:
        return '""\r\n'  # a lone empty cell is quoted, else the line would read as no cell at all
    return ",".join(cells) + "\r\n"


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingExtra("Parquet output needs pyarrow: pip install 'otel-aicost[parquet]'") from exc
    return pa, pq


def arrow_schema():
    """The one Parquet schema of every FOCUS file we write."""
    pa, _ = _pyarrow()
    fields = []
    for column in COLUMNS:
        if column in MONEY_COLUMNS:
            kind = pa.decimal128(38, MONEY_SCALE)
        elif column in QUANTITY_COLUMNS:
            kind = pa.decimal128(38, QUANTITY_SCALE)
        elif column in DATETIME_COLUMNS:
            kind = pa.timestamp("us", tz="UTC")
        elif column in INTEGER_COLUMNS:
            kind = pa.int64()
        else:
            kind = pa.string()
        fields.append(pa.field(column, kind))
    return pa.schema(fields)


_QUANTUM = {column: Decimal(1).scaleb(-MONEY_SCALE) for column in MONEY_COLUMNS} | {
    column: Decimal(1).scaleb(-QUANTITY_SCALE) for column in QUANTITY_COLUMNS
}


def _fit(column: str, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    quantum = _QUANTUM[column]
    if isinstance(exponent, int) and exponent >= quantum.as_tuple().exponent:
        return value
    with localcontext() as context:
        context.prec = 38
        return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def _batches(rows: Iterable[dict]) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_ROWS)):
        yield batch


def _record_batch(pa, schema, rows: list[dict]):
    arrays = []
    for field in schema:
        values = [row[field.name] for row in rows]
        if field.name in _QUANTUM:
            values = [_fit(field.name, v) for v in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class _ParquetFile:
    """One Parquet file written batch by batch; it appears under its name only once complete."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.pa, pq = _pyarrow()
        self.schema = arrow_schema()
        self.path = Path(path)
        self.partial = self.path.with_name(self.path.name + ".tmp")
        self.writer = pq.ParquetWriter(str(self.partial), self.schema, compression="zstd")
        self.rows = 0

    def write(self, rows: list[dict]) -> None:
        self.writer.write_batch(_record_batch(self.pa, self.schema, rows))
        self.rows += len(rows)

    def close(self) -> None:
        if self.rows == 0:  # an empty file still has the schema
            self.writer.write_table(self.schema.empty_table())
        self.writer.close()
        os.replace(self.partial, self.path)


def write_parquet(rows: Iterable[dict], path: str | os.PathLike[str]) -> int:
    """Write ``rows``; return how many."""
    out = _ParquetFile(path)
    try:
        for batch in _batches(rows):
            out.write(batch)
    except BaseException:
        out.writer.close()
        out.partial.unlink(missing_ok=True)
        raise
    out.close()
    return out.rows


def safe_scope(scope: str) -> str:
    """A storage path from a free-form scope: segments of ``[A-Za-z0-9._-]``, no ``..``."""
    parts = [re.sub(r"[^A-Za-z0-9._-]+", "-", part).strip("-.") for part in scope.replace("\\", "/").split("/")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValueError(f"scope {scope!r} has no usable path segment")
    return "/".join(parts)


def write_finops_hub(
    rows: Iterable[dict], root: str | os.PathLike[str], scope: str, ingestion_id: str | None = None
) -> list[Path]:
    """Write one parquet file per billing month under ``root/ingestion/Costs/yyyy/mm/scope/``; return them.

    ``rows`` come sorted by period (``FocusRows`` does that), so each month's file is written and finished
    before the next one starts.
    """
    ingestion_id = ingestion_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    scope_path = safe_scope(scope)
    written: list[Path] = []
    files: dict[tuple[int, int], _ParquetFile] = {}
    pending: dict[tuple[int, int], list[dict]] = {}

    def flush(month: tuple[int, int]) -> None:
        if pending.get(month):
            if month not in files:
                folder = Path(root, "ingestion", "Costs", f"{month[0]:04d}", f"{month[1]:02d}", scope_path)
                folder.mkdir(parents=True, exist_ok=True)
                files[month] = _ParquetFile(folder / f"{ingestion_id}__otel-aicost.parquet")
            files[month].write(pending[month])
            pending[month] = []

    for row in rows:
        start = row["BillingPeriodStart"]
        month = (start.year, start.month)
        batch = pending.setdefault(month, [])
        batch.append(row)
        if len(batch) >= BATCH_ROWS:
            flush(month)
    for month in sorted(pending):
        flush(month)
    for month in sorted(files):
        out = files[month]
        out.close()
        (out.path.parent / "manifest.json").write_bytes(b"")  # written last: its arrival triggers ingestion
        written.append(out.path)
    return written
