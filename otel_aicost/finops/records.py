"""Read GenAI cost records from OTLP JSON lines: ``iter_records(paths) -> Iterator[CostRecord]``.

The input is what the OpenTelemetry Collector ``file`` exporter (and our embedded default exporter) writes: one
JSON object per line, ``{"resourceSpans": [...]}`` for traces; metrics and logs lines may sit in the same files
and are skipped. Files may be gzip-compressed (detected by their magic bytes, whatever their name); folders are
read recursively (``*.json``, ``*.jsonl``, ``*.ndjson`` and their ``.gz`` forms) in a stable, sorted order.
Everything streams line by line: memory does not grow with the size of the input.

This module finds files and splits them into lines; ``otlp_decode`` (the one decoder) turns each line into
records. A line that is not OTLP JSON (say, the torn last line of a crashed process) and a span outside the
bounds of ``plausible`` are counted in ``ReadStats`` with their ``file:line`` and skipped; the rest is read.
Nothing is dropped silently. Money: costs are ``Decimal`` read from the JSON text, exact.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from otel_aicost.finops.cost_record import MAX_EXAMPLES, CostRecord, ReadStats
from otel_aicost.finops.otlp_decode import decode_line
from otel_aicost.finops.span_dedupe import SeenSpans

__all__ = ["DEFAULT_DATA_DIR", "MAX_EXAMPLES", "CostRecord", "ReadError", "ReadStats", "find_files", "iter_records"]

DEFAULT_DATA_DIR = "otel-aicost-data"
FILE_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")
PROGRESS_EVERY = 100_000  # spans between two progress callbacks

_BUFFER = 1 << 20  # collector lines are long (100 spans ~ 200 KB): big reads, fewer copies
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class ReadError(Exception):
    """An input path that cannot be read at all (missing, unreadable, unsupported compression)."""


def find_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files to read: each named file, and every telemetry file under each named folder (sorted)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(FILE_SUFFIXES)))
        elif path.is_file():
            found.append(path)
        elif path.exists():
            raise ReadError(f"{path}: not a regular file or folder")
        else:
            raise ReadError(f"{path}: no such file or folder")
    return _once_each(found)


def _once_each(files: list[Path]) -> list[Path]:
    """Each file once, however it was named (twice, as a file and inside a folder, through a link): every call
    counts once."""
    seen: set[tuple[int, int]] = set()
    unique = []
    for path in files:
        try:
            status = path.stat()
        except OSError as exc:  # gone or unreadable since the folder was listed
            raise ReadError(f"{path}: {exc.strerror or exc}") from exc
        identity = (status.st_dev, status.st_ino)
        if identity not in seen:
            seen.add(identity)
            unique.append(path)
    return unique


def iter_records(
    paths: Iterable[str | os.PathLike[str]],
    stats: ReadStats | None = None,
    *,
    progress: Callable[[ReadStats], None] | None = None,
) -> Iterator[CostRecord]:
    """Yield one ``CostRecord`` per GenAI span (a span with ``gen_ai.operation.name``) in ``paths``.

    ``stats`` (a ``ReadStats``) is filled in as reading goes; ``progress`` is called with it every
    ``PROGRESS_EVERY`` spans.
    For many-core speed over big inputs see ``otel_aicost.scan``, which runs this reader in worker processes.
    """
    stats = stats if stats is not None else ReadStats()
    keep = SeenSpans().keep  # each span once (span_dedupe)
    next_progress = PROGRESS_EVERY
    for path in find_files(paths):
        stats.files += 1
        where = str(path)
        for number, raw in read_lines(path, stats):
            yield from keep(decode_line(raw, where, number, stats), where, number, stats)
            if progress is not None and stats.spans >= next_progress:
                progress(stats)
                next_progress = stats.spans + PROGRESS_EVERY
    if progress is not None:
        progress(stats)


def read_lines(path: Path, stats: ReadStats) -> Iterator[tuple[int, bytes]]:
    """``(line number, raw line)`` of one file, plain or gzip; a damaged gzip stream is reported and ends it."""
    number = 0
    where = str(path)
    try:
        with _open(path) as handle:
            lines = iter(handle)
            while True:
                try:
                    raw = next(lines)
                except StopIteration:
                    break
                except (OSError, EOFError) as exc:  # torn or damaged gzip stream (BadGzipFile is an OSError)
                    stats.lines += 1
                    stats.note_corrupt(where, number + 1, f"unreadable compressed data ({_short(exc)})")
                    break
                number += 1
                if number == 1 and raw[:3] == _UTF8_BOM:  # written by a Windows tool: the BOM is not part of the JSON
                    raw = raw[3:]
                yield number, raw
    finally:
        stats.lines += number
        stats.lines_by_file[where] = stats.lines_by_file.get(where, 0) + number


@contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    try:
        handle = open(path, "rb", buffering=_BUFFER)  # noqa: SIM115 - closed by the with-block below
    except OSError as exc:
        raise ReadError(f"{path}: {exc.strerror or exc}") from exc
    with handle:
        head = handle.peek(4)[:4]
        if head.startswith(_GZIP_MAGIC):
            with gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
                # No big read-ahead buffer here: a torn stream must give up every line before the tear.
                yield unzipped  # type: ignore[misc]
        elif head == _ZSTD_MAGIC:
            raise ReadError(f"{path}: zstd-compressed files are not supported; decompress first (zstd -d) or use gzip")
        else:
            yield handle


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
