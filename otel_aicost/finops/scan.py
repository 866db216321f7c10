"""Run the telemetry reader over all cores: ``scan(paths, sink_factory) -> (sink, ReadStats)``.

A *sink* consumes ``CostRecord`` objects (``add``) and can absorb another sink of its kind (``merge``); the report
aggregator and the FOCUS builder are sinks. Small inputs are read in this process. Big ones are split into
batches of lines that worker processes decode into their own sink; the sinks and the reading statistics are
merged at the end, so the result is the same as a sequential read (tested) and memory stays bounded: the main
process only holds a few batches in flight (a bounded queue) and reads the files in order, gzip included.

JSON decoding dominates the cost of a report (OTLP JSON is object-heavy), so on a 2-core machine two workers
roughly halve the time.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterable
from typing import Protocol

from otel_aicost.finops.otlp_decode import decode_line
from otel_aicost.finops.records import MAX_EXAMPLES, CostRecord, ReadStats, find_files, read_lines
from otel_aicost.finops.span_dedupe import SeenSpans, mark, marks

PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this, worker start-up costs more than it saves
# Lines per batch handed to a worker. Small on purpose: a batch's buffers (the pipe's message and its lines) are
# written and read once each, and a worker's call table (tens of MB of cells touched at random on shuffled input)
# pushes buffers it does not reuse soon out of the cache; 1 MB batches are reused while still cached.
BATCH_BYTES = 1024 * 1024
PROGRESS_BYTES = 4 * 1024 * 1024  # bytes read in this process between two progress callbacks
_UNTIL_EXIT: list = []  # a worker's results, never freed (see ``_worker``)


class Sink(Protocol):
    def add(self, record: CostRecord) -> None: ...

    def merge(self, other: Sink) -> None: ...


def default_workers() -> int:
    """Worker processes to use: the CPUs this process may run on, at most 8."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def scan(
    paths: Iterable[str | os.PathLike[str]],
    sink_factory: Callable[[], Sink],
    *,
    workers: int | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> tuple[Sink, ReadStats]:
    """Feed every GenAI record in ``paths`` into one sink made by ``sink_factory`` (picklable); return it.

    ``workers``: None picks ``default_workers()`` when the input is bigger than ``PARALLEL_MIN_BYTES``,
    1 reads in this process. Raises ``records.ReadError`` for missing or unreadable paths.
    """
    files = find_files(paths)
    decoder = decode_line
    if workers is None:
        size = sum(f.stat().st_size for f in files)
        workers = default_workers() if size >= PARALLEL_MIN_BYTES else 1
    if workers <= 1:
        return _without_gc(_scan_files, files, sink_factory, decoder, progress)
    return _without_gc(_scan_parallel, files, sink_factory, decoder, workers, progress)


