"""Read an Azure Cost Management FOCUS cost export: ``read_export(paths) -> Export``.

Input: FOCUS 1.0 / 1.0r2 / 1.2-preview / 1.2 exports as Cost Management writes them, CSV (optionally
gzip-compressed, with or without a byte-order mark) or Parquet; a file, a folder of them, or a FinOps hub
storage folder (only ``ingestion/Costs/`` is read there: ``msexports/`` holds the same data before conversion).
Cost Management writes a ``manifest.json`` beside each export run; when a folder holds several runs of one export
for the same period (a month-to-date export runs every day, each run the whole month so far), only the newest
run is read, and a data file shorter than its manifest says is an error.

Columns used (the names of both versions): ChargePeriodStart/End, BilledCost or EffectiveCost, BillingCurrency,
ChargeCategory, ResourceId, ``SkuMeter`` (1.2) or ``x_SkuMeterName`` (1.0), ConsumedQuantity (tokens; else
PricingQuantity x x_PricingBlockSize), and, where present, x_SourceName / x_SourceType (rows otel-aicost wrote
into a hub are never counted as billed). Rows of other services (neither on a Cognitive Services account nor
in meter category Azure OpenAI) and charges that are not usage (purchases, taxes...) are counted, not matched.
Money and quantities become ``Decimal`` (Parquet doubles through
their shortest repr). A missing column or a value that is not a number or a date stops the read with
``ExportError`` naming file:line and the column: a bill is not something to half-read.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .accounts import account_of_resource, is_cognitive_services

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".snappy.parquet", ".gz.parquet")
COST_COLUMNS = ("BilledCost", "EffectiveCost")
METER_COLUMNS = ("SkuMeter", "x_SkuMeterName")  # FOCUS 1.2, FOCUS 1.0 (Cost Management names)
REQUIRED = ("ChargePeriodStart", "BillingCurrency")
_FRACTION = re.compile(r"\.(\d+)")
OUR_SOURCE_NAME = "otel-aicost"
OUR_SOURCE_TYPE = "telemetry"
BLOCK_SIZES = {"1k": 1000, "1m": 1_000_000, "1000": 1000, "1000000": 1_000_000, "10k": 10_000, "100k": 100_000}


class ExportError(ValueError):
    """The export cannot be read: a file, a column or a value (with ``file:line``)."""


@dataclass(slots=True)
class BilledRow:
    """One usage row of the bill, as much of it as reconciliation needs."""

    where: str  # file:line (CSV) or file:row N (Parquet)
    day: date
    period_start: datetime
    period_end: datetime | None
    currency: str
    cost: Decimal
    usd_cost: Decimal | None  # x_BilledCostInUsd / x_EffectiveCostInUsd, for telemetry priced in USD
    tokens: Decimal | None
    meter_name: str
    resource_id: str
    account: str | None
    charge_category: str
    extra: dict[str, str]  # SubAccountId, ResourceName, RegionId, x_SkuMeterCategory, Tags, InvoiceId


@dataclass
class Export:
    rows: list[BilledRow] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: dict[str, list] = field(default_factory=dict)  # reason -> [rows, {currency: cost}]
    ignored_runs: list[str] = field(default_factory=list)  # older runs of the same export and period
    focus_versions: set[str] = field(default_factory=set)

    def skip(self, reason: str, currency: str, cost: Decimal) -> None:
        entry = self.skipped.setdefault(reason, [0, {}])
        entry[0] += 1
        entry[1][currency] = entry[1].get(currency, Decimal(0)) + cost


EXTRA_COLUMNS = ("SubAccountId", "ResourceName", "RegionId", "x_SkuMeterCategory", "Tags", "InvoiceId")


def read_export(paths: Iterable[str | os.PathLike[str]], cost_column: str = "BilledCost") -> Export:
    """Every row of the export files under ``paths``; raises ``ExportError`` on anything unreadable."""
    if cost_column not in COST_COLUMNS:
        raise ExportError(f"cost column must be one of {', '.join(COST_COLUMNS)}, not {cost_column!r}")
    export = Export()
    for path in export_files(paths, export):
        export.files.append(str(path))
        expected = _manifest_rows(path)
        count = 0
        for where, raw in _raw_rows(path):
            count += 1
            _take(export, where, raw, cost_column)
        if expected is not None and count != expected:
            raise ExportError(f"{path}: {count} data rows, but its manifest.json says {expected} (truncated copy?)")
    return export


def export_files(paths: Iterable[str | os.PathLike[str]], export: Export | None = None) -> list[Path]:
    """The data files to read, sorted; older runs of a repeated export are left out (noted in ``export``)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            root = path / "ingestion" / "Costs" if (path / "ingestion" / "Costs").is_dir() else path
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))
            found.extend(_newest_runs(files, export))
        elif path.exists():
            raise ExportError(f"{path}: not a regular file or folder")
        else:
            raise ExportError(f"{path}: no such file or folder")
    if not found:
        raise ExportError("no export files found (looked for *.csv, *.csv.gz and *.parquet)")
    return found


def _manifest(folder: Path) -> dict | None:
    manifest = folder / "manifest.json"
    if not manifest.is_file() or manifest.stat().st_size == 0:  # FinOps hubs write an empty one as a trigger
        return None
    try:
        return json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{manifest}: not a readable Cost Management manifest ({exc})") from None


