"""What the ``report`` and ``focus`` commands share: input paths, time window, progress and problem reporting.

Errors are ``click`` exceptions with exit code 2 and a one-line message: no traceback ever reaches the user.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import click

from otel_aicost.finops.records import DEFAULT_DATA_DIR, FILE_SUFFIXES, ReadError, ReadStats
from otel_aicost.quoting import show


class InputError(click.ClickException):
    """Bad input (missing path, unreadable or corrupt file): click prints ``Error: ...``, exit code 2."""

    exit_code = 2


def input_paths(paths: Sequence[str]) -> list[str]:
    """The given paths, or ``./otel-aicost-data/`` when none is given (it must exist)."""
    if paths:
        return list(paths)
    default = Path(DEFAULT_DATA_DIR)
    if not default.is_dir():
        raise InputError(
            f"no PATH given and no ./{DEFAULT_DATA_DIR}/ folder here; pass telemetry files or folders "
            "(OTLP JSON lines, e.g. the Collector file exporter's output)"
        )
    return [str(default)]


def parse_moment(text: str | None, *, end: bool = False, option: str = "--since") -> datetime | None:
    """ISO date or date-time, UTC unless it says otherwise. A bare date as the end of a window means the whole day."""
    if text is None:
        return None
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{show(text)} is not an ISO date (2026-11-01) or date-time (2026-11-01T12:00:00Z)", param_hint=option
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def window(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    start = parse_moment(since, option="--since")
    stop = parse_moment(until, end=True, option="--until")
    if start is not None and stop is not None and stop <= start:
        raise click.BadParameter(f"--until ({until}) must be after --since ({since})", param_hint="--until")
    return start, stop


PROGRESS_AFTER_S = 2.0  # by default, progress only once reading has taken this long: small inputs stay quiet


def progress_printer(enabled: bool | None) -> Callable[[ReadStats], None] | None:
    """A progress callback writing to stderr: ``True`` always, ``False`` never, ``None`` (the default) when stderr
    is a terminal and reading has taken ``PROGRESS_AFTER_S``. Its ``shown`` says whether it wrote anything."""
    if enabled is None and not sys.stderr.isatty():
        return None
    if enabled is False:
        return None
    started = time.monotonic()

    def show(stats: ReadStats) -> None:
        if not show.shown and enabled is None and time.monotonic() - started < PROGRESS_AFTER_S:
            return
        show.shown = True
        # lines are counted as each file ends, spans as each worker's batch does: show neither before it is known
        lines = f", {stats.lines:,} lines" if stats.lines else ""
        spans = f", {stats.spans:,} spans" if stats.spans else ""
        sys.stderr.write(f"\rreading: {stats.bytes / 1e6:,.0f} MB{lines}{spans}   ")
        sys.stderr.flush()

    show.shown = False
    return show


def end_progress(show: Callable | None) -> None:
    """End the progress line, if one was written."""
    if show is not None and show.shown:
        sys.stderr.write("\n")


def run_reader(func, *args, **kwargs):
    """Call a reading function, turning input problems into exit code 2."""
    try:
        return func(*args, **kwargs)
    except ReadError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{getattr(exc, 'filename', '') or ''}: {exc.strerror or exc}".lstrip(": ")) from None


def check_stats(stats: ReadStats, paths: Sequence[str] = ()) -> None:
    """Fail when nothing readable was found; warn (stderr) about what was skipped, by reason, with the first few
    places (``file:line: what``)."""
    if stats.files == 0:
        searched = ", ".join(paths) if paths else "the given paths"
        raise InputError(
            f"no telemetry files found in {searched} (looked for {', '.join('*' + s for s in FILE_SUFFIXES)}); "
            f"pass the folder the Collector's file exporter writes to, or ./{DEFAULT_DATA_DIR}/"
        )
    unreadable = stats.unreadable_files
    if unreadable:
        first = next((e for e in stats.corrupt_examples if e.startswith(unreadable[0] + ":")), "")
        raise InputError(
            f"{', '.join(unreadable)}: not OTLP JSON lines (not one line of it is telemetry; first problem: "
            f"line {first.removeprefix(unreadable[0] + ':')}); pass the files the Collector's file exporter or "
            f"otel-aicost's default exporter write"
        )
    if stats.corrupt_lines or stats.bad_spans or stats.duplicates:
        click.echo(f"otel-aicost: warning: skipped {stats.skipped_summary()}; the rest was read:", err=True)
        for example in stats.corrupt_examples:
            click.echo(f"  {example}", err=True)
        skipped = stats.corrupt_lines + stats.bad_spans + stats.duplicates
        if skipped > len(stats.corrupt_examples):
            click.echo(f"  ... and {skipped - len(stats.corrupt_examples):,} more", err=True)
