"""What ``report``, ``forecast`` and ``anomalies`` share: one read of the telemetry into the call table they need,
budgets from the config, and the check of ``--by`` against the tag keys the calls carry. Errors exit 2."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import partial

import click

from otel_aicost.finops.call_table import CallTable, Plan
from otel_aicost.finops.records import ReadStats
from otel_aicost.finops.report.groups import check_by
from otel_aicost.finops.scan import scan
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
    paths: Sequence[str], plan: Plan, *, workers: int | None, progress: bool | None
) -> tuple[CallTable, ReadStats]:
    """Read ``paths`` (default ./otel-aicost-data/) once into the call table ``plan`` asks for; exit 2 on bad input or
    on a ``--by`` tag key no call carries."""
    show = progress_printer(progress)
    dims = [*plan.by, *(plan.series_by or ())]
    paths = input_paths(paths)
    # The table lives until the command ends. It is made with the collector off, so all of it sits in the
    # youngest generation: the collector's next passes would walk every cell (seconds of cold memory at 1M
    # spans; cachegrind: a third of the parent's cache misses). Frozen, it is never walked; it has no cycles.
    # The collector is off from before the read (``scan`` turns back on only what it turned off: on, its first
    # pass came before the freeze) until the command ends: the outputs' objects point into the table, and each
    # pass over them would still touch every cell they point to; what they leave (no cycles either) is freed by
    # reference counting.
    if gc.isenabled():
        gc.disable()
        click.get_current_context().call_on_close(gc.enable)
    table, stats = run_reader(scan, paths, partial(CallTable, plan), workers=workers, progress=show)
    gc.freeze()
    end_progress(show)
    check_stats(stats, paths)
    if stats.records and any(d.startswith("tag.") for d in dims):
        try:
            check_by(dims, table.tag_keys())
        except ValueError as error:
            raise InputError(str(error)) from None
    return table, stats


def load_budgets(config: str | None) -> list[BudgetSpec]:
    """Budgets of ``--config`` (else of OTEL_AICOST_CONFIG); a bad file exits 2 naming file, key and problem."""
    from otel_aicost.config.settings import ConfigError, load_settings

    try:
        settings = load_settings({"config": config} if config else None)
    except (ConfigError, OSError) as error:
        raise InputError(str(error)) from None
    return [BudgetSpec.of(budget, settings.currency) for budget in settings.budgets]


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
