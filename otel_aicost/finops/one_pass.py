"""One read of the telemetry for every output asked for: ``read_once(paths, {"report": factory, ...})``.

``report --html r.html --focus f.csv`` needs the report's aggregates, the hourly series behind the forecast and the
anomalies, and the FOCUS rows. Decoding the JSON is nearly all the work (see ``scan``), so the records are decoded
once and handed to each sink in turn; in worker processes each worker holds one ``Sinks`` and the parent merges them
sink by sink. The tag keys seen are collected on the way (or asked of a sink that keeps them, ``tag_keys()``:
``call_table.CallTable``), so that a ``--by`` key no call carries can be rejected with the keys that do exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial

from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.scan import scan


class Sinks:
    """A scan sink that feeds several named sinks (and, when asked, collects the tag keys seen)."""

    def __init__(self, factories: Mapping[str, Callable], track_tags: bool = False) -> None:
        self.sinks = {name: factory() for name, factory in factories.items()}
        # a sink that keeps the tags can say which keys it saw: no need to look at every call's
        self.track_tags = track_tags and not all(hasattr(sink, "tag_keys") for sink in self.sinks.values())
        self.seen_tags: set[str] = set()
        self._bind()

    @property
    def tag_keys(self) -> set[str]:
        """Tag keys the calls read carry."""
        keys = set(self.seen_tags)
        for sink in self.sinks.values():
            if hasattr(sink, "tag_keys"):
                keys |= sink.tag_keys()
        return keys

    def __getstate__(self) -> dict:
        return {"sinks": self.sinks, "track_tags": self.track_tags, "seen_tags": self.seen_tags}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bind()

    def _bind(self) -> None:
        """``self.add``: the cheapest function that does the job (it runs once per call read)."""
        adds = [sink.add for sink in self.sinks.values()]
        if self.track_tags:
            seen = self.seen_tags

            def add(record) -> None:
                tags = record.tags
                if tags:
                    seen.update(tags)
                for one in adds:
                    one(record)

        elif len(adds) == 1:
            add = adds[0]
        elif len(adds) == 2:
            first, second = adds

            def add(record) -> None:
                first(record)
                second(record)

        elif len(adds) == 3:
            first, second, third = adds

            def add(record) -> None:
                first(record)
                second(record)
                third(record)

        else:

            def add(record) -> None:
                for one in adds:
                    one(record)

        self.add = add

    def merge(self, other: Sinks) -> None:
        for name, sink in self.sinks.items():
            sink.merge(other.sinks[name])
        self.seen_tags |= other.seen_tags
        self._bind()  # keep ``add`` pointing at this Sinks' own set


def read_once(
    paths: Iterable[str],
    factories: Mapping[str, Callable],
    *,
    track_tags: bool = False,
    workers: int | None = None,
    progress: Callable[[ReadStats], None] | None = None,
) -> tuple[Sinks, ReadStats]:
    """Read ``paths`` once into one sink per factory (picklable: classes, ``functools.partial``).

    ``track_tags``: collect the tag keys the calls carry (``Sinks.tag_keys``), to check a ``--by`` against.
    """
    return scan(paths, partial(Sinks, dict(factories), track_tags), workers=workers, progress=progress)
