"""What ``report``, ``forecast`` and ``anomalies`` share: one read of the telemetry into the sinks they need,
budgets from the config, and the check of ``--by`` against the tag keys the calls carry. Errors exit 2."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import click

from otel_aicost.finops.one_pass import Sinks, read_once
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.report.groups import check_by
from otel_aicost.finops.series import BudgetSpec
from otel_aicost.finops.telemetry_input import (
    InputError,
    check_stats,
    end_progress,
    input_paths,
    progress_printer,
    run_reader,
)


def read(
    paths: Sequence[str],
    factories: Mapping[str, Callable],
    *,
    dims: Sequence[str],
    workers: int | None,
    progress: bool | None,
) -> tuple[Sinks, ReadStats]:
    """Read ``paths`` (default ./otel-aicost-data/) once into one sink per factory; exit 2 on bad input or --by."""
    show = _after_a_while(progress_printer(progress)) if progress is None else progress_printer(progress)
    tagged = any(d.startswith("tag.") for d in dims)
    paths = input_paths(paths)
    sinks, stats = run_reader(read_once, paths, factories, track_tags=tagged, workers=workers, progress=show)
    if show is not None and getattr(show, "shown", True):
        end_progress(show)
    check_stats(stats, paths)
    if stats.records and tagged:
        try:
            check_by(dims, sinks.tag_keys)
        except ValueError as error:
            raise InputError(str(error)) from None
    return sinks, stats


def _after_a_while(show: Callable[[ReadStats], None] | None, seconds: float = 2.0):
    """On a terminal, by default: progress only once reading has taken ``seconds`` (small inputs stay quiet)."""
    if show is None:
        return None
    started = time.monotonic()

    def maybe(stats: ReadStats) -> None:
        if maybe.shown or time.monotonic() - started >= seconds:
            maybe.shown = True
            show(stats)

    maybe.shown = False
    return maybe


def load_budgets(config: str | None) -> list[BudgetSpec]:
    """Budgets of ``--config`` (else of OTEL_AICOST_CONFIG); a bad file exits 2 naming file, key and problem."""
    from otel_aicost.config.settings import ConfigError, load_settings

    try:
        settings = load_settings({"config": config} if config else None)
    except (ConfigError, OSError) as error:
        raise InputError(str(error)) from None
    return [BudgetSpec.of(budget) for budget in settings.budgets]


def reading_options(command):
    """PATH... plus --progress and --workers: how every command that reads telemetry reads it."""
    command = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Reader processes (default: all CPUs for big inputs).",
    )(command)
    command = click.option(
        "--progress/--no-progress",
        default=None,
        help="Reading progress on stderr (default: on a terminal, once reading takes more than two seconds).",
    )(command)
    return click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))(command)