def _newest_runs(files: list[Path], export: Export | None) -> list[Path]:
    """Drop files of older runs of the same export and period (Cost Management ``manifest.json`` runInfo)."""
    newest: dict[tuple, tuple[str, Path]] = {}
    for folder in sorted({f.parent for f in files}):
        manifest = _manifest(folder)
        if not manifest or not isinstance(manifest.get("runInfo"), dict):
            continue
        config, run = manifest.get("exportConfig") or {}, manifest["runInfo"]
        key = (config.get("resourceId"), config.get("exportName"), run.get("startDate"), run.get("endDate"))
        submitted = str(run.get("submittedTime") or "")
        if key not in newest or submitted > newest[key][0]:
            newest[key] = (submitted, folder)
    keep = {folder for _, folder in newest.values()}
    runs = {f.parent for f in files if _manifest_run(f.parent)}
    kept = []
    for f in files:
        if f.parent in runs and f.parent not in keep:
            if export is not None and str(f.parent) not in export.ignored_runs:
                export.ignored_runs.append(str(f.parent))
            continue
        kept.append(f)
    return kept


def _manifest_run(folder: Path) -> bool:
    manifest = _manifest(folder)
    return bool(manifest and isinstance(manifest.get("runInfo"), dict))


def _manifest_rows(path: Path) -> int | None:
    manifest = _manifest(path.parent)
    for blob in (manifest or {}).get("blobs") or ():
        name = str(blob.get("blobName") or "")
        if name and (name == path.name or name.endswith("/" + path.name)) and "dataRowCount" in blob:
            return int(blob["dataRowCount"])
    return None


def _raw_rows(path: Path) -> Iterator[tuple[str, dict]]:
    name = path.name.lower()
    if name.endswith(".parquet"):
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


def _text(raw: dict, column: str) -> str:
    value = raw.get(column)
    return "" if value is None else str(value).strip()


def _decimal(where: str, raw: dict, column: str) -> Decimal | None:
    value = raw.get(column)
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ExportError(f"{where}: column {column}: {value!r} is not a number")
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ExportError(f"{where}: column {column}: {value!r} is not a number") from None
    if not number.is_finite():
        raise ExportError(f"{where}: column {column}: {value!r} is not a finite number")
    return number


def iso_moment(text: str) -> datetime:
    """ISO 8601 as exports write it: ``Z``, a space for ``T``, 7-digit fractions (.NET) included, on Python 3.10 too."""
    text = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(text) > 10 and text[10] == " ":
        text = text[:10] + "T" + text[11:]
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    return datetime.fromisoformat(text)


def _moment(where: str, raw: dict, column: str, required: bool) -> datetime | None:
    value = raw.get(column)
    if value is None or value == "":
        if required:
            raise ExportError(f"{where}: column {column}: empty")
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    try:
        if "/" in text:  # Cost Management's US-style dates in older exports: MM/DD/YYYY
            moment = datetime.strptime(text.split(" ")[0], "%m/%d/%Y")
        else:
            moment = iso_moment(text)
    except ValueError:
        raise ExportError(f"{where}: column {column}: {text!r} is not a date") from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _take(export: Export, where: str, raw: dict, cost_column: str) -> None:
    column = cost_column if cost_column in raw else next(c for c in COST_COLUMNS if c in raw)
    cost = _decimal(where, raw, column)
    if cost is None:
        raise ExportError(f"{where}: column {column}: empty")
    currency = _text(raw, "BillingCurrency")
    if not currency:
        raise ExportError(f"{where}: column BillingCurrency: empty")
    start = _moment(where, raw, "ChargePeriodStart", required=True)
    end = _moment(where, raw, "ChargePeriodEnd", required=False)
    if _text(raw, "x_SourceName").lower() == OUR_SOURCE_NAME or _text(raw, "x_SourceType").lower() == OUR_SOURCE_TYPE:
        export.skip("telemetry rows (written by otel-aicost, not billed)", currency, cost)
        return
    version = _text(raw, "x_SourceVersion")
    if version:
        export.focus_versions.add(version)
    category = _text(raw, "ChargeCategory") or "Usage"
    if category.lower() != "usage":
        export.skip(f"ChargeCategory {category}", currency, cost)
        return
    meter = next((_text(raw, c) for c in METER_COLUMNS if _text(raw, c)), "")
    resource_id = _text(raw, "ResourceId")
    if not is_cognitive_services(resource_id) and "openai" not in _text(raw, "x_SkuMeterCategory").lower():
        export.skip("not Azure OpenAI", currency, cost)
        return
    tokens = _decimal(where, raw, "ConsumedQuantity")
    if tokens is None:
        quantity = _decimal(where, raw, "PricingQuantity")
        block = _decimal(where, raw, "x_PricingBlockSize")
        if block is None:
            block = BLOCK_SIZES.get(_text(raw, "x_PricingUnitDescription").lower().replace(" ", ""))
        if quantity is not None and block is not None:
            tokens = quantity * Decimal(block)
    assert start is not None
    export.rows.append(
        BilledRow(
            where=where,
            day=start.date(),
            period_start=start,
            period_end=end,
            currency=currency.upper(),
            cost=cost,
            usd_cost=_decimal(where, raw, f"x_{column}InUsd"),
            tokens=tokens,
            meter_name=meter,
            resource_id=resource_id,
            account=account_of_resource(resource_id),
            charge_category=category,
            extra={c: _text(raw, c) for c in EXTRA_COLUMNS if _text(raw, c)},
        )
    )
