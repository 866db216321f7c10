"""Shared bits of the ``prices`` and ``estimate`` commands: settings, errors with exit code 2, output."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import click

from otel_aicost import semconv
from otel_aicost.config.settings import ConfigError, Settings, load_settings


class BadInput(click.ClickException):
    """A clear message on stderr and exit code 2, no traceback (click's default for ClickException is 1)."""

    exit_code = 2


DEPLOYMENT_TYPE = click.Choice(semconv.DEPLOYMENT_TYPES)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        raise BadInput(str(error)) from None


def money(value: Decimal | None) -> str | None:
    """A Decimal as plain digits (no exponent), exact."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def emit(rows: Sequence[Mapping[str, Any]], fmt: str, columns: Sequence[str]) -> None:
    if fmt == "json":
        click.echo(json.dumps(list(rows), indent=2))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buffer.getvalue(), nl=False)
    else:
        table = [[str(row.get(column) if row.get(column) is not None else "-") for column in columns] for row in rows]
        widths = [max([len(column)] + [len(line[i]) for line in table]) for i, column in enumerate(columns)]
        click.echo("  ".join(column.ljust(width) for column, width in zip(columns, widths)).rstrip())
        for line in table:
            click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
