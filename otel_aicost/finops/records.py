"""Read GenAI cost records from OTLP JSON lines: ``iter_records(paths) -> Iterator[CostRecord]``.

The input is what the OpenTelemetry Collector ``file`` exporter (and our embedded default exporter) writes: one
JSON object per line, ``{"resourceSpans": [...]}`` for traces; metrics and logs lines may sit in the same files
and are skipped. Files may be gzip-compressed (detected by their magic bytes, whatever their name); folders are
read recursively (``*.json``, ``*.jsonl`` and their ``.gz`` forms) in a stable, sorted order. Everything streams
line by line: memory does not grow with the size of the input.

A line that is not valid JSON (say, the torn last line of a crashed process) is counted in ``ReadStats`` with its
``file:line`` and skipped; the rest of the file is read. Nothing is dropped silently.

Money: costs become ``Decimal``. msgspec (extra ``fast``, see ``records_fast``) and the stdlib parser read
them straight from the JSON text (``parse_float=Decimal``); with orjson a double is turned back into the
shortest decimal that round-trips (``Decimal(repr(x))``), which is the very text that Python's ``json`` and the
Collector's protojson write. All paths give the same Decimal for such input (tested).
"""

from __future__ import annotations

import gzip
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from otel_aicost import semconv

try:  # optional speed-up
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

DEFAULT_DATA_DIR = "otel-aicost-data"
FILE_SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")
MAX_EXAMPLES = 20
PROGRESS_EVERY = 100_000  # spans between two progress callbacks

_BUFFER = 1 << 20  # collector lines are long (100 spans ~ 200 KB): big reads, fewer copies
_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_TAG_PREFIX = semconv.TAG_PREFIX
_TAG_PREFIX_LEN = len(_TAG_PREFIX)


class ReadError(Exception):
    """An input path that cannot be read at all (missing, unreadable, unsupported compression)."""


@dataclass(slots=True)
class CostRecord:
    """One GenAI call as its span recorded it. Token counts follow ``Usage``: breakdowns are subsets."""

    start_ns: int
    duration_s: float
    operation: str
    service: str | None = None
    provider: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    deployment_name: str | None = None
    deployment_type: str | None = None
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
    currency: str = "USD"
    pricing_status: str | None = None
    usage_source: str | None = None
    error_type: str | None = None
    is_error: bool = False
    tags: dict[str, str] = field(default_factory=dict)
    trace_id: str | None = None
    span_id: str | None = None

    @property
    def model(self) -> str | None:
        """The model that served the call: the response model, else the requested one."""
        return self.response_model or self.request_model