def _without_gc(function, *args) -> tuple[Sink, ReadStats]:
    """Decoding makes no reference cycles, and neither does unpickling the workers' sinks: the cyclic collector's
    passes over the growing sinks cost ~25% of the time of a read here, and seconds in the parent's merge."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return function(*args)
    finally:
        if collecting:
            gc.enable()


def _scan_files(files, sink_factory, decoder, progress) -> tuple[Sink, ReadStats]:
    sink = sink_factory()
    stats = ReadStats()
    add = sink.add
    keep = SeenSpans().keep
    batch_bytes = 0
    for path in files:
        stats.files += 1
        where = str(path)
        for number, raw in read_lines(path, stats):
            for record in keep(decoder(raw, where, number, stats), where, number, stats):
                add(record)
            batch_bytes += len(raw)
            if progress is not None and batch_bytes >= PROGRESS_BYTES:
                batch_bytes = 0
                progress(stats)
    if progress is not None:
        progress(stats)
    return sink, stats


def _worker(tasks, results, sink_factory, decoder, contested) -> None:
    gc.disable()  # see _without_gc
    try:
        sink = sink_factory()
        stats = ReadStats()
        add = sink.add
        seen = SeenSpans(contested)
        keep = seen.keep
        parent = os.getppid()
        while True:
            try:
                task = tasks.get(timeout=2)
            except queue.Empty:
                if os.getppid() != parent:  # the parent died (killed): do not linger
                    return
                continue
            if task is None:
                break
            where, first, lines = task
            for offset, raw in enumerate(lines):
                number = first + offset
                for record in keep(decoder(raw, where, number, stats), where, number, stats):
                    add(record)
            task = lines = raw = None  # freed before the next batch is received: its buffers reuse this memory
        results.put(("ok", (sink, seen.packed, seen.texts, seen.repeated, seen.held), stats))
        # The process ends right after (``os._exit``, once the queue has sent this): kept referenced, the table
        # and the span keys are not freed object by object first (cold memory, ~0.3 s a worker at 1M spans).
        _UNTIL_EXIT.append((sink, seen))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        results.put(("error", traceback.format_exc(), None))


def _scan_parallel(files, sink_factory, decoder, workers, progress) -> tuple[Sink, ReadStats]:
    """Read in ``workers`` processes. A span two workers both counted (a duplicate across batches) makes a second
    pass that hands those spans to this process, which keeps the first of each in read order (``span_dedupe``)."""
    sink, stats, contested = _read_parallel(files, sink_factory, decoder, workers, progress, frozenset())
    if contested:
        sink, stats, _ = _read_parallel(files, sink_factory, decoder, workers, progress, contested)
    if progress is not None:
        progress(stats)
    return sink, stats


def _read_parallel(files, sink_factory, decoder, workers, progress, contested):
    """One parallel read: the merged sink and stats, and the marks (``span_dedupe.mark``) of the spans more than
    one worker may have counted."""
    context = multiprocessing.get_context()
    tasks = context.Queue(maxsize=workers * 2)
    results = context.Queue()
    procs = [
        context.Process(target=_worker, args=(tasks, results, sink_factory, decoder, contested), daemon=True)
        for _ in range(workers)
    ]
    for proc in procs:
        proc.start()
    main_stats = ReadStats()  # what the reading side saw: files, lines, damaged gzip streams
    next_progress = 0
    try:
        for path in files:
            main_stats.files += 1
            where = str(path)
            batch: list[bytes] = []
            first = 1
            size = 0
            for number, raw in read_lines(path, main_stats):
                if not batch:
                    first = number
                batch.append(raw)
                size += len(raw)
                if size >= BATCH_BYTES:
                    _put(tasks, (where, first, batch), procs)
                    main_stats.bytes += size
                    batch, size = [], 0
                    if progress is not None and main_stats.bytes >= next_progress:
                        next_progress = main_stats.bytes + PROGRESS_BYTES
                        progress(main_stats)
            if batch:
                _put(tasks, (where, first, batch), procs)
        for _ in procs:
            _put(tasks, None, procs)
        merged_sink = None
        merged_stats = ReadStats()
        examples = list(main_stats.corrupt_examples)
        counted: set = set()
        again: set = set()
        repeated_anywhere: set = set()
        held: list = []
        for _ in procs:
            kind, payload, stats = _get(results, procs)
            if kind == "error":
                raise RuntimeError(f"telemetry reader worker failed:\n{payload}")
            sink, packed, texts, repeated, worker_held = payload
            repeated_anywhere.update(map(mark, repeated))
            if merged_sink is None:
                merged_sink = sink
            else:
                merged_sink.merge(sink)
            keys = marks(packed, texts)  # compared by mark: see ``span_dedupe``
            if counted:
                again |= counted & keys if len(keys) > len(counted) else keys & counted
                counted |= keys
            else:
                counted = keys
            held.extend(worker_held)
            examples.extend(stats.corrupt_examples)
            merged_stats.merge(stats)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
    # Lines, files and per-file line counts come from the reading side; the rest from the decoders.
    merged_stats.files = main_stats.files
    merged_stats.lines = main_stats.lines
    merged_stats.lines_by_file = main_stats.lines_by_file
    merged_stats.corrupt_lines += main_stats.corrupt_lines
    # Workers finish in any order: the first problems in file and line order, as a sequential read lists them
    # (each worker keeps its own first ones, and a worker reads its batches in file order, so none is missing).
    file_order = {str(path): n for n, path in enumerate(files)}
    if held:  # the contested spans of a second pass: the first in read order counts
        held.sort(key=lambda h: (file_order.get(h[0], len(file_order)), h[1], h[2]))
        keep = SeenSpans().keep  # the same rule a worker applies, now over the held spans in read order
        repeated = ReadStats()
        for where, number, _, record in held:
            for kept in keep([record], where, number, repeated):
                merged_sink.add(kept)
        merged_stats.records += repeated.records  # negative: each duplicate was counted as a record by its worker
        merged_stats.duplicates += repeated.duplicates
        examples.extend(repeated.corrupt_examples)
    in_read_order = _in_read_order(file_order)
    merged_stats.corrupt_examples = sorted(examples, key=in_read_order)[:MAX_EXAMPLES]
    for key, value in main_stats.corrupt_by_file.items():
        merged_stats.corrupt_by_file[key] = merged_stats.corrupt_by_file.get(key, 0) + value
    # A second pass must hold back every span seen twice: batches may reach other workers than on this one.
    return merged_sink, merged_stats, frozenset(again | repeated_anywhere) if again else frozenset()


def _in_read_order(file_order: dict[str, int]) -> Callable[[str], tuple[int, int]]:
    """Sort key of a ``file:line: what`` problem: its file's place in the read, then its line."""

    def key(example: str) -> tuple[int, int]:
        where, _, number = example.split(": ", 1)[0].rpartition(":")
        return file_order.get(where, len(file_order)), int(number) if number.isdigit() else 0

    return key


def _put(tasks, item, procs) -> None:
    while True:
        try:
            tasks.put(item, timeout=1)
            return
        except queue.Full:
            if not all(p.is_alive() for p in procs):
                raise RuntimeError("a telemetry reader worker died (out of memory?)") from None


def _get(results, procs):
    while True:
        try:
            return results.get(timeout=1)
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                raise RuntimeError("telemetry reader workers died without a result (out of memory?)") from None
