"""Each span once: ``SeenSpans.keep(records, file, line, stats)`` drops a span whose (traceId, spanId) was read.

A span can reach the files twice: an OTLP exporter retries a batch the Collector had in fact accepted
(at-least-once delivery), or a rotated file is copied back. It is one call, billed once: the first one read
counts, every later one is a duplicate, counted in ``ReadStats.duplicates`` and listed as ``file:line`` like
the other problems. A span without both ids cannot be told apart and always counts.

The key is the 24 bytes of the two hex ids (``bytes.fromhex``), or the two strings when they are not hex:
about 125 bytes per call (57 for the bytes object, ~40 the set's table, 24 in ``packed``), ~0.12 GB per million
calls.

With worker processes each worker keeps its own set; ``scan`` compares what they counted at the end. When two
workers may both have counted a span, the input is read again with every span possibly seen more than once
(``contested``: across workers or within one, as batches may go to other workers on the second pass): the
workers hold those back (``held``) and the parent keeps the first of each in read order, by its full key, so the
result is the one a sequential read gives.

What a worker sends for that comparison is not its set (pickling, unpickling and freeing a million small objects
cost the parent and the workers about a second at 1M spans, most of it cache misses) but ``packed``: the 24-byte
keys it counted, end to end in one ``bytearray``, and the rare text keys apart. The parent compares their *marks*
(``mark``: the span id's 8 bytes as an int, or the text key itself): one int per span, read straight from the
packed bytes. Equal marks with different trace ids (span ids are random 64-bit numbers: one chance in ~10^8 at 1M
spans, or a hand-made file) only cost a second read that finds no duplicate; the decision is always by full key.
"""

from __future__ import annotations

import sys
from array import array
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


def mark(key: bytes | str) -> int | str:
    """What ``scan`` compares across workers: the span id of a hex key (its last 8 bytes, big-endian, as
    ``marks`` reads them: counted ids ``...0001``, ``...0002`` stay distinct in a set's low bits), a text key
    itself."""
    return int.from_bytes(key[16:], "big") if type(key) is bytes else key


def marks(packed: bytes | bytearray, texts: Collection[str]) -> set[int | str]:
    """The marks of the keys a worker counted (``SeenSpans.packed``, ``SeenSpans.texts``)."""
    words = array("Q", packed)
    if sys.byteorder == "little":
        words.byteswap()  # read big-endian, as ``mark`` does
    found: set[int | str] = set(words[2::3])  # every third 8 bytes: the span ids
    found.update(texts)
    return found


class SeenSpans:
    """The spans one reader has counted; those whose ``mark`` is ``contested`` (second parallel pass) go to
    ``held`` instead."""

    def __init__(self, contested: Collection[int | str] = ()) -> None:
        self.keys: set[bytes | str] = set()
        self.packed = bytearray()  # the 24-byte keys counted, end to end (``marks``)
        self.texts: list[str] = []  # the text keys counted
        self.repeated: set[bytes | str] = set()  # keys read more than once here
        self.contested = contested
        self.held: list[tuple[str, int, int, CostRecord]] = []  # (file, line, index in line, record)

    def keep(self, records: list[CostRecord], where: str, number: int, stats: ReadStats) -> list[CostRecord]:
        """The records of one line that count: not seen before, not contested."""
        if not records:
            return records
        keys, contested = self.keys, self.contested
        kept = []
        for index, record in enumerate(records):
            key = span_key(record)
            if key is None:
                kept.append(record)
            elif contested and mark(key) in contested:
                self.held.append((where, number, index, record))
            elif key in keys:
                self.repeated.add(key)
                note_duplicate(stats, where, number, record)
            else:
                keys.add(key)
                if type(key) is bytes:
                    self.packed += key
                else:
                    self.texts.append(key)
                kept.append(record)
        return kept


def note_duplicate(stats: ReadStats, where: str, number: int, record: CostRecord) -> None:
    stats.records -= 1
    stats.duplicates += 1
    stats.problem(f"{where}:{number}", f"duplicate span {record.span_id} of trace {record.trace_id}: counted once")
