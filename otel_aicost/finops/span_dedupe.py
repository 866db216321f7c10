"""Each span once: ``SeenSpans.keep(records, file, line, stats)`` drops a span whose (traceId, spanId) was read.

A span can reach the files twice: an OTLP exporter retries a batch the Collector had in fact accepted
(at-least-once delivery), or a rotated file is copied back. It is one call, billed once: the first one read
counts, every later one is a duplicate, counted in ``ReadStats.duplicates`` and listed as ``file:line`` like
the other problems. A span without both ids cannot be told apart and always counts.

The key is the 24 bytes of the two hex ids (``bytes.fromhex``), or the two strings when they are not hex:
about 100 bytes per call in a set (57 for the bytes object, the rest the set's table), ~0.1 GB per million calls.

With worker processes each worker keeps its own set; ``scan`` compares the sets at the end. When two workers
both counted a span, the input is read again with every span seen more than once (``contested``: across
workers or within one, as batches may go to other workers on the second pass): the workers hold those back
(``held``) and the parent keeps the first of each in read order, so the result is the one a sequential read
gives.
"""

from __future__ import annotations

from collections.abc import Collection

from otel_aicost.finops.cost_record import CostRecord, ReadStats


def span_key(record: CostRecord) -> bytes | str | None:
    """The identity of a span: its trace and span ids (None when either is missing)."""
    trace, span = record.trace_id, record.span_id
    if not trace or not span:
        return None
    try:
        key = bytes.fromhex(trace + span)
    except ValueError:
        return trace + "/" + span  # not hex (a hand-written file): the text itself
    return key if len(key) == 24 else trace + "/" + span  # hex with spaces, or other lengths: the text


class SeenSpans:
    """The spans one reader has counted; ``contested`` ones (second parallel pass) go to ``held`` instead."""

    def __init__(self, contested: Collection[bytes | str] = ()) -> None:
        self.keys: set[bytes | str] = set()
        self.repeated: set[bytes | str] = set()  # keys read more than once here
        self.contested = contested
        self.held: list[tuple[str, int, int, CostRecord]] = []  # (file, line, index in line, record)

    def keep(self, records: list[CostRecord], where: str, number: int, stats: ReadStats) -> list[CostRecord]:
        """The records of one line that count: not seen before, not contested."""
        if not records:
            return records
        keys = self.keys
        kept = []
        for index, record in enumerate(records):
            key = span_key(record)
            if key is None:
                kept.append(record)
            elif key in self.contested:
                self.held.append((where, number, index, record))
            elif key in keys:
                self.repeated.add(key)
                note_duplicate(stats, where, number, record)
            else:
                keys.add(key)
                kept.append(record)
        return kept


def note_duplicate(stats: ReadStats, where: str, number: int, record: CostRecord) -> None:
    stats.records -= 1
    stats.duplicates += 1
    stats.problem(f"{where}:{number}", f"duplicate span {record.span_id} of trace {record.trace_id}: counted once")