@dataclass(slots=True)
class ReadStats:
    """What the reader saw. ``corrupt_lines`` are skipped lines; ``corrupt_examples`` the first few, located."""

    files: int = 0
    lines: int = 0
    bytes: int = 0
    spans: int = 0
    records: int = 0
    other_lines: int = 0  # metrics, logs, traces without GenAI spans, blank lines
    corrupt_lines: int = 0
    bad_spans: int = 0  # spans inside valid JSON whose shape is wrong
    corrupt_examples: list[str] = field(default_factory=list)
    lines_by_file: dict[str, int] = field(default_factory=dict)
    corrupt_by_file: dict[str, int] = field(default_factory=dict)

    @property
    def unreadable_files(self) -> list[str]:
        """Files in which every line was corrupt: most likely not telemetry at all."""
        return [f for f, bad in self.corrupt_by_file.items() if bad >= self.lines_by_file.get(f, 0)]

    def note_corrupt(self, path: str, number: int, reason: str) -> None:
        """Count one corrupt line of ``path`` (1-based ``number``) and keep its location if among the first."""
        self.corrupt_lines += 1
        self.corrupt_by_file[path] = self.corrupt_by_file.get(path, 0) + 1
        self._problem(f"{path}:{number}", reason)

    def _problem(self, where: str, reason: str) -> None:
        if len(self.corrupt_examples) < MAX_EXAMPLES:
            self.corrupt_examples.append(f"{where}: {reason}")

    def merge(self, other: ReadStats) -> None:
        """Add ``other`` (from a worker) into this one."""
        for name in ("files", "lines", "bytes", "spans", "records", "other_lines", "corrupt_lines", "bad_spans"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.corrupt_examples.extend(other.corrupt_examples[: max(0, MAX_EXAMPLES - len(self.corrupt_examples))])
        for mine, theirs in ((self.lines_by_file, other.lines_by_file), (self.corrupt_by_file, other.corrupt_by_file)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value


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
    return found


def iter_records(
    paths: Iterable[str | os.PathLike[str]],
    stats: ReadStats | None = None,
    *,
    progress: Callable[[ReadStats], None] | None = None,
    parser: str = "auto",
) -> Iterator[CostRecord]:
    """Yield one ``CostRecord`` per GenAI span (a span with ``gen_ai.operation.name``) in ``paths``.

    ``stats`` (a ``ReadStats``) is filled in as reading goes; ``progress`` is called with it every
    ``PROGRESS_EVERY`` spans. ``parser`` is ``auto`` (the fastest installed), ``msgspec``, ``orjson`` or ``stdlib``.
    For many-core speed over big inputs see ``otel_aicost.scan``, which runs this reader in worker processes.
    """
    stats = stats if stats is not None else ReadStats()
    decode = LineDecoder(parser)
    next_progress = PROGRESS_EVERY
    for path in find_files(paths):
        stats.files += 1
        where = str(path)
        for number, raw in read_lines(path, stats):
            yield from decode(raw, where, number, stats)
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
                yield number, raw
    finally:
        stats.lines += number
        stats.lines_by_file[where] = stats.lines_by_file.get(where, 0) + number


class LineDecoder:
    """Turns one raw OTLP JSON line into cost records, counting what it skips. Picklable (by parser name)."""

    def __init__(self, parser: str = "auto") -> None:
        self.parser = parser
        self._loads, self._to_decimal, self._fast = _parser(parser)

    def __reduce__(self):
        return (LineDecoder, (self.parser,))

    def __call__(self, raw: bytes, where: str, number: int, stats: ReadStats) -> Iterator[CostRecord]:
        stats.bytes += len(raw)
        if b'"resourceSpans"' not in raw or b'"gen_ai.operation.name"' not in raw:
            # Metrics, logs and non-GenAI traces are skipped unparsed when they look complete.
            stripped = raw.strip()
            if not stripped:
                stats.other_lines += 1
                return
            if stripped.endswith(b"}") and (
                b'"resourceSpans"' in raw or b'"resourceMetrics"' in raw or b'"resourceLogs"' in raw
            ):
                stats.other_lines += 1
                return
        fast = self._fast
        if fast is not None and b'"resourceSpans"' in raw:
            try:
                records = fast.decode_line(raw, stats)
            except fast.DecodeError as exc:
                stats.note_corrupt(where, number, f"not valid JSON ({_short(exc)})")
                return
            if records is not None:
                yield from records
                return
        try:
            document = self._loads(raw)
        except ValueError as exc:  # json.JSONDecodeError, orjson.JSONDecodeError, UnicodeDecodeError
            stats.note_corrupt(where, number, f"not valid JSON ({_short(exc)})")
            return
        if not isinstance(document, dict) or "resourceSpans" not in document:
            if isinstance(document, dict) and ("resourceMetrics" in document or "resourceLogs" in document):
                stats.other_lines += 1
            else:
                stats.note_corrupt(where, number, "not an OTLP JSON object (no resourceSpans/Metrics/Logs)")
            return
        yield from _records(document, where, number, stats, self._to_decimal)


def _parser(name: str) -> tuple[Callable[[bytes], object], Callable[[object], Decimal | None], object]:
    """(generic loads, its decimal reader, fast typed decoder or None) for a parser name."""
    if name == "auto":
        name = "msgspec" if _has("msgspec") else "orjson" if _orjson is not None else "stdlib"
    fast = None
    if name == "msgspec":
        from otel_aicost.finops import records_fast  # needs msgspec: extra 'fast'

        fast = records_fast
        name = "orjson" if _orjson is not None else "stdlib"  # the fallback for lines that do not fit its types
    if name == "orjson":
        if _orjson is None:
            raise ValueError("parser 'orjson' asked for but orjson is not installed")
        return _orjson.loads, _decimal, fast
    if name == "stdlib":
        return (lambda raw: json.loads(raw, parse_float=Decimal)), _decimal, fast
    raise ValueError(f"unknown parser {name!r}: use auto, msgspec, orjson or stdlib")


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


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


def _records(document: dict, path: str, number: int, stats: ReadStats, to_decimal) -> Iterator[CostRecord]:
    try:
        resource_spans = document["resourceSpans"] or ()
        iter(resource_spans)
    except TypeError:
        stats.bad_spans += 1
        stats._problem(f"{path}:{number}", "resourceSpans is not a list")
        return
    for resource_span in resource_spans:
        try:
            resource_attrs = {
                a["key"]: a.get("value") for a in (resource_span.get("resource") or {}).get("attributes") or ()
            }
            service = _string(resource_attrs.get(semconv.SERVICE_NAME))
            resource_region = _string(resource_attrs.get(semconv.CLOUD_REGION))
            scope_spans = resource_span.get("scopeSpans") or ()
        except (AttributeError, KeyError, TypeError) as exc:
            stats.bad_spans += 1
            stats._problem(f"{path}:{number}", f"malformed resource ({_short(exc)})")
            continue
        for scope_span in scope_spans:
            try:
                spans = scope_span.get("spans") or ()
            except AttributeError:
                stats.bad_spans += 1
                stats._problem(f"{path}:{number}", "malformed scopeSpans entry")
                continue
            for span in spans:
                stats.spans += 1
                try:
                    record = _record(span, service, resource_region, to_decimal)
                except (AttributeError, KeyError, TypeError, ValueError, InvalidOperation) as exc:
                    stats.bad_spans += 1
                    stats._problem(f"{path}:{number}", f"malformed span ({_short(exc)})")
                    continue
                if record is not None:
                    stats.records += 1
                    yield record


def _record(span: dict, service: str | None, resource_region: str | None, to_decimal) -> CostRecord | None:
    attrs = {a["key"]: a.get("value") for a in span.get("attributes") or ()}  # protojson may omit an empty value
    operation = attrs.get(semconv.OPERATION_NAME)
    if operation is None:
        return None
    status = span.get("status") or {}
    return build_record(
        attrs,
        operation,
        service=service,
        resource_region=resource_region,
        start=int(span.get("startTimeUnixNano") or 0),
        end=int(span.get("endTimeUnixNano") or 0),
        status_code=status.get("code"),
        trace_id=span.get("traceId"),
        span_id=span.get("spanId"),
        string=_string,
        integer=_int,
        decimal=to_decimal,
    )


def build_record(
    attrs: dict,
    operation: Any,
    *,
    service: str | None,
    resource_region: str | None,
    start: int,
    end: int,
    status_code: Any,
    trace_id: str | None,
    span_id: str | None,
    string: Callable[[Any], str | None],
    integer: Callable[[Any], int],
    decimal: Callable[[Any], Decimal | None],
) -> CostRecord:
    """A ``CostRecord`` from a GenAI span's attributes; ``string``/``integer``/``decimal`` read one attribute
    value in the decoder's representation (plain JSON dicts here, typed structs in ``records_fast``)."""
    get = attrs.get
    tags = {key[_TAG_PREFIX_LEN:]: string(attrs[key]) for key in attrs if key[:_TAG_PREFIX_LEN] == _TAG_PREFIX}
    error_type = string(get(semconv.ERROR_TYPE))
    return CostRecord(
        start_ns=start,
        duration_s=(end - start) / 1e9 if end > start else 0.0,
        operation=string(operation) or "",
        service=service,
        provider=string(get(semconv.PROVIDER_NAME)) or string(get(semconv.SYSTEM)),
        request_model=string(get(semconv.REQUEST_MODEL)),
        response_model=string(get(semconv.RESPONSE_MODEL)),
        deployment_name=string(get(semconv.DEPLOYMENT_NAME)),
        deployment_type=string(get(semconv.DEPLOYMENT_TYPE)),
        region=string(get(semconv.CLOUD_REGION)) or resource_region,
        server_address=string(get(semconv.SERVER_ADDRESS)),
        input_tokens=integer(get(semconv.USAGE_INPUT_TOKENS)),
        output_tokens=integer(get(semconv.USAGE_OUTPUT_TOKENS)),
        cache_read_tokens=integer(get(semconv.USAGE_CACHE_READ_INPUT_TOKENS)),
        cache_write_tokens=integer(get(semconv.USAGE_CACHE_CREATION_INPUT_TOKENS)),
        reasoning_tokens=integer(get(semconv.USAGE_REASONING_OUTPUT_TOKENS)),
        cost=decimal(get(semconv.USAGE_COST)),
        cost_input=decimal(get(semconv.COST_INPUT)),
        cost_cache_read=decimal(get(semconv.COST_CACHE_READ)),
        cost_cache_write=decimal(get(semconv.COST_CACHE_WRITE)),
        cost_output=decimal(get(semconv.COST_OUTPUT)),
        currency=string(get(semconv.CURRENCY)) or "USD",
        pricing_status=string(get(semconv.PRICING_STATUS)),
        usage_source=string(get(semconv.USAGE_SOURCE)),
        error_type=error_type,
        is_error=status_code == 2 or status_code == "STATUS_CODE_ERROR" or error_type is not None,
        tags=tags,
        trace_id=trace_id,
        span_id=span_id,
    )


def _string(value: dict | None) -> str | None:
    if value is None:
        return None
    text = value.get("stringValue")
    if text is not None:
        return text
    for other in value.values():  # a number or bool where a string was expected: keep its text
        return None if isinstance(other, (dict, list)) else str(other)
    return None


def _int(value: dict | None) -> int:
    if value is None:
        return 0
    number = value.get("intValue")
    if number is None:
        number = value.get("doubleValue")
        if number is None:
            return 0
        return int(number)
    return int(number)  # protojson writes int64 as a string


def _decimal(value: dict | None) -> Decimal | None:
    if value is None:
        return None
    number = value.get("doubleValue")
    if number is None:
        number = value.get("intValue")
        if number is None:
            return None
    kind = type(number)
    if kind is Decimal:
        return number if number.is_finite() else None
    if kind is float:
        return Decimal(repr(number)) if math.isfinite(number) else None
    if kind is int:
        return Decimal(number)
    if kind is str:  # protojson writes "NaN"/"Infinity" as strings; int64 as a string
        try:
            parsed = Decimal(number)
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
