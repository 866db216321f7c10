"""Telemetry time: nanoseconds since the epoch, UTC. The hour and the day every output counts in, and the moves
between them and ``datetime``."""

from __future__ import annotations

from datetime import datetime, timezone

HOUR_NS = 3600 * 10**9
DAY_NS = 24 * HOUR_NS


def to_ns(moment: datetime | None) -> int | None:
    """A date-time as nanoseconds (a naive one is UTC); ``None`` stays ``None``."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def moment(ns: int) -> datetime:
    """The UTC date-time of ``ns``, to the second."""
    return datetime.fromtimestamp(ns // 10**9, timezone.utc)


def iso(ns: int, hourly: bool = False) -> str:
    """``2026-11-03`` (or ``2026-11-03T14:00Z``, ``hourly``): the day (hour) ``ns`` falls in."""
    return moment(ns).strftime("%Y-%m-%dT%H:00Z" if hourly else "%Y-%m-%d")
