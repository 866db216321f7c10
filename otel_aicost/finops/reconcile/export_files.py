"""Which files of a Cost Management export to read: files, folders, FinOps hub storage, newest run only.

In a FinOps hub folder only ``ingestion/Costs/`` is read (``msexports/`` holds the same data before conversion).
Cost Management writes a ``manifest.json`` beside each export run; when a folder holds several runs of one export
for the same period (a month-to-date export runs every day, each run the whole month so far), only the newest
run is read, and ``manifest_rows`` says how many data rows a file must have.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from otel_aicost.finops.reconcile.cells import ExportError

DATA_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".snappy.parquet", ".gz.parquet")


def export_files(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[str]]:
    """The data files to read, and the folders of older runs of a repeated export that are left out."""
    found: list[Path] = []
    ignored: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            root = path / "ingestion" / "Costs" if (path / "ingestion" / "Costs").is_dir() else path
            files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(DATA_SUFFIXES))
            found.extend(_newest_runs(files, ignored))
        elif path.exists():
            raise ExportError(f"{path}: not a regular file or folder")
        else:
            raise ExportError(f"{path}: no such file or folder")
    if not found:
        raise ExportError("no export files found (looked for *.csv, *.csv.gz and *.parquet)")
    return found, ignored


def manifest_rows(path: Path) -> int | None:
    """The data row count the run's ``manifest.json`` gives for this file, if it gives one."""
    manifest = _manifest(path.parent)
    blobs = (manifest or {}).get("blobs") or []
    if not isinstance(blobs, list) or not all(isinstance(blob, dict) for blob in blobs):
        raise ExportError(
            f"{path.parent / 'manifest.json'}: not a Cost Management manifest ('blobs' is not a list of tables)"
        )
    for blob in blobs:
        name = str(blob.get("blobName") or "")
        if name and (name == path.name or name.endswith("/" + path.name)) and "dataRowCount" in blob:
            count = blob["dataRowCount"]
            if isinstance(count, bool) or not isinstance(count, (int, str)) or not str(count).strip().isdigit():
                raise ExportError(f"{path.parent / 'manifest.json'}: not a Cost Management manifest "
                                  f"(dataRowCount of {name} is not a row count)")  # fmt: skip
            return int(count)
    return None


def _manifest(folder: Path) -> dict | None:
    manifest = folder / "manifest.json"
    if not manifest.is_file() or manifest.stat().st_size == 0:  # FinOps hubs write an empty one as a trigger
        return None
    try:
        data = json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise ExportError(f"{manifest}: not a readable Cost Management manifest ({exc})") from None
    if not isinstance(data, dict):
        raise ExportError(f"{manifest}: not a Cost Management manifest (the top level is a {type(data).__name__})")
    return data


def _run_info(folder: Path) -> dict | None:
    """The manifest of a folder that holds one export run, else None."""
    manifest = _manifest(folder)
    return manifest if manifest and isinstance(manifest.get("runInfo"), dict) else None


def _newest_runs(files: list[Path], ignored: list[str]) -> list[Path]:
    """Drop files of older runs of the same export and period (Cost Management ``manifest.json`` runInfo)."""
    newest: dict[tuple, tuple[str, Path]] = {}
    runs = set()
    for folder in sorted({f.parent for f in files}):
        manifest = _run_info(folder)
        if manifest is None:
            continue
        runs.add(folder)
        config, run = manifest.get("exportConfig") or {}, manifest["runInfo"]
        key = (config.get("resourceId"), config.get("exportName"), run.get("startDate"), run.get("endDate"))
        submitted = str(run.get("submittedTime") or "")
        if key not in newest or submitted > newest[key][0]:
            newest[key] = (submitted, folder)
    keep = {folder for _, folder in newest.values()}
    kept = []
    for f in files:
        if f.parent in runs and f.parent not in keep:
            if str(f.parent) not in ignored:
                ignored.append(str(f.parent))
            continue
        kept.append(f)
    return kept
