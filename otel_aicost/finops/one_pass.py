"""One read of the telemetry for every output asked for: ``read_once(paths, {"report": factory, ...})``.

``report --html r.html --focus f.csv`` needs the report's aggregates, the hourly series behind the forecast and the
anomalies, and the FOCUS rows. Decoding the JSON is nearly all the work (see ``scan``), so the records are decoded
once and handed to each sink in turn; in worker processes each worker holds one ``Sinks`` and the parent merges them
sink by sink. The tag keys seen are collected on the way, so that a ``--by`` key no call carries can be rejected
with the keys that do exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial

from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.scan import scan


class Sinks:
    """A scan sink that feeds several named sinks."""

    def __init__(self, factories: Mapping[str, Callable]) -> None:
        self.sinks = {name: factory() for name, factory in factories.items()}
        self.tag_keys: set[str] = set()
        self._adds = [sink.add for sink in self.sinks.values()]

    def __getstate__(self) -> dict:
        return {"sinks": self.sinks, "tag_keys": self.tag_keys}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._adds = [sink.add for sink in self.sinks.values()]

    def add(self, record) -> None:
        tags = record.tags
        if tags:
            self.tag_keys.update(tags)
        for add in self._adds:
            add(record)

    def merge(self, other: Sinks) -> None:
        for name, sink in self.sinks.items():
            sink.merge(other.sinks[name])
        self.tag_keys |= other.tag_keys


def read_once(
    paths: Iterable[str],
    factories: Mapping[str, Callable],
    *,
    workers: int | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> tuple[Sinks, ReadStats]:
    """Read ``paths`` once into one sink per factory (picklable: classes, ``functools.partial``)."""
    return scan(paths, partial(Sinks, dict(factories)), workers=workers, progress=progress)
